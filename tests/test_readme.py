"""The README's command lines and tasks.py (its python block runs in tests/test_docs.py, with every page's)."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _command_lines() -> list[list[str]]:
    """The README's command-line examples, each as the arguments after the program name."""
    import shlex

    text = README.read_text(encoding="utf-8")
    section = text[text.index("## The command line") : text.index("## Documentation")]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1)
    return [shlex.split(line, comments=True) for line in block.splitlines() if line.strip()]


def test_the_readme_says_how_to_run_slakit_after_its_set_up():
    """Regression: after the README's two set-up commands `slakit` is not on PATH, yet the README ran it bare."""
    from slakit.cli.parser import build_parser

    lines = _command_lines()
    assert len(lines) >= 5
    for words in lines:
        assert words[:3] == ["python3", "tasks.py", "slakit"] or words[0] == ".venv/bin/slakit", words
        args = words[3:] if words[0] == "python3" else words[1:]
        build_parser().parse_args(args)  # a command line slakit accepts (argparse exits on one it does not)


def test_tasks_py_runs_slakit_from_the_venv_in_the_callers_directory(monkeypatch, tmp_path):
    import importlib.util
    import subprocess

    spec = importlib.util.spec_from_file_location("tasks", README.parent / "tasks.py")
    tasks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tasks)
    ensured, ran = [], []
    monkeypatch.setattr(tasks, "_ensure_env", ensured.append)

    def fake_run(command, **options):
        ran.append((command, options))
        return subprocess.CompletedProcess(command, 3)

    monkeypatch.setattr(tasks.subprocess, "run", fake_run)
    monkeypatch.setattr(tasks.sys, "argv", ["tasks.py", "slakit", "evaluate", "export.csv", "--policy", "p1-p3"])
    monkeypatch.chdir(tmp_path)
    assert tasks.main() == 3  # the command's own exit code
    assert ensured == [""]  # slakit without extras, installed into .venv first
    ((command, options),) = ran
    assert command == [str(tasks.PYTHON), "-m", "slakit", "evaluate", "export.csv", "--policy", "p1-p3"]
    assert "cwd" not in options  # the caller's directory: export.csv is theirs


def test_tasks_py_test_installs_the_example_services_requirements_before_checking(monkeypatch):
    import importlib.util
    import subprocess

    spec = importlib.util.spec_from_file_location("tasks", README.parent / "tasks.py")
    tasks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tasks)
    order = []
    monkeypatch.setattr(tasks, "_ensure_env", lambda extras: order.append(("env", extras)))
    monkeypatch.setattr(tasks, "_ensure_requirements", lambda path: order.append(("requirements", path)))
    monkeypatch.setattr(tasks, "_run", lambda *args: order.append(("run", args[1])) or 0)
    monkeypatch.setattr(tasks.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0))
    assert tasks.test([]) == 0
    assert order == [
        ("env", "dev,durable"),
        ("requirements", README.parent / "examples" / "helpdesk" / "requirements.txt"),
        ("run", "ruff"),
        ("run", "mypy"),
        ("run", "pytest"),
    ]
    assert tasks.EXAMPLE_REQUIREMENTS.exists()
