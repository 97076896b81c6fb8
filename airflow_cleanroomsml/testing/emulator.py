"""
A local AWS Clean Rooms ML emulator: every kind of resource this provider knows, over real HTTP on 127.0.0.1.

It speaks the service's REST-JSON wire protocol, so unmodified boto3 and aiobotocore clients (and
so this provider's hook, operators, sensors and triggers) reach it through ``endpoint_url``. Its
routes, request checks and response shapes come from botocore's own ``cleanroomsml`` service
model; what it knows of each kind comes from the kind's declaration
(:class:`~airflow_cleanroomsml.kinds.ResourceKind`) and a few lines more
(:class:`~airflow_cleanroomsml.testing.kinds.EmulatedKind`). Every kind gets the same lifecycles
(on a clock or one status per read), errors with the service's codes and HTTP statuses, faults,
call counts and status histories.

Like the service, it is regional: a resource is created in the region its call was signed for,
and a call signed for another region does not find it.
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
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from airflow_cleanroomsml.kinds import MEMBERSHIP
from airflow_cleanroomsml.testing.kinds import (
    EMULATED_KINDS,
    GONE,
    TRAINED_MODEL_INFERENCE_JOBS,
    EmulatedKind,
)
from airflow_cleanroomsml.validation import InvalidArgumentError, check_request, has_operation, service_model

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from botocore.model import Shape

GET = "GetTrainedModelInferenceJob"
START = "StartTrainedModelInferenceJob"
CANCEL = "CancelTrainedModelInferenceJob"
LIST = "ListTrainedModelInferenceJobs"
ASSUME_ROLE = "AssumeRole"

DEFAULT_MEMBERSHIP_ID = "00000000-0000-4000-8000-000000000001"

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
_PAGING = ("maxResults", "nextToken")


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
    :param not_found_reads: A new resource is not found (``ResourceNotFoundException``) by its first
        K reads, and not listed until then, as with eventual consistency after it is created.
    :param reset_every: Reset the connection (TCP RST, no answer) on every Nth call; 0 for never.
    :param stall_every: Answer every Nth call only after ``stall_seconds``, so a client with a
        shorter ``read_timeout`` times out; 0 for never.
    :param stall_seconds: How long a stalled call waits before answering.
    :param sts_latency: Seconds STS takes to answer (a slow credential refresh).
    """

    throttle_every: int = 0
    error_every: int = 0
    latency: float = 0.0
    not_found_reads: int = 0
    reset_every: int = 0
    stall_every: int = 0
    stall_seconds: float = 2.0
    sts_latency: float = 0.0


@dataclass
class _Step:
    status: str
    details: dict[str, str] | None = None


def _script(statuses: Iterable[str], details: dict[str, str] | None = None) -> list[_Step]:
    steps = [_Step(status) for status in statuses]
    steps[-1].details = details
    return steps


@dataclass
class _Resource:
    emulated: EmulatedKind
    key: str
    fields: dict[str, Any]
    region: str
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
            elapsed = now - self.script_started
            index = int(elapsed / self.step_seconds) if self.step_seconds > 0 else len(self.script)
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

    def gone(self, now: float) -> bool:
        return self.current(now).status == GONE


