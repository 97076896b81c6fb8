"""Operators for trained models (and their versions) and their export jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from airflow.providers.amazon.aws.operators.base_aws import AwsBaseOperator
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields

from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook
from airflow_cleanroomsml.json_safe import to_json_safe
from airflow_cleanroomsml.kinds import (
    TRAINED_MODEL,
    TRAINED_MODEL_EXPORT_JOB,
    validate_membership_id,
)
from airflow_cleanroomsml.operators.base import (
    CleanRoomsMLCancelOperator,
    CleanRoomsMLDeleteOperator,
    CleanRoomsMLDescribeOperator,
)
from airflow_cleanroomsml.operators.starting import CleanRoomsMLStartOperator

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence
    from typing import Literal

    from airflow.sdk import Context


class CleanRoomsMLCreateTrainedModelOperator(CleanRoomsMLStartOperator):
    """
    Train a model (``CreateTrainedModel``); optionally wait until it is ``ACTIVE``; return its ARN.

    Every parameter of ``CreateTrainedModel`` is a templated snake_case argument, checked against
    the service model after rendering and before any call. With ``incremental_training_data_channels``
    naming an existing model, the training makes a new version of it (botocore 1.39.1). The XCom
    ``return_value`` is the model's ARN, so an inference job can take it from ``.output``; when the
    operator waits, the final description (with its ``versionIdentifier``) is pushed under the XCom
    key ``trained_model``, and the events of the task's ``outlets`` (an Asset; a Dataset on Airflow
    2) carry ``trained_model_arn`` and ``version_identifier`` in their ``extra``.

    A retry never starts a second training: models are tagged with the task instance that created
    them, and a retry waits on the one its earlier try created (``action_if_exists``). The
    values of ``environment`` and ``hyperparameters`` keys Airflow deems sensitive (and the keys
    in ``mask_environment_keys``) are masked; both are left out of XCom by default.

    :param membership_identifier: The membership to train in. (templated)
    :param name: The model's name. (templated)
    :param configured_model_algorithm_association_arn: The algorithm to train; the task's calls go
        to its region when ``region_name`` is not given. (templated)
    :param resource_config: ``{"instanceType": ..., "instanceCount": ..., "volumeSizeInGB": ...}``.
        (templated)
    :param data_channels: ``[{"mlInputChannelArn": ..., "channelName": ...}]``. (templated)
    :param hyperparameters: Hyperparameters for the algorithm. (templated)
    :param environment: Environment variables for the training container. (templated)
    :param stopping_condition: ``{"maxRuntimeInSeconds": ...}``. (templated)
    :param incremental_training_data_channels: ``[{"trainedModelArn": ..., "channelName": ...}]``,
        to train a new version of a model (botocore 1.39.1). (templated)
    :param training_input_mode: ``File``, ``FastFile`` or ``Pipe`` (botocore 1.39.1). (templated)
    :param description: At most 255 characters. (templated)
    :param kms_key_arn: KMS key for the model's artifacts. (templated)
    :param tags: Tags; the ``airflow:*`` keys are reserved. (templated)
    :param ml_model_training_payer_account_id: The account that pays for training. (templated)
    :param mask_environment_keys: ``environment`` and ``hyperparameters`` keys masked besides the
        ones Airflow deems sensitive; ``"*"`` masks every value. (default: none)
    :param exclude_from_xcom: Description fields left out of XCom.
        (default: ``("environment", "hyperparameters")``)
    :param action_if_exists: ``reattach``, ``fail`` or ``start_new``. (default: ``reattach``)
    :param wait_for_completion: Wait until the model is ``ACTIVE``; fail if it fails. (default: True)
    :param waiter_delay: Seconds between reads. (default: 300: training runs for hours)
    :param waiter_max_attempts: The most reads. (default: 864, three days)
    :param deferrable: Wait in the triggerer instead of a worker slot.
        (default: ``[operators] default_deferrable``)
    :param cancel_on_kill: Cancel the training when the task is killed or the wait gives up.
        (default: True)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name.
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    kind = TRAINED_MODEL
    operation = "CreateTrainedModel"
    region_member = "configuredModelAlgorithmAssociationArn"

    def __init__(
        self,
        *,
        membership_identifier: str,
        name: str,
        configured_model_algorithm_association_arn: str,
        resource_config: dict[str, Any] | str,
        data_channels: list[dict[str, Any]] | str,
        hyperparameters: dict[str, str] | str | None = None,
        environment: dict[str, str] | str | None = None,
        stopping_condition: dict[str, Any] | str | None = None,
        incremental_training_data_channels: list[dict[str, Any]] | str | None = None,
        training_input_mode: str | None = None,
        description: str | None = None,
        kms_key_arn: str | None = None,
        tags: dict[str, str] | str | None = None,
        ml_model_training_payer_account_id: str | None = None,
        mask_environment_keys: Collection[str] | Literal["*"] = (),
        waiter_delay: float = 300,
        waiter_max_attempts: int = 864,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            membership_identifier=membership_identifier,
            name=name,
            configured_model_algorithm_association_arn=configured_model_algorithm_association_arn,
            resource_config=resource_config,
            data_channels=data_channels,
            hyperparameters=hyperparameters,
            environment=environment,
            stopping_condition=stopping_condition,
            incremental_training_data_channels=incremental_training_data_channels,
            training_input_mode=training_input_mode,
            description=description,
            kms_key_arn=kms_key_arn,
            tags=tags,
            ml_model_training_payer_account_id=ml_model_training_payer_account_id,
            mask_environment_keys=mask_environment_keys,
            waiter_delay=waiter_delay,
            waiter_max_attempts=waiter_max_attempts,
            **kwargs,
        )


