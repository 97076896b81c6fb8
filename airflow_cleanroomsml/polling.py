"""
How a wait for a job judges each poll and when it gives up: one policy for the trigger and the
operators' synchronous waits.

A custom waiter from ``waiters/cleanroomsml.json`` judges every reading of a job, so the waiter
JSON alone says which statuses succeed and which fail: a worker-side wait polls with
``waiter.wait(..., WaiterConfig={"MaxAttempts": 1})`` (:meth:`JobPoller.judge`), and the trigger
applies the same waiter's acceptors to what it read (:meth:`JobPoller.judge_job`, with
:func:`~airflow_cleanroomsml.hooks.cleanroomsml.waiter_state`). :class:`JobPoller` turns each
poll into either a final event or "poll again", and bounds the wait by attempts and by an absolute
deadline.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from airflow_cleanroomsml._compat import AirflowException
from airflow_cleanroomsml.inference_jobs import NOT_FOUND_READS_TOLERATED, describe_status, not_found_message

log = logging.getLogger(__name__)


def raise_for_event(
    event: dict[str, Any] | None, timeout_error: type[Exception] = AirflowException
) -> dict[str, Any]:
    """
    Return a ``success`` event; raise for anything else, so an error event can never end in success.

    :param event: What a trigger fired (or a synchronous wait returned).
    :param timeout_error: The exception for a ``timeout`` event (sensors raise ``AirflowSensorTimeout``).
    """
    if not event:
        raise AirflowException("The trigger ended without an event; the job's outcome is unknown.")
    if event.get("status") == "success":
        return event
    message = event.get("message") or f"The wait reported {event!r}"
    if event.get("status") == "timeout":
        raise timeout_error(message)
    raise AirflowException(message)


def is_transient(response: dict[str, Any]) -> bool:
    """Whether an error response that outlived botocore's own retries is worth another poll."""
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    code = str(response.get("Error", {}).get("Code", ""))
    return status == 429 or status >= 500 or "Throttl" in code


class JobPoller:
    """
    Judge the polls of one wait for one job.

    :param trained_model_inference_job_arn: The job's ARN, for messages and events.
    :param success_status: The status the waiter succeeds on, for the success event.
    :param max_attempts: The most polls to make over the whole wait.
    :param deadline: Unix time after which no poll is made.
    :param delay: Seconds between polls. A wait resumed closer to its deadline than
        ``delay * max_attempts`` (a trigger re-created after a triggerer restart) counts the polls
        that time has used up, instead of starting its attempt count from zero again.
    """

    def __init__(
        self,
        trained_model_inference_job_arn: str,
        success_status: str,
        max_attempts: int,
        deadline: float,
        delay: float,
    ) -> None:
        self.arn = trained_model_inference_job_arn
        self.success_status = success_status
        self.max_attempts = max_attempts
        self.deadline = deadline
        remaining_polls = math.ceil(max(deadline - time.time(), 0) / delay) if delay > 0 else max_attempts
        self.attempts = max(0, max_attempts - remaining_polls)
        self.not_found = 0
        self.last: dict[str, Any] = {}
        self._started = time.monotonic()

    def judge(self, error: BaseException | None) -> dict[str, Any] | None:
        """
        Record one poll made with ``waiter.wait``: ``error`` is what it raised, None if it succeeded.

        :return: The final event when the wait is over, None to poll again.
        """
        from botocore.exceptions import WaiterError

        if error is None:
            return self.judge_job({"status": self.success_status}, "success")
        if not isinstance(error, WaiterError):
            return self.judge_error(error)
        response = error.last_response or {}
        if "Error" in response:
            self.attempts += 1
            return self._judge_error_response(response)
        failed = "terminal failure" in error.kwargs.get("reason", "")
        return self.judge_job(response, "failure" if failed else "retry")

    def judge_job(self, job: dict[str, Any], state: str) -> dict[str, Any] | None:
        """
        Record one poll that read the job: its description or list summary, and the waiter's verdict.

        :param job: What the poll read (a summary lacks ``statusDetails``: judge a failure on a
            description, so that the event carries them).
        :param state: :func:`~airflow_cleanroomsml.hooks.cleanroomsml.waiter_state` of ``job``.
        :return: The final event when the wait is over, None to poll again.
        """
        self.attempts += 1
        changed = job.get("status") != self.last.get("status")
        # Only what events and messages use: whole descriptions kept by a thousand waits between
        # polls would be long-lived garbage for the collector to walk (full collections stall the loop).
        self.last = {
            "trainedModelInferenceJobArn": self.arn,
            "status": job.get("status"),
            "statusDetails": job.get("statusDetails"),
        }
        self.not_found = 0
        if state == "success":
            return self.event("success", f"Trained model inference job {self.arn} is {job.get('status')}")
        if state == "failure":
            return self.event("error", describe_status(self.last))
        # Transitions at INFO; the same status again at DEBUG: thousands of long waits stay quiet.
        log.log(
            logging.INFO if changed else logging.DEBUG,
            "%s (poll %d of %d)",
            describe_status(self.last),
            self.attempts,
            self.max_attempts,
        )
        return None

    def judge_error(self, error: BaseException) -> dict[str, Any] | None:
        """
        Record one poll that failed: a ``ClientError`` (after botocore's retries) or a connection error.

        Other exceptions are raised again: they are bugs, not the service's answer.

        :return: The final event when the wait is over, None to poll again.
        """
        from botocore.exceptions import ClientError, HTTPClientError
        from botocore.exceptions import ConnectionError as BotocoreConnectionError

        self.attempts += 1
        if isinstance(error, (BotocoreConnectionError, HTTPClientError)):
            log.warning(
                "Poll %d of %d could not reach the service: %s", self.attempts, self.max_attempts, error
            )
            return None
        if isinstance(error, ClientError):
            return self._judge_error_response(error.response)
        raise error

    def _judge_error_response(self, response: dict[str, Any]) -> dict[str, Any] | None:
        code, message = response["Error"].get("Code"), response["Error"].get("Message")
        if code == "ResourceNotFoundException":
            self.not_found += 1
            if self.not_found > NOT_FOUND_READS_TOLERATED:
                return self.event("error", not_found_message(self.arn, self.not_found))
            log.warning(
                "Poll %d: job not found (read %d); it may not be visible yet.", self.attempts, self.not_found
            )
            return None
        if is_transient(response):
            log.warning(
                "Poll %d of %d failed, will retry: %s", self.attempts, self.max_attempts, response["Error"]
            )
            return None
        return self.event("error", f"{code}: {message}")

    def next_pause(self, delay: float) -> float | None:
        """Seconds to sleep before the next poll, or None when attempts or time have run out."""
        remaining = self.deadline - time.time()
        if self.attempts >= self.max_attempts or remaining <= 0:
            return None
        return min(delay, remaining)

    def timeout_event(self) -> dict[str, Any]:
        """The event for a wait that ran out of attempts or time."""
        seen = f"its last status was {self.last['status']}" if self.last else "no status could be read"
        return self.event(
            "timeout",
            f"Gave up waiting for trained model inference job {self.arn} after {self.attempts} polls in "
            f"{time.monotonic() - self._started:.0f}s: {seen}",
        )

    def event(self, status: str, message: str) -> dict[str, Any]:
        """A trigger event payload: outcome, message, ARN, last job status and its details."""
        return {
            "status": status,
            "message": message,
            "trained_model_inference_job_arn": self.arn,
            "job_status": self.last.get("status"),
            "status_details": self.last.get("statusDetails"),
        }
