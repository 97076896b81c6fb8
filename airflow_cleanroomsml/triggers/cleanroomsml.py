"""
Each kind's triggers: what a deferred sensor or operator waits on in the triggerer.

Every one is :class:`~airflow_cleanroomsml.triggers.base.CleanRoomsMLResourceTrigger` for one kind
and one waiter role, taking the kind's identifying arguments; see the base for the others
(``waiter_delay``, ``waiter_max_attempts``, ``deadline``, ``execution_deadline``, ``reads_done``,
``last_status``, ``cancel_on_kill`` and the connection's), the events and the bounds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_cleanroomsml._lazy import deprecated_names
from airflow_cleanroomsml.kinds import (
    AUDIENCE_EXPORT_JOB,
    AUDIENCE_GENERATION_JOB,
    AUDIENCE_MODEL,
    ML_INPUT_CHANNEL,
    TRAINED_MODEL,
    TRAINED_MODEL_EXPORT_JOB,
    TRAINED_MODEL_INFERENCE_JOB,
)
from airflow_cleanroomsml.triggers.base import CleanRoomsMLResourceTrigger

__all__ = [
    "CleanRoomsMLAudienceExportJobCompleteTrigger",
    "CleanRoomsMLAudienceGenerationJobCompleteTrigger",
    "CleanRoomsMLAudienceGenerationJobDeletedTrigger",
    "CleanRoomsMLAudienceModelCompleteTrigger",
    "CleanRoomsMLAudienceModelDeletedTrigger",
    "CleanRoomsMLMLInputChannelCompleteTrigger",
    "CleanRoomsMLMLInputChannelDataDeletedTrigger",
    "CleanRoomsMLResourceTrigger",
    "CleanRoomsMLTrainedModelCancelledTrigger",
    "CleanRoomsMLTrainedModelCompleteTrigger",
    "CleanRoomsMLTrainedModelExportJobCompleteTrigger",
    "CleanRoomsMLTrainedModelInferenceJobCancelledTrigger",
    "CleanRoomsMLTrainedModelInferenceJobCompleteTrigger",
    "CleanRoomsMLTrainedModelOutputDeletedTrigger",
]


class CleanRoomsMLTrainedModelInferenceJobCompleteTrigger(CleanRoomsMLResourceTrigger):
    """
    Wait until a trained model inference job is ``ACTIVE`` (success) or fails.

    ``CREATE_FAILED``, ``CANCEL_FAILED`` and ``INACTIVE`` end the wait with an ``error`` event.
    Parameters, events and bounds are those of
    :class:`~airflow_cleanroomsml.triggers.base.CleanRoomsMLResourceTrigger`.

    :param trained_model_inference_job_arn: The job's ARN.
    :param membership_identifier: The membership holding the job (default: the one in the ARN).
    """

    kind = TRAINED_MODEL_INFERENCE_JOB

    def __init__(
        self, *, trained_model_inference_job_arn: str, membership_identifier: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(
            membership_identifier=membership_identifier,
            trained_model_inference_job_arn=trained_model_inference_job_arn,
            **kwargs,
        )


class CleanRoomsMLTrainedModelInferenceJobCancelledTrigger(CleanRoomsMLResourceTrigger):
    """
    Wait until a job whose cancellation was asked for is ``INACTIVE`` (success).

    ``CANCEL_FAILED``, and a job that finished (``ACTIVE``, ``CREATE_FAILED``) before the
    cancellation took, end the wait with an ``error`` event. Parameters, events and bounds are
    those of :class:`~airflow_cleanroomsml.triggers.base.CleanRoomsMLResourceTrigger`.

    :param trained_model_inference_job_arn: The job's ARN.
    :param membership_identifier: The membership holding the job (default: the one in the ARN).
    """

    kind = TRAINED_MODEL_INFERENCE_JOB
    waiter_role = "cancelled"

    def __init__(
        self, *, trained_model_inference_job_arn: str, membership_identifier: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(
            membership_identifier=membership_identifier,
            trained_model_inference_job_arn=trained_model_inference_job_arn,
            **kwargs,
        )


class CleanRoomsMLMLInputChannelCompleteTrigger(CleanRoomsMLResourceTrigger):
    """
    Wait until an ML input channel is ``ACTIVE`` (success) or fails (``CREATE_FAILED``, deleted).

    :param ml_input_channel_arn: The channel's ARN.
    :param membership_identifier: The membership holding it (default: the one in the ARN).
    """

    kind = ML_INPUT_CHANNEL

    def __init__(
        self, *, ml_input_channel_arn: str, membership_identifier: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(
            membership_identifier=membership_identifier, ml_input_channel_arn=ml_input_channel_arn, **kwargs
        )


class CleanRoomsMLMLInputChannelDataDeletedTrigger(CleanRoomsMLResourceTrigger):
    """
    Wait until an ML input channel's data is deleted (``INACTIVE``); ``DELETE_FAILED`` fails.

    :param ml_input_channel_arn: The channel's ARN.
    :param membership_identifier: The membership holding it (default: the one in the ARN).
    """

    kind = ML_INPUT_CHANNEL
    waiter_role = "deleted"

    def __init__(
        self, *, ml_input_channel_arn: str, membership_identifier: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(
            membership_identifier=membership_identifier, ml_input_channel_arn=ml_input_channel_arn, **kwargs
        )


class CleanRoomsMLTrainedModelCompleteTrigger(CleanRoomsMLResourceTrigger):
    """
    Wait until a trained model (version) is ``ACTIVE`` (success) or fails.

    :param trained_model_arn: The trained model's ARN.
    :param membership_identifier: The membership holding it (default: the one in the ARN).
    :param version_identifier: The version to wait for (default: the model as the API describes it).
    """

    kind = TRAINED_MODEL

    def __init__(
        self,
        *,
        membership_identifier: str | None = None,
        trained_model_arn: str,
        version_identifier: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            membership_identifier=membership_identifier,
            trained_model_arn=trained_model_arn,
            version_identifier=version_identifier,
            **kwargs,
        )


class CleanRoomsMLTrainedModelCancelledTrigger(CleanRoomsMLResourceTrigger):
    """
    Wait until a trained model whose cancellation was asked for is ``INACTIVE`` (success).

    :param trained_model_arn: The trained model's ARN.
    :param membership_identifier: The membership holding it (default: the one in the ARN).
    :param version_identifier: The version being cancelled.
    """

    kind = TRAINED_MODEL
    waiter_role = "cancelled"

    def __init__(
        self,
        *,
        membership_identifier: str | None = None,
        trained_model_arn: str,
        version_identifier: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            membership_identifier=membership_identifier,
            trained_model_arn=trained_model_arn,
            version_identifier=version_identifier,
            **kwargs,
        )


class CleanRoomsMLTrainedModelOutputDeletedTrigger(CleanRoomsMLResourceTrigger):
    """
    Wait until a trained model's output is deleted (``INACTIVE``); ``DELETE_FAILED`` fails.

    :param trained_model_arn: The trained model's ARN.
    :param membership_identifier: The membership holding it (default: the one in the ARN).
    :param version_identifier: The version whose output is deleted.
    """

    kind = TRAINED_MODEL
    waiter_role = "deleted"

    def __init__(
        self,
        *,
        membership_identifier: str | None = None,
        trained_model_arn: str,
        version_identifier: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            membership_identifier=membership_identifier,
            trained_model_arn=trained_model_arn,
            version_identifier=version_identifier,
            **kwargs,
        )


class CleanRoomsMLTrainedModelExportJobCompleteTrigger(CleanRoomsMLResourceTrigger):
    """
    Wait until a trained model export job is ``ACTIVE`` (success) or ``CREATE_FAILED``.

    The job has no ARN and no Get call: it is read, by name, from
    ``ListCollaborationTrainedModelExportJobs`` (waits on one model share those calls).

    :param membership_identifier: The membership the job exports to.
    :param trained_model_arn: The exported trained model's ARN.
    :param name: The export job's name.
    :param trained_model_version_identifier: The exported version, if one was named.
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