class CleanRoomsMLGetTrainedModelOperator(CleanRoomsMLDescribeOperator):
    """
    Describe a trained model (or one version of it); its JSON-safe description is the XCom ``return_value``.

    ``environment`` and ``hyperparameters`` are left out of XCom by default.

    :param trained_model_arn: The model's ARN. (templated)
    :param membership_identifier: The membership holding it (default: the one in the ARN). (templated)
    :param version_identifier: The version to describe (botocore 1.39.1). (templated)
    :param exclude_from_xcom: Top-level fields to leave out of the XCom value.
        (default: ``("environment", "hyperparameters")``)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name (default: the region in the ARN).
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
        exclude_from_xcom: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            trained_model_arn=trained_model_arn,
            membership_identifier=membership_identifier,
            version_identifier=version_identifier,
            exclude_from_xcom=exclude_from_xcom,
            **kwargs,
        )


class CleanRoomsMLCancelTrainedModelOperator(CleanRoomsMLCancelOperator):
    """
    Cancel a training (``CancelTrainedModel``); optionally wait until the model is ``INACTIVE``.

    Cancelling a model that has finished or is already being cancelled is not an error.

    :param trained_model_arn: The model's ARN. (templated)
    :param membership_identifier: The membership holding it (default: the one in the ARN). (templated)
    :param version_identifier: The version to cancel (botocore 1.39.1). (templated)
    :param wait_for_completion: Wait until ``INACTIVE``; fail on ``CANCEL_FAILED``. (default: False)
    :param waiter_delay: Seconds between reads. (default: 30)
    :param waiter_max_attempts: The most reads. (default: 60)
    :param deferrable: Wait in the triggerer instead of a worker slot.
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name (default: the region in the ARN).
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