@dataclass
class _State:
    region: str
    account_id: str
    step_seconds: float
    faults: Faults
    kinds: dict[str, tuple[str, EmulatedKind]]
    routes: list[tuple[str, list[str], str]]
    resources: dict[str, _Resource] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    calls_by_client: Counter[tuple[str, str]] = field(default_factory=Counter)
    total_calls: int = 0
    credential_lifetime: float = 3600.0
    reads_to_active: int | None = None
    issued_keys: dict[str, float] = field(default_factory=dict)
    scripted_errors: dict[str, list[str | None]] = field(default_factory=dict)
    next_scripts: dict[str, list[list[_Step]]] = field(default_factory=dict)
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
    :param region: The region of resources registered here, and of calls that are not signed.
        (default: us-east-1)
    :param account_id: Account written into the ARNs it makes. (default: 123456789012)
    :param step_seconds: Seconds a created resource spends in each status before its last (and a
        cancelled or deleted one in each). (default: 2.0)
    :param faults: Faults to inject. (default: none)
    :param reads_to_active: Make created resources move one status per read instead of on the
        clock, reaching ``ACTIVE`` on their Kth read (a Get of the resource, or a list page that
        shows it), so that every wait takes the same number of reads however slow the waiter is
        (benchmarks use it). (default: None, the clock)
    :param credential_lifetime: Seconds the credentials its STS ``AssumeRole`` hands out stay valid.
        A call signed with an expired one is refused (``ExpiredTokenException``, HTTP 403), as AWS
        would: that is how a test checks that long waits refresh credentials. Point an Airflow
        connection's ``role_arn`` here with ``service_config.sts.endpoint_url``. (default: 3600)
    :param kinds: The kinds it serves. (default: every kind this provider knows)
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
        kinds: Iterable[EmulatedKind] = EMULATED_KINDS,
    ) -> None:
        self._address = (host, port)
        served = {
            operation: (role, emulated)
            for emulated in kinds
            for operation, role in emulated.operations.items()
            if has_operation(operation)  # an older botocore lacks the newer calls: so does the emulator
        }
        self._state = _State(
            region=region,
            account_id=account_id,
            step_seconds=step_seconds,
            faults=faults or Faults(),
            credential_lifetime=credential_lifetime,
            reads_to_active=reads_to_active,
            kinds=served,
            routes=[_route_of(operation) for operation in served],
        )
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> CleanRoomsMLEmulator:
        """Start serving in a daemon thread; return self."""
        handler = type("_BoundHandler", (_Handler,), {"state": self._state})
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
        """The region of resources registered here."""
        return self._state.region

    @property
    def account_id(self) -> str:
        """The account in the ARNs the emulator makes."""
        return self._state.account_id

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

    @property
    def calls_by_client(self) -> Counter[tuple[str, str]]:
        """
        Calls received, by operation and by the client that made them: ``aiobotocore`` (a trigger,
        in the triggerer) or ``botocore`` (a worker, or any synchronous code) (a copy).
        """
        with self._state.lock:
            return Counter(self._state.calls_by_client)

    def reset_calls(self) -> None:
        """Forget the calls counted so far (fault counting starts again too)."""
        with self._state.lock:
            self._state.calls.clear()
            self._state.calls_by_client.clear()
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

    def register(
        self,
        emulated: EmulatedKind,
        statuses: Iterable[str] | None = None,
        *,
        status_details: dict[str, str] | None = None,
        membership_id: str = DEFAULT_MEMBERSHIP_ID,
        step_seconds: float | None = None,
        not_found_reads: int | None = None,
        **attributes: Any,
    ) -> str:
        """
        Add a resource that goes through ``statuses`` and stays in the last one; return what names it.

        :param emulated: Its kind.
        :param statuses: The statuses it shows, in order. (default: the kind's ``started`` statuses)
        :param status_details: ``statusDetails`` shown with the last status (the ``statusCode``
            and ``message`` of a failure).
        :param membership_id: The membership that holds it, for a kind in a membership.
        :param step_seconds: Seconds per status; None moves one status per read (a Get of it, or
            a list page that shows it), which makes tests independent of time.
        :param not_found_reads: Reads that answer ``ResourceNotFoundException`` first
            (default: ``faults.not_found_reads``).
        :param attributes: Further members in the service's camelCase (``name``, ``environment``…).
        :return: Its ARN, or its name for a kind without one.
        """
        fields = {MEMBERSHIP: membership_id} if MEMBERSHIP in emulated.kind.identity else {}
        fields.update(attributes)
        with self._state.lock:
            resource = _create(
                self._state,
                emulated,
                fields,
                self._state.region,
                _script(statuses or emulated.started, status_details),
                step_seconds,
                not_found_reads,
            )
        return str(resource.fields[emulated.kind.match_by])

    def register_job(
        self,
        statuses: Iterable[str] = TRAINED_MODEL_INFERENCE_JOBS.started,
        *,
        name: str = "scripted-job",
        **arguments: Any,
    ) -> str:
        """A trained model inference job (:meth:`register`); return its ARN."""
        return self.register(TRAINED_MODEL_INFERENCE_JOBS, statuses, name=name, **arguments)

    def script_next(
        self,
        emulated: EmulatedKind,
        statuses: Iterable[str],
        *,
        status_details: dict[str, str] | None = None,
        on: str = "create",
    ) -> None:
        """
        Make the next resource of a kind created (or cancelled, or deleted) through the API go through
        ``statuses``, one per read.

        :param emulated: Its kind.
        :param statuses: The statuses it shows, in order; it stays in the last one (:data:`GONE`
            last: it is then no longer found).
        :param status_details: ``statusDetails`` shown with the last status.
        :param on: Which call the script is for: ``create`` (or start), ``cancel`` or ``delete``.
        """
        if on not in ("create", "cancel", "delete"):
            raise ValueError(f"on={on!r} is not one of create, cancel, delete")
        key = emulated.kind.name if on == "create" else f"{emulated.kind.name} {on}"
        with self._state.lock:
            self._state.next_scripts.setdefault(key, []).append(_script(statuses, status_details))

    def script_next_start(
        self, statuses: Iterable[str], *, status_details: dict[str, str] | None = None
    ) -> None:
        """The next trained model inference job started through the API goes through ``statuses``."""
        self.script_next(TRAINED_MODEL_INFERENCE_JOBS, statuses, status_details=status_details)

    def resources(self) -> list[tuple[str, str]]:
        """Every resource it holds, oldest first: its kind's name and its ARN (or name)."""
        with self._state.lock:
            held = sorted(self._state.resources.values(), key=lambda resource: resource.created)
            return [(resource.emulated.kind.name, resource.key) for resource in held]

    def status_history(self, key: str) -> list[tuple[datetime, str]]:
        """Each status a resource (its ARN, or name) has shown, with when it was first shown, oldest first."""
        with self._state.lock:
            history = self._find_key(key).history
            return [(datetime.fromtimestamp(at, UTC), status) for at, status in history]

    def job_status(self, key: str) -> str:
        """The status a resource (its ARN, or name) has now, without counting as a read."""
        with self._state.lock:
            return self._find_key(key).current(time.time()).status

    def _find_key(self, key: str) -> _Resource:
        """A resource by its key, ARN (the newest version) or name."""
        if key in self._state.resources:
            return self._state.resources[key]
        found = [
            resource
            for resource in self._state.resources.values()
            if key in (resource.fields.get(resource.emulated.kind.arn_member), resource.fields.get("name"))
        ]
        if not found:
            raise KeyError(f"No resource is named {key!r}.")
        return max(found, key=lambda resource: resource.created)


