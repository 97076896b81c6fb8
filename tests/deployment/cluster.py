"""
A deployment as MWAA runs one, on this machine: PostgreSQL and Airflow's components as separate processes.

:class:`Postgres` runs a private cluster (Debian's server binaries) in a temporary folder, on a free
port of 127.0.0.1. :class:`Airflow` configures one Airflow home on it (LocalExecutor, the DAGs of
``tests/deployment/dags``, the given connections) and starts, stops and kills its components —
scheduler, triggerer and dag-processor and api-server on Airflow 3, scheduler, triggerer and
webserver on Airflow 2 — each a process of its own, ended by its pid. Only processes started here
are ever ended.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from base64 import b64encode
from pathlib import Path
from typing import Any

DAGS = Path(__file__).parent / "dags"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Any, timeout: float, what: str, every: float = 0.5) -> Any:
    """Poll ``condition`` until it returns something truthy; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(every)
    raise TimeoutError(f"Gave up after {timeout:.0f}s waiting for {what}.")


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None)
    if found is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (Debian: apt-get install postgresql).")
    return str(found)


class Postgres:
    """A private PostgreSQL cluster, started and stopped by this process."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.port = free_port()

    def _as_owner(self, *command: str) -> list[str]:
        # PostgreSQL refuses to run as root: as root, run it as the postgres user the package made.
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)

    def start(self) -> Postgres:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        subprocess.run(
            self._as_owner(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust"),
            check=True,
            capture_output=True,
        )
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        subprocess.run(
            self._as_owner(
                _pg_bin("pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.root / "log"),
                "-w",
                "start",
            ),
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                _pg_bin("psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-c",
                "CREATE DATABASE airflow",
            ],
            check=True,
            capture_output=True,
        )
        return self

    def stop(self) -> None:
        subprocess.run(
            self._as_owner(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"),
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)  # a throwaway cluster: nothing in it is kept

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/airflow"

    def query(self, sql: str, *parameters: Any) -> list[tuple]:
        """Rows of one query on the metadata database."""
        import psycopg2

        with (
            psycopg2.connect(
                host="127.0.0.1", port=self.port, user="postgres", dbname="airflow"
            ) as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, parameters)
            return cursor.fetchall()


class Airflow:
    """One Airflow deployment on a PostgreSQL metadata database, its components separate processes."""

    def __init__(self, python: Path, home: Path, database: Postgres, environment: dict[str, str]) -> None:
        from importlib.metadata import version

        self.python = python
        self.home = home
        self.database = database
        self.major = int(version("apache-airflow").split(".")[0])
        self.port = free_port()
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = {
            **{key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "PYTEST"))},
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database.url,
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__FERNET_KEY": b64encode(secrets.token_bytes(32))
            .decode()
            .replace("+", "-")
            .replace("/", "_"),
            "AIRFLOW__CORE__PARALLELISM": "8",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "5",
            "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            **environment,
        }
        if self.major >= 3:
            self.env.update(
                {
                    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.port}/execution/",
                    "AIRFLOW__API__HOST": "127.0.0.1",
                    "AIRFLOW__API__PORT": str(self.port),
                    "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{self.port}",
                    "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(16),
                    "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                    "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                }
            )
        else:
            self.env.update(
                {
                    "AIRFLOW__WEBSERVER__WEB_SERVER_HOST": "127.0.0.1",
                    "AIRFLOW__WEBSERVER__WEB_SERVER_PORT": str(self.port),
                    "AIRFLOW__WEBSERVER__SECRET_KEY": secrets.token_hex(16),
                    "AIRFLOW__WEBSERVER__WORKERS": "1",
                    "AIRFLOW__API__AUTH_BACKENDS": "airflow.api.auth.backend.basic_auth",
                }
            )

    # -- lifecycle -------------------------------------------------------------------------------

    def airflow(self, *arguments: str) -> str:
        """Run one ``airflow`` command to its end; return its output."""
        done = subprocess.run(
            [str(self.python), "-m", "airflow", *arguments], env=self.env, capture_output=True, text=True
        )
        if done.returncode:
            raise RuntimeError(
                f"airflow {' '.join(arguments)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
        return done.stdout

    def migrate(self) -> Airflow:
        self.home.mkdir(parents=True, exist_ok=True)
        self.airflow("db", "migrate")
        if self.major < 3:
            self.airflow(
                "users", "create", "--username", "admin", "--password", "admin", "--role", "Admin",
                "--firstname", "A", "--lastname", "Dmin", "--email", "admin@example.com",
            )  # fmt: skip
        return self

    @property
    def components(self) -> tuple[str, ...]:
        if self.major >= 3:
            return ("api-server", "dag-processor", "scheduler", "triggerer")
        return ("webserver", "scheduler", "triggerer")

    def start(self, component: str) -> subprocess.Popen:
        """Start one component as a process of its own (a new session, so its pid names its group)."""
        log = open(self.home / f"{component}-{len(self.processes)}.log", "w")  # noqa: SIM115 - the process's
        process = subprocess.Popen(
            [str(self.python), "-m", "airflow", component],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[component] = process
        return process

    def start_all(self) -> Airflow:
        for component in self.components:
            self.start(component)
        wait_until(self.healthy, 180, "the API server to answer")
        return self

    def kill(self, component: str, signum: int = signal.SIGKILL, timeout: float = 60) -> None:
        """
        End a component this deployment started (its whole process group), by its pid.

        The component is forgotten only once it has exited, so a stop that times out can be
        followed by a harder one.
        """
        process = self.processes[component]
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            pass
        else:
            process.wait(timeout=timeout)
        del self.processes[component]

    def stop_all(self) -> None:
        """Ask every component to stop; kill the group of any that is still running after 30 s."""
        for component in list(self.processes):
            try:
                self.kill(component, signal.SIGTERM, timeout=30)
            except subprocess.TimeoutExpired:
                self.kill(component, signal.SIGKILL)

    # -- the REST API ----------------------------------------------------------------------------

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.port}/{'api/v2/monitor/' if self.major >= 3 else ''}health",
                timeout=5,
            ) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def api(self, method: str, path: str, body: dict | None = None) -> Any:
        """One REST API call (``/api/v2`` on Airflow 3, ``/api/v1`` on Airflow 2); the parsed answer."""
        prefix = "/api/v2" if self.major >= 3 else "/api/v1"
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{prefix}{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json"},
        )
        if self.major < 3:
            request.add_header("Authorization", "Basic " + b64encode(b"admin:admin").decode())
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def trigger(self, dag_id: str) -> str:
        """Trigger a DAG run; return its run id."""
        body: dict[str, Any] = {"logical_date": None} if self.major >= 3 else {}
        return str(self.api("POST", f"/dags/{dag_id}/dagRuns", body)["dag_run_id"])

    def task_state(self, dag_id: str, run_id: str, task_id: str) -> str | None:
        rows = self.database.query(
            "SELECT state FROM task_instance WHERE dag_id = %s AND run_id = %s AND task_id = %s",
            dag_id,
            run_id,
            task_id,
        )
        return rows[0][0] if rows else None

    def run_state(self, dag_id: str, run_id: str) -> str | None:
        rows = self.database.query(
            "SELECT state FROM dag_run WHERE dag_id = %s AND run_id = %s", dag_id, run_id
        )
        return rows[0][0] if rows else None

    def logs(self) -> str:
        """Every component's output so far, for a failing test's message."""
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}" for path in self.home.glob("*.log")
        )
