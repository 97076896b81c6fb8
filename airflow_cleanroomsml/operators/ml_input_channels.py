"""Operators for ML input channels: the training data a protected query produces in a collaboration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_cleanroomsml.kinds import ML_INPUT_CHANNEL
from airflow_cleanroomsml.operators.base import (
    CleanRoomsMLDeleteOperator,
    CleanRoomsMLDescribeOperator,
)
from airflow_cleanroomsml.operators.starting import CleanRoomsMLStartOperator

if TYPE_CHECKING:
    from collections.abc import Sequence


class CleanRoomsMLCreateMLInputChannelOperator(CleanRoomsMLStartOperator):
    """
    Create an ML input channel (its query runs over the collaboration's data); optionally wait for it.

    Every parameter of ``CreateMLInputChannel`` is a templated snake_case argument, checked against
    the service model after rendering and before any call. The channel's ARN is the XCom
    ``return_value``; when the operator waits, the final description is also pushed under the XCom
    key ``ml_input_channel``. A retry never creates a second channel: channels are tagged with the
    task instance that created them, and a retry waits on the one its earlier try created
    (``action_if_exists``, as for inference jobs). A channel cannot be cancelled.

    :param membership_identifier: The membership to create it in. (templated)
    :param name: The channel's name. (templated)
    :param configured_model_algorithm_associations: The ARNs of the configured model algorithm
        associations that may use it (one). (templated)
    :param input_channel: ``{"dataSource": {"protectedQueryInputParameters": {...}}, "roleArn": ...}``.
        (templated)
    :param retention_in_days: Days the data is kept, 1 to 30. (templated)
    :param description: At most 255 characters. (templated)
    :param kms_key_arn: KMS key for the channel's data. (templated)
    :param tags: Tags; the ``airflow:*`` keys are reserved. (templated)
    :param payer_configuration: Who pays for the query (needs a botocore that knows it). (templated)
    :param action_if_exists: ``reattach``, ``fail`` or ``start_new``. (default: ``reattach``)
    :param wait_for_completion: Wait until the channel is ``ACTIVE``; fail if it fails. (default: True)
    :param waiter_delay: Seconds between reads. (default: 60)
    :param waiter_max_attempts: The most reads. (default: 720)
    :param deferrable: Wait in the triggerer instead of a worker slot.
        (default: ``[operators] default_deferrable``)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name.
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    kind = ML_INPUT_CHANNEL
    operation = "CreateMLInputChannel"

    def __init__(
        self,
        *,
        membership_identifier: str,
        name: str,
        configured_model_algorithm_associations: list[str] | str,
        input_channel: dict[str, Any] | str,
        retention_in_days: int,
        description: str | None = None,
        kms_key_arn: str | None = None,
        tags: dict[str, str] | str | None = None,
        payer_configuration: dict[str, Any] | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            membership_identifier=membership_identifier,
            name=name,
            configured_model_algorithm_associations=configured_model_algorithm_associations,
            input_channel=input_channel,
            retention_in_days=retention_in_days,
            description=description,
            kms_key_arn=kms_key_arn,
            tags=tags,
            payer_configuration=payer_configuration,
            **kwargs,
        )


class CleanRoomsMLGetMLInputChannelOperator(CleanRoomsMLDescribeOperator):
    """
    Describe an ML input channel; its JSON-safe description is the XCom ``return_value``.

    :param ml_input_channel_arn: The channel's ARN. (templated)
    :param membership_identifier: The membership holding it (default: the one in the ARN). (templated)
    :param exclude_from_xcom: Top-level fields to leave out of the XCom value. (default: none)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name (default: the region in the ARN).
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    kind = ML_INPUT_CHANNEL

    def __init__(
        self,
        *,
        ml_input_channel_arn: str,
        membership_identifier: str | None = None,
        exclude_from_xcom: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            ml_input_channel_arn=ml_input_channel_arn,
            membership_identifier=membership_identifier,
            exclude_from_xcom=exclude_from_xcom,
            **kwargs,
        )


class CleanRoomsMLDeleteMLInputChannelDataOperator(CleanRoomsMLDeleteOperator):
    """
    Delete the data of an ML input channel (``DeleteMLInputChannelData``); optionally wait until ``INACTIVE``.

    :param ml_input_channel_arn: The channel's ARN. (templated)
    :param membership_identifier: The membership holding it (default: the one in the ARN). (templated)
    :param wait_for_completion: Wait until the data is deleted; fail on ``DELETE_FAILED``. (default: False)
    :param waiter_delay: Seconds between reads. (default: 30)
    :param waiter_max_attempts: The most reads. (default: 60)
    :param deferrable: Wait in the triggerer instead of a worker slot.
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