def _route_of(operation: str) -> tuple[str, list[str], str]:
    http = service_model().operation_model(operation).http
    return http["method"], [part for part in http["requestUri"].split("?")[0].split("/") if part], operation


def _match(
    routes: list[tuple[str, list[str], str]], method: str, segments: list[str]
) -> tuple[str, dict] | None:
    for route_method, template, operation in routes:
        if route_method != method or len(template) != len(segments):
            continue
        labels: dict[str, str] = {}
        for part, value in zip(template, segments, strict=True):
            if part.startswith("{"):
                labels[part.strip("{}+")] = value
            elif part != value:
                break
        else:
            return operation, labels
    return None


def _query(operation: str, query: Mapping[str, str]) -> dict[str, Any]:
    """Query parameters as the operation's members, typed by their shapes."""
    members = service_model().operation_model(operation).input_shape.members
    result: dict[str, Any] = {}
    for member, shape in members.items():
        if shape.serialization.get("location") != "querystring":
            continue
        value = query.get(shape.serialization.get("name", member))
        if value is None:
            continue
        if shape.type_name in ("integer", "long"):
            try:
                result[member] = int(value)
            except ValueError:
                raise ServiceError("ValidationException", f"{member} must be an integer.") from None
        else:
            result[member] = value
    return result


