"""Hook for AWS Clean Rooms ML."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

from airflow_cleanroomsml.inference_jobs import resolve_job_reference

if TYPE_CHECKING:
    import os

    from mypy_boto3_cleanroomsml import CleanRoomsMLClient

TRAINED_MODEL_INFERENCE_JOB_COMPLETE = "trained_model_inference_job_complete"
"""The custom waiter in ``waiters/cleanroomsml.json``: ACTIVE succeeds; the failure statuses fail it."""


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
        return Path(__file__).parents[1] / "waiters" / "cleanroomsml.json"

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
        client: CleanRoomsMLClient = self.conn
        return dict(
            client.get_trained_model_inference_job(
                membershipIdentifier=job.membership_id, trainedModelInferenceJobArn=job.arn
            )
        )
