"""
The project's set-up commands; needs only Python 3.11+ and pip.

    python3 tasks.py test      # install everything into .venv, then ruff, mypy and the tests
    python3 tasks.py example   # install everything into .venv, then run the example DAG end to end
    python3 tasks.py lock      # re-resolve requirements/dev.lock after changing dependencies
    python3 tasks.py mwaa VERSION [pytest args]
                               # install the built wheel as MWAA would, under MWAA's constraint files
                               # for Airflow VERSION (every constraints-VERSION.txt in ../shared/mwaa),
                               # or the newest releases unconstrained (VERSION=latest), then check
                               # `airflow providers ...` and run the tests against the installed wheel
                               # (all but the cases marked exhaustive)
    python3 tasks.py mwaa-versions
                               # the MWAA versions whose constraint files ../shared/mwaa holds
    python3 tasks.py deployment dev|VERSION [pytest args]
                               # the deployment tier: PostgreSQL, scheduler, triggerer, API server /
                               # webserver, dag-processor as separate processes with the
                               # LocalExecutor, then its Celery leg as MWAA runs it (Redis broker, two
                               # Celery workers, schedulers and triggerers) (dev: .venv; VERSION: the
                               # wheel under MWAA's constraints); needs Debian's postgresql,
                               # redis-server and chromium; `-m celery` or `-m "not celery"` runs one leg

Installs use uv (installed into .venv by pip) from the lock file, with bytecode compiled: these
machines set PYTHONDONTWRITEBYTECODE=1, and Airflow imports twice as slowly from source.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
LOCK = ROOT / "requirements" / "dev.lock"
MWAA_CONSTRAINTS = Path(os.environ.get("CLEANROOMSML_MWAA_CONSTRAINTS", ROOT.parent / "shared" / "mwaa"))
PACKAGE = "airflow-provider-cleanroomsml"


def run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    subprocess.run([str(part) for part in command], cwd=ROOT, check=True, env=env)


def bootstrap() -> None:
    """Create .venv with uv in it (pip is all a fresh machine has)."""
    if not PYTHON.exists():
        venv.create(VENV, with_pip=True)
    if subprocess.run([str(PYTHON), "-m", "uv", "--version"], capture_output=True).returncode == 0:
        return
    if subprocess.run([str(PYTHON), "-m", "pip", "--version"], capture_output=True).returncode != 0:
        run(PYTHON, "-m", "ensurepip", "--upgrade")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "uv>=0.5")


def install() -> None:
    """Create .venv and install the locked dependencies and this package (editable) into it."""
    bootstrap()
    uv = (PYTHON, "-m", "uv", "pip")
    run(*uv, "sync", "--quiet", "--python", PYTHON, "--compile-bytecode", LOCK)
    run(*uv, "install", "--quiet", "--python", PYTHON, "--compile-bytecode", "--no-deps", "-e", ROOT)


PARALLEL = ("-n", "3")
"""pytest-xdist workers: the tests mostly wait on reads and DAG runs, so three share two cores well."""


def test() -> None:
    install()
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "mypy")
    run(PYTHON, "-m", "pytest", *PARALLEL, *sys.argv[2:])


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


def mwaa_environment(version: str, extra: tuple[str, ...] = ()) -> Path:
    """
    Build the wheel and install it into .venvs/mwaa-VERSION as an MWAA requirements.txt would.

    :return: The environment's Python.
    """
    bootstrap()
    dist = ROOT / "build" / "wheel"
    shutil.rmtree(dist, ignore_errors=True)
    run(PYTHON, "-m", "uv", "build", "--quiet", "--wheel", "--out-dir", dist, ROOT)
    (wheel,) = dist.glob("*.whl")

    target = ROOT / ".venvs" / f"mwaa-{version}"
    shutil.rmtree(target, ignore_errors=True)
    run(PYTHON, "-m", "uv", "venv", "--quiet", "--python", sys.executable, target)
    lines = [str(wheel), "pytest", "pytest-xdist", "jsonschema", *extra]
    if version != "latest":
        constraints = [
            MWAA_CONSTRAINTS / f"constraints-{version}.txt",
            MWAA_CONSTRAINTS / f"essential-constraints-{version}.txt",
        ]
        missing = [str(path) for path in constraints if not path.exists()]
        if missing:
            sys.exit(f"MWAA constraint files not found: {', '.join(missing)}")
        lines = [f"--constraint {path}" for path in constraints] + lines
    requirements = target / "requirements.txt"
    requirements.write_text("\n".join(lines) + "\n")
    python = target / BIN.name / "python"
    run(
        PYTHON,
        "-m",
        "uv",
        "pip",
        "install",
        "--quiet",
        "--python",
        python,
        "--compile-bytecode",
        "-r",
        requirements,
    )
    return python


def copy_tests(scratch: Path) -> None:
    """Copy the tests (and example DAGs) to ``scratch``, so that they import the installed wheel."""
    for folder in ("tests", "example_dags"):
        shutil.copytree(ROOT / folder, scratch / folder, symlinks=True)
    shutil.copy(ROOT / "pyproject.toml", scratch)


def mwaa() -> None:
    """Install the wheel the way an MWAA requirements.txt would, check Airflow sees it, run the tests."""
    if len(sys.argv) < 3:
        versions = ", ".join(mwaa_versions())
        sys.exit(f"usage: python3 tasks.py mwaa VERSION [pytest args]   (VERSION: {versions} or latest)")
    version, pytest_args = sys.argv[2], sys.argv[3:]
    python = mwaa_environment(version)
    with tempfile.TemporaryDirectory(prefix="cleanroomsml-mwaa-") as scratch:
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(Path(scratch) / "airflow"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        }
        for listing, expected in (
            ("list", PACKAGE),
            ("hooks", "CleanRoomsMLHook"),
            ("triggers", "airflow_cleanroomsml"),
        ):
            output = subprocess.run(
                [str(python), "-m", "airflow", "providers", listing, "--output", "json"],
                env=env, capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            if expected not in output:
                sys.exit(f"`airflow providers {listing}` does not show {expected}")
            print(f"`airflow providers {listing}` shows {expected}")
        copy_tests(Path(scratch))
        # The development leg runs every case; these legs leave out the "exhaustive" ones (more
        # modes and situations of a table whose every class a lighter case already runs).
        subprocess.run(
            [str(python), "-m", "pytest", *PARALLEL, "-m", "not exhaustive", *pytest_args],
            cwd=scratch,
            check=True,
        )


def deployment() -> None:
    """
    Run the deployment tier: PostgreSQL and Airflow's components as separate processes.

    ``dev`` runs it in .venv (the development lock); an MWAA version, against the wheel installed
    under that version's constraint files, with the Celery provider MWAA's image has. Needs
    PostgreSQL's server binaries (Debian: postgresql), for the Celery leg Redis (Debian:
    redis-server) and, for the browser check, Chromium (Debian: chromium).
    """
    if len(sys.argv) < 3:
        sys.exit("usage: python3 tasks.py deployment dev|VERSION [pytest args]")
    version, pytest_args = sys.argv[2], sys.argv[3:]
    env = {**os.environ, "CLEANROOMSML_DEPLOYMENT": "1"}
    if version == "dev":
        install()
        run(PYTHON, "-m", "pytest", "tests/deployment", *pytest_args, env=env)
        return
    python = mwaa_environment(
        version, extra=("psycopg2-binary", "asyncpg", "playwright", "apache-airflow-providers-celery")
    )
    with tempfile.TemporaryDirectory(prefix="cleanroomsml-deployment-tests-") as scratch:
        copy_tests(Path(scratch))
        subprocess.run(
            [str(python), "-m", "pytest", "tests/deployment", *pytest_args], cwd=scratch, check=True, env=env
        )


def mwaa_versions() -> list[str]:
    """The MWAA versions whose constraint files are found (``constraints-VERSION.txt``), oldest first."""
    found = [
        path.name.removeprefix("constraints-").removesuffix(".txt")
        for path in MWAA_CONSTRAINTS.glob("constraints-*.txt")
    ]
    return sorted(found, key=lambda version: tuple(int(part) for part in version.split(".")))


def print_mwaa_versions() -> None:
    print(" ".join(mwaa_versions()))


COMMANDS = {
    "test": test,
    "example": example,
    "lock": lock,
    "install": install,
    "mwaa": mwaa,
    "mwaa-versions": print_mwaa_versions,
    "deployment": deployment,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    try:
        COMMANDS[sys.argv[1]]()
    except subprocess.CalledProcessError as error:
        sys.exit(error.returncode)
