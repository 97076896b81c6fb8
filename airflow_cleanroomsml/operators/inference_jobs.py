"""Operators for trained model inference jobs: start one (and wait), describe one, cancel one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_cleanroomsml.kinds import TRAINED_MODEL_INFERENCE_JOB
from airflow_cleanroomsml.operators.base import CleanRoomsMLCancelOperator, CleanRoomsMLDescribeOperator
from airflow_cleanroomsml.operators.starting import CleanRoomsMLStartOperator

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence
    from typing import Literal


XCOM_JOB_DESCRIPTION_KEY = TRAINED_MODEL_INFERENCE_JOB.xcom_key
"""XCom key of the final JSON-safe job description pushed by operators that wait for a job."""
DEFAULT_XCOM_EXCLUSIONS = TRAINED_MODEL_INFERENCE_JOB.secret_members
"""Description fields left out of XCom unless asked for: the container's variables often hold secrets."""


class CleanRoomsMLGetTrainedModelInferenceJobOperator(CleanRoomsMLDescribeOperator):
    """
    Describe a trained model inference job and return the description as XCom ``return_value``.

    The value is JSON-safe: timestamps are ISO-8601 strings with a timezone, and botocore's
    ``ResponseMetadata`` is left out, so downstream tasks can read
    ``ti.xcom_pull(task_ids=...)["status"]`` or template on it. The task log gets one line (name,
    status, ARN); the job's ``environment`` values are never logged.

    :param trained_model_inference_job_arn: The job's ARN. (templated)
    :param membership_identifier: The id of the membership holding the job; taken from the ARN
        when omitted, and checked against it when given. (templated)
    :param exclude_from_xcom: Top-level fields of the description to leave out of the XCom value.
        (default: ``("environment",)``: the inference container's variables often hold secrets;
        pass ``()`` to keep them)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name (default: the region in the job's ARN).
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    kind = TRAINED_MODEL_INFERENCE_JOB

    def __init__(
        self,
        *,
        trained_model_inference_job_arn: str,
        membership_identifier: str | None = None,
        exclude_from_xcom: Sequence[str] = DEFAULT_XCOM_EXCLUSIONS,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            trained_model_inference_job_arn=trained_model_inference_job_arn,
            membership_identifier=membership_identifier,
            exclude_from_xcom=exclude_from_xcom,
            **kwargs,
        )


class CleanRoomsMLStartTrainedModelInferenceJobOperator(CleanRoomsMLStartOperator):
    """
    Start a trained model inference job, optionally wait until it is ``ACTIVE``, return its ARN.

    Every parameter of ``StartTrainedModelInferenceJob`` is an argument in snake_case, checked
    after templates are rendered and before any API call, against the service model. The job's ARN
    is the XCom ``return_value``; when the operator waits, the final JSON-safe description is also
    pushed under the XCom key ``trained_model_inference_job`` (:data:`XCOM_JOB_DESCRIPTION_KEY`).

    **Retries never start a second job.** Every job started here is tagged with the DAG id, task
    id, run id and map index of the task instance that started it (``airflow:dag-id``,
    ``airflow:task-id``, ``airflow:run-id``, ``airflow:map-index``). Before starting, the operator
    lists the membership's jobs of the same trained model and name, and looks for one carrying
    those tags that is ``CREATE_PENDING``, ``CREATE_IN_PROGRESS`` or ``ACTIVE``: a job an earlier
    try of this same task instance started. ``action_if_exists`` says what to do with it:
    ``reattach`` waits on it instead of starting another, ``fail`` fails the task naming it, and
    ``start_new`` starts another job all the same. A job of an earlier try that failed or was
    cancelled is never reattached: the retry starts a new one.

    :param membership_identifier: The membership to run the job in. (templated)
    :param name: The job's name, 1 to 63 characters. (templated)
    :param trained_model_arn: The trained model to run; the task's calls go to its region when
        ``region_name`` is not given. (templated)
    :param resource_config: ``{"instanceType": ..., "instanceCount": ...}``. (templated)
    :param output_configuration: ``{"members": [{"accountId": ...}], "accept": ...}``. (templated)
    :param data_source: ``{"mlInputChannelArn": ...}``. (templated)
    :param trained_model_version_identifier: The trained model's version (needs a botocore that
        knows it). (templated)
    :param configured_model_algorithm_association_arn: The configured model algorithm
        association. (templated)
    :param description: At most 255 characters. (templated)
    :param container_execution_parameters: ``{"maxPayloadInMB": ...}``. (templated)
    :param environment: Environment variables for the inference container, at most 16. The
        values of keys Airflow deems sensitive (``API_TOKEN``, ``DB_PASSWORD``...), and of the keys
        in ``mask_environment_keys``, are masked in task logs and in the rendered-template view.
        (templated)
    :param kms_key_arn: KMS key for the job's output. (templated)
    :param tags: Tags for the job; the ``airflow:*`` keys above are reserved. (templated)
    :param ml_model_inference_payer_account_id: The account that pays for the inference (needs
        a botocore that knows it). (templated)
    :param mask_environment_keys: ``environment`` keys whose values are masked besides the ones
        Airflow deems sensitive; ``"*"`` masks every value. (default: none)
    :param exclude_from_xcom: Top-level fields of the description to leave out of the XCom
        ``trained_model_inference_job``. (default: ``("environment",)``)
    :param action_if_exists: ``reattach``, ``fail`` or ``start_new``; see above.
        (default: ``reattach``)
    :param wait_for_completion: Wait until the job is ``ACTIVE``; fail if it fails
        (``CREATE_FAILED``, ``CANCEL_FAILED``, ``INACTIVE``). (default: True)
    :param waiter_delay: Seconds between checks. (default: 60)
    :param waiter_max_attempts: The most checks; the wait gives up after
        ``waiter_delay * waiter_max_attempts`` seconds. (default: 720, twelve hours)
    :param deferrable: Wait in the triggerer instead of a worker slot.
        (default: ``[operators] default_deferrable``, False unless configured)
    :param cancel_on_kill: Cancel the job when the task is killed, marked failed or cleared, or
        when the wait gives up. While deferred, only Airflow 3.3 and later tell the trigger, so
        earlier versions leave the job running. (default: True)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name (default: the region of ``trained_model_arn``).
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client, for example
        ``{"retries": {"mode": "standard", "max_attempts": 10}}``.
    """

    kind = TRAINED_MODEL_INFERENCE_JOB
    operation = "StartTrainedModelInferenceJob"
    region_member = "trainedModelArn"

    def __init__(
        self,
        *,
        membership_identifier: str,
        name: str,
        trained_model_arn: str,
        resource_config: dict[str, Any] | str,
        output_configuration: dict[str, Any] | str,
        data_source: dict[str, Any] | str,
        trained_model_version_identifier: str | None = None,
        configured_model_algorithm_association_arn: str | None = None,
        description: str | None = None,
        container_execution_parameters: dict[str, Any] | str | None = None,
        environment: dict[str, str] | str | None = None,
        kms_key_arn: str | None = None,
        tags: dict[str, str] | str | None = None,
        ml_model_inference_payer_account_id: str | None = None,
        mask_environment_keys: Collection[str] | Literal["*"] = (),
        exclude_from_xcom: Sequence[str] = DEFAULT_XCOM_EXCLUSIONS,
        action_if_exists: str = "reattach",
        waiter_delay: float = 60,
        waiter_max_attempts: int = 720,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            membership_identifier=membership_identifier,
            name=name,
            trained_model_arn=trained_model_arn,
            resource_config=resource_config,
            output_configuration=output_configuration,
            data_source=data_source,
            trained_model_version_identifier=trained_model_version_identifier,
            configured_model_algorithm_association_arn=configured_model_algorithm_association_arn,
            description=description,
            container_execution_parameters=container_execution_parameters,
            environment=environment,
            kms_key_arn=kms_key_arn,
            tags=tags,
            ml_model_inference_payer_account_id=ml_model_inference_payer_account_id,
            mask_environment_keys=mask_environment_keys,
            exclude_from_xcom=exclude_from_xcom,
            action_if_exists=action_if_exists,
            waiter_delay=waiter_delay,
            waiter_max_attempts=waiter_max_attempts,
            **kwargs,
        )

    @property
    def job_arn(self) -> str | None:
        """The ARN of the job this task started or reattached to (None before it did)."""
        return (self.created or {}).get("trainedModelInferenceJobArn")


class CleanRoomsMLCancelTrainedModelInferenceJobOperator(CleanRoomsMLCancelOperator):
    """
    Cancel a trained model inference job; optionally wait until it is ``INACTIVE``.

    Cancelling a job that has already finished (``ACTIVE``, ``CREATE_FAILED``, ``INACTIVE``,
    ``CANCEL_FAILED``) or is already being cancelled is not an error: the task succeeds and says
    so. Returns the job's ARN.

    :param trained_model_inference_job_arn: The job's ARN. (templated)
    :param membership_identifier: The membership holding the job; taken from the ARN when
        omitted, and checked against it when given. (templated)
    :param wait_for_completion: Wait until the job is ``INACTIVE``; fail if the cancellation
        fails (``CANCEL_FAILED``) or the job finishes first. (default: False)
    :param waiter_delay: Seconds between checks. (default: 30)
    :param waiter_max_attempts: The most checks. (default: 60)
    :param deferrable: Wait in the triggerer instead of a worker slot.
        (default: ``[operators] default_deferrable``, False unless configured)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name (default: the region in the job's ARN).
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    kind = TRAINED_MODEL_INFERENCE_JOB

    def __init__(
        self, *, trained_model_inference_job_arn: str, membership_identifier: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(
            trained_model_inference_job_arn=trained_model_inference_job_arn,
            membership_identifier=membership_identifier,
            **kwargs,
        )
