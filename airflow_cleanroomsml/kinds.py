"""
What a kind of Clean Rooms ML resource is, declared as data; and the kinds this provider knows.

Clean Rooms ML has several resources with the same life: created or started, a status that moves,
waited for, described, cancelled or deleted. A :class:`ResourceKind` is one small declaration of
such a resource: the words for it in messages, the request members that name one,
its ARN's resource segment, the boto3 operations that read, list, cancel or delete it, and the
names of its waiters in ``waiters/cleanroomsml.json`` by role. The hook, the reading engine, the
trigger, the sensor and operator bases, the list sweeps and the emulator all read the declaration;
none of them names a kind, and none names a status: the waiters do.

Nothing here imports Airflow, botocore or the network, and nothing costly happens at import: DAG
files import this module (regular expressions are compiled on first use).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from airflow_cleanroomsml._lazy import deprecated_names
from airflow_cleanroomsml.validation import InvalidArgumentError

if TYPE_CHECKING:
    from collections.abc import Mapping

WAITERS_FILE = Path(__file__).parent / "waiters" / "cleanroomsml.json"
"""This package's custom waiters: one or more per kind, judging every reading of a resource."""

UUID_PATTERN = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
MEMBERSHIP_ID_FORM = "a 36-character lowercase UUID such as 1a2b3c4d-0000-4000-8000-00000000abcd"
MEMBERSHIP = "membershipIdentifier"
ARN_MEMBERSHIP = "@arnMembership"
"""For a lookup's request: the membership in the reference's ARN (which may not be the reference's own)."""

ARN_PATTERN = (
    r"arn:(?P<partition>aws[-a-z]*):cleanrooms-ml:(?P<region>[-a-z0-9]+):(?P<account>[0-9]{12}):"
    rf"(?:membership/(?P<membership>{UUID_PATTERN})/)?(?P<segment>[-a-z]+)/(?P<id>[-a-zA-Z0-9_/.]+)"
)


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


class InvalidReferenceError(InvalidArgumentError):
    """An ARN, membership id or other identifier that cannot name the resource it is meant to."""