class CleanRoomsMLAudienceModelCompleteTrigger(CleanRoomsMLResourceTrigger):
    """
    Wait until an audience model is ``ACTIVE`` (success) or fails (``CREATE_FAILED``, deleted).

    :param audience_model_arn: The audience model's ARN.
    """

    kind = AUDIENCE_MODEL

    def __init__(self, *, audience_model_arn: str, **kwargs: Any) -> None:
        super().__init__(audience_model_arn=audience_model_arn, **kwargs)


class CleanRoomsMLAudienceModelDeletedTrigger(CleanRoomsMLResourceTrigger):
    """
    Wait until an audience model is gone (success); ``DELETE_FAILED`` fails.

    :param audience_model_arn: The audience model's ARN.
    """

    kind = AUDIENCE_MODEL
    waiter_role = "deleted"

    def __init__(self, *, audience_model_arn: str, **kwargs: Any) -> None:
        super().__init__(audience_model_arn=audience_model_arn, **kwargs)


class CleanRoomsMLAudienceGenerationJobCompleteTrigger(CleanRoomsMLResourceTrigger):
    """
    Wait until an audience generation job is ``ACTIVE`` (success) or fails.

    :param audience_generation_job_arn: The job's ARN.
    """

    kind = AUDIENCE_GENERATION_JOB

    def __init__(self, *, audience_generation_job_arn: str, **kwargs: Any) -> None:
        super().__init__(audience_generation_job_arn=audience_generation_job_arn, **kwargs)


class CleanRoomsMLAudienceGenerationJobDeletedTrigger(CleanRoomsMLResourceTrigger):
    """
    Wait until an audience generation job is gone (success); ``DELETE_FAILED`` fails.

    :param audience_generation_job_arn: The job's ARN.
    """

    kind = AUDIENCE_GENERATION_JOB
    waiter_role = "deleted"

    def __init__(self, *, audience_generation_job_arn: str, **kwargs: Any) -> None:
        super().__init__(audience_generation_job_arn=audience_generation_job_arn, **kwargs)


class CleanRoomsMLAudienceExportJobCompleteTrigger(CleanRoomsMLResourceTrigger):
    """
    Wait until an audience export job is ``ACTIVE`` (success) or ``CREATE_FAILED``.

    The job has no ARN and no Get call: it is read, by name, from ``ListAudienceExportJobs`` of
    its generation job (waits on one generation job's exports share those calls).

    :param audience_generation_job_arn: The generation job whose segment is exported.
    :param name: The export job's name.
    """

    kind = AUDIENCE_EXPORT_JOB

    def __init__(self, *, audience_generation_job_arn: str, name: str, **kwargs: Any) -> None:
        super().__init__(audience_generation_job_arn=audience_generation_job_arn, name=name, **kwargs)


if not TYPE_CHECKING:  # mypy sees only the new names
    __getattr__ = deprecated_names(
        __name__, {"CleanRoomsMLJobTrigger": "airflow_cleanroomsml.triggers.base.CleanRoomsMLResourceTrigger"}
    )
