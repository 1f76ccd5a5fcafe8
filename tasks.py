#!/usr/bin/env python3
"""The project's own commands; needs nothing but python3.

    python3 tasks.py demo [ARGS...]   # the main job (installs slakit into .venv first)
    python3 tasks.py slakit ARGS...   # the slakit command, e.g. slakit evaluate export.csv --policy p1-p3
    python3 tasks.py test [PYTEST ARGS...]  # ruff, mypy and the whole test suite (examples/helpdesk's too)
    python3 tasks.py bench [NAME]     # benchmarks against peer libraries (installs them first)

Each command creates `.venv` and installs what it needs on first use, and again whenever
pyproject.toml changes. Set HYPOTHESIS_PROFILE=thorough for the long property-test run.
With SLAKIT_CI=1 (set by .ci/run) tests that need an optional tool (durable-rules, Chromium, PostgreSQL)
fail when it is missing instead of skipping.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"


def _ensure_env(extras: str) -> None:
    """Create .venv and install slakit with `extras`, unless the same install is already there."""
    stamp_text = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'base'}"
    if stamp.exists() and stamp.read_text() == stamp_text:
        return
    if not PYTHON.exists():
        print("creating .venv", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    target = f".[{extras}]" if extras else "."
    print(f"installing slakit{('[' + extras + ']') if extras else ''} into .venv", file=sys.stderr)
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", target],
        cwd=ROOT,
        check=True,
    )
    stamp.write_text(stamp_text)


EXAMPLE_REQUIREMENTS = ROOT / "examples" / "helpdesk" / "requirements.txt"


def _ensure_requirements(requirements: Path) -> None:
    """Install a requirements file into .venv, unless the same file is already installed."""
    stamp_text = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = VENV / f".installed-{requirements.parent.name}"
    if stamp.exists() and stamp.read_text() == stamp_text:
        return
    print(f"installing {requirements.relative_to(ROOT)} into .venv", file=sys.stderr)
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(requirements)],
        cwd=ROOT,
        check=True,
    )
    stamp.write_text(stamp_text)


def _run(*args: str) -> int:
    return subprocess.run([str(PYTHON), *args], cwd=ROOT, check=False).returncode


def demo(args: list[str]) -> int:
    _ensure_env("")
    return _run("-m", "slakit", "demo", *args)


def slakit(args: list[str]) -> int:
    """The ``slakit`` command installed in .venv, run in the caller's working directory (paths stay theirs)."""
    _ensure_env("")
    return subprocess.run([str(PYTHON), "-m", "slakit", *args], check=False).returncode


def test(args: list[str]) -> int:
    try:
        # durable-rules (the experimental escalation adapter) builds from source with the machine's C compiler
        _ensure_env("dev,durable")
    except subprocess.CalledProcessError:
        if os.environ.get("SLAKIT_CI"):
            raise
        print("durable-rules did not install: its parity tests will skip", file=sys.stderr)
        _ensure_env("dev")
    _ensure_requirements(EXAMPLE_REQUIREMENTS)  # examples/helpdesk: checked by ruff and mypy, tested by pytest
    for step in (["-m", "ruff", "check", "."], ["-m", "mypy"]):
        print("$ " + " ".join(step[1:]), flush=True)
        if code := _run(*step):
            return code
    print("$ pytest", flush=True)
    return _run("-m", "pytest", *args)


def bench(args: list[str]) -> int:
    _ensure_env("dev,bench")
    names = args or sorted(p.stem.removeprefix("bench_") for p in (ROOT / "benchmarks").glob("bench_*.py"))
    for name in names:
        print(f"$ benchmarks/bench_{name}.py", flush=True)
        if code := _run(str(ROOT / "benchmarks" / f"bench_{name}.py")):
            return code
    return 0


COMMANDS = {"demo": demo, "slakit": slakit, "test": test, "bench": bench}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    return COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
