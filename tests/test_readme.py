"""The README's example runs and prints what its comments say."""

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_prints_what_it_promises():
    code = re.search(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL).group(1)
    promised = [line.split("# ")[1].split(",")[0].strip() for line in code.splitlines() if "print(" in line]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), {})  # noqa: S102 -- running our own README is the point
    printed = out.getvalue().splitlines()
    assert len(printed) == len(promised)
    for line, expected in zip(printed, promised, strict=True):
        assert line == expected
