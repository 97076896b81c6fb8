"""Triggers that wait, in the triggerer, for a Clean Rooms ML resource to finish."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook
from airflow_cleanroomsml.kinds import (
    AUDIENCE_EXPORT_JOB,
    AUDIENCE_GENERATION_JOB,
    AUDIENCE_MODEL,
    ML_INPUT_CHANNEL,
    TRAINED_MODEL,
    TRAINED_MODEL_EXPORT_JOB,
    TRAINED_MODEL_INFERENCE_JOB,
)
from airflow_cleanroomsml.loop_sharing.clients import client_key, shared_client
from airflow_cleanroomsml.loop_sharing.registry import loop_shared
from airflow_cleanroomsml.loop_sharing.sweeps import ListSweep, gather_seconds
from airflow_cleanroomsml.waiting import JobWait, PollSchedule, judge

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from airflow_cleanroomsml.kinds import JobKind
    from airflow_cleanroomsml.waiting import JobEvent

log = logging.getLogger(__name__)


class CleanRoomsMLJobTrigger(BaseTrigger):
    """
    Read a Clean Rooms ML resource until one of its kind's waiters decides, then fire one event.

    The generic trigger every kind's trigger is: a subclass sets :attr:`kind` (a
    :class:`~airflow_cleanroomsml.kinds.JobKind`) and :attr:`waiter_role`, and takes the kind's
    identifying arguments (``trained_model_inference_job_arn``, ``membership_identifier``...)
    besides the ones below. It runs its own read loop rather than ``AwsBaseWaiterTrigger``'s:
    each reading is judged by the waiter's acceptors (:func:`~airflow_cleanroomsml.waiting.judge`),
    reads follow the wait's schedule across processes and restarts, triggers on one event loop
    share a client, and reads that coincide share one list call
    (:mod:`~airflow_cleanroomsml.loop_sharing`). The event is a
    :class:`~airflow_cleanroomsml.waiting.JobEvent`.

    Errors that are still throttling or 5xx after botocore's own retries, and connection errors,
    use up one read and the wait goes on; so does not finding the resource during the wait's
    first ``NOT_FOUND_READS_TOLERATED`` reads. Any other AWS error ends it with an ``error`` event
    that carries its code and message.

    The wait is bounded twice: by ``waiter_max_attempts`` reads, and by ``deadline``, an absolute
    time that survives a triggerer restart (a restarted trigger counts the reads time has used).

    :param waiter_delay: Seconds between reads. (default: 30)
    :param waiter_max_attempts: The most reads the whole wait makes, those before deferring
        included. (default: 120)
    :param deadline: Unix time the wait's budget ends, or None for ``waiter_delay *
        waiter_max_attempts`` seconds from now. The wait's reads are due every ``waiter_delay``
        seconds from ``deadline - waiter_delay * waiter_max_attempts``.
    :param execution_deadline: Unix time the task's ``execution_timeout`` runs out, or None: no read
        is made at or after it, and the wait ends with an ``execution_timeout`` event (Airflow does
        not apply ``execution_timeout`` to a deferred task itself). (default: None)
    :param polls_done: Reads the task made before it deferred (the sensor's first check). (default: 0)
    :param last_status: The status the task's own reads last saw, if any: what the wait says it saw
        when it ends before reading again. (default: None)
    :param cancel_on_kill: Cancel the resource when a user kills the deferred task (mark failed,
        clear). Only Airflow 3.3 and later tell a trigger so. (default: False)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region name; the connection's when None.
    :param verify: Whether to verify SSL certificates, or a CA bundle path.
    :param botocore_config: Configuration dictionary for the botocore client.
    """

    kind: ClassVar[JobKind]
    """What is waited for."""
    waiter_role: ClassVar[str] = "complete"
    """Which of the kind's waiters judges each reading."""

    def __init__(
        self,
        *,
        waiter_delay: float = 30,
        waiter_max_attempts: int = 120,
        deadline: float | None = None,
        execution_deadline: float | None = None,
        polls_done: int = 0,
        last_status: str | None = None,
        cancel_on_kill: bool = False,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        verify: bool | str | None = None,
        botocore_config: dict[str, Any] | None = None,
        **identity: Any,
    ) -> None:
        super().__init__()
        self.reference = self.kind.reference(**identity)
        self.waiter_delay = waiter_delay
        self.waiter_max_attempts = waiter_max_attempts
        self.deadline = deadline if deadline is not None else time.time() + waiter_delay * waiter_max_attempts
        self.execution_deadline = execution_deadline
        self.polls_done = polls_done
        self.last_status = last_status
        self.cancel_on_kill = cancel_on_kill
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name
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
                "polls_done": self.polls_done,
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
        schedule = PollSchedule.from_deadline(
            self.deadline, self.waiter_delay, self.waiter_max_attempts, self.execution_deadline
        )
        wait = JobWait(self.kind, self.waiter_name, self.reference, schedule, self.polls_done)
        wait.status = self.last_status
        event: JobEvent
        try:
            async with contextlib.AsyncExitStack() as stack:
                client = await stack.enter_async_context(shared_client(self.hook, self._client_key))
                event = await self._poll(client, stack, wait)
        except Exception as error:  # an event must say what happened; an escaping exception would not
            event = wait.event("error", f"Waiting failed with {type(error).__name__}: {error}")
        if event["status"] == "execution_timeout":
            # What a worker's timeout does (Airflow calls on_kill), done here: the task may resume
            # only after its execution_timeout, and then never run its own code (Airflow 2).
            await self.on_kill()
        yield TriggerEvent(event)

    async def _poll(self, client: Any, stack: contextlib.AsyncExitStack, wait: JobWait) -> JobEvent:
        from botocore.exceptions import ClientError, HTTPClientError
        from botocore.exceptions import ConnectionError as BotocoreConnectionError

        kind, gather = self.kind, gather_seconds(self.waiter_delay)
        match = self.reference[kind.match_by]
        # Each wait's schedule is offset within half the gathering window (by what it waits for), so
        # that a thousand waits do not all wake in the same turn of the event loop.
        offset = gather / 2 * zlib.crc32(str(match).encode()) / 2**32
        list_request: dict[str, Any] | None = None
        sweep: ListSweep | None = None
        while True:
            due = wait.next_read_at()
            if due is None:
                return wait.timeout_event()
            await asyncio.sleep(max(due + offset - time.time(), 0))
            try:
                if list_request is None and kind.list is not None and (kind.sweep or kind.get is None):
                    list_request = await CleanRoomsMLHook.alist_request(client, kind, self.reference)
                    if kind.sweep:
                        sweep = await stack.enter_async_context(self._shared_sweep(client, list_request))
                reading = await sweep.read(match, gather) if sweep is not None else None
                if isinstance(reading, BaseException):
                    raise reading
                if reading is None or (kind.get and judge(kind, self.waiter_name, reading) == "failure"):
                    # Not swept, or a failure: the description carries its statusDetails.
                    reading = await CleanRoomsMLHook.aread(client, kind, self.reference, list_request or {})
            except (ClientError, BotocoreConnectionError, HTTPClientError) as error:
                event = wait.record_error(error)
                if event is not None and event["error_code"] == "ResourceNotFoundException":
                    # Where it looked, with the account from STS: once, off the event loop.
                    event["message"] = wait.not_found_message(await asyncio.to_thread(self.hook().asked))
            else:
                event = wait.record(reading)
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
            if await CleanRoomsMLHook.acancel(client, self.kind, self.reference):
                log.info("Task killed: asked to cancel %s %s.", self.kind.name, label)
            else:
                log.info("Task killed; %s %s is past cancelling.", self.kind.name, label)


class CleanRoomsMLTrainedModelInferenceJobCompleteTrigger(CleanRoomsMLJobTrigger):
    """
    Wait until a trained model inference job is ``ACTIVE`` (success) or fails.

    ``CREATE_FAILED``, ``CANCEL_FAILED`` and ``INACTIVE`` end the wait with an ``error`` event.
    Parameters, events and bounds are those of :class:`CleanRoomsMLJobTrigger`.

    :param trained_model_inference_job_arn: The job's ARN.
    :param membership_identifier: The membership holding the job (default: the one in the ARN).
    """

    kind = TRAINED_MODEL_INFERENCE_JOB


class CleanRoomsMLTrainedModelInferenceJobCancelledTrigger(CleanRoomsMLJobTrigger):
    """
    Wait until a job whose cancellation was asked for is ``INACTIVE`` (success).

    ``CANCEL_FAILED``, and a job that finished (``ACTIVE``, ``CREATE_FAILED``) before the
    cancellation took, end the wait with an ``error`` event. Parameters, events and bounds are
    those of :class:`CleanRoomsMLJobTrigger`.

    :param trained_model_inference_job_arn: The job's ARN.
    :param membership_identifier: The membership holding the job (default: the one in the ARN).
    """

    kind = TRAINED_MODEL_INFERENCE_JOB
    waiter_role = "cancelled"


class CleanRoomsMLMLInputChannelCompleteTrigger(CleanRoomsMLJobTrigger):
    """
    Wait until an ML input channel is ``ACTIVE`` (success) or fails (``CREATE_FAILED``, deleted).

    :param ml_input_channel_arn: The channel's ARN.
    :param membership_identifier: The membership holding it (default: the one in the ARN).
    """

    kind = ML_INPUT_CHANNEL


class CleanRoomsMLMLInputChannelDataDeletedTrigger(CleanRoomsMLJobTrigger):
    """
    Wait until an ML input channel's data is deleted (``INACTIVE``); ``DELETE_FAILED`` fails.

    :param ml_input_channel_arn: The channel's ARN.
    :param membership_identifier: The membership holding it (default: the one in the ARN).
    """

    kind = ML_INPUT_CHANNEL
    waiter_role = "deleted"


class CleanRoomsMLTrainedModelCompleteTrigger(CleanRoomsMLJobTrigger):
    """
    Wait until a trained model (version) is ``ACTIVE`` (success) or fails.

    :param trained_model_arn: The trained model's ARN.
    :param membership_identifier: The membership holding it (default: the one in the ARN).
    :param version_identifier: The version to wait for (default: the model as the API describes it).
    """

    kind = TRAINED_MODEL


class CleanRoomsMLTrainedModelCancelledTrigger(CleanRoomsMLJobTrigger):
    """
    Wait until a trained model whose cancellation was asked for is ``INACTIVE`` (success).

    :param trained_model_arn: The trained model's ARN.
    :param membership_identifier: The membership holding it (default: the one in the ARN).
    :param version_identifier: The version being cancelled.
    """

    kind = TRAINED_MODEL
    waiter_role = "cancelled"


class CleanRoomsMLTrainedModelOutputDeletedTrigger(CleanRoomsMLJobTrigger):
    """
    Wait until a trained model's output is deleted (``INACTIVE``); ``DELETE_FAILED`` fails.

    :param trained_model_arn: The trained model's ARN.
    :param membership_identifier: The membership holding it (default: the one in the ARN).
    :param version_identifier: The version whose output is deleted.
    """

    kind = TRAINED_MODEL
    waiter_role = "deleted"


class CleanRoomsMLTrainedModelExportJobCompleteTrigger(CleanRoomsMLJobTrigger):
    """
    Wait until a trained model export job is ``ACTIVE`` (success) or ``CREATE_FAILED``.

    The job has no ARN and no Get call: it is read, by name, from
    ``ListCollaborationTrainedModelExportJobs`` (waits on one model share those calls).

    :param membership_identifier: The membership the job exports to.
    :param trained_model_arn: The exported trained model's ARN.
    :param name: The export job's name.
    :param trained_model_version_identifier: The exported version, if one was named.
    """

    kind = TRAINED_MODEL_EXPORT_JOB


class CleanRoomsMLAudienceModelCompleteTrigger(CleanRoomsMLJobTrigger):
    """
    Wait until an audience model is ``ACTIVE`` (success) or fails (``CREATE_FAILED``, deleted).

    :param audience_model_arn: The audience model's ARN.
    """

    kind = AUDIENCE_MODEL


class CleanRoomsMLAudienceModelDeletedTrigger(CleanRoomsMLJobTrigger):
    """
    Wait until an audience model is gone (success); ``DELETE_FAILED`` fails.

    :param audience_model_arn: The audience model's ARN.
    """

    kind = AUDIENCE_MODEL
    waiter_role = "deleted"


class CleanRoomsMLAudienceGenerationJobCompleteTrigger(CleanRoomsMLJobTrigger):
    """
    Wait until an audience generation job is ``ACTIVE`` (success) or fails.

    :param audience_generation_job_arn: The job's ARN.
    """

    kind = AUDIENCE_GENERATION_JOB


class CleanRoomsMLAudienceGenerationJobDeletedTrigger(CleanRoomsMLJobTrigger):
    """
    Wait until an audience generation job is gone (success); ``DELETE_FAILED`` fails.

    :param audience_generation_job_arn: The job's ARN.
    """

    kind = AUDIENCE_GENERATION_JOB
    waiter_role = "deleted"


class CleanRoomsMLAudienceExportJobCompleteTrigger(CleanRoomsMLJobTrigger):
    """
    Wait until an audience export job is ``ACTIVE`` (success) or ``CREATE_FAILED``.

    The job has no ARN and no Get call: it is read, by name, from ``ListAudienceExportJobs`` of
    its generation job (waits on one generation job's exports share those calls).

    :param audience_generation_job_arn: The generation job whose segment is exported.
    :param name: The export job's name.
    """

    kind = AUDIENCE_EXPORT_JOB
