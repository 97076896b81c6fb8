"""
A deployment as MWAA runs one, on this machine: PostgreSQL and Airflow's components as separate processes.

:class:`Postgres` runs a private cluster (Debian's server binaries) in a temporary folder, on a free
port of 127.0.0.1; :class:`Redis` a private Redis server (Debian's ``redis-server``), the Celery
broker, likewise. :class:`Airflow` configures one Airflow home on them (the DAGs of
``tests/deployment/dags``, the given connections) with the LocalExecutor, or with the
CeleryExecutor as MWAA runs it (Redis for its SQS queue, PostgreSQL as the result backend), and
starts, stops and kills its components: scheduler, triggerer and dag-processor and api-server on
Airflow 3, scheduler, triggerer and webserver on Airflow 2, and Celery workers; each a process of
its own, in a session of its own, several of a kind under names of their own (``scheduler-a``,
``worker-b``). A component is ended with its whole session (what a host that dies takes with
it), by pid; only processes started here are ever ended.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from base64 import b64encode
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psutil

DAGS = Path(__file__).parent / "dags"
ROOT = Path(__file__).parents[2]
"""The folder that holds ``tests``: the clone, or the scratch copy an MWAA-style run tests from."""


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


def component_hostname() -> str:
    """
    The host name a component of the Celery leg reports (its ``[core] hostname_callable``): its own name.

    On MWAA each worker, scheduler and triggerer is a host of its own; here they share one, so each
    reports the name it was started under (``worker-a``), and the metadata database says which
    one ran a task (``task_instance.hostname``) or holds a trigger (``job.hostname``).
    """
    return os.environ.get("CLEANROOMSML_COMPONENT") or socket.getfqdn()


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


class Redis:
    """A private Redis server (Debian's ``redis-server``): the Celery broker, started and stopped here."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.log = root / "redis.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> Redis:
        server = shutil.which("redis-server")
        if server is None:
            raise RuntimeError("redis-server is not installed (Debian: apt-get install redis-server).")
        self.root.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                server,
                "--bind", "127.0.0.1",
                "--port", str(self.port),
                "--dir", str(self.root),
                "--save", "",
                "--appendonly", "no",
                "--logfile", str(self.log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        wait_until(self.ping, 30, "Redis to answer")
        return self

    def ping(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"redis-server exited:\n{self.log.read_text(errors='replace')[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


SERVERS = ("api-server", "dag-processor", "webserver")
"""Components started once, under their command's name; the others may be several, named ``scheduler-a``..."""


class Airflow:
    """
    One Airflow deployment on a PostgreSQL metadata database, its components separate processes.

    With a ``broker``, it runs the CeleryExecutor as MWAA does: tasks go through the broker to
    ``airflow celery worker`` processes, the result backend is the metadata database, and each
    component reports its own name as its host name (:func:`component_hostname`). A lost worker's
    task, scheduler's runs and triggerer's triggers are taken over in seconds rather than
    Airflow's default minutes.
    """

    def __init__(
        self,
        python: Path,
        home: Path,
        database: Postgres,
        environment: dict[str, str],
        broker: Redis | None = None,
    ) -> None:
        from importlib.metadata import version

        self.python = python
        self.home = home
        self.database = database
        self.broker = broker
        self.major = int(version("apache-airflow").split(".")[0])
        self.port = free_port()
        self.processes: dict[str, subprocess.Popen] = {}
        self.started: dict[int, str] = {}
        """Every component started, ended ones included: its pid (its session's id) and its name."""
        self.env = {
            **{key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "PYTEST"))},
            "AIRFLOW_HOME": str(home),
            "PYTHONPATH": str(ROOT),
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
            # Log servers on free ports: another deployment may be running on this machine.
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
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
        if broker is not None:
            self.env.update(self._celery_settings(broker))

    def _celery_settings(self, broker: Redis) -> dict[str, str]:
        heartbeat_timeout, detection_interval = (
            ("TASK_INSTANCE_HEARTBEAT_TIMEOUT", "TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL")
            if self.major >= 3
            else ("SCHEDULER_ZOMBIE_TASK_THRESHOLD", "ZOMBIE_DETECTION_INTERVAL")
        )
        return {
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CELERY__BROKER_URL": broker.url,
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{self.database.url}",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "5",  # MWAA's small environment: 5 tasks a worker
            "AIRFLOW__CELERY__OPERATION_TIMEOUT": "10",  # sending a task, on a busy 2-core machine
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": f"{__name__}.{component_hostname.__name__}",
            # A task whose worker died is failed (and retried) 20 s after its last heartbeat (default
            # 300 s); a dead scheduler's tasks are adopted, a dead triggerer's triggers reassigned,
            # within seconds of their heartbeats going stale.
            f"AIRFLOW__SCHEDULER__{heartbeat_timeout}": "20",
            f"AIRFLOW__SCHEDULER__{detection_interval}": "2",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_THRESHOLD": "15",
            "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "5",
            "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": str(TRIGGERER_HANDOVER_SECONDS),
            # Triggers a triggerer takes at most (MWAA sets one by environment class): more waits than
            # that at once must spread over both triggerers.
            f"AIRFLOW__TRIGGERER__{'CAPACITY' if self.major >= 3 else 'DEFAULT_CAPACITY'}": str(
                TRIGGERER_CAPACITY
            ),
        }

    @property
    def celery(self) -> bool:
        return self.broker is not None

    # -- lifecycle -------------------------------------------------------------------------------

    def airflow(self, *arguments: str) -> str:
        """Run one ``airflow`` command to its end; return its output."""
        done = subprocess.run(
            [str(self.python), "-m", "airflow", *arguments],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
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
        servers = ("api-server", "dag-processor") if self.major >= 3 else ("webserver",)
        if not self.celery:
            return (*servers, "scheduler", "triggerer")
        return (*servers, "scheduler-a", "scheduler-b", "triggerer-a", "triggerer-b", "worker-a", "worker-b")

    def start(self, name: str) -> subprocess.Popen:
        """
        Start one component as a process in a session of its own (its pid names the session).

        :param name: What it is (``scheduler``, ``triggerer``, ``api-server``...), or, for one
            of several, what it is and a suffix (``scheduler-b``, ``triggerer-c``, ``worker-a``:
            an ``airflow celery worker``).
        """
        role = name if name in SERVERS else name.rsplit("-", 1)[0] if "-" in name else name
        arguments = ["celery", "worker", "--celery-hostname", name, "--skip-serve-logs"]
        env = {**self.env, "CLEANROOMSML_COMPONENT": name}
        if role == "triggerer":
            env["AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT"] = str(free_port())
        log = open(self.home / f"{name}-{len(self.started)}.log", "w")  # noqa: SIM115 - the process's
        process = subprocess.Popen(
            [str(self.python), "-m", "airflow", *(arguments if role == "worker" else [role])],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        self.started[process.pid] = name
        return process

    def start_all(self) -> Airflow:
        for component in self.components:
            self.start(component)
        wait_until(self.healthy, 180, "the API server to answer")
        if self.celery:
            wait_until(self.all_up, 180, "both schedulers, both triggerers and both Celery workers to be up")
        return self

    def all_up(self) -> bool:
        """Whether every scheduler and triggerer heartbeats, and every Celery worker is ready."""
        alive = {hostname for hostname, _ in self.live_jobs("SchedulerJob") + self.live_jobs("TriggererJob")}
        workers = [name for name in self.processes if name.startswith("worker-")]
        return all(
            name in alive for name in self.processes if name.startswith(("scheduler-", "triggerer-"))
        ) and all(f"@{name} ready." in self.output_of(name) for name in workers)

    def kill(self, name: str, signum: int = signal.SIGKILL, timeout: float = 60) -> None:
        """
        End a component this deployment started, by pid.

        SIGKILL ends its whole session at once, as a host that dies would: the Celery worker, its
        pool and the task processes Airflow puts in process groups of their own. Another signal
        goes to its process group, and what is left of the session once the component has
        exited is killed. The component is forgotten only once it has exited, so a stop that times
        out can be followed by a harder one.
        """
        members = self._signal(name, signum)
        self.processes[name].wait(timeout=timeout)
        self._forget(name, members)

    def stop_all(self) -> None:
        """Ask every component to stop, all at once; kill the session of any still running after 30 s."""
        sessions = {name: self._signal(name, signal.SIGTERM) for name in list(self.processes)}
        deadline = time.monotonic() + 30
        for name, members in sessions.items():
            try:
                self.processes[name].wait(timeout=max(deadline - time.monotonic(), 0))
            except subprocess.TimeoutExpired:
                self.kill(name, signal.SIGKILL)
            else:
                self._forget(name, members)

    def _signal(self, name: str, signum: int) -> list[psutil.Process]:
        """Signal a component (see :meth:`kill`); return its session as it was, to kill what outlives it."""
        process = self.processes[name]
        members = _session(process)  # before the leader is reaped, while its pid still names the session
        if signum == signal.SIGKILL:
            _send(members, signal.SIGKILL)
        else:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signum)
        return members

    def _forget(self, name: str, members: list[psutil.Process]) -> None:
        """Kill what outlived a component that has exited; forget it."""
        _send(members, signal.SIGKILL)
        del self.processes[name]

    def replace(self, name: str) -> str:
        """
        Start a component in place of ``name`` (killed), under the next free name of its kind.

        :return: The new component's name, once it is up (``scheduler-c`` for ``scheduler-a``).
        """
        role = name.rsplit("-", 1)[0]
        used = set(self.started.values())
        new = next(
            f"{role}-{letter}" for letter in "abcdefghijklmnopqrstuvwxyz" if f"{role}-{letter}" not in used
        )
        self.start(new)
        wait_until(self.all_up, 180, f"{new} to be up")
        return new

    def component_of(self, pid: int) -> str | None:
        """
        The name of the component process ``pid`` belongs to, if this deployment started it: the
        component whose session it is in, or else (a process that began a session of its own) its
        nearest ancestor that is a component.
        """
        import psutil

        try:
            session = os.getsid(pid)
            if session in self.started:
                return self.started[session]
            ancestors = [process.pid for process in psutil.Process(pid).parents()]
        except (OSError, psutil.Error):
            return None
        return next((self.started[ancestor] for ancestor in ancestors if ancestor in self.started), None)

    # -- what the metadata database says --------------------------------------------------------

    def live_jobs(self, job_type: str) -> list[tuple[str, int]]:
        """The components of a kind (``SchedulerJob``, ``TriggererJob``) that heartbeat: host name, job id."""
        rows = self.database.query(
            "SELECT hostname, id FROM job WHERE job_type = %s AND state = 'running' "
            "AND latest_heartbeat > now() - interval '10 seconds' ORDER BY id",
            job_type,
        )
        return [(hostname, job_id) for hostname, job_id in rows]

    def trigger_arguments(self, kwargs: str) -> dict[str, Any]:
        """
        A trigger's arguments as its row holds them (``trigger.kwargs``).

        Airflow 2 encrypts them with the Fernet key; Airflow 3.3's triggers deferred through the
        Execution API are stored as plain JSON (its model reads both).
        """
        from cryptography.fernet import Fernet

        if not kwargs.startswith("{"):
            kwargs = Fernet(self.env["AIRFLOW__CORE__FERNET_KEY"].encode()).decrypt(kwargs.encode()).decode()
        serialized = json.loads(kwargs)
        return dict(serialized.get("__var", serialized))

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

    def finished(self, dag_id: str, run_id: str) -> Any:
        """A condition for :func:`wait_until`: the run's final state, once it has one."""
        return lambda: (
            self.run_state(dag_id, run_id) in ("success", "failed") and self.run_state(dag_id, run_id)
        )

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

    def unpause(self, dag_id: str) -> None:
        self.api("PATCH", f"/dags/{dag_id}", {"is_paused": False})

    def trigger(self, dag_id: str) -> str:
        """Trigger a DAG run; return its run id."""
        body: dict[str, Any] = {"logical_date": None} if self.major >= 3 else {}
        return str(self.api("POST", f"/dags/{dag_id}/dagRuns", body)["dag_run_id"])

    def mark_failed(self, dag_id: str, run_id: str, task_id: str) -> None:
        """Mark a task instance failed, as a user does in the UI."""
        body = {"new_state": "failed"} if self.major >= 3 else {"new_state": "failed", "dry_run": False}
        self.api("PATCH", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}", body)

    # -- what the components printed ------------------------------------------------------------

    def output_of(self, name: str) -> str:
        """What the latest component of that name has printed so far."""
        logs = sorted(self.home.glob(f"{name}-*.log"), key=lambda path: path.stat().st_mtime)
        return logs[-1].read_text(errors="replace") if logs else ""

    def logs(self) -> str:
        """Every component's output so far (and the broker's), for a failing test's message."""
        paths = sorted(self.home.glob("*.log"))
        if self.broker is not None and self.broker.log.exists():
            paths.append(self.broker.log)
        return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}" for path in paths)


TRIGGERER_CAPACITY = 8
"""``[triggerer] capacity`` in the Celery leg: the triggers one triggerer runs at most."""
TRIGGERER_HANDOVER_SECONDS = 10
"""``[triggerer] triggerer_health_check_threshold`` in the Celery leg: how long a triggerer may miss
its heartbeat before another takes its triggers (Airflow's default is 30 s)."""


def _session(leader: subprocess.Popen) -> list[psutil.Process]:
    """The processes of the session ``leader`` began: itself and its descendants, wherever they went."""
    import psutil

    found: dict[int, psutil.Process] = {}
    with suppress(psutil.Error):
        root = psutil.Process(leader.pid)
        found = {process.pid: process for process in (root, *root.children(recursive=True))}
    for process in psutil.process_iter():
        with suppress(OSError):
            if os.getsid(process.pid) == leader.pid:
                found.setdefault(process.pid, process)
    return list(found.values())


def _send(processes: list[psutil.Process], signum: int) -> None:
    """Signal each process that is still the one found (psutil checks its pid was not reused)."""
    import psutil

    for process in processes:
        with suppress(psutil.Error):
            process.send_signal(signum)


class TriggerWatch:
    """
    Which triggerer holds the trigger of each deferred task of one DAG run, noted twice a second.

    Airflow assigns each trigger to one triggerer (``trigger.triggerer_id``, a job whose host name
    is the triggerer's name in the Celery leg); this keeps every assignment seen, with its time,
    for as long as it runs (a background thread; use it as a context manager).
    """

    def __init__(self, airflow: Airflow, dag_id: str, run_id: str) -> None:
        self.airflow, self.dag_id, self.run_id = airflow, dag_id, run_id
        self.seen: list[tuple[float, str, int, int, str | None]] = []
        """(when, task id, map index, trigger id, triggerer) for each deferred task, each time."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="trigger-watch", daemon=True)

    def __enter__(self) -> TriggerWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            rows = self.airflow.database.query(
                "SELECT ti.task_id, ti.map_index, t.id, j.hostname FROM task_instance ti "
                "JOIN trigger t ON t.id = ti.trigger_id LEFT JOIN job j ON j.id = t.triggerer_id "
                "WHERE ti.dag_id = %s AND ti.run_id = %s",
                self.dag_id,
                self.run_id,
            )
            now = time.time()
            self.seen.extend(
                (now, task_id, map_index, trigger, host) for task_id, map_index, trigger, host in rows
            )

    def holders(self) -> dict[tuple[str, int], set[str]]:
        """For each task (and map index) seen deferred: the triggerers seen holding its trigger."""
        held: dict[tuple[str, int], set[str]] = {}
        for _, task_id, map_index, _, host in self.seen:
            held.setdefault((task_id, map_index), set()).update([host] if host else [])
        return held

    def held_by(self, trigger_id: int) -> list[tuple[float, str | None]]:
        """When ``trigger_id`` was seen, and by which triggerer it was held each time."""
        return [(at, host) for at, _, _, trigger, host in self.seen if trigger == trigger_id]
