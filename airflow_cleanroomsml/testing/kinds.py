"""
What the emulator needs to serve a kind, besides the kind's own declaration.

An :class:`EmulatedKind` says which call creates one and which statuses it goes through when it
is created, cancelled or deleted. Everything else the emulator takes from the kind
(:class:`~airflow_cleanroomsml.kinds.ResourceKind`: its calls, identity and ARN form) and from
botocore's service model (routes, request checks, response shapes).
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow_cleanroomsml.kinds import (
    AUDIENCE_EXPORT_JOB,
    AUDIENCE_GENERATION_JOB,
    AUDIENCE_MODEL,
    CONFIGURED_AUDIENCE_MODEL,
    ML_INPUT_CHANNEL,
    TRAINED_MODEL,
    TRAINED_MODEL_EXPORT_JOB,
    TRAINED_MODEL_INFERENCE_JOB,
    ResourceKind,
)

GONE = "GONE"
"""The last step of a deletion script: the resource is no longer found."""


@dataclass(frozen=True)
class EmulatedKind:
    """
    A kind of resource as the emulator serves it.

    :param kind: The kind's declaration.
    :param create: The operation that creates or starts one, if the API has one.
    :param started: The statuses a created one goes through, each for ``step_seconds``.
    :param cancelled: The statuses a cancelled one goes through.
    :param deleted: The statuses a deleted one goes through (:data:`GONE` last, if it disappears).
    :param more_lists: Other list calls that show this kind (the versions of one trained model).
    :param version_member: The member that tells versions of one ARN apart, for a kind with
        versions: each create makes one, and a read that names no version reads the newest.
    :param parent_member: The member naming the resource this one belongs to, whose collaboration
        it shares.
    :param update: The operation that changes one (configuration such as a configured audience model).
    """

    kind: ResourceKind
    create: str | None = None
    started: tuple[str, ...] = ("CREATE_PENDING", "CREATE_IN_PROGRESS", "ACTIVE")
    cancelled: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    more_lists: tuple[str, ...] = ()
    version_member: str | None = None
    parent_member: str | None = None
    update: str | None = None

    @property
    def operations(self) -> dict[str, str]:
        """The operations the emulator serves for this kind, and the role of each."""
        calls = {
            "create": self.create,
            "get": self.kind.get,
            "list": self.kind.list,
            "cancel": self.kind.cancel,
            "delete": self.kind.delete,
            "update": self.update,
        }
        served = {operation: role for role, operation in calls.items() if operation}
        served.update(dict.fromkeys(self.more_lists, "list"))
        return served


TRAINED_MODEL_INFERENCE_JOBS = EmulatedKind(
    TRAINED_MODEL_INFERENCE_JOB,
    create="StartTrainedModelInferenceJob",
    cancelled=("CANCEL_PENDING", "CANCEL_IN_PROGRESS", "INACTIVE"),
)

ML_INPUT_CHANNELS = EmulatedKind(
    ML_INPUT_CHANNEL,
    create="CreateMLInputChannel",
    deleted=("DELETE_PENDING", "DELETE_IN_PROGRESS", "INACTIVE"),
)
TRAINED_MODELS = EmulatedKind(
    TRAINED_MODEL,
    create="CreateTrainedModel",
    cancelled=("CANCEL_PENDING", "CANCEL_IN_PROGRESS", "INACTIVE"),
    deleted=("DELETE_PENDING", "DELETE_IN_PROGRESS", "INACTIVE"),
    more_lists=("ListTrainedModelVersions",),
    version_member="versionIdentifier",
)
TRAINED_MODEL_EXPORT_JOBS = EmulatedKind(
    TRAINED_MODEL_EXPORT_JOB,
    create="StartTrainedModelExportJob",
    parent_member="trainedModelArn",
)

AUDIENCE_MODELS = EmulatedKind(
    AUDIENCE_MODEL,
    create="CreateAudienceModel",
    deleted=("DELETE_PENDING", "DELETE_IN_PROGRESS", GONE),
)
CONFIGURED_AUDIENCE_MODELS = EmulatedKind(
    CONFIGURED_AUDIENCE_MODEL,
    create="CreateConfiguredAudienceModel",
    started=("ACTIVE",),
    update="UpdateConfiguredAudienceModel",
)
AUDIENCE_GENERATION_JOBS = EmulatedKind(
    AUDIENCE_GENERATION_JOB,
    create="StartAudienceGenerationJob",
    deleted=("DELETE_PENDING", "DELETE_IN_PROGRESS", GONE),
)
AUDIENCE_EXPORT_JOBS = EmulatedKind(
    AUDIENCE_EXPORT_JOB,
    create="StartAudienceExportJob",
    parent_member="audienceGenerationJobArn",
)

EMULATED_KINDS: tuple[EmulatedKind, ...] = (
    TRAINED_MODEL_INFERENCE_JOBS,
    ML_INPUT_CHANNELS,
    TRAINED_MODELS,
    TRAINED_MODEL_EXPORT_JOBS,
    AUDIENCE_MODELS,
    CONFIGURED_AUDIENCE_MODELS,
    AUDIENCE_GENERATION_JOBS,
    AUDIENCE_EXPORT_JOBS,
)
"""Every kind the emulator serves unless told otherwise."""
