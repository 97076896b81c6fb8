"""
A local AWS Clean Rooms ML emulator: trained-model inference jobs over real HTTP on 127.0.0.1.

It speaks the service's REST-JSON wire protocol for ``GetTrainedModelInferenceJob``,
``StartTrainedModelInferenceJob``, ``CancelTrainedModelInferenceJob`` and
``ListTrainedModelInferenceJobs``, so unmodified boto3 and aiobotocore clients (and so this
provider's hook, operators, sensor and trigger) reach it through ``endpoint_url``. Errors carry the
service's error codes and HTTP statuses, so botocore parses and retries them as it would against
AWS. Only the standard library is used: the emulator starts in milliseconds and imports nothing
heavy.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from airflow_cleanroomsml.kinds import InvalidJobReferenceError, parse_arn

TERMINAL_STATES = ("ACTIVE", "CREATE_FAILED", "CANCEL_FAILED", "INACTIVE")

GET = "GetTrainedModelInferenceJob"
START = "StartTrainedModelInferenceJob"
CANCEL = "CancelTrainedModelInferenceJob"
LIST = "ListTrainedModelInferenceJobs"
ASSUME_ROLE = "AssumeRole"

DEFAULT_MEMBERSHIP_ID = "00000000-0000-4000-8000-000000000001"
STARTED_JOB_STATUSES = ("CREATE_PENDING", "CREATE_IN_PROGRESS", "ACTIVE")
CANCELLED_JOB_STATUSES = ("CANCEL_PENDING", "CANCEL_IN_PROGRESS", "INACTIVE")

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_ERROR_STATUS = {
    "ValidationException": 400,
    "ServiceQuotaExceededException": 402,
    "AccessDeniedException": 403,
    "ExpiredTokenException": 403,
    "ResourceNotFoundException": 404,
    "ConflictException": 409,
    "ThrottlingException": 429,
    "InternalServiceException": 500,
}
_REQUIRED_START_MEMBERS = ("name", "trainedModelArn", "resourceConfig", "outputConfiguration", "dataSource")
_OPTIONAL_START_MEMBERS = (
    "trainedModelVersionIdentifier",
    "configuredModelAlgorithmAssociationArn",
    "description",
    "containerExecutionParameters",
    "environment",
    "kmsKeyArn",
    "tags",
    "mlModelInferencePayerAccountId",
)
_SUMMARY_MEMBERS = (
    "trainedModelInferenceJobArn",
    "configuredModelAlgorithmAssociationArn",
    "membershipIdentifier",
    "trainedModelArn",
    "trainedModelVersionIdentifier",
    "status",
    "outputConfiguration",
    "name",
    "description",
    "createTime",
    "updateTime",
)


class ServiceError(Exception):
    """An error the emulator answers with, as the service would: a code, an HTTP status, a message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = _ERROR_STATUS[code]


@dataclass
class Faults:
    """
    Faults to inject, counted over every call the emulator receives (all operations together).

    May be changed while the emulator runs.

    :param throttle_every: Answer every Nth call with ``ThrottlingException`` (HTTP 429); 0 for never.
    :param error_every: Answer every Mth call with ``InternalServiceException`` (HTTP 500); 0 for never.
    :param latency: Seconds added before every answer.
    :param not_found_reads: A new job is not found (``ResourceNotFoundException``) by its first K
        ``GetTrainedModelInferenceJob`` reads, and not listed until then, as with eventual
        consistency after a start.
    :param reset_every: Reset the connection (TCP RST, no answer) on every Nth call; 0 for never.
    :param stall_every: Answer every Nth call only after ``stall_seconds``, so a client with a
        shorter ``read_timeout`` times out; 0 for never.
    :param stall_seconds: How long a stalled call waits before answering.
    """

    throttle_every: int = 0
    error_every: int = 0
    latency: float = 0.0
    not_found_reads: int = 0
    reset_every: int = 0
    stall_every: int = 0
    stall_seconds: float = 2.0


@dataclass
class _Step:
    status: str
    details: dict[str, str] | None = None