def _create(
    state: _State,
    emulated: EmulatedKind,
    fields: dict[str, Any],
    region: str,
    script: list[_Step],
    step_seconds: float | None,
    not_found_reads: int | None,
) -> _Resource:
    kind, now = emulated.kind, time.time()
    fields = dict(fields)
    if kind.match_by == kind.arn_member and kind.arn_member not in fields:
        membership = f"membership/{fields[MEMBERSHIP]}/" if kind.in_membership else ""
        fields[kind.arn_member] = _new_version_of(state, emulated, fields) or (
            f"arn:{_partition(region)}:cleanrooms-ml:{region}:{state.account_id}:"
            f"{membership}{kind.arn_segment}/{uuid.uuid4()}"
        )
    if emulated.version_member and _knows(kind.get, emulated.version_member):
        fields.setdefault(emulated.version_member, str(uuid.uuid4()))
    parent = _parent_of(state, emulated, fields)
    if parent is not None and "collaborationIdentifier" in parent.fields:
        fields.setdefault("collaborationIdentifier", parent.fields["collaborationIdentifier"])
    fields.setdefault("name", f"emulated-{kind.arn_segment}")
    resource = _Resource(
        emulated=emulated,
        key=kind.label({member: fields.get(member) for member in kind.identity}),
        fields=fields,
        region=region,
        created=now,
        script=script,
        step_seconds=step_seconds,
        hidden_reads=state.faults.not_found_reads if not_found_reads is None else not_found_reads,
        script_started=now,
        updated=now,
    )
    # Stand-ins for the members the service always returns but the request did not say: stable,
    # so every read of a resource shows the same values.
    for operation in (kind.get, kind.list):
        if operation:
            for shape in _output_shapes(operation, kind):
                for member in shape.required_members:
                    if member not in resource.fields and member not in _LIVE_MEMBERS:
                        resource.fields[member] = _stand_in(shape.members[member], member, resource, state)
    state.resources[resource.key] = resource
    return resource


_LIVE_MEMBERS = ("status", "statusDetails", "createTime", "updateTime")


def _knows(operation: str | None, member: str) -> bool:
    """Whether the installed botocore's output of ``operation`` has ``member``."""
    return bool(operation) and member in service_model().operation_model(operation).output_shape.members


def _new_version_of(state: _State, emulated: EmulatedKind, fields: Mapping[str, Any]) -> str | None:
    """The ARN a create shares with the resource it trains incrementally from, if any (a new version)."""
    if not emulated.version_member:
        return None
    for channel in fields.get("incrementalTrainingDataChannels") or []:
        arn = channel.get(emulated.kind.arn_member)
        if any(resource.fields.get(emulated.kind.arn_member) == arn for resource in state.resources.values()):
            return str(arn)
    return None


def _parent_of(state: _State, emulated: EmulatedKind, fields: Mapping[str, Any]) -> _Resource | None:
    """The resource this one belongs to (an export job's trained model), newest first."""
    if not emulated.parent_member or emulated.parent_member not in fields:
        return None
    parents = [
        resource
        for resource in state.resources.values()
        if resource.fields.get(emulated.parent_member) == fields[emulated.parent_member]
        and resource.emulated is not emulated
    ]
    return max(parents, key=lambda resource: resource.created, default=None)


def _output_shapes(operation: str, kind: Any) -> list[Shape]:
    """The shape a response shows a resource in: the whole output, or a list's summaries."""
    shape = service_model().operation_model(operation).output_shape
    lists = [member for member in shape.members.values() if member.type_name == "list"]
    return [lists[0].member] if lists else [shape]


def _stand_in(shape: Shape, member: str, resource: _Resource, state: _State) -> Any:
    """A valid value of ``shape`` for a member the emulator has to make up."""
    pattern = shape.metadata.get("pattern", "")
    seed = f"{resource.key}/{member}"
    if member == "collaborationIdentifier" and MEMBERSHIP in resource.fields:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, resource.fields[MEMBERSHIP]))
    if shape.type_name == "structure":
        return {
            name: _stand_in(shape.members[name], name, resource, state)  # type: ignore[attr-defined]
            for name in shape.required_members  # type: ignore[attr-defined]
        }
    if shape.type_name == "list":
        count = shape.metadata.get("min", 0)
        return [_stand_in(shape.member, member, resource, state) for _ in range(count)]  # type: ignore[attr-defined]
    if shape.type_name == "map":
        return {}
    if shape.type_name in ("integer", "long", "float", "double"):
        return shape.metadata.get("min", 0)
    if shape.type_name == "boolean":
        return False
    if shape.type_name == "timestamp":
        return _timestamp(resource.created)
    if shape.enum:  # type: ignore[attr-defined]
        return shape.enum[0]  # type: ignore[attr-defined]
    if pattern.startswith("[0-9a-f]{8}-"):
        return str(uuid.uuid5(uuid.NAMESPACE_URL, seed))
    if pattern == "[0-9]{12}":
        return state.account_id
    if ":cleanrooms-ml:" in pattern and shape.name.endswith("Arn"):
        segment = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", shape.name[:-3]).lower()
        membership = f"membership/{resource.fields.get(MEMBERSHIP, DEFAULT_MEMBERSHIP_ID)}/"
        scope = membership if "membership/" in pattern else ""
        return (
            f"arn:{_partition(resource.region)}:cleanrooms-ml:{resource.region}:{state.account_id}:"
            f"{scope}{segment}/{uuid.uuid5(uuid.NAMESPACE_URL, seed)}"
        )
    return "emulated"


