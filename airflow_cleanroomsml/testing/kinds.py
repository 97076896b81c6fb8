"""
What the emulator needs to serve a kind, besides the kind's own declaration.

An :class:`EmulatedKind` says which call creates one, which statuses it goes through when it is
created, cancelled or deleted, which other resources its requests name (:class:`Reference`: they
must exist, in the caller's region, in a status that allows the call) and where its names must be
unique. Everything else the emulator takes from the kind
(:class:`~airflow_cleanroomsml.kinds.ResourceKind`: its calls, identity and ARN form) and from
botocore's service model (routes, request checks, response shapes).

Besides the kinds this provider waits for, the emulator serves the parents no DAG of this provider
creates but whose requests name them: configured model algorithms and their associations, and
training datasets. Register them (``emulator.register(TRAINING_DATASETS)``) before a DAG names one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_cleanroomsml.kinds import (
    AUDIENCE_EXPORT_JOB,
    AUDIENCE_GENERATION_JOB,
    AUDIENCE_MODEL,
    CONFIGURED_AUDIENCE_MODEL,
    MEMBERSHIP,
    ML_INPUT_CHANNEL,
    TRAINED_MODEL,
    TRAINED_MODEL_EXPORT_JOB,
    TRAINED_MODEL_INFERENCE_JOB,
    ResourceKind,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

GONE = "GONE"
"""The last step of a deletion script: the resource is no longer found."""
ACTIVE = ("ACTIVE",)


@dataclass(frozen=True)
class Reference:
    """
    A request member that names another resource, which the service looks up before it accepts the call.

    :param path: Where the request names it: a member (``trainedModelArn``), a member of a
        structure (``dataSource.mlInputChannelArn``), each item of a list
        (``configuredModelAlgorithmAssociations[]``) or a member of each item
        (``dataChannels[].mlInputChannelArn``).
    :param kind: The kind of the resource named (default: the kind whose requests name it).
    :param statuses: The statuses that allow the call; empty for any (a kind without a status).
    :param version: The member beside it that names a version of the resource, if any.
    """

    path: str
    kind: EmulatedKind | None = None
    statuses: tuple[str, ...] = ACTIVE
    version: str | None = None

    def values(self, request: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
        """Each value the request gives at :attr:`path`, with the structure that holds it."""
        found: list[tuple[str, Mapping[str, Any]]] = []
        _walk(request, self.path.split("."), found)
        return found


def _walk(holder: Mapping[str, Any], parts: list[str], found: list[tuple[str, Mapping[str, Any]]]) -> None:
    head, rest = parts[0], parts[1:]
    name, each = head.removesuffix("[]"), head.endswith("[]")
    value = holder.get(name)
    if value is None:
        return
    items = value if each and isinstance(value, list) else [value]
    for item in items:
        if rest and isinstance(item, dict):
            _walk(item, rest, found)
        elif not rest and isinstance(item, str):
            found.append((item, holder))


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
    :param delete: The operation that deletes one, where the kind's declaration names none.
    :param references: The resources its create and update requests name.
    :param unique_name_within: Where the service refuses a second one of the same name
        (``ConflictException``): the request members that, with the region, scope the name; None
        where names need not be unique.
    :param deleted_only_unused: Whether a delete is refused (``ConflictException``) while a
        resource of another kind still names this one.
    :param rules: Further checks of a create request against the resources it names, each called
        with a :class:`~airflow_cleanroomsml.testing.references.Finder` and the request.
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
    delete: str | None = None
    references: tuple[Reference, ...] = ()
    unique_name_within: tuple[str, ...] | None = None
    deleted_only_unused: bool = False
    rules: tuple[Callable[[Any, Mapping[str, Any]], None], ...] = ()

    @property
    def operations(self) -> dict[str, str]:
        """The operations the emulator serves for this kind, and the role of each."""
        calls = {
            "create": self.create,
            "get": self.kind.get,
            "list": self.kind.list,
            "cancel": self.kind.cancel,
            "delete": self.kind.delete or self.delete,
            "update": self.update,
        }
        served = {operation: role for role, operation in calls.items() if operation}
        served.update(dict.fromkeys(self.more_lists, "list"))
        return served

    @property
    def name(self) -> str:
        """What the kind is called: ``trained model``."""
        return self.kind.name


# -- Parents that no DAG of this provider creates: register them -----------------------------------

CONFIGURED_MODEL_ALGORITHM = ResourceKind(
    name="configured model algorithm",
    identity=("configuredModelAlgorithmArn",),
    arn_member="configuredModelAlgorithmArn",
    arn_segment="configured-model-algorithm",
    waiters={},
    get="GetConfiguredModelAlgorithm",
    list="ListConfiguredModelAlgorithms",
    list_key="configuredModelAlgorithms",
    delete="DeleteConfiguredModelAlgorithm",
)
CONFIGURED_MODEL_ALGORITHMS = EmulatedKind(
    CONFIGURED_MODEL_ALGORITHM, create="CreateConfiguredModelAlgorithm", started=ACTIVE, deleted=(GONE,)
)
"""A training and inference container, configured (account-scoped; no status)."""

CONFIGURED_MODEL_ALGORITHM_ASSOCIATION = ResourceKind(
    name="configured model algorithm association",
    identity=(MEMBERSHIP, "configuredModelAlgorithmAssociationArn"),
    arn_member="configuredModelAlgorithmAssociationArn",
    arn_segment="configured-model-algorithm-association",
    waiters={},
    get="GetConfiguredModelAlgorithmAssociation",
    list="ListConfiguredModelAlgorithmAssociations",
    list_key="configuredModelAlgorithmAssociations",
    list_request={MEMBERSHIP: MEMBERSHIP},
    delete="DeleteConfiguredModelAlgorithmAssociation",
)
CONFIGURED_MODEL_ALGORITHM_ASSOCIATIONS = EmulatedKind(
    CONFIGURED_MODEL_ALGORITHM_ASSOCIATION,
    create="CreateConfiguredModelAlgorithmAssociation",
    started=ACTIVE,
    deleted=(GONE,),
    references=(Reference("configuredModelAlgorithmArn", CONFIGURED_MODEL_ALGORITHMS, statuses=()),),
)
"""A configured model algorithm associated with a membership (no status): what ML input channels,
trained models and inference jobs name."""

TRAINING_DATASET = ResourceKind(
    name="training dataset",
    identity=("trainingDatasetArn",),
    arn_member="trainingDatasetArn",
    arn_segment="training-dataset",
    waiters={},
    get="GetTrainingDataset",
    list="ListTrainingDatasets",
    list_key="trainingDatasets",
    delete="DeleteTrainingDataset",
)
TRAINING_DATASETS = EmulatedKind(
    TRAINING_DATASET,
    create="CreateTrainingDataset",
    started=ACTIVE,
    deleted=(GONE,),
    unique_name_within=(),  # "This name must be unique in your account and region."
)
"""The Glue tables an audience model trains on (account-scoped; always ``ACTIVE``)."""

# -- The kinds this provider waits for -------------------------------------------------------------

ML_INPUT_CHANNELS = EmulatedKind(
    ML_INPUT_CHANNEL,
    create="CreateMLInputChannel",
    deleted=("DELETE_PENDING", "DELETE_IN_PROGRESS", "INACTIVE"),
    references=(
        Reference(
            "configuredModelAlgorithmAssociations[]", CONFIGURED_MODEL_ALGORITHM_ASSOCIATIONS, statuses=()
        ),
    ),
)
TRAINED_MODELS = EmulatedKind(
    TRAINED_MODEL,
    create="CreateTrainedModel",
    cancelled=("CANCEL_PENDING", "CANCEL_IN_PROGRESS", "INACTIVE"),
    deleted=("DELETE_PENDING", "DELETE_IN_PROGRESS", "INACTIVE"),
    more_lists=("ListTrainedModelVersions",),
    version_member="versionIdentifier",
    references=(
        Reference(
            "configuredModelAlgorithmAssociationArn", CONFIGURED_MODEL_ALGORITHM_ASSOCIATIONS, statuses=()
        ),
        Reference("dataChannels[].mlInputChannelArn", ML_INPUT_CHANNELS),
        # A new version of a model trains on from an ACTIVE version of it.
        Reference("incrementalTrainingDataChannels[].trainedModelArn", version="versionIdentifier"),
    ),
)
TRAINED_MODEL_INFERENCE_JOBS = EmulatedKind(
    TRAINED_MODEL_INFERENCE_JOB,
    create="StartTrainedModelInferenceJob",
    cancelled=("CANCEL_PENDING", "CANCEL_IN_PROGRESS", "INACTIVE"),
    references=(
        Reference("trainedModelArn", TRAINED_MODELS, version="trainedModelVersionIdentifier"),
        Reference("dataSource.mlInputChannelArn", ML_INPUT_CHANNELS),
        Reference(
            "configuredModelAlgorithmAssociationArn", CONFIGURED_MODEL_ALGORITHM_ASSOCIATIONS, statuses=()
        ),
    ),
)
TRAINED_MODEL_EXPORT_JOBS = EmulatedKind(
    TRAINED_MODEL_EXPORT_JOB,
    create="StartTrainedModelExportJob",
    parent_member="trainedModelArn",
    references=(Reference("trainedModelArn", TRAINED_MODELS, version="trainedModelVersionIdentifier"),),
    unique_name_within=(MEMBERSHIP, "trainedModelArn", "trainedModelVersionIdentifier"),
)

AUDIENCE_MODELS = EmulatedKind(
    AUDIENCE_MODEL,
    create="CreateAudienceModel",
    deleted=("DELETE_PENDING", "DELETE_IN_PROGRESS", GONE),
    references=(Reference("trainingDatasetArn", TRAINING_DATASETS),),
    # "You can't delete an audience model if there are any configured audience models that depend on it."
    deleted_only_unused=True,
)
CONFIGURED_AUDIENCE_MODELS = EmulatedKind(
    CONFIGURED_AUDIENCE_MODEL,
    create="CreateConfiguredAudienceModel",
    started=ACTIVE,
    update="UpdateConfiguredAudienceModel",
    delete="DeleteConfiguredAudienceModel",
    deleted=(GONE,),
    references=(Reference("audienceModelArn", AUDIENCE_MODELS),),
)
AUDIENCE_GENERATION_JOBS = EmulatedKind(
    AUDIENCE_GENERATION_JOB,
    create="StartAudienceGenerationJob",
    deleted=("DELETE_PENDING", "DELETE_IN_PROGRESS", GONE),
    references=(Reference("configuredAudienceModelArn", CONFIGURED_AUDIENCE_MODELS),),
)


def audience_size_is_offered(finder: Any, request: Mapping[str, Any]) -> None:
    """
    An export's ``audienceSize`` "must match one of the sizes in the configured audience model".

    Checked when the generation job's configured audience model lists sizes (``audienceSizeConfig``).
    """
    job = finder.find(AUDIENCE_GENERATION_JOBS, request["audienceGenerationJobArn"])
    configured = finder.find_any(CONFIGURED_AUDIENCE_MODELS, job.fields.get("configuredAudienceModelArn"))
    offered = (configured.fields.get("audienceSizeConfig") if configured else None) or {}
    if not offered:
        return
    size = request["audienceSize"]
    if size.get("type") != offered.get("audienceSizeType") or size.get("value") not in offered.get(
        "audienceSizeBins", []
    ):
        finder.refuse(
            f"audienceSize {size} is not one of the sizes of configured audience model "
            f"{configured.key}: {offered.get('audienceSizeType')} {offered.get('audienceSizeBins')}."
        )


AUDIENCE_EXPORT_JOBS = EmulatedKind(
    AUDIENCE_EXPORT_JOB,
    create="StartAudienceExportJob",
    parent_member="audienceGenerationJobArn",
    references=(Reference("audienceGenerationJobArn", AUDIENCE_GENERATION_JOBS),),
    unique_name_within=("audienceGenerationJobArn",),
    rules=(audience_size_is_offered,),
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
    CONFIGURED_MODEL_ALGORITHMS,
    CONFIGURED_MODEL_ALGORITHM_ASSOCIATIONS,
    TRAINING_DATASETS,
)
"""Every kind the emulator serves unless told otherwise."""

KINDS_BY_NAME: dict[str, EmulatedKind] = {
    emulated.name.replace(" ", "_").upper(): emulated for emulated in EMULATED_KINDS
}
"""Each kind by its name in capitals (``TRAINED_MODEL``), as the command line names them."""