def snake_case(member: str) -> str:
    """The argument name for an API member: ``trainedModelArn`` → ``trained_model_arn``."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", member).lower()


def camel_case(argument: str) -> str:
    """The API member for an argument name: ``trained_model_arn`` → ``trainedModelArn``."""
    first, *rest = argument.split("_")
    return first + "".join(word[:1].upper() + word[1:] for word in rest)


class ResourceArn(NamedTuple):
    """The parts of a Clean Rooms ML ARN."""

    arn: str
    partition: str
    region: str
    account_id: str
    membership_id: str | None
    segment: str
    resource_id: str


def arn_form(segment: str, in_membership: bool) -> str:
    """How an ARN with this resource segment reads, for error messages."""
    scope = "membership/<membership uuid>/" if in_membership else ""
    return f"arn:<partition>:cleanrooms-ml:<region>:<12-digit account>:{scope}{segment}/<id>"


def parse_arn(value: object, field: str, segment: str, in_membership: bool) -> ResourceArn:
    """
    Parse a Clean Rooms ML ARN of one resource type, or raise naming the field, the value and the form.

    :param value: The ARN to parse.
    :param field: The argument name to use in the error message.
    :param segment: The resource segment the ARN must have, such as ``trained-model``.
    :param in_membership: Whether the resource lives in a membership (``membership/<uuid>/`` in the ARN).
    """
    match = _compiled(ARN_PATTERN).fullmatch(value) if isinstance(value, str) else None
    if match is None or match["segment"] != segment or (match["membership"] is not None) != in_membership:
        raise InvalidReferenceError(
            f"{field}={value!r} is not a Clean Rooms ML {segment.replace('-', ' ')} ARN; "
            f"expected {arn_form(segment, in_membership)}."
        )
    return ResourceArn(
        arn=match.string,
        partition=match["partition"],
        region=match["region"],
        account_id=match["account"],
        membership_id=match["membership"],
        segment=match["segment"],
        resource_id=match["id"],
    )


def arn_match(value: object) -> re.Match[str] | None:
    """A Clean Rooms ML ARN's parts (:data:`ARN_PATTERN`'s groups), or None if ``value`` is not one."""
    return _compiled(ARN_PATTERN).fullmatch(value) if isinstance(value, str) else None


def region_partition(region: str) -> str:
    """The ARN partition of a region: ``aws``, ``aws-cn`` or ``aws-us-gov``."""
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws-us-gov" if region.startswith("us-gov-") else "aws"


def arn_region(value: object) -> str | None:
    """The region in a Clean Rooms ML ARN, or None if ``value`` is not one."""
    match = arn_match(value)
    return match["region"] if match else None


def validate_membership_id(value: object, field: str = "membership_identifier") -> str:
    """
    Return ``value`` if it is a Clean Rooms membership id, or raise naming the field and the form.

    :param value: The membership id to check.
    :param field: The argument name to use in the error message.
    """
    if not isinstance(value, str) or not _compiled(UUID_PATTERN).fullmatch(value):
        raise InvalidReferenceError(
            f"{field}={value!r} is not a membership id; expected {MEMBERSHIP_ID_FORM}."
        )
    return value


ROLES = {
    "complete": "the resource is ready (success), has failed (failure), or is still on its way",
    "cancelled": "a cancellation asked for has taken (success), or cannot take (failure)",
    "deleted": "a deletion asked for has taken (success: deleted, or gone), or has failed",
    "cancellable": "success for a status in which the resource can still be cancelled",
    "already_deleted": "success for a resource deleted, being deleted or gone: nothing to delete",
    "reattachable": "success for a status in which a resource an earlier try made may still succeed",
    "usable": "success for a status in which a trained model can be used (the newest such is scored)",
}
"""What each of a kind's waiters says, by role: ``complete`` judges waits for a new resource; the
others judge waits for an action, or answer a question about one status (success: yes)."""
QUESTIONS = ("cancellable", "already_deleted", "reattachable", "usable")
"""The roles whose waiters answer a question about one status rather than judge a wait."""


class Lookup(NamedTuple):
    """
    A call that finds a value a kind's list call needs but its reference lacks.

    :param operation: The API operation, such as ``GetTrainedModel``.
    :param request: Its request: request member ← reference member.
    :param take: What to keep from the response: reference member ← response member.
    """

    operation: str
    request: Mapping[str, str]
    take: Mapping[str, str]


class ResourceKind(NamedTuple):
    """
    One kind of Clean Rooms ML resource with a lifecycle, as the provider needs to know it.

    Declared once, in this module (or a kind of your own, declared once in yours), and never changed.

    A *reference* to one resource is a dict of the request members in :attr:`identity` (the
    API's camelCase), exactly what its Get call takes; the public classes take them as snake_case
    arguments (``trainedModelInferenceJobArn`` → ``trained_model_inference_job_arn``).

    :param name: What it is called in messages: ``trained model inference job``.
    :param identity: The request members that name one resource, required ones first.
    :param arn_member: The member holding the ARN that locates it (its own ARN, or for a kind
        without one, its parent's): region, account and membership are read from it.
    :param arn_segment: The resource segment of that ARN: ``trained-model-inference-job``.
    :param waiters: The kind's waiters in ``waiters/cleanroomsml.json``, by role (:data:`ROLES`).
    :param optional_identity: Members of :attr:`identity` that may be left out (a version).
    :param get: The operation that describes one, or None when the API has none.
    :param list: The operation that lists them.
    :param list_key: Where the list response keeps its summaries.
    :param list_request: The list call's request: list member ← reference member. A resource is
        found in the summaries by :attr:`match_member`.
    :param match_member: The summary member that tells resources apart (default: ``arn_member``).
    :param lookups: Calls that find list request members the reference lacks.
    :param cancel: The operation that cancels one, if any.
    :param delete: The operation that deletes one (or its data or output), if any.
    :param sweep: Whether waits that coincide may share one list call: not where summaries cannot
        tell the resources apart by :attr:`match_by` (the versions of one trained model).
    :param arn_in_membership: Whether the ARN names a membership (``membership/<uuid>/``); by
        default, whether the kind is named within a membership (``membershipIdentifier``).
    :param secret_members: Members of its description (and of the request that creates it) whose
        values may hold secrets: left out of XCom by default, and never shown in errors.
    :param waiters_file: Where the waiters are declared.
    """

    name: str
    identity: tuple[str, ...]
    arn_member: str
    arn_segment: str
    waiters: Mapping[str, str]
    optional_identity: tuple[str, ...] = ()
    get: str | None = None
    list: str | None = None
    list_key: str | None = None
    list_request: Mapping[str, str] = MappingProxyType({})
    match_member: str | None = None
    lookups: tuple[Lookup, ...] = ()
    cancel: str | None = None
    delete: str | None = None
    sweep: bool = True
    arn_in_membership: bool | None = None
    secret_members: tuple[str, ...] = ()
    waiters_file: Path = WAITERS_FILE

    @property
    def in_membership(self) -> bool:
        """Whether the resource's ARN names its membership."""
        return MEMBERSHIP in self.identity if self.arn_in_membership is None else self.arn_in_membership

    @property
    def match_by(self) -> str:
        """The member a list summary is matched to a reference by."""
        return self.match_member or self.arn_member

    @property
    def arguments(self) -> dict[str, str]:
        """The public classes' argument for each identity member: member → snake_case name."""
        return {member: snake_case(member) for member in self.identity}

    @property
    def title(self) -> str:
        """The name at the start of a sentence: ``ML input channel``, ``Trained model``."""
        return self.name[:1].upper() + self.name[1:]

    @property
    def xcom_key(self) -> str:
        """The XCom key under which waiting operators push the final description: ``trained_model``."""
        return self.name.lower().replace(" ", "_")

    @property
    def primary_argument(self) -> str:
        """The argument that names the resource in events and returns: its ARN, or else its name."""
        return snake_case(self.match_by)

    def waiter(self, role: str) -> str:
        """The name of the kind's waiter for ``role`` (one of :data:`ROLES`)."""
        try:
            return self.waiters[role]
        except KeyError:
            raise ValueError(
                f"{self.title}s have no {role!r} waiter; they have {sorted(self.waiters)}."
            ) from None

    def reference(self, **arguments: Any) -> dict[str, Any]:
        """
        Check a resource's identifying arguments and return its reference, before any API call.

        The membership id of a resource that has an ARN of its own is taken from that ARN when it
        is not given, and must agree with it when it is. Optional members left as None are left
        out. The reference is then checked against the kind's Get call in the service model
        (patterns, and members the installed botocore may not know yet).

        :param arguments: The snake_case arguments of :attr:`arguments`.
        """
        names = self.arguments
        unknown = sorted(set(arguments) - set(names.values()))
        if unknown:
            raise TypeError(f"{self.title}s are named by {sorted(names.values())}, not {unknown}.")
        arn_field = names[self.arn_member]
        arn = parse_arn(arguments.get(arn_field), arn_field, self.arn_segment, self.in_membership)
        reference: dict[str, Any] = {}
        for member, argument in names.items():
            value = arguments.get(argument)
            if member == MEMBERSHIP and self.match_by == self.arn_member:
                value = self._membership(value, arn, arn_field)
            elif value is None:
                if member in self.optional_identity:
                    continue
                raise InvalidReferenceError(
                    f"{argument} is required: it names the {self.name}; expected a non-empty string."
                )
            elif member == MEMBERSHIP:
                validate_membership_id(value)
            elif not isinstance(value, str) or not value.strip() or value != value.strip():
                raise InvalidReferenceError(
                    f"{argument}={value!r} is not valid; expected a non-empty string without surrounding "
                    "white space."
                )
            reference[member] = value
        if self.get is not None:
            from airflow_cleanroomsml.validation import check_request

            check_request(self.get, reference, names)
        return reference

    def _membership(self, value: object, arn: ResourceArn, arn_field: str) -> str:
        if value is None:
            return arn.membership_id  # type: ignore[return-value]  # in_membership: the ARN has one
        validate_membership_id(value)
        if value != arn.membership_id:
            raise InvalidReferenceError(
                f"membership_identifier={value!r} contradicts the membership in {arn_field}; expected "
                f"{arn.membership_id!r}, the ARN's, or no membership_identifier at all."
            )
        return str(value)

    def locate(self, reference: Mapping[str, Any]) -> ResourceArn:
        """The parsed ARN that locates a resource (region, account, membership), from its reference."""
        return parse_arn(
            reference[self.arn_member], snake_case(self.arn_member), self.arn_segment, self.in_membership
        )

    def label(self, reference: Mapping[str, Any]) -> str:
        """How messages name one resource: its ARN, or its name and parent; and a version, if given."""
        if self.match_by == self.arn_member:
            label = str(reference[self.arn_member])
        else:
            label = f"{reference[self.match_by]!r} of {reference[self.arn_member]}"
        versions = [
            f"{snake_case(member)} {reference[member]}"
            for member in self.optional_identity
            if reference.get(member)
        ]
        return f"{label} ({', '.join(versions)})" if versions else label

    def reference_from(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """
        The reference of the resource a wait's event names (an event carries the identifying arguments).

        :raises InvalidReferenceError: When the event does not name one.
        """
        return self.reference(**{name: event.get(name) for name in self.arguments.values()})

    def arguments_of(self, reference: Mapping[str, Any]) -> dict[str, Any]:
        """The snake_case arguments that name this resource (the inverse of :meth:`reference`)."""
        return {snake_case(member): value for member, value in reference.items()}


def waiters_named(prefix: str, *roles: str, **named: str) -> Mapping[str, str]:
    """A kind's waiters: ``<prefix>_<role>`` for each role, and the waiters named otherwise."""
    return {**{role: f"{prefix}_{role}" for role in roles}, **named}


TRAINED_MODEL_INFERENCE_JOB = ResourceKind(
    name="trained model inference job",
    identity=(MEMBERSHIP, "trainedModelInferenceJobArn"),
    arn_member="trainedModelInferenceJobArn",
    arn_segment="trained-model-inference-job",
    waiters=waiters_named(
        "trained_model_inference_job", "complete", "cancelled", "cancellable", "reattachable"
    ),
    get="GetTrainedModelInferenceJob",
    list="ListTrainedModelInferenceJobs",
    list_key="trainedModelInferenceJobs",
    list_request={MEMBERSHIP: MEMBERSHIP},
    cancel="CancelTrainedModelInferenceJob",
    secret_members=("environment",),
)
"""``StartTrainedModelInferenceJob``: runs a trained model over an ML input channel."""


ML_INPUT_CHANNEL = ResourceKind(
    name="ML input channel",
    identity=(MEMBERSHIP, "mlInputChannelArn"),
    arn_member="mlInputChannelArn",
    arn_segment="ml-input-channel",
    waiters=waiters_named(
        "ml_input_channel",
        "complete",
        "already_deleted",
        "reattachable",
        deleted="ml_input_channel_data_deleted",
    ),
    get="GetMLInputChannel",
    list="ListMLInputChannels",
    list_key="mlInputChannelsList",
    list_request={MEMBERSHIP: MEMBERSHIP},
    delete="DeleteMLInputChannelData",
)
"""``CreateMLInputChannel``: runs a protected query over the collaboration's data, for training."""

TRAINED_MODEL = ResourceKind(
    name="trained model",
    identity=(MEMBERSHIP, "trainedModelArn", "versionIdentifier"),
    optional_identity=("versionIdentifier",),
    arn_member="trainedModelArn",
    arn_segment="trained-model",
    waiters=waiters_named(
        "trained_model",
        "complete",
        "cancelled",
        "cancellable",
        "already_deleted",
        "reattachable",
        "usable",
        deleted="trained_model_output_deleted",
    ),
    get="GetTrainedModel",
    list="ListTrainedModels",
    list_key="trainedModels",
    list_request={MEMBERSHIP: MEMBERSHIP},
    cancel="CancelTrainedModel",
    delete="DeleteTrainedModelOutput",
    sweep=False,  # the versions of one model share its ARN
    secret_members=("environment", "hyperparameters"),
)
"""``CreateTrainedModel``: trains a model (a new version of one, with incremental training)."""

TRAINED_MODEL_EXPORT_JOB = ResourceKind(
    name="trained model export job",
    identity=(MEMBERSHIP, "trainedModelArn", "name", "trainedModelVersionIdentifier"),
    optional_identity=("trainedModelVersionIdentifier",),
    arn_member="trainedModelArn",
    arn_segment="trained-model",
    match_member="name",
    waiters=waiters_named("trained_model_export_job", "complete", "reattachable"),
    list="ListCollaborationTrainedModelExportJobs",
    list_key="collaborationTrainedModelExportJobs",
    list_request={
        "collaborationIdentifier": "collaborationIdentifier",
        "trainedModelArn": "trainedModelArn",
        "trainedModelVersionIdentifier": "trainedModelVersionIdentifier",
    },
    lookups=(
        Lookup(
            operation="GetTrainedModel",
            request={MEMBERSHIP: ARN_MEMBERSHIP, "trainedModelArn": "trainedModelArn"},
            take={"collaborationIdentifier": "collaborationIdentifier"},
        ),
    ),
)
"""``StartTrainedModelExportJob``: exports a trained model's artifacts to a member; it has no ARN
and no Get call, so it is found by name in its collaboration's list of the model's export jobs."""

AUDIENCE_MODEL = ResourceKind(
    name="audience model",
    identity=("audienceModelArn",),
    arn_member="audienceModelArn",
    arn_segment="audience-model",
    waiters=waiters_named("audience_model", "complete", "deleted", "already_deleted", "reattachable"),
    get="GetAudienceModel",
    list="ListAudienceModels",
    list_key="audienceModels",
    delete="DeleteAudienceModel",
)
"""``CreateAudienceModel``: a lookalike model trained on a training dataset (account-scoped)."""

CONFIGURED_AUDIENCE_MODEL = ResourceKind(
    name="configured audience model",
    identity=("configuredAudienceModelArn",),
    arn_member="configuredAudienceModelArn",
    arn_segment="configured-audience-model",
    waiters=waiters_named("configured_audience_model", "complete"),
    get="GetConfiguredAudienceModel",
    list="ListConfiguredAudienceModels",
    list_key="configuredAudienceModels",
)
"""Configuration, not a job: how an audience model is shared with a collaboration (always ``ACTIVE``)."""

AUDIENCE_GENERATION_JOB = ResourceKind(
    name="audience generation job",
    identity=("audienceGenerationJobArn",),
    arn_member="audienceGenerationJobArn",
    arn_segment="audience-generation-job",
    waiters=waiters_named(
        "audience_generation_job", "complete", "deleted", "already_deleted", "reattachable"
    ),
    get="GetAudienceGenerationJob",
    list="ListAudienceGenerationJobs",
    list_key="audienceGenerationJobs",
    delete="DeleteAudienceGenerationJob",
)
"""``StartAudienceGenerationJob``: expands a seed audience into a lookalike segment (account-scoped)."""

AUDIENCE_EXPORT_JOB = ResourceKind(
    name="audience export job",
    identity=("audienceGenerationJobArn", "name"),
    arn_member="audienceGenerationJobArn",
    arn_segment="audience-generation-job",
    match_member="name",
    waiters=waiters_named("audience_export_job", "complete", "reattachable"),
    list="ListAudienceExportJobs",
    list_key="audienceExportJobs",
    list_request={"audienceGenerationJobArn": "audienceGenerationJobArn"},
)
"""``StartAudienceExportJob``: exports a segment of a chosen size; it has no ARN and no Get call,
so it is found by name in its generation job's list of export jobs."""


KINDS: tuple[ResourceKind, ...] = (
    TRAINED_MODEL_INFERENCE_JOB,
    ML_INPUT_CHANNEL,
    TRAINED_MODEL,
    TRAINED_MODEL_EXPORT_JOB,
    AUDIENCE_MODEL,
    CONFIGURED_AUDIENCE_MODEL,
    AUDIENCE_GENERATION_JOB,
    AUDIENCE_EXPORT_JOB,
)
"""Every kind this provider knows."""

if not TYPE_CHECKING:  # mypy sees only the new names
    __getattr__ = deprecated_names(
        __name__,
        {
            "JobKind": "airflow_cleanroomsml.kinds.ResourceKind",
            "InvalidJobReferenceError": "airflow_cleanroomsml.kinds.InvalidReferenceError",
        },
    )
