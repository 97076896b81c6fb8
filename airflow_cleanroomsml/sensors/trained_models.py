"""Sensors for trained models (and their versions) and their export jobs."""

from __future__ import annotations

from typing import Any

from airflow_cleanroomsml.kinds import TRAINED_MODEL, TRAINED_MODEL_EXPORT_JOB
from airflow_cleanroomsml.sensors.base import CleanRoomsMLResourceSensor


class CleanRoomsMLTrainedModelSensor(CleanRoomsMLResourceSensor):
    """
    Wait until a trained model (or one version of it) is ``ACTIVE``; fail if it fails.

    ``ACTIVE`` is success; ``CREATE_FAILED``, ``CANCEL_FAILED``, ``INACTIVE`` and the deletion
    statuses fail, with ``statusDetails``. Training can run for hours to days: give ``timeout``
    room, and prefer ``deferrable=True`` or ``mode="reschedule"``.

    :param trained_model_arn: The trained model's ARN. (templated)
    :param membership_identifier: The membership holding it; taken from the ARN when omitted,
        and checked against it when given. (templated)
    :param version_identifier: The version to wait for (needs botocore 1.39.1). (templated)
    :param cancel_on_kill: Cancel the training when the wait gives up or the task is killed.
        (default: False)
    :param deferrable: Wait in the triggerer instead of a worker slot.
        (default: ``[operators] default_deferrable``, False unless configured)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name (default: the region in the trained model's ARN).
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    kind = TRAINED_MODEL

    def __init__(
        self,
        *,
        trained_model_arn: str,
        membership_identifier: str | None = None,
        version_identifier: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            trained_model_arn=trained_model_arn,
            membership_identifier=membership_identifier,
            version_identifier=version_identifier,
            **kwargs,
        )


class CleanRoomsMLTrainedModelExportJobSensor(CleanRoomsMLResourceSensor):
    """
    Wait until a trained model export job is ``ACTIVE``; fail if it is ``CREATE_FAILED``.

    An export job has no ARN and no Get call: it is found by ``name`` among the export jobs of the
    trained model (and version) in the membership's collaboration
    (``ListCollaborationTrainedModelExportJobs``), whose summaries carry ``statusDetails``.

    :param membership_identifier: The membership the job exports to. (templated)
    :param trained_model_arn: The exported trained model's ARN. (templated)
    :param name: The export job's name. (templated)
    :param trained_model_version_identifier: The exported version, if the job named one. (templated)
    :param deferrable: Wait in the triggerer instead of a worker slot.
        (default: ``[operators] default_deferrable``, False unless configured)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name (default: the region in the trained model's ARN).
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    kind = TRAINED_MODEL_EXPORT_JOB

    def __init__(
        self,
        *,
        membership_identifier: str,
        trained_model_arn: str,
        name: str,
        trained_model_version_identifier: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            membership_identifier=membership_identifier,
            trained_model_arn=trained_model_arn,
            name=name,
            trained_model_version_identifier=trained_model_version_identifier,
            **kwargs,
        )