def _render(resource: _Resource, shape: Shape, now: float) -> dict[str, Any]:
    """A resource as a response shape (a description or a list summary) shows it."""
    step = resource.current(now)
    values = {
        **resource.fields,
        "status": step.status,
        "createTime": _timestamp(resource.created),
        "updateTime": _timestamp(resource.updated),
    }
    if step.details:
        values["statusDetails"] = dict(step.details)
    return {member: values[member] for member in shape.members if member in values}  # type: ignore[attr-defined]


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

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

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
            time.sleep(self.state.faults.sts_latency)
            self._assume_role()
            return
        if method == "POST" and not segments and b"Action=GetCallerIdentity" in raw_body:
            self._caller_identity()
            return
        matched = _match(self.state.routes, method, segments)
        if matched is None:
            self._send(
                404, {"message": f"No route for {method} {url.path}"}, error="UnknownOperationException"
            )
            return
        operation, labels = matched
        state = self.state
        agent = self.headers.get("User-Agent", "")
        client = "aiobotocore" if "aiobotocore" in agent else "botocore" if "Botocore" in agent else "other"
        with state.lock:
            state.calls[operation] += 1
            state.calls_by_client[operation, client] += 1
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
            authorization = self.headers.get("Authorization", "")
            _check_credentials(state, authorization)
            body = json.loads(raw_body) if raw_body else {}
            if not isinstance(body, dict):
                raise ServiceError("ValidationException", "The request body must be a JSON object.")
            query = {key: values[-1] for key, values in parse_qs(url.query).items()}
            request = {**body, **_query(operation, query), **labels}
            try:
                check_request(operation, request)
            except InvalidArgumentError as error:
                raise ServiceError("ValidationException", str(error)) from None
            signed = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/", authorization)
            region = signed[1] if signed else state.region
            role, emulated = state.kinds[operation]
            with state.lock:
                result = _ROLES[role](state, emulated, operation, request, region)
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
        self._send_xml(
            '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>'
            f"<Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{uuid.uuid4().hex}</SecretAccessKey>"
            f"<SessionToken>{uuid.uuid4().hex}</SessionToken><Expiration>{_timestamp(expires)}</Expiration>"
            "</Credentials><AssumedRoleUser><AssumedRoleId>AROAEMULATOR:airflow</AssumedRoleId>"
            f"<Arn>arn:aws:sts::{state.account_id}:assumed-role/emulator/airflow</Arn></AssumedRoleUser>"
            f"</AssumeRoleResult><ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
            "</AssumeRoleResponse>"
        )

    def _caller_identity(self) -> None:
        """STS ``GetCallerIdentity``: the emulator's account, for messages that say where a call went."""
        account = self.state.account_id
        with self.state.lock:
            self.state.calls["GetCallerIdentity"] += 1
        self._send_xml(
            '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
            f"<Arn>arn:aws:iam::{account}:user/emulator</Arn><UserId>AIDAEMULATOR</UserId>"
            f"<Account>{account}</Account></GetCallerIdentityResult>"
            f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
            "</GetCallerIdentityResponse>"
        )

    def _send_xml(self, body: str) -> None:
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

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


def _not_found(emulated: EmulatedKind, label: str, region: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"{emulated.kind.title} {label} not found in {region}.")


def _find(state: _State, emulated: EmulatedKind, request: Mapping[str, Any], region: str) -> _Resource:
    """
    The resource a request names: of this kind, in this region, agreeing on every identity member
    the request gives (the newest version, when it names none).
    """
    kind, now = emulated.kind, time.time()
    given = {member: request[member] for member in kind.identity if request.get(member) is not None}
    found = [
        resource
        for resource in state.resources.values()
        if resource.emulated is emulated and all(resource.fields.get(m) == v for m, v in given.items())
    ]
    resource = max(found, key=lambda resource: resource.created, default=None)
    if resource is None or resource.region != region or resource.gone(now):
        raise _not_found(emulated, kind.label(given) if kind.arn_member in given else str(given), region)
    return resource


