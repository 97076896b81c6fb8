"""
What each create or start operator reads and makes, as OpenLineage datasets.

Airflow's OpenLineage provider calls ``get_openlineage_facets_on_complete`` on a task when it ends
(and, lacking an ``on_failure`` method, when it fails); the create and start operators answer with
:func:`facets_on_complete`. Names follow OpenLineage's naming conventions, so that one resource has
one name wherever it appears and a pipeline's events chain by name:

- a Clean Rooms ML resource: namespace ``arn:{partition}:cleanrooms-ml:{region}:{account}``, name
  the rest of its ARN (``membership/{id}/trained-model/{id}``, ``audience-model/{id}``);
- an export job, which has no ARN: its parent's name plus ``/export/{name}``;
- a Glue table: namespace ``arn:{partition}:glue:{region}:{account}``, name ``table/{database}/{table}``;
- an S3 location: namespace ``s3://{bucket}``, name its key (a prefix without its trailing ``/``).

What each operation reads and makes is declared in :data:`LINEAGE`: the ARNs its request names, the
S3 data it reads, and what a few reads find (:data:`FINDS`): a training dataset's Glue tables
(``GetTrainingDataset``), the audience model a configured audience model uses, and the S3 destination
an audience export writes to (``GetConfiguredAudienceModel``). The run facet ``cleanroomsml``
carries the resource's kind, ARN (or its parent's, for an export), name and status; nothing of a
request's ``environment``, ``hyperparameters`` or SQL goes into any facet.

Nothing here imports OpenLineage, or Airflow's OpenLineage provider, until the provider asks: without
it, this module costs nothing and needs nothing.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from airflow_cleanroomsml.json_safe import values_at
from airflow_cleanroomsml.kinds import snake_case

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from airflow_cleanroomsml.kinds import ResourceKind

log = logging.getLogger(__name__)

RUN_FACET = "cleanroomsml"
"""The key of this provider's run facet in an event's ``run.facets``."""


class Named(NamedTuple):
    """A dataset's OpenLineage identity."""

    namespace: str
    name: str


class LineageRead(NamedTuple):
    """
    A call that finds what a request names only indirectly (the Glue tables of a training dataset).

    :param operation: The API operation, such as ``GetTrainingDataset``.
    :param argument: Its request member that takes the ARN read: ``trainingDatasetArn``.
    :param source: Where that ARN comes from: a request member of the create or start call, or
        ``Operation.member`` of an earlier read's response.
    :param segment: The ARN resource segment of what it reads, such as ``training-dataset``.
    :param finds: What its answer gives (a key of :data:`FINDS`); None for a step to a further read.
    """

    operation: str
    argument: str
    source: str
    segment: str
    finds: str | None = None


class OperationLineage(NamedTuple):
    """
    What one create or start operation reads and makes, besides the resource it creates.

    :param inputs: Request member paths holding the ARNs of Clean Rooms ML resources it reads
        (``a.b`` a member of a structure, ``a[].b`` a member of each item of a list).
    :param s3_inputs: Request member paths holding S3 URIs it reads.
    :param reads: The calls that find further inputs and outputs (:func:`found_datasets`).
    """

    inputs: tuple[str, ...] = ()
    s3_inputs: tuple[str, ...] = ()
    reads: tuple[LineageRead, ...] = ()


LINEAGE: dict[str, OperationLineage] = {
    "CreateMLInputChannel": OperationLineage(),
    "CreateTrainedModel": OperationLineage(
        inputs=("dataChannels[].mlInputChannelArn", "incrementalTrainingDataChannels[].trainedModelArn")
    ),
    "StartTrainedModelInferenceJob": OperationLineage(
        inputs=("trainedModelArn", "dataSource.mlInputChannelArn")
    ),
    "StartTrainedModelExportJob": OperationLineage(inputs=("trainedModelArn",)),
    "CreateAudienceModel": OperationLineage(
        inputs=("trainingDatasetArn",),
        reads=(
            LineageRead(
                "GetTrainingDataset",
                "trainingDatasetArn",
                "trainingDatasetArn",
                "training-dataset",
                finds="Glue tables",
            ),
        ),
    ),
    "StartAudienceGenerationJob": OperationLineage(
        inputs=("configuredAudienceModelArn",),
        s3_inputs=("seedAudience.dataSource.s3Uri",),
        reads=(
            LineageRead(
                "GetConfiguredAudienceModel",
                "configuredAudienceModelArn",
                "configuredAudienceModelArn",
                "configured-audience-model",
                finds="audience model",
            ),
        ),
    ),
    "StartAudienceExportJob": OperationLineage(
        inputs=("audienceGenerationJobArn",),
        reads=(
            LineageRead(
                "GetAudienceGenerationJob",
                "audienceGenerationJobArn",
                "audienceGenerationJobArn",
                "audience-generation-job",
            ),
            LineageRead(
                "GetConfiguredAudienceModel",
                "configuredAudienceModelArn",
                "GetAudienceGenerationJob.configuredAudienceModelArn",
                "configured-audience-model",
                finds="S3 destination",
            ),
        ),
    ),
}
"""What each create or start operation reads and makes, by operation name."""