class CleanRoomsMLDeleteTrainedModelOutputOperator(CleanRoomsMLDeleteOperator):
    """
    Delete a trained model's artifacts (``DeleteTrainedModelOutput``); optionally wait until ``INACTIVE``.

    :param trained_model_arn: The model's ARN. (templated)
    :param membership_identifier: The membership holding it (default: the one in the ARN). (templated)
    :param version_identifier: The version whose output to delete (botocore 1.39.1). (templated)
    :param wait_for_completion: Wait until deleted; fail on ``DELETE_FAILED``. (default: False)
    :param waiter_delay: Seconds between reads. (default: 30)
    :param waiter_max_attempts: The most reads. (default: 60)
    :param deferrable: Wait in the triggerer instead of a worker slot.
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name (default: the region in the ARN).
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


class CleanRoomsMLGetLatestTrainedModelOperator(AwsBaseOperator[CleanRoomsMLHook]):
    """
    Find the newest ``ACTIVE`` version of a membership's trained model by name, for a scoring DAG.

    The XCom ``return_value`` is its JSON-safe summary: ``trainedModelArn``, ``versionIdentifier``
    (None where botocore knows no versions, before 1.39.1), ``name``, ``createTime``... so that an
    inference job can take ``latest.output["trainedModelArn"]`` and
    ``latest.output["versionIdentifier"]``. The task fails, naming the model, when no version of it
    is ``ACTIVE``.

    :param membership_identifier: The membership holding the model. (templated)
    :param name: The trained model's name. (templated)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name.
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    aws_hook_class = CleanRoomsMLHook
    template_fields: Sequence[str] = aws_template_fields("membership_identifier", "name")
    ui_color = "#66c3ff"
    calls: ClassVar[tuple[str, ...]] = ("ListTrainedModels", "ListTrainedModelVersions")
    """The API calls it makes: a class about no single resource declares them (for :mod:`..iam`)."""

    def __init__(self, *, membership_identifier: str, name: str, **kwargs: Any) -> None:
        kwargs.setdefault("multiple_outputs", True)  # each member an XCom of its own: latest.output["..."]
        super().__init__(**kwargs)
        self.membership_identifier = membership_identifier
        self.name = name

    def execute(self, context: Context) -> dict[str, Any]:
        validate_membership_id(self.membership_identifier)
        latest = self.hook.latest_active_trained_model(self.membership_identifier, self.name)
        latest.setdefault("versionIdentifier", None)  # botocore < 1.39.1 knows no versions
        self.log.info(
            "The newest %s version of trained model %r: %s (version %s)",
            latest.get("status"),
            self.name,
            latest.get("trainedModelArn"),
            latest.get("versionIdentifier"),
        )
        return to_json_safe(latest)


class CleanRoomsMLStartTrainedModelExportJobOperator(CleanRoomsMLStartOperator):
    """
    Export a trained model's artifacts to a member (``StartTrainedModelExportJob``); optionally wait.

    The call returns nothing and the job has no ARN: the XCom ``return_value`` is its name, and it
    is found and followed by name among the model's export jobs in the membership's collaboration
    (``ListCollaborationTrainedModelExportJobs``). A retry never starts a second export: one of the
    same name, model and version that is pending or done is the earlier try's (the call takes no
    tags, so name and parent are the key).

    :param membership_identifier: The membership of the member receiving the artifacts. (templated)
    :param name: The export job's name. (templated)
    :param trained_model_arn: The model to export; the task's calls go to its region when
        ``region_name`` is not given. (templated)
    :param output_configuration: ``{"members": [{"accountId": ...}]}``. (templated)
    :param trained_model_version_identifier: The version to export (botocore 1.39.1). (templated)
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

    kind = TRAINED_MODEL_EXPORT_JOB
    operation = "StartTrainedModelExportJob"
    region_member = "trainedModelArn"

    def __init__(
        self,
        *,
        membership_identifier: str,
        name: str,
        trained_model_arn: str,
        output_configuration: dict[str, Any] | str,
        trained_model_version_identifier: str | None = None,
        description: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            membership_identifier=membership_identifier,
            name=name,
            trained_model_arn=trained_model_arn,
            output_configuration=output_configuration,
            trained_model_version_identifier=trained_model_version_identifier,
            description=description,
            **kwargs,
        )
