"""
The project's set-up commands; needs only Python 3.11+ and pip.

    python3 tasks.py test      # install everything into .venv, then ruff, mypy and the tests
    python3 tasks.py example   # install everything into .venv, then run the example DAG end to end
    python3 tasks.py lock      # re-resolve requirements/dev.lock after changing dependencies

Installs use uv (installed into .venv by pip) from the lock file, with bytecode compiled: these
machines set PYTHONDONTWRITEBYTECODE=1, and Airflow imports twice as slowly from source.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
LOCK = ROOT / "requirements" / "dev.lock"


def run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    subprocess.run([str(part) for part in command], cwd=ROOT, check=True, env=env)


def install() -> None:
    """Create .venv and install the locked dependencies and this package (editable) into it."""
    if not PYTHON.exists():
        venv.create(VENV, with_pip=True)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "uv>=0.5")
    uv = (PYTHON, "-m", "uv", "pip")
    run(*uv, "sync", "--quiet", "--python", PYTHON, "--compile-bytecode", LOCK)
    run(*uv, "install", "--quiet", "--python", PYTHON, "--compile-bytecode", "--no-deps", "-e", ROOT)


def test() -> None:
    install()
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "mypy")
    run(PYTHON, "-m", "pytest", *sys.argv[2:])


def example() -> None:
    install()
    run(PYTHON, ROOT / "example_dags" / "run_example.py", *sys.argv[2:])


def lock() -> None:
    if not PYTHON.exists():
        install()
    run(
        PYTHON, "-m", "uv", "pip", "compile", "pyproject.toml", "--extra", "dev", "--universal",
        "--python-version", "3.11", "--quiet", "-o", LOCK,
    )  # fmt: skip


COMMANDS = {"test": test, "example": example, "lock": lock, "install": install}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    try:
        COMMANDS[sys.argv[1]]()
    except subprocess.CalledProcessError as error:
        sys.exit(error.returncode)