def clean_rooms_dataset(arn: str) -> Named:
    """A Clean Rooms ML resource: its ARN up to the account is the namespace, the rest its name."""
    parts = arn.split(":", 5)
    return Named(":".join(parts[:5]), parts[5] if len(parts) > 5 else "")


def export_dataset(parent_arn: str, name: str) -> Named:
    """An export job, which has no ARN: its parent's name plus ``/export/{name}``."""
    parent = clean_rooms_dataset(parent_arn)
    return Named(parent.namespace, f"{parent.name}/export/{name}")


def glue_table_dataset(partition: str, region: str, account: str, database: str, table: str) -> Named:
    """A Glue Data Catalog table, in OpenLineage's Glue naming."""
    return Named(f"arn:{partition}:glue:{region}:{account}", f"table/{database}/{table}")


def s3_dataset(uri: str) -> Named:
    """An S3 object or prefix, in OpenLineage's S3 naming: ``s3://{bucket}`` and the key."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return Named(f"s3://{bucket}", key.rstrip("/") or "/")


def lineage_of(
    operation: str,
    kind: ResourceKind,
    request: Mapping[str, Any],
    reference: Mapping[str, Any],
    read: Callable[..., Mapping[str, Any]],
) -> tuple[list[Named], list[Named]]:
    """
    What a create or start call read and made: its inputs and outputs, in OpenLineage's naming.

    :param operation: The create or start operation (a key of :data:`LINEAGE`).
    :param kind: The kind of resource it creates.
    :param request: Its request, as sent (camelCase members).
    :param reference: The reference of the resource it created (or that a retry reattached to).
    :param read: Makes one API call: ``read("GetTrainingDataset", trainingDatasetArn=...)``. A read
        that fails leaves out what it would have found, and says so in the log.
    """
    declared = LINEAGE.get(operation, OperationLineage())
    inputs = [
        clean_rooms_dataset(arn)
        for path in declared.inputs
        for arn in values_at(dict(request), path)
        if isinstance(arn, str)
    ]
    inputs += [
        s3_dataset(uri)
        for path in declared.s3_inputs
        for uri in values_at(dict(request), path)
        if isinstance(uri, str) and uri.startswith("s3://")
    ]
    if kind.match_by == kind.arn_member:
        outputs = [clean_rooms_dataset(reference[kind.arn_member])]
    else:
        outputs = [export_dataset(reference[kind.arn_member], reference[kind.match_by])]
    found_inputs, found_outputs = found_datasets(declared.reads, request, read)
    return _unique(inputs + found_inputs), _unique(outputs + found_outputs)


def found_datasets(
    reads: tuple[LineageRead, ...], request: Mapping[str, Any], read: Callable[..., Mapping[str, Any]]
) -> tuple[list[Named], list[Named]]:
    """
    The datasets the declared reads find (:data:`FINDS`): inputs, and outputs.

    A read's ARN comes from the request or from an earlier read's answer; a read that fails ends
    the search, and what it would have found is left out (the log says so).
    """
    inputs: list[Named] = []
    outputs: list[Named] = []
    found: dict[str, Any] = dict(request)
    for lookup in reads:
        arn = found.get(lookup.source)
        if not isinstance(arn, str):
            continue
        try:
            response = read(lookup.operation, **{lookup.argument: arn})
        except Exception as error:  # lineage is a report: what cannot be read is left out of it
            log.warning(
                "Lineage: %s of %s failed; what it finds is left out: %s", lookup.operation, arn, error
            )
            break
        found.update({f"{lookup.operation}.{member}": value for member, value in response.items()})
        if lookup.finds is not None:
            direction, datasets_in = FINDS[lookup.finds]
            (inputs if direction == "input" else outputs).extend(datasets_in(arn, response))
    return inputs, outputs


def _glue_tables(training_dataset_arn: str, response: Mapping[str, Any]) -> list[Named]:
    """The Glue tables a training dataset points at (``trainingData[].inputConfig.dataSource``)."""
    _, partition, _, region, account, _ = training_dataset_arn.split(":", 5)
    tables = []
    for data in response.get("trainingData") or []:
        glue = data.get("inputConfig", {}).get("dataSource", {}).get("glueDataSource") or {}
        if glue.get("databaseName") and glue.get("tableName"):
            owner = glue.get("catalogId") or account
            tables.append(
                glue_table_dataset(partition, region, owner, glue["databaseName"], glue["tableName"])
            )
    return tables


def _audience_model(_: str, response: Mapping[str, Any]) -> list[Named]:
    """The audience model a configured audience model uses."""
    arn = response.get("audienceModelArn")
    return [clean_rooms_dataset(arn)] if isinstance(arn, str) else []


def _s3_destination(_: str, response: Mapping[str, Any]) -> list[Named]:
    """Where a configured audience model's exports go (``outputConfig.destination.s3Destination``)."""
    uri = response.get("outputConfig", {}).get("destination", {}).get("s3Destination", {}).get("s3Uri")
    return [s3_dataset(uri)] if isinstance(uri, str) else []


