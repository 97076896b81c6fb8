"""Hook for AWS Clean Rooms ML."""

from __future__ import annotations

import functools
import json
import time
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

from airflow_cleanroomsml.inference_jobs import TERMINAL_STATES, resolve_job_reference, validate_membership_id
from airflow_cleanroomsml.polling import JobPoller

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping

    from botocore.waiter import AcceptorConfig
    from mypy_boto3_cleanroomsml import CleanRoomsMLClient
    from mypy_boto3_cleanroomsml.type_defs import TrainedModelInferenceJobSummaryTypeDef

TRAINED_MODEL_INFERENCE_JOB_COMPLETE = "trained_model_inference_job_complete"
"""The custom waiter in ``waiters/cleanroomsml.json``: ACTIVE succeeds; the failure statuses fail it."""
TRAINED_MODEL_INFERENCE_JOB_CANCELLED = "trained_model_inference_job_cancelled"
"""The custom waiter in ``waiters/cleanroomsml.json``: INACTIVE succeeds; CANCEL_FAILED or finishing fails."""
SUCCESS_STATUS_OF_WAITER = {
    TRAINED_MODEL_INFERENCE_JOB_COMPLETE: "ACTIVE",
    TRAINED_MODEL_INFERENCE_JOB_CANCELLED: "INACTIVE",
}
WAITERS_PATH = Path(__file__).parents[1] / "waiters" / "cleanroomsml.json"


@functools.cache
def _acceptors(waiter_name: str) -> list[AcceptorConfig]:
    from botocore.waiter import WaiterModel

    return WaiterModel(json.loads(WAITERS_PATH.read_text())).get_waiter(waiter_name).acceptors


def waiter_state(waiter_name: str, job: Mapping[str, Any]) -> str:
    """
    What a custom waiter decides for one reading of a job: ``success``, ``failure`` or ``retry``.

    The reading may be a ``GetTrainedModelInferenceJob`` response or a list summary: the waiters
    only look at ``status``. As in botocore's waiter, a status no acceptor names means wait on.

    :param waiter_name: :data:`TRAINED_MODEL_INFERENCE_JOB_COMPLETE` or ``..._CANCELLED``.
    :param job: The job's description or summary.
    """
    for acceptor in _acceptors(waiter_name):
        if acceptor.matcher_func(job):
            return acceptor.state
    return "retry"


