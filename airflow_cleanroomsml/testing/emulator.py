"""
A local AWS Clean Rooms ML emulator: every kind of resource this provider knows, over real HTTP on 127.0.0.1.

It speaks the service's REST-JSON wire protocol, so unmodified boto3 and aiobotocore clients (and
so this provider's hook, operators, sensors and triggers) reach it through ``endpoint_url``. It is
as strict as the service where the service's model or documentation says how: requests are checked
against botocore's service model on their own (:mod:`~airflow_cleanroomsml.testing.checks`), the
resources a request names must exist in the caller's region in a status that allows the call
(:mod:`~airflow_cleanroomsml.testing.references`), names the service keeps unique are, and page
tokens are opaque and checked. Every kind gets the same lifecycles (on a clock or one status per
read), errors with the service's codes and HTTP statuses, faults, call counts and status histories.

This module is the public API: :class:`CleanRoomsMLEmulator`. The rest of the package, by concern:

- :mod:`~airflow_cleanroomsml.testing.server`: the HTTP server, routing, answers;
- :mod:`~airflow_cleanroomsml.testing.sts`: STS ``AssumeRole``/``GetCallerIdentity``, expiring credentials;
- :mod:`~airflow_cleanroomsml.testing.checks`: request checks from the service model;
- :mod:`~airflow_cleanroomsml.testing.policy`: an IAM policy, enforced on every call when given;
- :mod:`~airflow_cleanroomsml.testing.references`: references and unique names;
- :mod:`~airflow_cleanroomsml.testing.calls`: what each call does (create, get, list, cancel, delete, update);
- :mod:`~airflow_cleanroomsml.testing.lifecycle`: the resources held and the statuses they go through;
- :mod:`~airflow_cleanroomsml.testing.faults`: the faults to inject;
- :mod:`~airflow_cleanroomsml.testing.kinds`: what the emulator knows of each kind;
- :mod:`~airflow_cleanroomsml.testing.service_model`, :mod:`~airflow_cleanroomsml.testing.responses`,
  :mod:`~airflow_cleanroomsml.testing.errors`: the service model, response shapes, error codes.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from airflow_cleanroomsml.kinds import MEMBERSHIP, arn_match
from airflow_cleanroomsml.testing.calls import add_resource, scripts_key, served
from airflow_cleanroomsml.testing.errors import ERROR_CODES, ServiceError
from airflow_cleanroomsml.testing.faults import Faults
from airflow_cleanroomsml.testing.kinds import EMULATED_KINDS, TRAINED_MODEL_INFERENCE_JOBS, EmulatedKind
from airflow_cleanroomsml.testing.lifecycle import Resource, State, script
from airflow_cleanroomsml.testing.policy import Policy
from airflow_cleanroomsml.testing.responses import DEFAULT_MEMBERSHIP_ID
from airflow_cleanroomsml.testing.server import Handler, QuietServer, Router
from airflow_cleanroomsml.testing.sts import ASSUME_ROLE

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Mapping

GET = "GetTrainedModelInferenceJob"
START = "StartTrainedModelInferenceJob"
CANCEL = "CancelTrainedModelInferenceJob"
LIST = "ListTrainedModelInferenceJobs"


class CleanRoomsMLEmulator:
    """
    Run the emulator in a background thread; use it as a context manager.

    .. code-block:: python

        with CleanRoomsMLEmulator(step_seconds=1) as emulator:
            client = boto3.client("cleanroomsml", endpoint_url=emulator.endpoint_url, ...)
            model = emulator.register(TRAINED_MODELS, ["ACTIVE"])

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
    :param kinds: The kinds it serves. (default: every kind this provider knows, and the parents
        their requests name)
    :param policy: An IAM identity policy (a mapping, its JSON text, or a ``pathlib.Path`` of its
        file) that every call must be
        allowed by, as the caller's role's policy in AWS: a call it does not allow is answered
        ``AccessDeniedException`` (HTTP 403) naming the action and resource
        (:mod:`~airflow_cleanroomsml.testing.policy`). (default: None, every call is allowed)
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
        policy: Mapping[str, Any] | str | os.PathLike[str] | None = None,
    ) -> None:
        self._address = (host, port)
        kinds = tuple(kinds)
        self._served = served(kinds)
        self._state = State(
            region=region,
            account_id=account_id,
            step_seconds=step_seconds,
            faults=faults or Faults(),
            credential_lifetime=credential_lifetime,
            reads_to_active=reads_to_active,
            kinds=kinds,
            policy=None if policy is None else Policy(policy),
        )
        self._router = Router(self._served)
        self._server: QuietServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> CleanRoomsMLEmulator:
        """Start serving in a daemon thread; return self."""
        handler = type(
            "_BoundHandler",
            (Handler,),
            {"state": self._state, "router": self._router, "served": self._served},
        )
        self._server = QuietServer(self._address, handler)
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

    @property
    def operations(self) -> list[str]:
        """The operations it serves (those of its kinds that the installed botocore knows), sorted."""
        return sorted(self._served)

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
        """Calls received, by operation name, faulted and refused ones included (a copy)."""
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

    @property
    def internal_errors(self) -> list[str]:
        """
        Tracebacks of the emulator's own failures, each answered ``InternalServiceException`` (a copy).

        Empty unless the emulator has a bug; the pytest fixture fails a test that leaves any.
        """
        with self._state.lock:
            return list(self._state.internal_errors)

    @property
    def policy(self) -> dict[str, Any] | None:
        """The IAM policy every call must be allowed by (None: every call is); set it to change it."""
        with self._state.lock:
            return None if self._state.policy is None else dict(self._state.policy.document)

    @policy.setter
    def policy(self, document: Mapping[str, Any] | str | os.PathLike[str] | None) -> None:
        parsed = None if document is None else Policy(document)
        with self._state.lock:
            self._state.policy = parsed

    @property
    def denied(self) -> list[tuple[str, str]]:
        """The permissions its policy refused, oldest first: (action, resource) (a copy)."""
        with self._state.lock:
            return list(self._state.denied)

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
        if code not in ERROR_CODES:
            raise ValueError(f"code={code!r} is not one of {sorted(ERROR_CODES)}")
        with self._state.lock:
            self._state.scripted_errors.setdefault(operation, []).extend([None] * after + [code] * times)

    def register(
        self,
        emulated: EmulatedKind,
        statuses: Iterable[str] | None = None,
        *,
        status_details: dict[str, str] | None = None,
        membership_id: str | None = None,
        region: str | None = None,
        step_seconds: float | None = None,
        not_found_reads: int | None = None,
        **attributes: Any,
    ) -> str:
        """
        Add a resource that goes through ``statuses`` and stays in the last one; return what names it.

        This is set-up, not a call: nothing is checked, and the resources it names need not exist.
        Use it for what a DAG reads or waits for but does not create (a trained model made
        elsewhere, a configured model algorithm association, a training dataset...).

        :param emulated: Its kind (``airflow_cleanroomsml.testing.TRAINED_MODELS``...).
        :param statuses: The statuses it shows, in order. (default: the kind's ``started`` statuses)
        :param status_details: ``statusDetails`` shown with the last status (the ``statusCode``
            and ``message`` of a failure).
        :param membership_id: The membership that holds it, for a kind in a membership. (default:
            the one its ARN names, if given; else the emulator's ``membership_id``)
        :param region: The region it lives in. (default: its ARN's, if given; else the emulator's
            ``region``)
        :param step_seconds: Seconds per status; None moves one status per read (a Get of it, or
            a list page that shows it), which makes tests independent of time.
        :param not_found_reads: Reads that answer ``ResourceNotFoundException`` first
            (default: ``faults.not_found_reads``).
        :param attributes: Further members in the service's camelCase (``name``, ``environment``,
            its own ARN such as ``trainedModelArn=...`` to choose it…).
        :return: Its ARN, or its name for a kind without one.
        :raises ValueError: When ``membership_id`` or ``region`` contradicts its ARN.
        """
        kind = emulated.kind
        own = arn_match(attributes.get(kind.arn_member)) if kind.match_by == kind.arn_member else None
        if own is not None:  # its ARN says where it lives: the membership and region given must agree
            for given, named, what in (
                (membership_id, own["membership"], "membership_id"),
                (region, own["region"], "region"),
            ):
                if given is not None and named is not None and given != named:
                    raise ValueError(
                        f"{what}={given!r} contradicts its ARN {own[0]!r}, which names {named!r}."
                    )
            membership_id = membership_id or own["membership"]
            region = region or own["region"]
        membership_id = membership_id or DEFAULT_MEMBERSHIP_ID
        fields = {MEMBERSHIP: membership_id} if MEMBERSHIP in kind.identity else {}
        fields.update(attributes)
        with self._state.lock:
            resource = add_resource(
                self._state,
                emulated,
                fields,
                region or self._state.region,
                script(statuses or emulated.started, status_details),
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
        with self._state.lock:
            self._state.next_scripts.setdefault(scripts_key(emulated, on), []).append(
                script(statuses, status_details)
            )

    def script_next_start(
        self, statuses: Iterable[str], *, status_details: dict[str, str] | None = None
    ) -> None:
        """The next trained model inference job started through the API goes through ``statuses``."""
        self.script_next(TRAINED_MODEL_INFERENCE_JOBS, statuses, status_details=status_details)

    def resources(self) -> list[tuple[str, str]]:
        """Every resource it holds, oldest first: its kind's name and its ARN (or name)."""
        with self._state.lock:
            held = sorted(self._state.resources.values(), key=lambda resource: resource.serial)
            return [(resource.emulated.kind.name, resource.key) for resource in held]

    def status_history(self, key: str) -> list[tuple[datetime, str]]:
        """Each status a resource (its ARN, or name) has shown, with when it was first shown, oldest first."""
        with self._state.lock:
            history = self._find_key(key).history
            return [(datetime.fromtimestamp(at, UTC), status) for at, status in history]

    def job_status(self, key: str) -> str:
        """The status a resource (its ARN, or name) has now, without counting as a read."""
        with self._state.lock:
            return self._find_key(key).status(time.time())

    def _find_key(self, key: str) -> Resource:
        """A resource by its key, ARN (the newest version) or name."""
        found = [
            resource
            for resource in self._state.resources.values()
            if key
            in (
                resource.key,
                resource.fields.get(resource.emulated.kind.arn_member),
                resource.fields.get("name"),
            )
        ]
        if not found:
            raise KeyError(f"No resource is named {key!r}.")
        return max(found, key=lambda resource: resource.serial)


__all__ = [
    "ASSUME_ROLE",
    "CANCEL",
    "GET",
    "LIST",
    "START",
    "CleanRoomsMLEmulator",
    "Faults",
    "ServiceError",
]