def _created(state: _State, emulated: EmulatedKind, operation: str, request: dict, region: str) -> dict:
    scripts = state.next_scripts.get(emulated.kind.name)
    if scripts:
        script, step_seconds = scripts.pop(0), None
    elif state.reads_to_active:
        reads = state.reads_to_active
        statuses = ["CREATE_PENDING", *["CREATE_IN_PROGRESS"] * max(reads - 2, 0), "ACTIVE"][-reads:]
        script, step_seconds = _script(statuses), None
    else:
        script, step_seconds = _script(emulated.started), state.step_seconds
    resource = _create(state, emulated, request, region, script, step_seconds, None)
    output = service_model().operation_model(operation).output_shape
    return {
        member: resource.fields[member]
        for member in (output.members if output else {})
        if member in resource.fields
    }


def _got(state: _State, emulated: EmulatedKind, operation: str, request: dict, region: str) -> dict:
    resource = _find(state, emulated, request, region)
    if resource.hidden_reads > 0:
        resource.hidden_reads -= 1
        raise _not_found(emulated, resource.key, region)
    resource.reads += 1
    return _render(resource, service_model().operation_model(operation).output_shape, time.time())


def _value_of(resource: _Resource, member: str, now: float) -> Any:
    """A member's value as the service would filter on it: a field, or the status it shows now."""
    return resource.current(now).status if member == "status" else resource.fields.get(member)


def _listed(state: _State, emulated: EmulatedKind, operation: str, request: dict, region: str) -> dict:
    kind, now = emulated.kind, time.time()
    filters = {member: value for member, value in request.items() if member not in _PAGING}
    (shape,) = _output_shapes(operation, kind)
    matching = [
        resource
        for resource in sorted(state.resources.values(), key=lambda resource: resource.created, reverse=True)
        if resource.emulated is emulated
        and resource.region == region
        and resource.hidden_reads == 0  # not visible to Get yet: not listed either
        and not resource.gone(now)
        and all(_value_of(resource, member, now) == value for member, value in filters.items())
    ]
    start, size = int(request.get("nextToken") or 0), request.get("maxResults", 100)
    page = matching[start : start + size]
    for resource in page:
        resource.reads += 1  # a listing shows it: a read, for resources that move on reads
    result: dict[str, Any] = {kind.list_key or "": [_render(resource, shape, now) for resource in page]}
    if start + size < len(matching):
        result["nextToken"] = str(start + size)
    return result


def _moved(script_of: str, verb: str) -> Any:
    """A cancel or delete: the resource goes through its kind's ``cancelled`` or ``deleted`` script."""

    def move(state: _State, emulated: EmulatedKind, operation: str, request: dict, region: str) -> dict:
        resource = _find(state, emulated, request, region)
        now = time.time()
        status = resource.current(now).status
        pending = status in ("CREATE_PENDING", "CREATE_IN_PROGRESS")
        busy = status.startswith(("CANCEL_", "DELETE_")) and not status.endswith("FAILED")
        if busy or (verb == "cancel" and not pending):
            raise ServiceError(
                "ConflictException",
                f"{emulated.kind.title} {resource.key} is {status}: cannot {verb}.",
            )
        scripted = state.next_scripts.get(f"{emulated.kind.name} {verb}")
        resource.restart_script(scripted.pop(0) if scripted else _script(getattr(emulated, script_of)), now)
        return {}

    return move


def _updated(state: _State, emulated: EmulatedKind, operation: str, request: dict, region: str) -> dict:
    """An update of configuration: the request's members replace the resource's."""
    resource = _find(state, emulated, request, region)
    resource.fields.update(request)
    resource.updated = time.time()
    output = service_model().operation_model(operation).output_shape
    members = output.members if output else {}
    return {member: resource.fields[member] for member in members if member in resource.fields}


_ROLES = {
    "create": _created,
    "get": _got,
    "list": _listed,
    "cancel": _moved("cancelled", "cancel"),
    "delete": _moved("deleted", "delete"),
    "update": _updated,
}

__all__ = ["CANCEL", "GET", "LIST", "START", "CleanRoomsMLEmulator", "Faults", "ServiceError"]
