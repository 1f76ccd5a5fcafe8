"""Every ```python block of README.md and docs/*.md runs, and prints what its comments say.

How the pages are run (docs/README.md, "Docs that run", says the same for writers):

- The blocks of one page run in order, in one namespace, in a temporary directory of their own (one per
  page), so a block may use names and files from the earlier blocks of its page. One test per block, named
  by page and line (``test_doc_block[docs/sla.md:7]``); running one alone runs the blocks before it first.
- ``<!-- slakit: skip reason="needs a PostgreSQL server" -->`` just before a block: the block is shown, not
  run, and its test is skipped with that reason (pytest's ``-ra`` lists it in the report).
- ``<!-- slakit: requires="durable" -->`` just before a block: it needs an optional module; without it the
  test skips saying so (and fails in CI, where ``SLAKIT_CI=1`` and every optional tool is installed).
- ``<!-- slakit: file="numbering.toml" -->`` just before any other fenced block: its text is written to that
  file in the page's directory, at that point of the page, for the later blocks to read.
- Only a ``print(...)`` statement with a comment on its last line is checked: the comment is what that call
  prints, exactly (one line; a print that runs more than once or prints several lines fails). A remark may
  follow the value after ``  # ``. Comments anywhere else are prose.
"""

from __future__ import annotations

import ast
import io
import os
import re
import sys
import tokenize
import traceback
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.optional import require_module

ROOT = Path(__file__).resolve().parents[1]

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
_MARKER = re.compile(r"^<!--\s*slakit:\s*(?P<body>.*?)\s*-->\s*$")
_MARKER_ARGS = re.compile(
    r'^(?:skip\s+reason="(?P<reason>[^"]+)"|file="(?P<file>[^"/\\]+)"|requires="(?P<module>[\w.]+)")$'
)
_REMARK = "  # "
PYTHON = ("python", "py", "python3")  # the info strings of a block that runs


def pages() -> list[Path]:
    """README.md and every docs/*.md, found anew each run (a new page needs no registration here)."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@dataclass(frozen=True, slots=True)
class Step:
    """One fenced block of a page that the runner acts on."""

    page: str  # relative to the repository, e.g. "docs/sla.md"
    line: int  # 1-based line of the opening fence
    language: str
    code: str  # the block's text; its first line is line + 1 of the page
    skip: str | None = None  # the reason, for a block marked skip
    file: str | None = None  # the file name, for a block marked file
    requires: str | None = None  # the optional module a block marked requires needs

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


class MarkerError(ValueError):
    pass


def read_page(path: Path) -> list[Step]:
    """The python blocks and the file blocks of one page, in page order."""
    page = path.relative_to(ROOT).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    steps: list[Step] = []
    marker: tuple[int, str] | None = None
    i = 0
    while i < len(lines):
        text = lines[i]
        if found := _MARKER.match(text.strip()):
            if marker is not None:
                raise MarkerError(f"{page}:{marker[0]}: marker not followed by a fenced block")
            marker = (i + 1, found["body"])
            i += 1
            continue
        opening = _FENCE.match(text)
        if opening is None:
            if text.strip() and marker is not None:
                raise MarkerError(f"{page}:{marker[0]}: marker not followed by a fenced block")
            i += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        language = opening["info"].strip().split(" ")[0].lower() if opening["info"].strip() else ""
        language = "python" if language in PYTHON else language
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not re.match(rf"^ {{0,3}}{fence[0]}{{{len(fence)},}}\s*$", lines[j]):
            body.append(lines[j][min(indent, len(lines[j]) - len(lines[j].lstrip(" "))) :])
            j += 1
        code = "\n".join(body) + "\n"
        skip = file = module = None
        if marker is not None:
            args = _MARKER_ARGS.match(marker[1])
            if args is None:
                raise MarkerError(
                    f"{page}:{marker[0]}: unknown marker {marker[1]!r} "
                    '(expected skip reason="...", requires="module" or file="name")'
                )
            skip, file, module = args["reason"], args["file"], args["module"]
            if (file is None) != (language == "python"):
                what = "a data block" if file else "a python block"
                raise MarkerError(f"{page}:{marker[0]}: {marker[1]} marks {what} (got {language or 'no language'})")
            marker = None
        if language == "python" or file is not None:
            steps.append(Step(page, i + 1, language, code, skip=skip, file=file, requires=module))
        i = j + 1
    if marker is not None:
        raise MarkerError(f"{page}:{marker[0]}: marker not followed by a fenced block")
    return steps


def _collect() -> list[Any]:
    params: list[Any] = []
    for path in pages():
        try:
            steps = read_page(path)
        except MarkerError as exc:
            params.append(pytest.param(exc, id=path.relative_to(ROOT).as_posix()))
            continue
        params.extend(pytest.param(step, id=step.id) for step in steps if step.language == "python")
    return params


# --- printed values --------------------------------------------------------------------------------------


def promised_prints(code: str) -> dict[int, str]:
    """Line (in the block) of each checked print -> the text it promises."""
    comments: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string
    promised: dict[int, str] = {}
    for node in ast.walk(ast.parse(code)):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id == "print"
            and node.end_lineno in comments
        ):
            value = comments[node.end_lineno].removeprefix("#").removeprefix(" ")
            promised[node.end_lineno] = value.split(_REMARK)[0].rstrip()
    return promised


class _Prints:
    """The namespace's ``print``: prints as usual and remembers what each line of the block printed."""

    def __init__(self, filename: str, first_line: int) -> None:
        self.filename = filename
        self.first_line = first_line
        self.by_line: dict[int, list[str]] = {}

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("file") not in (None, sys.stdout):
            print(*args, **kwargs)
            return
        out = io.StringIO()
        print(*args, **{**kwargs, "file": out})
        sys.stdout.write(out.getvalue())
        frame = sys._getframe(1)  # the caller's line is how a print is matched to its comment
        while frame is not None and frame.f_code.co_filename != self.filename:
            frame = frame.f_back  # a print inside a function the block defined: counted on the block's line
        if frame is not None:
            self.by_line.setdefault(frame.f_lineno - self.first_line + 1, []).append(out.getvalue())


