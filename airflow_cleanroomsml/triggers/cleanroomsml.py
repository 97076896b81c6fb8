"""Trigger that waits, in the triggerer, for a Clean Rooms ML trained-model inference job to finish."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.triggers.base import AwsBaseWaiterTrigger
from airflow.triggers.base import TriggerEvent

from airflow_cleanroomsml.hooks.cleanroomsml import TRAINED_MODEL_INFERENCE_JOB_COMPLETE, CleanRoomsMLHook
from airflow_cleanroomsml.inference_jobs import (
    NOT_FOUND_READS_TOLERATED,
    describe_status,
    not_found_message,
    parse_job_arn,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

log = logging.getLogger(__name__)


class CleanRoomsMLTrainedModelInferenceJobCompleteTrigger(AwsBaseWaiterTrigger):
    """
    Poll a trained model inference job until it is ``ACTIVE`` or fails, then fire one event.

    Each poll is one ``GetTrainedModelInferenceJob`` call judged by the custom waiter
    ``trained_model_inference_job_complete``, so the trigger and the synchronous waiter share one
    definition of success and failure. The event is a dict with ``status`` (``success``, ``error`` or
    ``timeout``), ``message``, ``trained_model_inference_job_arn``, ``job_status`` (the last status
    seen, or None) and ``status_details``.

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
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region name; the connection's when None.
    :param verify: Whether to verify SSL certificates, or a CA bundle path.
    :param botocore_config: Configuration dictionary for the botocore client.
    """

    def __init__(
        self,
        *,
        trained_model_inference_job_arn: str,
        membership_identifier: str | None = None,
        waiter_delay: int = 30,
        waiter_max_attempts: int = 120,
        deadline: float | None = None,
        aws_conn_id: str | None = "aws_default",
        region_name: str | None = None,
        verify: bool | str | None = None,
        botocore_config: dict[str, Any] | None = None,
    ) -> None:
        membership_identifier = (
            membership_identifier or parse_job_arn(trained_model_inference_job_arn).membership_id
        )
        self.deadline = deadline if deadline is not None else time.time() + waiter_delay * waiter_max_attempts
        super().__init__(
            serialized_fields={
                "trained_model_inference_job_arn": trained_model_inference_job_arn,
                "membership_identifier": membership_identifier,
                "deadline": self.deadline,
            },
            waiter_name=TRAINED_MODEL_INFERENCE_JOB_COMPLETE,
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

    async def run(self) -> AsyncIterator[TriggerEvent]:
        try:
            hook = self.hook()
            async with await hook.get_async_conn() as client:
                waiter = hook.get_waiter(self.waiter_name, deferrable=True, client=client)
                event = await self._wait(waiter)
        except Exception as error:  # an event must say what happened; an escaping exception would not
            event = self._event("error", f"Waiting failed with {type(error).__name__}: {error}")
        yield TriggerEvent(event)

    async def _wait(self, waiter: Any) -> dict[str, Any]:
        from botocore.exceptions import ConnectionError as BotocoreConnectionError
        from botocore.exceptions import HTTPClientError, WaiterError

        started = time.monotonic()
        last: dict[str, Any] = {}
        not_found = 0
        for attempt in range(1, self.attempts + 1):
            if attempt > 1:
                remaining = self.deadline - time.time()
                if remaining <= 0:
                    break
                await asyncio.sleep(min(self.waiter_delay, remaining))
            try:
                await waiter.wait(**self.waiter_args, WaiterConfig={"MaxAttempts": 1})
            except WaiterError as error:
                response = error.last_response or {}
                if "Error" in response:
                    code, message = response["Error"].get("Code"), response["Error"].get("Message")
                    if code == "ResourceNotFoundException" and not_found < NOT_FOUND_READS_TOLERATED:
                        not_found += 1
                        log.warning(
                            "Poll %d: job not found yet (read %d); it may not be visible yet.",
                            attempt,
                            not_found,
                        )
                        continue
                    if code == "ResourceNotFoundException":
                        return self._event("error", not_found_message(self.return_value, not_found + 1), last)
                    if not _is_transient(response):
                        return self._event("error", f"{code}: {message}", last)
                    log.warning(
                        "Poll %d of %d failed, will retry: %s", attempt, self.attempts, response["Error"]
                    )
                    continue
                last, not_found = response, 0
                if "terminal failure" in error.kwargs.get("reason", ""):
                    return self._event("error", describe_status(response), last)
                log.info("%s (poll %d of %d)", describe_status(response), attempt, self.attempts)
            except (BotocoreConnectionError, HTTPClientError) as error:
                log.warning("Poll %d of %d could not reach the service: %s", attempt, self.attempts, error)
            else:
                message = f"Trained model inference job {self.return_value} is ACTIVE"
                return self._event("success", message, {"status": "ACTIVE"})
        seen = f"its last status was {last['status']}" if last else "no status could be read"
        return self._event(
            "timeout",
            f"Gave up waiting for trained model inference job {self.return_value} after "
            f"{time.monotonic() - started:.0f}s: {seen}",
            last,
        )

    def _event(self, status: str, message: str, job: dict[str, Any] | None = None) -> dict[str, Any]:
        job = job or {}
        return {
            "status": status,
            "message": message,
            "trained_model_inference_job_arn": self.return_value,
            "job_status": job.get("status"),
            "status_details": job.get("statusDetails"),
        }


def _is_transient(response: dict[str, Any]) -> bool:
    """Whether an error response that outlived botocore's retries is worth another poll."""
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    code = str(response["Error"].get("Code", ""))
    return status == 429 or status >= 500 or "Throttl" in code