class CleanRoomsMLHook(AwsBaseHook):
    """
    Interact with AWS Clean Rooms ML through a boto3 ``cleanroomsml`` client.

    Takes the same arguments as :class:`~airflow.providers.amazon.aws.hooks.base_aws.AwsBaseHook`
    (``aws_conn_id``, ``region_name``, ``verify``, ``config``). An ``endpoint_url`` in the
    connection's extra (or ``service_config.cleanroomsml.endpoint_url``) is used by both the
    synchronous and the asynchronous client: that is how VPC endpoints and the bundled emulator
    are reached.

    .. seealso::
        - https://boto3.amazonaws.com/v1/documentation/api/latest/reference/services/cleanroomsml.html
        - :class:`airflow.providers.amazon.aws.hooks.base_aws.AwsBaseHook`
    """

    conn_type = "aws_cleanroomsml"
    hook_name = "AWS Clean Rooms ML"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["client_type"] = "cleanroomsml"
        super().__init__(*args, **kwargs)

    @cached_property
    def waiter_path(self) -> os.PathLike[str] | None:
        """This package's custom waiters; the Amazon hook would only look inside its own package."""
        return WAITERS_PATH

    @property
    def client(self) -> CleanRoomsMLClient:
        """The cached boto3 ``cleanroomsml`` client (``conn``, typed)."""
        return self.conn

    def get_trained_model_inference_job(
        self, trained_model_inference_job_arn: str, membership_identifier: str | None = None
    ) -> dict[str, Any]:
        """
        Describe a trained model inference job (``GetTrainedModelInferenceJob``).

        :param trained_model_inference_job_arn: The job's ARN.
        :param membership_identifier: The id of the membership that holds the job; taken from the
            ARN when omitted, and checked against it when given.
        :return: The response, with boto3's ``datetime`` values and ``ResponseMetadata``.
        """
        job = resolve_job_reference(trained_model_inference_job_arn, membership_identifier)
        return dict(
            self.client.get_trained_model_inference_job(
                membershipIdentifier=job.membership_id, trainedModelInferenceJobArn=job.arn
            )
        )

    def start_trained_model_inference_job(self, **request: Any) -> str:
        """
        Start a trained model inference job (``StartTrainedModelInferenceJob``); return its ARN.

        :param request: The request in the API's camelCase, ``membershipIdentifier`` included.
        """
        validate_membership_id(request.get("membershipIdentifier"))
        return self.client.start_trained_model_inference_job(**request)["trainedModelInferenceJobArn"]

    def cancel_trained_model_inference_job(
        self, trained_model_inference_job_arn: str, membership_identifier: str | None = None
    ) -> bool:
        """
        Cancel a trained model inference job (``CancelTrainedModelInferenceJob``).

        A job that has already finished, or is already being cancelled, is left as it is.

        :param trained_model_inference_job_arn: The job's ARN.
        :param membership_identifier: The membership holding the job (default: the one in the ARN).
        :return: True if this call asked for the cancellation, False if the job was past cancelling.
        """
        job = resolve_job_reference(trained_model_inference_job_arn, membership_identifier)
        try:
            self.client.cancel_trained_model_inference_job(
                membershipIdentifier=job.membership_id, trainedModelInferenceJobArn=job.arn
            )
        except self.client.exceptions.ConflictException:
            status = self.get_trained_model_inference_job(job.arn)["status"]
            if status in TERMINAL_STATES or status.startswith("CANCEL_"):
                self.log.info("Trained model inference job %s is %s: nothing to cancel.", job.arn, status)
                return False
            raise
        self.log.info("Asked to cancel trained model inference job %s.", job.arn)
        return True

    def list_trained_model_inference_jobs(
        self,
        membership_identifier: str,
        trained_model_arn: str | None = None,
        trained_model_version_identifier: str | None = None,
    ) -> list[TrainedModelInferenceJobSummaryTypeDef]:
        """
        List a membership's trained model inference jobs, newest first (every page).

        :param membership_identifier: The membership to list.
        :param trained_model_arn: Only jobs of this trained model.
        :param trained_model_version_identifier: Only jobs of this version of the trained model.
        """
        filters: dict[str, Any] = {
            key: value
            for key, value in (
                ("trainedModelArn", trained_model_arn),
                ("trainedModelVersionIdentifier", trained_model_version_identifier),
            )
            if value
        }
        pages = self.client.get_paginator("list_trained_model_inference_jobs").paginate(
            membershipIdentifier=validate_membership_id(membership_identifier), **filters
        )
        jobs = [job for page in pages for job in page["trainedModelInferenceJobs"]]
        return sorted(jobs, key=lambda job: job["createTime"], reverse=True)

    def wait_for_trained_model_inference_job(
        self,
        trained_model_inference_job_arn: str,
        *,
        waiter_name: str = TRAINED_MODEL_INFERENCE_JOB_COMPLETE,
        waiter_delay: float = 30,
        waiter_max_attempts: int = 120,
        deadline: float | None = None,
    ) -> dict[str, Any]:
        """
        Poll a job in this process until the waiter decides, or attempts or time run out.

        The same policy as the trigger's (:class:`~airflow_cleanroomsml.polling.JobPoller`).

        :param trained_model_inference_job_arn: The job's ARN.
        :param waiter_name: Which custom waiter judges each poll.
        :param waiter_delay: Seconds between polls.
        :param waiter_max_attempts: The most polls to make.
        :param deadline: Unix time after which no poll is made
            (default: ``waiter_delay * waiter_max_attempts`` seconds from now).
        :return: The final event: ``status`` is ``success``, ``error`` or ``timeout``.
        """
        from botocore.exceptions import ConnectionError as BotocoreConnectionError
        from botocore.exceptions import HTTPClientError, WaiterError

        job = resolve_job_reference(trained_model_inference_job_arn)
        poller = JobPoller(
            job.arn,
            SUCCESS_STATUS_OF_WAITER[waiter_name],
            waiter_max_attempts,
            deadline if deadline is not None else time.time() + waiter_delay * waiter_max_attempts,
            waiter_delay,
        )
        waiter = self.get_waiter(waiter_name)
        while True:
            error: Exception | None = None
            try:
                waiter.wait(
                    membershipIdentifier=job.membership_id,
                    trainedModelInferenceJobArn=job.arn,
                    WaiterConfig={"MaxAttempts": 1},
                )
            except (WaiterError, BotocoreConnectionError, HTTPClientError) as poll_error:
                error = poll_error
            event = poller.judge(error)
            if event is not None:
                return event
            pause = poller.next_pause(waiter_delay)
            if pause is None:
                return poller.timeout_event()
            time.sleep(pause)
