"""Sensor for trained model inference jobs."""

from __future__ import annotations

from typing import Any

from airflow_cleanroomsml.kinds import TRAINED_MODEL_INFERENCE_JOB
from airflow_cleanroomsml.sensors.base import CleanRoomsMLResourceSensor


class CleanRoomsMLTrainedModelInferenceJobSensor(CleanRoomsMLResourceSensor):
    """
    Wait until a trained model inference job is ``ACTIVE``; fail if it fails.

    ``ACTIVE`` is success. ``CREATE_FAILED``, ``CANCEL_FAILED`` and ``INACTIVE`` fail the task with
    the job's ARN, status and ``statusDetails``. Every other status keeps waiting. Works in
    ``poke``, ``reschedule`` and deferrable mode with the same outcome for the same situation
    (:class:`~airflow_cleanroomsml.sensors.base.CleanRoomsMLResourceSensor`).

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

    def __init__(
        self, *, trained_model_inference_job_arn: str, membership_identifier: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(
            trained_model_inference_job_arn=trained_model_inference_job_arn,
            membership_identifier=membership_identifier,
            **kwargs,
        )
