"""Sensor for ML input channels."""

from __future__ import annotations

from typing import Any

from airflow_cleanroomsml.kinds import ML_INPUT_CHANNEL
from airflow_cleanroomsml.sensors.base import CleanRoomsMLResourceSensor


class CleanRoomsMLMLInputChannelSensor(CleanRoomsMLResourceSensor):
    """
    Wait until an ML input channel is ``ACTIVE`` (its query has run); fail if it fails.

    ``ACTIVE`` is success; ``CREATE_FAILED`` fails, with ``statusDetails``, and so does a channel
    being deleted or ``INACTIVE``. Poke, reschedule and deferrable mode end the same way
    (:class:`~airflow_cleanroomsml.sensors.base.CleanRoomsMLResourceSensor`).

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

    def __init__(
        self, *, ml_input_channel_arn: str, membership_identifier: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(
            ml_input_channel_arn=ml_input_channel_arn, membership_identifier=membership_identifier, **kwargs
        )
