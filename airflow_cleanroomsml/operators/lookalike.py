"""Operators for lookalike segments: audience models, audience generation jobs and audience exports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_cleanroomsml.kinds import AUDIENCE_EXPORT_JOB, AUDIENCE_GENERATION_JOB, AUDIENCE_MODEL
from airflow_cleanroomsml.operators.base import (
    CleanRoomsMLDeleteOperator,
    CleanRoomsMLDescribeOperator,
)
from airflow_cleanroomsml.operators.starting import CleanRoomsMLStartOperator

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime


class CleanRoomsMLCreateAudienceModelOperator(CleanRoomsMLStartOperator):
    """
    Train an audience (lookalike) model on a training dataset; optionally wait until ``ACTIVE``.

    Every parameter of ``CreateAudienceModel`` is a templated snake_case argument, checked against
    the service model after rendering and before any call. The model's ARN is the XCom
    ``return_value``; when the operator waits, the final description is pushed under
    ``audience_model`` and the events of the task's ``outlets`` carry ``audience_model_arn``. A
    retry never trains a second model: models are tagged with the task instance that created them
    and a retry waits on its earlier try's (``action_if_exists``). Audience models are
    account-scoped: no membership. Training "can take up to 24 hours".

    :param name: The model's name. (templated)
    :param training_dataset_arn: The training dataset; the task's calls go to its region when
        ``region_name`` is not given. (templated)
    :param training_data_start_time: The start of the training data window (a datetime or an
        ISO-8601 string). (templated)
    :param training_data_end_time: Its end. (templated)
    :param kms_key_arn: KMS key for the model. (templated)
    :param tags: Tags; the ``airflow:*`` keys are reserved. (templated)
    :param description: At most 255 characters. (templated)
    :param action_if_exists: ``reattach``, ``fail`` or ``start_new``. (default: ``reattach``)
    :param wait_for_completion: Wait until ``ACTIVE``; fail if it fails. (default: True)
    :param waiter_delay: Seconds between reads. (default: 300)
    :param waiter_max_attempts: The most reads. (default: 432, a day and a half)
    :param deferrable: Wait in the triggerer instead of a worker slot.
        (default: ``[operators] default_deferrable``)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name.
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    kind = AUDIENCE_MODEL
    operation = "CreateAudienceModel"
    region_member = "trainingDatasetArn"

    def __init__(
        self,
        *,
        name: str,
        training_dataset_arn: str,
        training_data_start_time: datetime | str | None = None,
        training_data_end_time: datetime | str | None = None,
        kms_key_arn: str | None = None,
        tags: dict[str, str] | str | None = None,
        description: str | None = None,
        waiter_delay: float = 300,
        waiter_max_attempts: int = 432,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            name=name,
            training_dataset_arn=training_dataset_arn,
            training_data_start_time=training_data_start_time,
            training_data_end_time=training_data_end_time,
            kms_key_arn=kms_key_arn,
            tags=tags,
            description=description,
            waiter_delay=waiter_delay,
            waiter_max_attempts=waiter_max_attempts,
            **kwargs,
        )


class CleanRoomsMLGetAudienceModelOperator(CleanRoomsMLDescribeOperator):
    """
    Describe an audience model; its JSON-safe description is the XCom ``return_value``.

    :param audience_model_arn: The model's ARN. (templated)
    :param exclude_from_xcom: Top-level fields to leave out of the XCom value. (default: none)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name (default: the region in the ARN).
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    kind = AUDIENCE_MODEL

    def __init__(
        self, *, audience_model_arn: str, exclude_from_xcom: Sequence[str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(audience_model_arn=audience_model_arn, exclude_from_xcom=exclude_from_xcom, **kwargs)


class CleanRoomsMLDeleteAudienceModelOperator(CleanRoomsMLDeleteOperator):
    """
    Delete an audience model (``DeleteAudienceModel``); optionally wait until it is gone.

    :param audience_model_arn: The model's ARN. (templated)
    :param wait_for_completion: Wait until it is gone; fail on ``DELETE_FAILED``. (default: False)
    :param waiter_delay: Seconds between reads. (default: 30)
    :param waiter_max_attempts: The most reads. (default: 60)
    :param deferrable: Wait in the triggerer instead of a worker slot.
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name (default: the region in the ARN).
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    kind = AUDIENCE_MODEL

    def __init__(self, *, audience_model_arn: str, **kwargs: Any) -> None:
        super().__init__(audience_model_arn=audience_model_arn, **kwargs)