@dataclass
class _Job:
    arn: str
    membership_id: str
    attributes: dict[str, Any]
    created: float
    script: list[_Step]
    step_seconds: float | None
    hidden_reads: int
    script_started: float = 0.0
    reads: int = 0
    updated: float = 0.0
    shown_step: int = -1
    history: list[tuple[float, str]] = field(default_factory=list)

    def current(self, now: float) -> _Step:
        if self.step_seconds is None:
            index = max(self.reads - 1, 0)
        else:
            index = (
                int((now - self.script_started) / self.step_seconds)
                if self.step_seconds > 0
                else len(self.script)
            )
        index = min(index, len(self.script) - 1)
        if index != self.shown_step:
            self.shown_step = index
            self.updated = now
            self.history.append((now, self.script[index].status))
        return self.script[index]

    def restart_script(self, script: list[_Step], now: float) -> None:
        self.script, self.script_started, self.reads, self.shown_step = script, now, 0, -1
        if self.step_seconds is None:
            self.reads = 1  # the next read shows the new script's second step
        self.current(now)


@dataclass
class _State:
    region: str
    account_id: str
    step_seconds: float
    faults: Faults
    jobs: dict[str, _Job] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    total_calls: int = 0
    credential_lifetime: float = 3600.0
    reads_to_active: int | None = None
    issued_keys: dict[str, float] = field(default_factory=dict)
    scripted_errors: dict[str, list[str | None]] = field(default_factory=dict)
    started_scripts: list[list[_Step]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _timestamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class CleanRoomsMLEmulator:
    """
    Run the emulator in a background thread; use it as a context manager.

    .. code-block:: python

        with CleanRoomsMLEmulator(step_seconds=1) as emulator:
            client = boto3.client("cleanroomsml", endpoint_url=emulator.endpoint_url, ...)
            arn = emulator.register_job(["CREATE_IN_PROGRESS", "ACTIVE"])

    :param host: Address to listen on; only loopback addresses make sense. (default: 127.0.0.1)
    :param port: Port to listen on; 0 picks a free one. (default: 0)
    :param region: Region written into the ARNs it makes. (default: us-east-1)
    :param account_id: Account written into the ARNs it makes. (default: 123456789012)
    :param step_seconds: Seconds a started job spends in each of ``CREATE_PENDING`` and
        ``CREATE_IN_PROGRESS`` (and a cancelled one in each cancel status). (default: 2.0)
    :param faults: Faults to inject. (default: none)
    :param reads_to_active: Make started jobs move one status per read instead of on the clock,
        reaching ``ACTIVE`` on their Kth read (a ``GetTrainedModelInferenceJob`` of the job, or a
        ``ListTrainedModelInferenceJobs`` page that shows it), so that every wait
        takes the same number of polls however slow the waiter is (benchmarks use it).
        (default: None, the clock)
    :param credential_lifetime: Seconds the credentials its STS ``AssumeRole`` hands out stay valid.
        A Clean Rooms ML call signed with an expired one is refused (``ExpiredTokenException``,
        HTTP 403), as AWS would: that is how a test checks that long waits refresh credentials.
        Point an Airflow connection's ``role_arn`` here with ``service_config.sts.endpoint_url``.
        (default: 3600)
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        step_seconds: float = 2.0,
        faults: Faults | None = None,
        credential_lifetime: float = 3600.0,
        reads_to_active: int | None = None,
    ) -> None:
        self._address = (host, port)
        self._state = _State(
            region=region,
            account_id=account_id,
            step_seconds=step_seconds,
            faults=faults or Faults(),
            credential_lifetime=credential_lifetime,
            reads_to_active=reads_to_active,
        )
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> CleanRoomsMLEmulator:
        """Start serving in a daemon thread; return self."""
        state = self._state
        handler = type("_BoundHandler", (_Handler,), {"state": state})
        self._server = _QuietServer(self._address, handler)
        self._server.daemon_threads = True
        # A short poll interval: stop() waits for serve_forever to notice, up to one interval.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="cleanroomsml-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> CleanRoomsMLEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what clients need -----------------------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:<port>``, for ``endpoint_url`` in boto3 or an Airflow connection."""
        if self._server is None:
            raise RuntimeError("The emulator is not running; call start() or use it as a context manager.")
        return f"http://{self._address[0]}:{self._server.server_port}"

    @property
    def region(self) -> str:
        """The region in the ARNs the emulator makes."""
        return self._state.region

    @property
    def membership_id(self) -> str:
        """A membership id to use when the test does not care which."""
        return DEFAULT_MEMBERSHIP_ID

    @property
    def faults(self) -> Faults:
        """The faults in force; change its fields to change them."""
        return self._state.faults

    def connection_extra(self) -> dict[str, Any]:
        """The ``extra`` of an Airflow AWS connection that reaches this emulator."""
        return {"region_name": self._state.region, "endpoint_url": self.endpoint_url}

    def airflow_connection_json(self) -> str:
        """An Airflow AWS connection to this emulator, for an ``AIRFLOW_CONN_<ID>`` variable."""
        return json.dumps(
            {
                "conn_type": "aws",
                "login": "emulator",
                "password": "emulator",
                "extra": self.connection_extra(),
            }
        )

    def airflow_env(self, conn_id: str = "aws_default") -> dict[str, str]:
        """Environment variables that point the Airflow connection ``conn_id`` at this emulator."""
        return {f"AIRFLOW_CONN_{conn_id.upper()}": self.airflow_connection_json()}

    # -- what tests need -------------------------------------------------------------------------

    @property
    def calls(self) -> Counter[str]:
        """Calls received, by operation name, faulted ones included (a copy)."""
        with self._state.lock:
            return Counter(self._state.calls)

    def reset_calls(self) -> None:
        """Forget the calls counted so far (fault counting starts again too)."""
        with self._state.lock:
            self._state.calls.clear()
            self._state.total_calls = 0

    def fail_next(self, operation: str, code: str, times: int = 1, after: int = 0) -> None:
        """
        Answer ``times`` calls of ``operation`` with the error ``code``, after letting ``after`` pass.

        :param operation: An operation name such as ``StartTrainedModelInferenceJob``.
        :param code: An error code such as ``AccessDeniedException`` or ``ConflictException``.
        :param times: How many calls fail.
        :param after: How many calls of ``operation`` are answered normally first.
        """
        if code not in _ERROR_STATUS:
            raise ValueError(f"code={code!r} is not one of {sorted(_ERROR_STATUS)}")
        with self._state.lock:
            self._state.scripted_errors.setdefault(operation, []).extend([None] * after + [code] * times)

    def register_job(
        self,
        statuses: list[str] | tuple[str, ...] = STARTED_JOB_STATUSES,
        *,
        status_details: dict[str, str] | None = None,
        membership_id: str = DEFAULT_MEMBERSHIP_ID,
        name: str = "scripted-job",
        step_seconds: float | None = None,
        not_found_reads: int | None = None,
        **attributes: Any,
    ) -> str:
        """
        Add a job that goes through ``statuses`` and stays in the last one; return its ARN.

        :param statuses: The statuses the job shows, in order.
        :param status_details: ``statusDetails`` shown with the last status (for example the
            ``statusCode`` and ``message`` of a failure).
        :param membership_id: The membership that holds the job.
        :param name: The job's name.
        :param step_seconds: Seconds per status; None moves one status per read (a
            ``GetTrainedModelInferenceJob``, or a list page that shows the job), which makes tests
            independent of time.
        :param not_found_reads: Reads that answer ``ResourceNotFoundException`` first
            (default: ``faults.not_found_reads``).
        :param attributes: Further job attributes in the service's camelCase (``environment``…).
        """
        script = [_Step(status) for status in statuses]
        script[-1].details = status_details
        request = {
            "name": name,
            "trainedModelArn": f"arn:{_partition(self.region)}:cleanrooms-ml:{self.region}:"
            f"{self._state.account_id}:membership/{membership_id}/trained-model/{uuid.uuid4()}",
            "resourceConfig": {"instanceType": "ml.m5.xlarge", "instanceCount": 1},
            "outputConfiguration": {"members": [{"accountId": self._state.account_id}]},
            "dataSource": {
                "mlInputChannelArn": f"arn:{_partition(self.region)}:cleanrooms-ml:{self.region}:"
                f"{self._state.account_id}:membership/{membership_id}/ml-input-channel/{uuid.uuid4()}"
            },
            **attributes,
        }
        with self._state.lock:
            job = _create_job(self._state, membership_id, request, script, step_seconds, not_found_reads)
        return job.arn

    def script_next_start(
        self, statuses: list[str] | tuple[str, ...], *, status_details: dict[str, str] | None = None
    ) -> None:
        """
        Make the next job started through the API go through ``statuses``, one per read.

        :param statuses: The statuses the job shows, in order; it stays in the last one.
        :param status_details: ``statusDetails`` shown with the last status.
        """
        script = [_Step(status) for status in statuses]
        script[-1].details = status_details
        with self._state.lock:
            self._state.started_scripts.append(script)

    def status_history(self, arn: str) -> list[tuple[datetime, str]]:
        """Each status a job has shown, with the time it was first shown, oldest first."""
        with self._state.lock:
            return [(datetime.fromtimestamp(at, UTC), status) for at, status in self._state.jobs[arn].history]

    def job_status(self, arn: str) -> str:
        """The status a job has now, without counting as a read."""
        with self._state.lock:
            return self._state.jobs[arn].current(time.time()).status


def _create_job(
    state: _State,
    membership_id: str,
    request: dict[str, Any],
    script: list[_Step],
    step_seconds: float | None,
    not_found_reads: int | None,
) -> _Job:
    now = time.time()
    arn = (
        f"arn:{_partition(state.region)}:cleanrooms-ml:{state.region}:{state.account_id}:"
        f"membership/{membership_id}/trained-model-inference-job/{uuid.uuid4()}"
    )
    attributes = {
        key: request[key] for key in (*_REQUIRED_START_MEMBERS, *_OPTIONAL_START_MEMBERS) if key in request
    }
    job = _Job(
        arn=arn,
        membership_id=membership_id,
        attributes=attributes,
        created=now,
        script=script,
        step_seconds=step_seconds,
        hidden_reads=state.faults.not_found_reads if not_found_reads is None else not_found_reads,
        script_started=now,
        updated=now,
    )
    state.jobs[arn] = job
    return job


def _describe(job: _Job, now: float) -> dict[str, Any]:
    step = job.current(now)
    description: dict[str, Any] = {
        **job.attributes,
        "trainedModelInferenceJobArn": job.arn,
        "membershipIdentifier": job.membership_id,
        "status": step.status,
        "createTime": _timestamp(job.created),
        "updateTime": _timestamp(job.updated),
    }
    if step.details:
        description["statusDetails"] = dict(step.details)
    return description


def _summary(job: _Job, now: float) -> dict[str, Any]:
    description = _describe(job, now)
    summary = {key: description[key] for key in _SUMMARY_MEMBERS if key in description}
    # A stable stand-in: the emulator has no collaborations, but the summary requires one.
    summary["collaborationIdentifier"] = str(uuid.uuid5(uuid.NAMESPACE_URL, job.membership_id))
    return summary


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Injected resets and stalls break connections on purpose: don't print their tracebacks."""


class _Handler(BaseHTTPRequestHandler):
    state: _State
    protocol_version = "HTTP/1.1"
    server_version = "CleanRoomsMLEmulator"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every call on keep-alive connections.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read their own logs
        return

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        segments = [unquote(part) for part in url.path.split("/") if part]
        if method == "GET" and segments == ["_emulator", "calls"]:
            with self.state.lock:
                calls = dict(self.state.calls)
            self._send(200, calls)  # for tests and benchmarks that run the emulator as a process
            return
        if method == "POST" and not segments and b"Action=AssumeRole" in raw_body:
            self._assume_role()
            return
        operation = _route(method, segments)
        if operation is None:
            self._send(
                404, {"message": f"No route for {method} {url.path}"}, error="UnknownOperationException"
            )
            return
        state = self.state
        with state.lock:
            state.calls[operation] += 1
            state.total_calls += 1
            fault = _injected_fault(state, operation)
            call, faults = state.total_calls, state.faults
        if faults.reset_every and call % faults.reset_every == 0:
            # SO_LINGER 0 makes close() send a TCP RST: the client sees "connection reset by peer".
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if faults.stall_every and call % faults.stall_every == 0:
            time.sleep(faults.stall_seconds)
        if faults.latency:
            time.sleep(faults.latency)
        try:
            if fault:
                raise fault
            _check_credentials(state, self.headers.get("Authorization", ""))
            body = json.loads(raw_body) if raw_body else {}
            if not isinstance(body, dict):
                raise ServiceError("ValidationException", "The request body must be a JSON object.")
            query = {key: values[-1] for key, values in parse_qs(url.query).items()}
            membership_id = _check_membership(segments[1])
            with state.lock:
                result = _OPERATIONS[operation](state, membership_id, segments[3:], body, query)
        except ServiceError as error:
            self._send(error.http_status, {"message": error.message}, error=error.code)
            return
        self._send(200, result)

    def _assume_role(self) -> None:
        """STS ``AssumeRole`` (query protocol, XML): short-lived credentials the emulator will check."""
        state = self.state
        key, expires = f"ASIA{uuid.uuid4().hex[:16].upper()}", time.time() + state.credential_lifetime
        with state.lock:
            state.calls[ASSUME_ROLE] += 1
            state.issued_keys[key] = expires
        body = (
            '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>'
            f"<Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{uuid.uuid4().hex}</SecretAccessKey>"
            f"<SessionToken>{uuid.uuid4().hex}</SessionToken><Expiration>{_timestamp(expires)}</Expiration>"
            "</Credentials><AssumedRoleUser><AssumedRoleId>AROAEMULATOR:airflow</AssumedRoleId>"
            f"<Arn>arn:aws:sts::{state.account_id}:assumed-role/emulator/airflow</Arn></AssumedRoleUser>"
            f"</AssumeRoleResult><ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
            "</AssumeRoleResponse>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send(self, status: int, payload: dict[str, Any], error: str | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if error:
            self.send_header("x-amzn-ErrorType", error)
        self.end_headers()
        self.wfile.write(data)


def _route(method: str, segments: list[str]) -> str | None:
    if len(segments) < 3 or segments[0] != "memberships" or segments[2] != "trained-model-inference-jobs":
        return None
    if len(segments) == 3:
        return {"GET": LIST, "POST": START}.get(method)
    if len(segments) == 4:
        return {"GET": GET, "PATCH": CANCEL}.get(method)
    return None


def _injected_fault(state: _State, operation: str) -> ServiceError | None:
    scripted = state.scripted_errors.get(operation)
    code = scripted.pop(0) if scripted else None
    if code:
        return ServiceError(code, f"Injected {code} for {operation}.")
    faults, call = state.faults, state.total_calls
    if faults.throttle_every and call % faults.throttle_every == 0:
        return ServiceError("ThrottlingException", "Rate exceeded")
    if faults.error_every and call % faults.error_every == 0:
        return ServiceError("InternalServiceException", "Internal service error")
    return None


def _check_credentials(state: _State, authorization: str) -> None:
    """Refuse a call signed with credentials this emulator's AssumeRole issued and that have expired."""
    match = re.search(r"Credential=([A-Z0-9]+)/", authorization)
    expires = state.issued_keys.get(match[1]) if match else None
    if expires is not None and expires < time.time():
        raise ServiceError("ExpiredTokenException", "The security token included in the request is expired")


def _check_membership(value: str) -> str:
    if not _UUID_RE.match(value):
        raise ServiceError(
            "ValidationException", f"membershipIdentifier {value!r} is not a valid membership id."
        )
    return value


def _find_job(state: _State, membership_id: str, arn: str) -> _Job:
    try:
        parsed = parse_arn(arn, "trainedModelInferenceJobArn", "trained-model-inference-job", True)
    except InvalidJobReferenceError:
        raise ServiceError(
            "ValidationException", f"trainedModelInferenceJobArn {arn!r} is not valid."
        ) from None
    job = state.jobs.get(arn)
    if job is None or parsed.membership_id != membership_id or job.membership_id != membership_id:
        raise ServiceError("ResourceNotFoundException", f"Trained model inference job {arn} not found.")
    return job


def _get(state: _State, membership_id: str, rest: list[str], body: dict, query: dict) -> dict[str, Any]:
    job = _find_job(state, membership_id, rest[0])
    if job.hidden_reads > 0:
        job.hidden_reads -= 1
        raise ServiceError("ResourceNotFoundException", f"Trained model inference job {job.arn} not found.")
    job.reads += 1
    return _describe(job, time.time())


def _start(state: _State, membership_id: str, rest: list[str], body: dict, query: dict) -> dict[str, Any]:
    missing = [member for member in _REQUIRED_START_MEMBERS if member not in body]
    if missing:
        raise ServiceError("ValidationException", f"Missing required members: {', '.join(missing)}.")
    name = body["name"]
    if not isinstance(name, str) or not 1 <= len(name) <= 63:
        raise ServiceError("ValidationException", "name must be 1 to 63 characters long.")
    if len(body.get("description") or "") > 255:
        raise ServiceError("ValidationException", "description must be at most 255 characters long.")
    if len(body.get("environment") or {}) > 16:
        raise ServiceError("ValidationException", "environment may have at most 16 entries.")
    if state.started_scripts:
        job = _create_job(state, membership_id, body, state.started_scripts.pop(0), None, None)
    elif state.reads_to_active:
        statuses = ["CREATE_PENDING", *["CREATE_IN_PROGRESS"] * max(state.reads_to_active - 2, 0), "ACTIVE"]
        script = [_Step(status) for status in statuses[-state.reads_to_active :]]
        job = _create_job(state, membership_id, body, script, None, None)
    else:
        script = [_Step(status) for status in STARTED_JOB_STATUSES]
        job = _create_job(state, membership_id, body, script, state.step_seconds, None)
    return {"trainedModelInferenceJobArn": job.arn}


def _cancel(state: _State, membership_id: str, rest: list[str], body: dict, query: dict) -> dict[str, Any]:
    job = _find_job(state, membership_id, rest[0])
    now = time.time()
    status = job.current(now).status
    if status in TERMINAL_STATES or status.startswith("CANCEL_"):
        raise ServiceError("ConflictException", f"Trained model inference job {job.arn} is {status}.")
    job.restart_script([_Step(status) for status in CANCELLED_JOB_STATUSES], now)
    return {}


def _list(state: _State, membership_id: str, rest: list[str], body: dict, query: dict) -> dict[str, Any]:
    try:
        max_results = int(query.get("maxResults", 100))
    except ValueError:
        raise ServiceError("ValidationException", "maxResults must be an integer.") from None
    if not 1 <= max_results <= 100:
        raise ServiceError("ValidationException", "maxResults must be between 1 and 100.")
    now = time.time()
    jobs = [
        job
        for job in sorted(state.jobs.values(), key=lambda job: job.created, reverse=True)
        if job.membership_id == membership_id
        and job.hidden_reads == 0  # not visible to Get yet: not listed either
        and query.get("trainedModelArn") in (None, job.attributes.get("trainedModelArn"))
        and query.get("trainedModelVersionIdentifier")
        in (None, job.attributes.get("trainedModelVersionIdentifier"))
    ]
    start = int(query.get("nextToken") or 0)
    page = jobs[start : start + max_results]
    for job in page:
        job.reads += 1  # a listing shows the job: a read, for jobs that move on reads
    result: dict[str, Any] = {"trainedModelInferenceJobs": [_summary(job, now) for job in page]}
    if start + max_results < len(jobs):
        result["nextToken"] = str(start + max_results)
    return result


_OPERATIONS = {GET: _get, START: _start, CANCEL: _cancel, LIST: _list}