# --- running a page --------------------------------------------------------------------------------------


@dataclass
class PageRun:
    steps: list[Step]
    directory: Path
    namespace: dict[str, Any] = field(init=False)
    done: int = 0  # steps run so far
    failed: str | None = None  # the id of the first block that failed

    def __post_init__(self) -> None:
        # a real module, so that classes the page defines can be pickled and dataclasses find their module
        module = types.ModuleType("slakit_docs_" + re.sub(r"\W", "_", self.steps[0].page if self.steps else "page"))
        sys.modules[module.__name__] = module
        self.namespace = module.__dict__

    def run_through(self, target: Step) -> None:
        index = self.steps.index(target)
        while self.done <= index:
            step = self.steps[self.done]
            self.done += 1
            if step != target and (self.failed or step.skip is not None or step.requires is not None):
                continue  # a skipped block is shown, not run, whichever test reaches it
            if self.failed:
                pytest.fail(f"not run: the earlier block {self.failed} of this page failed", pytrace=False)
            try:
                self._run(step)
            except pytest.skip.Exception:
                raise
            except BaseException:
                self.failed = step.id
                if step == target:
                    raise
            if self.failed:
                pytest.fail(f"not run: the earlier block {step.id} of this page failed", pytrace=False)

    def _run(self, step: Step) -> None:
        if step.file is not None:
            (self.directory / step.file).write_text(step.code, encoding="utf-8")
            return
        if step.skip is not None:
            pytest.skip(f"{step.id} not run: {step.skip}")
        if step.requires is not None:
            require_module(step.requires)  # skips without it (fails in CI, SLAKIT_CI=1)
        filename = str(ROOT / step.page)
        prints = _Prints(filename, step.line + 1)
        self.namespace["print"] = prints
        cwd = Path.cwd()
        os.chdir(self.directory)
        raised = None
        try:
            compiled = compile(ast.increment_lineno(ast.parse(step.code, filename), step.line), filename, "exec")
            exec(compiled, self.namespace)  # noqa: S102 -- running the docs' own examples is the point
        except Exception:
            raised = traceback.format_exc(limit=-4)
        finally:
            os.chdir(cwd)
        if raised is not None:
            pytest.fail(f"{step.id} raised:\n{raised}", pytrace=False)
        _check_prints(step, prints)