FINDS: dict[str, tuple[str, Callable[[str, Mapping[str, Any]], list[Named]]]] = {
    "Glue tables": ("input", _glue_tables),
    "audience model": ("input", _audience_model),
    "S3 destination": ("output", _s3_destination),
}
"""What a read's answer gives: whether it is read or written, and how it is found in the answer."""


def _unique(datasets: list[Named]) -> list[Named]:
    return list(dict.fromkeys(datasets))


def request_of(task: Any) -> dict[str, Any]:
    """A start operator's request as it sent it: its rendered arguments, None left out."""
    members = (getattr(task, snake_case(member), None) for member in task.request_members)
    return {
        member: value
        for member, value in zip(task.request_members, members, strict=True)
        if value is not None
    }


def facets_on_complete(task: Any, task_instance: Any) -> Any:
    """
    The OpenLineage facets of a create or start operator's task: ``OperatorLineage``, or None when
    the task made nothing (it failed before its create call).

    The resource is read once for its status (a Get, or its list for an export job), and the
    declared reads find the rest; a read that fails is left out, and the event still goes.
    """
    reference = getattr(task, "created", None)
    if not reference:
        return None
    from airflow.providers.common.compat.openlineage.facet import Dataset
    from airflow.providers.openlineage.extractors import OperatorLineage

    kind: ResourceKind = task.kind
    hook = task.hook
    inputs, outputs = lineage_of(task.operation, kind, request_of(task), reference, hook.call)
    try:
        description = hook.read(kind, reference)
    except Exception as error:  # the status is a report: the event goes without it
        log.warning("Lineage: could not read %s %s: %s", kind.name, kind.label(reference), error)
        description = {}
    facet = run_facet_class()(
        resourceType=kind.name,
        arn=reference[kind.arn_member] if kind.match_by == kind.arn_member else None,
        parentArn=reference[kind.arn_member] if kind.match_by != kind.arn_member else None,
        name=description.get("name") or reference.get("name"),
        status=description.get("status"),
        versionIdentifier=description.get("versionIdentifier"),
    )
    return OperatorLineage(
        inputs=[Dataset(namespace=named.namespace, name=named.name) for named in inputs],
        outputs=[Dataset(namespace=named.namespace, name=named.name) for named in outputs],
        run_facets={RUN_FACET: facet},
    )


@cache
def run_facet_class() -> type:
    """The run facet's class, made on first use (its base class is OpenLineage's)."""
    from airflow.providers.common.compat.openlineage.facet import RunFacet
    from attrs import define

    @define
    class CleanRoomsMLRunFacet(RunFacet):  # type: ignore[misc]
        """The Clean Rooms ML resource a task created or started: its kind, ARN, name and status."""

        resourceType: str  # OpenLineage facets' members are camelCase
        arn: str | None = None
        parentArn: str | None = None
        name: str | None = None
        status: str | None = None
        versionIdentifier: str | None = None

    return CleanRoomsMLRunFacet
