"""
The trigger every kind's trigger is: it reads a resource until one of its kind's waiters decides.

Each kind's public trigger (``triggers/cleanroomsml.py``) is a subclass that names its kind and
waiter role and takes the kind's identifying arguments; this base reads with the reading engine
(:mod:`~airflow_cleanroomsml.reading`), follows the wait's schedule
(:class:`~airflow_cleanroomsml.waiting.ResourceWait`), and shares clients and list calls with the
other triggers on its event loop (:mod:`~airflow_cleanroomsml.loop_sharing`).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import time
import zlib
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_cleanroomsml import reading
from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook, raised
from airflow_cleanroomsml.judging import judge
from airflow_cleanroomsml.kinds import KINDS
from airflow_cleanroomsml.loop_sharing.clients import client_key, shared_client
from airflow_cleanroomsml.loop_sharing.registry import loop_shared
from airflow_cleanroomsml.loop_sharing.sweeps import ListSweep, gather_seconds
from airflow_cleanroomsml.reading import NOT_FOUND, Failure
from airflow_cleanroomsml.waiting import ReadSchedule, ResourceWait

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from airflow_cleanroomsml.kinds import ResourceKind
    from airflow_cleanroomsml.waiting import ResourceEvent

log = logging.getLogger(__name__)

TRIGGERS: dict[tuple[str, str], type[CleanRoomsMLResourceTrigger]] = {}
"""Each kind's trigger for each waiter role: (kind name, role) → class (see :func:`trigger_for`)."""
BUILT_IN_TRIGGERS = "airflow_cleanroomsml.triggers.cleanroomsml"


def trigger_for(kind: ResourceKind, role: str) -> type[CleanRoomsMLResourceTrigger]:
    """
    The trigger class that waits for a kind's ``role`` waiter: what a task defers to.

    The provider's own triggers are imported on first use (when a task defers, not when a DAG is
    parsed); a kind declared elsewhere registers its triggers by subclassing
    :class:`CleanRoomsMLResourceTrigger`.
    """
    if kind in KINDS or (kind.name, role) not in TRIGGERS:  # the provider's own kinds: its own triggers
        importlib.import_module(BUILT_IN_TRIGGERS)
    try:
        return TRIGGERS[kind.name, role]
    except KeyError:
        raise ValueError(f"No trigger waits for the {role!r} waiter of {kind.name}s.") from None


