"""Sensors that wait for AWS Clean Rooms ML resources to finish."""

from __future__ import annotations

from typing import Any

from airflow_cleanroomsml.kinds import (
    AUDIENCE_EXPORT_JOB,
    AUDIENCE_GENERATION_JOB,
    AUDIENCE_MODEL,
    ML_INPUT_CHANNEL,
    TRAINED_MODEL,
    TRAINED_MODEL_EXPORT_JOB,
    TRAINED_MODEL_INFERENCE_JOB,
)
from airflow_cleanroomsml.sensors.base import CleanRoomsMLJobSensor

__all__ = [
    "CleanRoomsMLAudienceExportJobSensor",
    "CleanRoomsMLAudienceGenerationJobSensor",
    "CleanRoomsMLAudienceModelSensor",
    "CleanRoomsMLJobSensor",
    "CleanRoomsMLMLInputChannelSensor",
    "CleanRoomsMLTrainedModelExportJobSensor",
    "CleanRoomsMLTrainedModelInferenceJobSensor",
    "CleanRoomsMLTrainedModelSensor",
]

_TRIGGERS = "airflow_cleanroomsml.triggers.cleanroomsml"


class CleanRoomsMLTrainedModelInferenceJobSensor(CleanRoomsMLJobSensor):
    """
    Wait until a trained model inference job is ``ACTIVE``; fail if it fails.

    ``ACTIVE`` is success. ``CREATE_FAILED``, ``CANCEL_FAILED`` and ``INACTIVE`` fail the task with
    the job's ARN, status and ``statusDetails``. Every other status keeps waiting. Works in
    ``poke``, ``reschedule`` and deferrable mode with the same outcome for the same situation
    (:class:`~airflow_cleanroomsml.sensors.base.CleanRoomsMLJobSensor`).

    .. seealso::
        For more information on how to use this sensor, take a look at the README.

    :param trained_model_inference_job_arn: The job's ARN. (templated)
    :param membership_identifier: The id of the membership holding the job; taken from the ARN
        when omitted, and checked against it when given. (templated)
    :param deferrable: Wait in the triggerer instead of a worker slot.
        (default: ``[operators] default_deferrable``, False unless configured)
    :param cancel_on_kill: Cancel the job when the wait gives up or the task is killed.
        (default: False)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name (default: the region in the job's ARN).
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    kind = TRAINED_MODEL_INFERENCE_JOB
    trigger = f"{_TRIGGERS}.CleanRoomsMLTrainedModelInferenceJobCompleteTrigger"

    def __init__(
        self, *, trained_model_inference_job_arn: str, membership_identifier: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(
            trained_model_inference_job_arn=trained_model_inference_job_arn,
            membership_identifier=membership_identifier,
            **kwargs,
        )


class CleanRoomsMLMLInputChannelSensor(CleanRoomsMLJobSensor):
    """
    Wait until an ML input channel is ``ACTIVE`` (its query has run); fail if it fails.

    ``ACTIVE`` is success; ``CREATE_FAILED`` fails, with ``statusDetails``, and so does a channel
    being deleted or ``INACTIVE``. Poke, reschedule and deferrable mode end the same way
    (:class:`~airflow_cleanroomsml.sensors.base.CleanRoomsMLJobSensor`).

    :param ml_input_channel_arn: The channel's ARN. (templated)
    :param membership_identifier: The membership holding it; taken from the ARN when omitted,
        and checked against it when given. (templated)
    :param deferrable: Wait in the triggerer instead of a worker slot.
        (default: ``[operators] default_deferrable``, False unless configured)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name (default: the region in the ARN).
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    kind = ML_INPUT_CHANNEL
    trigger = f"{_TRIGGERS}.CleanRoomsMLMLInputChannelCompleteTrigger"

    def __init__(
        self, *, ml_input_channel_arn: str, membership_identifier: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(
            ml_input_channel_arn=ml_input_channel_arn, membership_identifier=membership_identifier, **kwargs
        )


class CleanRoomsMLTrainedModelSensor(CleanRoomsMLJobSensor):
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
    trigger = f"{_TRIGGERS}.CleanRoomsMLTrainedModelCompleteTrigger"

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


class CleanRoomsMLTrainedModelExportJobSensor(CleanRoomsMLJobSensor):
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
    trigger = f"{_TRIGGERS}.CleanRoomsMLTrainedModelExportJobCompleteTrigger"

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


class CleanRoomsMLAudienceModelSensor(CleanRoomsMLJobSensor):
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
    trigger = f"{_TRIGGERS}.CleanRoomsMLAudienceModelCompleteTrigger"

    def __init__(self, *, audience_model_arn: str, **kwargs: Any) -> None:
        super().__init__(audience_model_arn=audience_model_arn, **kwargs)


class CleanRoomsMLAudienceGenerationJobSensor(CleanRoomsMLJobSensor):
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
    trigger = f"{_TRIGGERS}.CleanRoomsMLAudienceGenerationJobCompleteTrigger"

    def __init__(self, *, audience_generation_job_arn: str, **kwargs: Any) -> None:
        super().__init__(audience_generation_job_arn=audience_generation_job_arn, **kwargs)


class CleanRoomsMLAudienceExportJobSensor(CleanRoomsMLJobSensor):
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
    trigger = f"{_TRIGGERS}.CleanRoomsMLAudienceExportJobCompleteTrigger"

    def __init__(self, *, audience_generation_job_arn: str, name: str, **kwargs: Any) -> None:
        super().__init__(audience_generation_job_arn=audience_generation_job_arn, name=name, **kwargs)
