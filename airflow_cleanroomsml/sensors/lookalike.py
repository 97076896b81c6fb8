"""Sensors for lookalike segments: audience models, audience generation jobs and audience exports."""

from __future__ import annotations

from typing import Any

from airflow_cleanroomsml.kinds import AUDIENCE_EXPORT_JOB, AUDIENCE_GENERATION_JOB, AUDIENCE_MODEL
from airflow_cleanroomsml.sensors.base import CleanRoomsMLResourceSensor


class CleanRoomsMLAudienceModelSensor(CleanRoomsMLResourceSensor):
    """
    Wait until an audience (lookalike) model is ``ACTIVE``; fail if it fails.

    ``ACTIVE`` is success; ``CREATE_FAILED`` and the deletion statuses fail, with ``statusDetails``.
    Training "can take up to 24 hours": give ``timeout`` room, and prefer ``deferrable=True``.

    :param audience_model_arn: The audience model's ARN. (templated)
    :param deferrable: Wait in the triggerer instead of a worker slot.
        (default: ``[operators] default_deferrable``, False unless configured)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name (default: the region in the ARN).
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    kind = AUDIENCE_MODEL

    def __init__(self, *, audience_model_arn: str, **kwargs: Any) -> None:
        super().__init__(audience_model_arn=audience_model_arn, **kwargs)


class CleanRoomsMLAudienceGenerationJobSensor(CleanRoomsMLResourceSensor):
    """
    Wait until an audience generation job is ``ACTIVE`` (its segment is ready); fail if it fails.

    :param audience_generation_job_arn: The job's ARN. (templated)
    :param deferrable: Wait in the triggerer instead of a worker slot.
        (default: ``[operators] default_deferrable``, False unless configured)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name (default: the region in the ARN).
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    kind = AUDIENCE_GENERATION_JOB

    def __init__(self, *, audience_generation_job_arn: str, **kwargs: Any) -> None:
        super().__init__(audience_generation_job_arn=audience_generation_job_arn, **kwargs)


class CleanRoomsMLAudienceExportJobSensor(CleanRoomsMLResourceSensor):
    """
    Wait until an audience export job is ``ACTIVE``; fail if it is ``CREATE_FAILED``.

    An export job has no ARN and no Get call: it is found by ``name`` among its generation job's
    export jobs (``ListAudienceExportJobs``), whose summaries carry ``statusDetails``.

    :param audience_generation_job_arn: The generation job whose segment is exported. (templated)
    :param name: The export job's name. (templated)
    :param deferrable: Wait in the triggerer instead of a worker slot.
        (default: ``[operators] default_deferrable``, False unless configured)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name (default: the region in the ARN).
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    kind = AUDIENCE_EXPORT_JOB

    def __init__(self, *, audience_generation_job_arn: str, name: str, **kwargs: Any) -> None:
        super().__init__(audience_generation_job_arn=audience_generation_job_arn, name=name, **kwargs)
