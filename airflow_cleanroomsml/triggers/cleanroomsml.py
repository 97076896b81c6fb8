"""Triggers that wait, in the triggerer, for a Clean Rooms ML trained-model inference job."""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.triggers.base import AwsBaseWaiterTrigger
from airflow.triggers.base import TriggerEvent

from airflow_cleanroomsml.hooks.cleanroomsml import (
    SUCCESS_STATUS_OF_WAITER,
    TRAINED_MODEL_INFERENCE_JOB_CANCELLED,
    TRAINED_MODEL_INFERENCE_JOB_COMPLETE,
    CleanRoomsMLHook,
    waiter_state,
)
from airflow_cleanroomsml.inference_jobs import parse_job_arn
from airflow_cleanroomsml.polling import JobPoller
from airflow_cleanroomsml.triggers.loop_shared import loop_shared
from airflow_cleanroomsml.triggers.shared_clients import client_key, shared_client
from airflow_cleanroomsml.triggers.status_sweeps import MembershipStatusSweep, gather_seconds

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

log = logging.getLogger(__name__)


class _TrainedModelInferenceJobTrigger(AwsBaseWaiterTrigger):
    """
    Poll a trained model inference job until a custom waiter decides, then fire one event.

    Each poll reads the job's status and has the waiter ``WAITER`` judge it, so the trigger and the
    synchronous waits share one definition of success and failure, and one policy
    (:class:`~airflow_cleanroomsml.polling.JobPoller`) for everything else. Triggers on one event
    loop share a client, and polls of one membership that coincide share one
    ``ListTrainedModelInferenceJobs`` sweep (:mod:`~airflow_cleanroomsml.triggers.status_sweeps`);
    a lone poll, a job the sweep did not list and a failed job are read with
    ``GetTrainedModelInferenceJob``. The event is a dict with ``status`` (``success``, ``error``
    or ``timeout``), ``message``, ``trained_model_inference_job_arn``, ``job_status`` (the last
    status seen, or None) and ``status_details``.

    Errors that are still throttling or 5xx after botocore's own retries, and connection errors,
    use up one poll and the wait goes on; so do up to ``NOT_FOUND_READS_TOLERATED`` consecutive
    ``ResourceNotFoundException`` reads (a job just started may not be visible yet). Any other AWS
    error ends it with an ``error`` event that carries its code and message.

    The wait is bounded twice: by ``waiter_max_attempts`` polls and by ``deadline``, an absolute
    time that survives a triggerer restart (the attempt count does not).

    :param trained_model_inference_job_arn: The job's ARN.
    :param membership_identifier: The membership holding the job (default: the one in the ARN).
    :param waiter_delay: Seconds between polls. (default: 30)
    :param waiter_max_attempts: The most polls to make. (default: 120)
    :param deadline: Unix time after which the wait gives up, or None for
        ``waiter_delay * waiter_max_attempts`` seconds from now.
    :param cancel_on_kill: Cancel the job when a user kills the deferred task (mark failed,
        clear, mark success). Only Airflow 3.3 and later tell a trigger so. (default: False)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region name; the connection's when None.
    :param verify: Whether to verify SSL certificates, or a CA bundle path.
    :param botocore_config: Configuration dictionary for the botocore client.
    """

    WAITER: str

    def __init__(
        self,
        *,
        trained_model_inference_job_arn: str,
        membership_identifier: str | None = None,
        waiter_delay: int = 30,
        waiter_max_attempts: int = 120,
        deadline: float | None = None,
        cancel_on_kill: bool = False,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        verify: bool | str | None = None,
        botocore_config: dict[str, Any] | None = None,
    ) -> None:
        membership_identifier = (
            membership_identifier or parse_job_arn(trained_model_inference_job_arn).membership_id
        )
        self.deadline = deadline if deadline is not None else time.time() + waiter_delay * waiter_max_attempts
        self.cancel_on_kill = cancel_on_kill
        super().__init__(
            serialized_fields={
                "trained_model_inference_job_arn": trained_model_inference_job_arn,
                "membership_identifier": membership_identifier,
                "deadline": self.deadline,
                "cancel_on_kill": cancel_on_kill,
            },
            waiter_name=self.WAITER,
            waiter_args={
                "membershipIdentifier": membership_identifier,
                "trainedModelInferenceJobArn": trained_model_inference_job_arn,
            },
            failure_message="Trained model inference job failed",
            status_message="Trained model inference job status",
            status_queries=["status", "statusDetails"],
            return_key="trained_model_inference_job_arn",
            return_value=trained_model_inference_job_arn,
            waiter_delay=waiter_delay,
            waiter_max_attempts=waiter_max_attempts,
            aws_conn_id=aws_conn_id,
            region_name=region_name,
            verify=verify,
            botocore_config=botocore_config,
        )

    def hook(self) -> CleanRoomsMLHook:
        """Build the hook from the serialized connection settings (works on providers-amazon 9.8+)."""
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
        poller = JobPoller(
            self.return_value,
            SUCCESS_STATUS_OF_WAITER[self.WAITER],
            self.attempts,
            self.deadline,
            self.waiter_delay,
        )
        membership_identifier = self.waiter_args["membershipIdentifier"]
        sweep_key = ("sweep", self._client_key, membership_identifier)
        try:
            async with shared_client(self.hook, self._client_key) as client:

                async def open_sweep() -> MembershipStatusSweep:
                    return MembershipStatusSweep(client, membership_identifier)

                async with loop_shared(sweep_key, open_sweep, MembershipStatusSweep.close) as sweep:
                    event = await self._poll(client, sweep, poller)
        except Exception as error:  # an event must say what happened; an escaping exception would not
            event = poller.event("error", f"Waiting failed with {type(error).__name__}: {error}")
        yield TriggerEvent(event)

    async def _poll(self, client: Any, sweep: MembershipStatusSweep, poller: JobPoller) -> dict[str, Any]:
        gather = gather_seconds(self.waiter_delay)
        # Polls start waiter_delay apart on a schedule fixed when the wait begins, however long a
        # read takes, so the polls one sweep answered come back together for the next. Each wait's
        # schedule is offset within half the gathering window (by its ARN), so that a thousand
        # waits do not all wake in the same turn of the event loop.
        offset = gather / 2 * zlib.crc32(self.return_value.encode()) / 2**32
        poll_at = time.monotonic() + offset
        while True:
            await asyncio.sleep(max(poll_at - time.monotonic(), 0))
            event = await self._read(client, sweep, poller, gather)
            if event is not None:
                return event
            pause = poller.next_pause(self.waiter_delay)
            if pause is None:
                return poller.timeout_event()
            now = time.monotonic()
            # A read that took longer than the interval is followed by one poll at once, not a burst.
            poll_at = min(max(poll_at + self.waiter_delay, now), now + pause)

    async def _read(
        self, client: Any, sweep: MembershipStatusSweep, poller: JobPoller, gather: float
    ) -> dict[str, Any] | None:
        """One poll: the job's listed status from a sweep, or its description when the sweep cannot tell."""
        from botocore.exceptions import ClientError, HTTPClientError
        from botocore.exceptions import ConnectionError as BotocoreConnectionError

        reading = await sweep.read(self.return_value, gather)
        if isinstance(reading, BaseException):
            return poller.judge_error(reading)
        if reading is not None:
            state = waiter_state(self.waiter_name, reading)
            if state != "failure":  # a failure is judged on the description: it has statusDetails
                return poller.judge_job(reading, state)
        try:
            job = await client.get_trained_model_inference_job(**self.waiter_args)
        except (ClientError, BotocoreConnectionError, HTTPClientError) as error:
            return poller.judge_error(error)
        return poller.judge_job(job, waiter_state(self.waiter_name, job))

    async def on_kill(self) -> None:
        """Cancel the job when a user kills the deferred task (called by Airflow 3.3 and later)."""
        if not self.cancel_on_kill:
            return
        from botocore.exceptions import ClientError

        async with shared_client(self.hook, self._client_key) as client:
            try:
                await client.cancel_trained_model_inference_job(**self.waiter_args)
                log.info("Task killed: asked to cancel trained model inference job %s.", self.return_value)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "ConflictException":
                    raise
                log.info("Task killed; job %s is past cancelling: %s", self.return_value, error)


class CleanRoomsMLTrainedModelInferenceJobCompleteTrigger(_TrainedModelInferenceJobTrigger):
    """
    Wait until a trained model inference job is ``ACTIVE`` (success) or fails.

    ``CREATE_FAILED``, ``CANCEL_FAILED`` and ``INACTIVE`` end the wait with an ``error`` event.
    Parameters, events and bounds are those of :class:`_TrainedModelInferenceJobTrigger`.
    """

    WAITER = TRAINED_MODEL_INFERENCE_JOB_COMPLETE


class CleanRoomsMLTrainedModelInferenceJobCancelledTrigger(_TrainedModelInferenceJobTrigger):
    """
    Wait until a job whose cancellation was asked for is ``INACTIVE`` (success).

    ``CANCEL_FAILED``, and a job that finished (``ACTIVE``, ``CREATE_FAILED``) before the
    cancellation took, end the wait with an ``error`` event. Parameters, events and bounds are
    those of :class:`_TrainedModelInferenceJobTrigger`.
    """

    WAITER = TRAINED_MODEL_INFERENCE_JOB_CANCELLED
