"""Triggers that wait, in the triggerer, for a Clean Rooms ML trained-model inference job."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.triggers.base import AwsBaseWaiterTrigger
from airflow.triggers.base import TriggerEvent

from airflow_cleanroomsml.hooks.cleanroomsml import (
    SUCCESS_STATUS_OF_WAITER,
    TRAINED_MODEL_INFERENCE_JOB_CANCELLED,
    TRAINED_MODEL_INFERENCE_JOB_COMPLETE,
    CleanRoomsMLHook,
)
from airflow_cleanroomsml.inference_jobs import parse_job_arn
from airflow_cleanroomsml.polling import JobPoller
from airflow_cleanroomsml.triggers.shared_clients import client_key, shared_client

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

log = logging.getLogger(__name__)


class _TrainedModelInferenceJobTrigger(AwsBaseWaiterTrigger):
    """
    Poll a trained model inference job until a custom waiter decides, then fire one event.

    Each poll is one ``GetTrainedModelInferenceJob`` call judged by the waiter ``WAITER``, so the
    trigger and the synchronous waits share one definition of success and failure, and one policy
    (:class:`~airflow_cleanroomsml.polling.JobPoller`) for everything else. The event is a dict
    with ``status`` (``success``, ``error`` or ``timeout``), ``message``,
    ``trained_model_inference_job_arn``, ``job_status`` (the last status seen, or None) and
    ``status_details``.

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
        try:
            hook = self.hook()
            async with shared_client(hook, self._client_key) as client:
                waiter = hook.get_waiter(self.waiter_name, deferrable=True, client=client)
                event = await self._poll(waiter, poller)
        except Exception as error:  # an event must say what happened; an escaping exception would not
            event = poller.event("error", f"Waiting failed with {type(error).__name__}: {error}")
        yield TriggerEvent(event)

    async def _poll(self, waiter: Any, poller: JobPoller) -> dict[str, Any]:
        from botocore.exceptions import ConnectionError as BotocoreConnectionError
        from botocore.exceptions import HTTPClientError, WaiterError

        while True:
            error: Exception | None = None
            try:
                await waiter.wait(**self.waiter_args, WaiterConfig={"MaxAttempts": 1})
            except (WaiterError, BotocoreConnectionError, HTTPClientError) as poll_error:
                error = poll_error
            event = poller.judge(error)
            if event is not None:
                return event
            pause = poller.next_pause(self.waiter_delay)
            if pause is None:
                return poller.timeout_event()
            await asyncio.sleep(pause)

    async def on_kill(self) -> None:
        """Cancel the job when a user kills the deferred task (called by Airflow 3.3 and later)."""
        if not self.cancel_on_kill:
            return
        from botocore.exceptions import ClientError

        async with shared_client(self.hook(), self._client_key) as client:
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