class CleanRoomsMLResourceTrigger(BaseTrigger):
    """
    Read a Clean Rooms ML resource until one of its kind's waiters decides, then fire one event.

    The generic trigger every kind's trigger is: a subclass sets :attr:`kind` (a
    :class:`~airflow_cleanroomsml.kinds.ResourceKind`) and :attr:`waiter_role`, and takes the kind's
    identifying arguments (``trained_model_inference_job_arn``, ``membership_identifier``...)
    explicitly, besides the ones below; it is then the kind's trigger for that role
    (:func:`trigger_for`). It runs its own read loop rather than ``AwsBaseWaiterTrigger``'s: each
    reading is judged by the waiter's acceptors (:func:`~airflow_cleanroomsml.judging.judge`),
    reads follow the wait's schedule across processes and restarts, triggers on one event loop
    share a client, and reads that coincide share one list call
    (:mod:`~airflow_cleanroomsml.loop_sharing`). The event is a
    :class:`~airflow_cleanroomsml.waiting.ResourceEvent`.

    Errors that are still throttling or 5xx after botocore's own retries, and connection errors,
    use up one read and the wait goes on; so does not finding the resource during the wait's
    first ``NOT_FOUND_READS_TOLERATED`` reads. Any other AWS error ends it with an ``error`` event
    that carries its code and message.

    The wait is bounded by ``waiter_max_attempts`` reads, by ``deadline``, an absolute time that
    survives a triggerer restart (a trigger re-created after one reads again at once and keeps the
    deadline; the reads it made before are not counted again, nor the ones it missed made up for),
    and by the task's ``execution_deadline``.

    :param waiter_delay: Seconds between reads. (default: 30)
    :param waiter_max_attempts: The most reads the whole wait makes, those before deferring
        included. (default: 120)
    :param deadline: Unix time the wait's budget ends, or None for ``waiter_delay *
        waiter_max_attempts`` seconds from now plus the grace
        (:data:`~airflow_cleanroomsml.waiting.DEADLINE_GRACE_SECONDS`). The wait's reads are due every
        ``waiter_delay`` seconds from ``deadline - grace - waiter_delay * waiter_max_attempts``.
    :param execution_deadline: Unix time the task's ``execution_timeout`` runs out, or None: no read
        is made at or after it, and the wait ends with an ``execution_timeout`` event (Airflow does
        not apply ``execution_timeout`` to a deferred task itself). (default: None)
    :param reads_done: Reads the task made before it deferred (the sensor's first check); a trigger
        serialized by 0.2.0 passes it as ``polls_done``. (default: 0)
    :param last_status: The status the task's own reads last saw, if any: what the wait says it saw
        when it ends before reading again. (default: None)
    :param cancel_on_kill: Cancel the resource when a user kills the deferred task (mark failed,
        clear). Only Airflow 3.3 and later tell a trigger so. (default: False)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region name; the connection's when None.
    :param verify: Whether to verify SSL certificates, or a CA bundle path.
    :param botocore_config: Configuration dictionary for the botocore client.
    """

    kind: ClassVar[ResourceKind]
    """What is waited for."""
    waiter_role: ClassVar[str] = "complete"
    """Which of the kind's waiters judges each reading."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass that names its kind is the kind's trigger for its waiter role."""
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            key = (cls.kind.name, cls.waiter_role)
            if cls.__module__ == BUILT_IN_TRIGGERS:  # a DAG file's subclass never stands in for these
                TRIGGERS[key] = cls
            else:
                TRIGGERS.setdefault(key, cls)

    def __init__(
        self,
        *,
        waiter_delay: float = 30,
        waiter_max_attempts: int = 120,
        deadline: float | None = None,
        execution_deadline: float | None = None,
        reads_done: int = 0,
        last_status: str | None = None,
        cancel_on_kill: bool = False,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        verify: bool | str | None = None,
        botocore_config: dict[str, Any] | None = None,
        **identity: Any,
    ) -> None:
        super().__init__()
        reads_done = identity.pop("polls_done", reads_done)  # the name 0.2.0 serialized
        self.reference = self.kind.reference(**identity)
        self.waiter_delay = waiter_delay
        self.waiter_max_attempts = waiter_max_attempts
        if deadline is None:
            deadline = ReadSchedule.starting_now(waiter_delay, waiter_max_attempts).deadline
        self.deadline = deadline
        self.execution_deadline = execution_deadline
        self.reads_done = reads_done
        self.last_status = last_status
        self.cancel_on_kill = cancel_on_kill
        self.aws_conn_id = aws_conn_id
        # Where the resource is, when not given (a trigger made by hand, or serialized by 0.1.0).
        self.region_name = region_name or self.kind.locate(self.reference).region
        self.verify = verify
        self.botocore_config = botocore_config

    @property
    def waiter_name(self) -> str:
        """The waiter in ``waiters/cleanroomsml.json`` that judges each reading."""
        return self.kind.waiter(self.waiter_role)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Everything the trigger needs, and nothing else: the resource, the schedule, the connection."""
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                **self.kind.arguments_of(self.reference),
                "waiter_delay": self.waiter_delay,
                "waiter_max_attempts": self.waiter_max_attempts,
                "deadline": self.deadline,
                "execution_deadline": self.execution_deadline,
                "reads_done": self.reads_done,
                "last_status": self.last_status,
                "cancel_on_kill": self.cancel_on_kill,
                "aws_conn_id": self.aws_conn_id,
                "region_name": self.region_name,
                "verify": self.verify,
                "botocore_config": self.botocore_config,
            },
        )

    def hook(self) -> CleanRoomsMLHook:
        """The hook for the serialized connection settings (it builds the shared client)."""
        return CleanRoomsMLHook(
            aws_conn_id=self.aws_conn_id,
            region_name=self.region_name,
            verify=self.verify,
            config=self.botocore_config,
        )

    @property
    def _client_key(self) -> str:
        return client_key(self.aws_conn_id, self.region_name, self.verify, self.botocore_config)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        schedule = ReadSchedule.from_deadline(
            self.deadline, self.waiter_delay, self.waiter_max_attempts, self.execution_deadline
        )
        wait = ResourceWait(
            self.kind, self.waiter_name, self.reference, schedule, self.reads_done, self.last_status
        )
        event: ResourceEvent
        try:
            async with contextlib.AsyncExitStack() as stack:
                client = await stack.enter_async_context(shared_client(self.hook, self._client_key))
                event = await self._read_until_decided(client, stack, wait)
        except Exception as error:  # an event must say what happened; an escaping exception would not
            event = wait.event("error", f"Waiting failed with {type(error).__name__}: {error}")
        if event["status"] == "execution_timeout":
            # What a worker's timeout does (Airflow calls on_kill), done here: the task may resume
            # only after its execution_timeout, and then never run its own code (Airflow 2).
            try:
                await self.on_kill()
            except Exception as error:  # the event must still be fired, saying what happened
                log.warning(
                    "Cancelling %s %s failed: %s", self.kind.name, self.kind.label(self.reference), error
                )
                event["message"] += f" (cancelling it failed: {type(error).__name__}: {error})"
        yield TriggerEvent(event)

    async def _read_until_decided(
        self, client: Any, stack: contextlib.AsyncExitStack, wait: ResourceWait
    ) -> ResourceEvent:
        kind, gather = self.kind, gather_seconds(self.waiter_delay)
        match = self.reference[kind.match_by]
        # Each wait's schedule is offset within half the gathering window (by what it waits for), so
        # that a thousand waits do not all wake in the same turn of the event loop.
        offset = gather / 2 * zlib.crc32(str(match).encode()) / 2**32
        listed = kind.list is not None and (kind.sweep or kind.get is None)  # read through list calls
        list_request: dict[str, Any] | Failure | None = None
        sweep: ListSweep | None = None
        while True:
            due = wait.next_read_at()
            if due is None:
                return wait.timeout_event()
            await asyncio.sleep(max(due + offset - time.time(), 0))
            if listed and not isinstance(list_request, dict):
                list_request = await reading.arun(client, reading.list_request(kind, self.reference))
                if kind.sweep and isinstance(list_request, dict):
                    sweep = await stack.enter_async_context(self._shared_sweep(client, list_request))
            answer: reading.Answer | None = list_request if isinstance(list_request, Failure) else None
            if answer is None and sweep is not None:
                answer = await sweep.read(match, gather)
            if answer is None or (
                kind.get and isinstance(answer, dict) and judge(kind, self.waiter_name, answer) == "failure"
            ):
                # Not swept, or a failure: the description carries its statusDetails.
                request = list_request if isinstance(list_request, dict) else None
                answer = await reading.arun(client, reading.read(kind, self.reference, request))
            event = wait.record(answer)
            if event is not None and event["error_code"] == NOT_FOUND and event["status"] == "error":
                # Where it looked, with the account from STS: once, off the event loop.
                asked = await asyncio.to_thread(self.hook().asked)
                event["message"] = event["error_message"] = wait.not_found_message(asked)
            if event is not None:
                return event

    def _shared_sweep(
        self, client: Any, list_request: dict[str, Any]
    ) -> contextlib.AbstractAsyncContextManager[ListSweep]:
        key = ("sweep", self._client_key, self.kind.name, tuple(sorted(list_request.items())))

        async def open_sweep() -> ListSweep:
            return ListSweep(client, self.kind, list_request)

        return loop_shared(key, open_sweep, ListSweep.close)

    async def on_kill(self) -> None:
        """Cancel the resource when a user kills the deferred task (called by Airflow 3.3 and later)."""
        if not (self.cancel_on_kill and self.kind.cancel):
            return
        label = self.kind.label(self.reference)
        async with shared_client(self.hook, self._client_key) as client:
            if raised(await reading.arun(client, reading.cancel(self.kind, self.reference))):
                log.info("Task killed: asked to cancel %s %s.", self.kind.name, label)
            else:
                log.info("Task killed; %s %s is past cancelling.", self.kind.name, label)
