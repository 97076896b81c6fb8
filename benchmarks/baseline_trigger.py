"""
The straightforward trigger the triggerer benchmark compares against: a plain
``AwsBaseWaiterTrigger`` subclass on the same custom waiter, as the Amazon provider writes them.
It lives here, not in the package: it is a yardstick, not something to use.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.amazon.aws.triggers.base import AwsBaseWaiterTrigger

from airflow_cleanroomsml.hooks.cleanroomsml import TRAINED_MODEL_INFERENCE_JOB_COMPLETE, CleanRoomsMLHook


class BaselineTrainedModelInferenceJobTrigger(AwsBaseWaiterTrigger):
    """Wait with ``async_wait`` on the custom waiter, one client per trigger."""

    def __init__(
        self,
        *,
        trained_model_inference_job_arn: str,
        membership_identifier: str,
        waiter_delay: int,
        waiter_max_attempts: int,
        aws_conn_id: str | None = "aws_default",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            serialized_fields={
                "trained_model_inference_job_arn": trained_model_inference_job_arn,
                "membership_identifier": membership_identifier,
            },
            waiter_name=TRAINED_MODEL_INFERENCE_JOB_COMPLETE,
            waiter_args={
                "membershipIdentifier": membership_identifier,
                "trainedModelInferenceJobArn": trained_model_inference_job_arn,
            },
            failure_message="Trained model inference job failed",
            status_message="Trained model inference job status",
            status_queries=["status"],
            return_key="trained_model_inference_job_arn",
            return_value=trained_model_inference_job_arn,
            waiter_delay=waiter_delay,
            waiter_max_attempts=waiter_max_attempts,
            aws_conn_id=aws_conn_id,
            **kwargs,
        )

    def hook(self) -> CleanRoomsMLHook:
        return CleanRoomsMLHook(
            aws_conn_id=self.aws_conn_id,
            region_name=self.region_name,
            verify=self.verify,
            config=self.botocore_config,
        )