class CleanRoomsMLStartAudienceGenerationJobOperator(CleanRoomsMLStartOperator):
    """
    Expand a seed audience into a lookalike segment (``StartAudienceGenerationJob``); optionally wait.

    The seed comes from S3 (``seed_audience={"dataSource": {"s3Uri": ...}, "roleArn": ...}``) or from
    a SQL query in a collaboration (``seed_audience={"sqlParameters": {"queryString": ...},
    "roleArn": ...}`` with ``collaboration_id``). Every parameter is a templated snake_case
    argument, checked against the service model before any call. The job's ARN is the XCom
    ``return_value``; when the operator waits, the final description is pushed under
    ``audience_generation_job``. Retries reattach by identity tags.

    :param name: The job's name. (templated)
    :param configured_audience_model_arn: The configured audience model to use; the task's calls
        go to its region when ``region_name`` is not given. (templated)
    :param seed_audience: Where the seed audience comes from (see above). (templated)
    :param include_seed_in_output: Whether the segment includes the seed. (templated)
    :param collaboration_id: The collaboration of a seed query. (templated)
    :param description: At most 255 characters. (templated)
    :param tags: Tags; the ``airflow:*`` keys are reserved. (templated)
    :param action_if_exists: ``reattach``, ``fail`` or ``start_new``. (default: ``reattach``)
    :param wait_for_completion: Wait until ``ACTIVE``; fail if it fails. (default: True)
    :param waiter_delay: Seconds between reads. (default: 60)
    :param waiter_max_attempts: The most reads. (default: 720)
    :param deferrable: Wait in the triggerer instead of a worker slot.
        (default: ``[operators] default_deferrable``)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name.
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    kind = AUDIENCE_GENERATION_JOB
    operation = "StartAudienceGenerationJob"
    region_member = "configuredAudienceModelArn"

    def __init__(
        self,
        *,
        name: str,
        configured_audience_model_arn: str,
        seed_audience: dict[str, Any] | str,
        include_seed_in_output: bool | None = None,
        collaboration_id: str | None = None,
        description: str | None = None,
        tags: dict[str, str] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            name=name,
            configured_audience_model_arn=configured_audience_model_arn,
            seed_audience=seed_audience,
            include_seed_in_output=include_seed_in_output,
            collaboration_id=collaboration_id,
            description=description,
            tags=tags,
            **kwargs,
        )


class CleanRoomsMLGetAudienceGenerationJobOperator(CleanRoomsMLDescribeOperator):
    """
    Describe an audience generation job; its JSON-safe description is the XCom ``return_value``.

    :param audience_generation_job_arn: The job's ARN. (templated)
    :param exclude_from_xcom: Top-level fields to leave out of the XCom value. (default: none)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name (default: the region in the ARN).
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    kind = AUDIENCE_GENERATION_JOB

    def __init__(
        self,
        *,
        audience_generation_job_arn: str,
        exclude_from_xcom: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            audience_generation_job_arn=audience_generation_job_arn,
            exclude_from_xcom=exclude_from_xcom,
            **kwargs,
        )


class CleanRoomsMLDeleteAudienceGenerationJobOperator(CleanRoomsMLDeleteOperator):
    """
    Delete an audience generation job (``DeleteAudienceGenerationJob``); optionally wait until it is gone.

    :param audience_generation_job_arn: The job's ARN. (templated)
    :param wait_for_completion: Wait until it is gone; fail on ``DELETE_FAILED``. (default: False)
    :param waiter_delay: Seconds between reads. (default: 30)
    :param waiter_max_attempts: The most reads. (default: 60)
    :param deferrable: Wait in the triggerer instead of a worker slot.
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name (default: the region in the ARN).
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    kind = AUDIENCE_GENERATION_JOB

    def __init__(self, *, audience_generation_job_arn: str, **kwargs: Any) -> None:
        super().__init__(audience_generation_job_arn=audience_generation_job_arn, **kwargs)


class CleanRoomsMLStartAudienceExportJobOperator(CleanRoomsMLStartOperator):
    """
    Export a segment of a chosen size (``StartAudienceExportJob``); optionally wait until ``ACTIVE``.

    The call returns nothing and the job has no ARN: the XCom ``return_value`` is its name, and it
    is followed by name among its generation job's export jobs (``ListAudienceExportJobs``). A
    retry never starts a second export: one of the same name and generation job that is pending or
    done is the earlier try's.

    :param name: The export job's name. (templated)
    :param audience_generation_job_arn: The generation job whose segment is exported; the task's
        calls go to its region when ``region_name`` is not given. (templated)
    :param audience_size: ``{"type": "ABSOLUTE" | "PERCENTAGE", "value": ...}``. (templated)
    :param description: At most 255 characters. (templated)
    :param action_if_exists: ``reattach``, ``fail`` or ``start_new``. (default: ``reattach``)
    :param wait_for_completion: Wait until ``ACTIVE``; fail on ``CREATE_FAILED``. (default: True)
    :param waiter_delay: Seconds between reads. (default: 60)
    :param waiter_max_attempts: The most reads. (default: 720)
    :param deferrable: Wait in the triggerer instead of a worker slot.
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name.
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    kind = AUDIENCE_EXPORT_JOB
    operation = "StartAudienceExportJob"
    region_member = "audienceGenerationJobArn"

    def __init__(
        self,
        *,
        name: str,
        audience_generation_job_arn: str,
        audience_size: dict[str, Any] | str,
        description: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            name=name,
            audience_generation_job_arn=audience_generation_job_arn,
            audience_size=audience_size,
            description=description,
            **kwargs,
        )
