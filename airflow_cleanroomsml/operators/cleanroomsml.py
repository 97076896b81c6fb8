"""Operators for AWS Clean Rooms ML trained-model inference jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.operators.base_aws import AwsBaseOperator
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields

from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook
from airflow_cleanroomsml.inference_jobs import resolve_job_reference, to_json_safe

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.sdk import Context


class CleanRoomsMLGetTrainedModelInferenceJobOperator(AwsBaseOperator[CleanRoomsMLHook]):
    """
    Describe a trained model inference job and return the description as XCom ``return_value``.

    The value is JSON-safe: timestamps are ISO-8601 strings with a timezone, and botocore's
    ``ResponseMetadata`` is left out, so downstream tasks can read
    ``ti.xcom_pull(task_ids=...)["status"]`` or template on it. The task log gets one line (name,
    status, ARN); the job's ``environment`` values are never logged.

    :param trained_model_inference_job_arn: The job's ARN. (templated)
    :param membership_identifier: The id of the membership holding the job; taken from the ARN
        when omitted, and checked against it when given. (templated)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
        If this is ``None`` or empty then the default boto3 behaviour is used.
    :param region_name: AWS region_name. If not specified then the default boto3 behaviour is used.
    :param verify: Whether or not to verify SSL certificates. See:
        https://boto3.amazonaws.com/v1/documentation/api/latest/reference/core/session.html
    :param botocore_config: Configuration dictionary (key-values) for botocore client. See:
        https://botocore.amazonaws.com/v1/documentation/api/latest/reference/config.html
    """

    aws_hook_class = CleanRoomsMLHook
    template_fields: Sequence[str] = aws_template_fields(
        "trained_model_inference_job_arn", "membership_identifier"
    )
    ui_color = "#66c3ff"

    def __init__(
        self,
        *,
        trained_model_inference_job_arn: str,
        membership_identifier: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.trained_model_inference_job_arn = trained_model_inference_job_arn
        self.membership_identifier = membership_identifier

    def execute(self, context: Context) -> dict[str, Any]:
        resolve_job_reference(self.trained_model_inference_job_arn, self.membership_identifier)
        job = self.hook.get_trained_model_inference_job(
            self.trained_model_inference_job_arn, self.membership_identifier
        )
        self.log.info(
            "Trained model inference job %r is %s: %s",
            job.get("name"),
            job.get("status"),
            job.get("trainedModelInferenceJobArn"),
        )
        return to_json_safe(job)