def _check_prints(step: Step, prints: _Prints) -> None:
    problems = []
    for line, expected in promised_prints(step.code).items():
        where = f"{step.page}:{step.line + line}"
        outputs = prints.by_line.get(line, [])
        if len(outputs) != 1:
            problems.append(f"{where}: the print with a promised value ran {len(outputs)} times (expected once)")
            continue
        got = outputs[0].removesuffix("\n")
        if got != expected:
            problems.append(f"{where}: printed {got!r}, the comment says {expected!r}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def page_runs(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], PageRun]:
    runs: dict[str, PageRun] = {}

    def run_for(page: str) -> PageRun:
        if page not in runs:
            directory = tmp_path_factory.mktemp(re.sub(r"\W", "-", page))
            runs[page] = PageRun(read_page(ROOT / page), directory)
        return runs[page]

    return run_for


@pytest.mark.parametrize("block", _collect())
def test_doc_block(block: Step | MarkerError, page_runs: Callable[[str], PageRun]) -> None:
    if isinstance(block, MarkerError):
        pytest.fail(str(block), pytrace=False)
    page_runs(block.page).run_through(block)


# --- the runner itself -----------------------------------------------------------------------------------


def test_every_page_is_read_and_the_readme_has_a_block() -> None:
    found = {step.page for path in pages() for step in read_page(path)}
    assert "README.md" in found
    assert len(pages()) > 5


def test_markers_and_fences_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    page = tmp_path / "p.md"
    page.write_text(
        "text\n\n"
        '<!-- slakit: skip reason="needs a PostgreSQL server" -->\n'
        "```python\nconnect()\n```\n\n"
        '<!-- slakit: file="a.toml" -->\n\n'
        "```toml\nx = 1\n```\n"
        "````python\nprint('```')  # ```\n````\n"
        "```sh\nnot python\n```\n"
        '<!-- slakit: requires="durable" -->\n'
        "```python\nimport durable\n```\n"
        "```py\nx = 2\n```\n",
        encoding="utf-8",
    )
    steps = read_page(page)
    assert [(s.line, s.language, s.skip, s.file) for s in steps] == [
        (4, "python", "needs a PostgreSQL server", None),
        (10, "toml", None, "a.toml"),
        (13, "python", None, None),
        (20, "python", None, None),
        (23, "python", None, None),
    ]
    assert steps[3].requires == "durable"
    assert steps[1].code == "x = 1\n"
    run = PageRun(steps, tmp_path)
    with pytest.raises(pytest.skip.Exception, match=r"p\.md:4 not run: needs a PostgreSQL server"):
        run.run_through(steps[0])  # skipped with its reason, which -ra shows in the report
    assert steps[2].code == "print('```')  # ```\n"


@pytest.mark.parametrize(
    "text",
    [
        "<!-- slakit: skip -->\n```python\nx\n```\n",
        '<!-- slakit: skip reason="r" -->\ntext between\n```python\nx\n```\n',
        '<!-- slakit: file="a.toml" -->\n```python\nx\n```\n',
        '<!-- slakit: skip reason="r" -->\n',
    ],
)
def test_a_marker_that_cannot_be_followed_is_an_error(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    (tmp_path / "p.md").write_text(text, encoding="utf-8")
    with pytest.raises(MarkerError, match=r"p\.md:1"):
        read_page(tmp_path / "p.md")


def test_only_comments_on_print_lines_are_promises() -> None:
    code = (
        "x = 1  # one\n"
        "print(x)  # 1\n"
        "print(x)\n"
        "print(\n    x,\n)  # 1  # a remark\n"
        "x  # 1, prose\n"
        "for i in range(2):\n    print(i)  # 0\n"
    )
    assert promised_prints(code) == {2: "1", 6: "1", 9: "0"}


def test_a_wrong_or_repeated_print_fails(tmp_path: Path) -> None:
    step = Step("p.md", 1, "python", "print(1)  # 2\nfor i in range(2):\n    print(i)  # 0\nprint(3)  # 3\n")
    run = PageRun([step], tmp_path)
    with pytest.raises(pytest.fail.Exception) as failed:
        run.run_through(step)
    message = str(failed.value)
    assert "p.md:2: printed '1', the comment says '2'" in message
    assert "p.md:4: the print with a promised value ran 2 times" in message
    assert "p.md:5" not in message


def test_blocks_share_a_namespace_and_a_directory_and_a_failure_stops_the_page(tmp_path: Path) -> None:
    steps = [
        Step("p.md", 1, "toml", "x = 1\n", file="a.toml"),
        Step("p.md", 5, "python", "from pathlib import Path\ntext = Path('a.toml').read_text()\n"),
        Step("p.md", 9, "python", "print(text.strip())  # x = 1\nraise RuntimeError('boom')\n"),
        Step("p.md", 13, "python", "print('after')\n"),
    ]
    run = PageRun(steps, tmp_path)
    run.run_through(steps[1])
    with pytest.raises(pytest.fail.Exception, match=r"p.md:9 raised:[\s\S]*p.md\", line 11[\s\S]*boom"):
        run.run_through(steps[2])
    with pytest.raises(pytest.fail.Exception, match=r"earlier block p\.md:9 of this page failed"):
        run.run_through(steps[3])


def test_a_page_can_define_and_pickle_a_dataclass(tmp_path: Path) -> None:
    code = (
        "from __future__ import annotations\nimport pickle\nfrom dataclasses import dataclass\n\n"
        "@dataclass(frozen=True)\nclass Reply:\n    text: str\n\n"
        "print(pickle.loads(pickle.dumps(Reply('ok'))))  # Reply(text='ok')\n"
    )
    step = Step("docs/x.md", 1, "python", code)
    PageRun([step], tmp_path).run_through(step)
