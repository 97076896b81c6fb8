"""
What each call does to the resources the emulator holds, by its role: create, get, list, cancel,
delete, update.

Every kind is served by these few functions; what differs between kinds is declared in
:mod:`~airflow_cleanroomsml.testing.kinds`. A handler runs under the state's lock, after the
request has passed :func:`~airflow_cleanroomsml.testing.checks.check_request`, and either returns
the response body or raises :class:`~airflow_cleanroomsml.testing.errors.ServiceError`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

from airflow_cleanroomsml.kinds import MEMBERSHIP
from airflow_cleanroomsml.testing.errors import conflict, not_found, validation_error
from airflow_cleanroomsml.testing.lifecycle import Resource, State, Step, script
from airflow_cleanroomsml.testing.references import Finder
from airflow_cleanroomsml.testing.responses import LIVE_MEMBERS, partition, render, stand_in
from airflow_cleanroomsml.testing.service_model import (
    has_operation,
    knows_output_member,
    operation,
    resource_shape,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from airflow_cleanroomsml.testing.kinds import EmulatedKind

PAGING = ("maxResults", "nextToken")
DEFAULT_PAGE_SIZE = 100


def add_resource(
    state: State,
    emulated: EmulatedKind,
    fields: Mapping[str, Any],
    region: str,
    steps: list[Step],
    step_seconds: float | None,
    not_found_reads: int | None,
) -> Resource:
    """Hold a new resource: its ARN, version and stand-in members made as the service would make them."""
    kind, now = emulated.kind, time.time()
    fields = dict(fields)
    if kind.match_by == kind.arn_member and kind.arn_member not in fields:
        membership = f"membership/{fields[MEMBERSHIP]}/" if kind.in_membership else ""
        fields[kind.arn_member] = _new_version_of(state, emulated, fields) or (
            f"arn:{partition(region)}:cleanrooms-ml:{region}:{state.account_id}:"
            f"{membership}{kind.arn_segment}/{uuid.uuid4()}"
        )
    if emulated.version_member and knows_output_member(kind.get, emulated.version_member):
        fields.setdefault(emulated.version_member, str(uuid.uuid4()))
    parent = _parent_of(state, emulated, fields)
    if parent is not None and "collaborationIdentifier" in parent.fields:
        fields.setdefault("collaborationIdentifier", parent.fields["collaborationIdentifier"])
    fields.setdefault("name", f"emulated-{kind.arn_segment}")
    state.serial += 1
    resource = Resource(
        emulated=emulated,
        key=kind.label({member: fields.get(member) for member in kind.identity}),
        fields=fields,
        region=region,
        created=now,
        script=steps,
        step_seconds=step_seconds,
        hidden_reads=state.faults.not_found_reads if not_found_reads is None else not_found_reads,
        serial=state.serial,
        script_started=now,
        updated=now,
    )
    for name in (kind.get, kind.list):
        if name:
            shape = resource_shape(name)
            for member in shape.required_members:  # type: ignore[attr-defined]
                if member not in resource.fields and member not in LIVE_MEMBERS:
                    resource.fields[member] = stand_in(
                        shape.members[member],  # type: ignore[attr-defined]
                        member,
                        resource,
                        state.account_id,
                    )
    state.resources[resource.serial] = resource
    return resource


def _new_version_of(state: State, emulated: EmulatedKind, fields: Mapping[str, Any]) -> str | None:
    """The ARN a create shares with the resource it trains incrementally from, if any (a new version)."""
    if not emulated.version_member:
        return None
    for channel in fields.get("incrementalTrainingDataChannels") or []:
        arn = channel.get(emulated.kind.arn_member)
        if any(resource.fields.get(emulated.kind.arn_member) == arn for resource in state.resources.values()):
            return str(arn)
    return None


def _parent_of(state: State, emulated: EmulatedKind, fields: Mapping[str, Any]) -> Resource | None:
    """The resource this one belongs to (an export job's trained model), newest first."""
    if not emulated.parent_member or emulated.parent_member not in fields:
        return None
    return state.newest(
        resource
        for resource in state.resources.values()
        if resource.fields.get(emulated.parent_member) == fields[emulated.parent_member]
        and resource.emulated is not emulated
    )


def _output(name: str, resource: Resource) -> dict[str, Any]:
    output = operation(name).output_shape
    members = output.members if output else {}
    return {member: resource.fields[member] for member in members if member in resource.fields}


def find(
    state: State, emulated: EmulatedKind, request: Mapping[str, Any], region: str, *, base: bool = False
) -> Resource:
    """
    The resource a request names: of this kind, in this region, agreeing on every identity member
    the request gives; when it names no version, the newest (or with ``base``, the first).
    """
    kind, now = emulated.kind, time.time()
    given = {member: request[member] for member in kind.identity if request.get(member) is not None}
    found = [
        resource
        for resource in state.resources.values()
        if resource.emulated is emulated
        and resource.region == region
        and all(resource.fields.get(m) == v for m, v in given.items())
    ]
    pick = min if base else max
    resource = pick(found, key=lambda resource: resource.serial, default=None)
    if resource is None or resource.gone(now):
        label = kind.label(given) if kind.arn_member in given else str(given)
        raise not_found(f"{kind.title} {label} not found in {region}.")
    return resource


def scripts_key(emulated: EmulatedKind, on: str) -> str:
    """Where the scripts of the next create (or cancel, or delete) of a kind wait."""
    return emulated.kind.name if on == "create" else f"{emulated.kind.name} {on}"


def created(state: State, emulated: EmulatedKind, name: str, request: dict, region: str) -> dict:
    """A create or start: the resources it names are checked, then it starts its kind's lifecycle."""
    finder = Finder(state, region)
    finder.check_references(emulated, request)
    finder.check_unique_name(emulated, request)
    scripts = state.next_scripts.get(scripts_key(emulated, "create"))
    if scripts:
        steps, step_seconds = scripts.pop(0), None
    elif state.reads_to_active and emulated.started[-1:] == ("ACTIVE",) and len(emulated.started) > 1:
        reads = state.reads_to_active
        statuses = ["CREATE_PENDING", *["CREATE_IN_PROGRESS"] * max(reads - 2, 0), "ACTIVE"][-reads:]
        steps, step_seconds = script(statuses), None
    else:
        steps, step_seconds = script(emulated.started), state.step_seconds
    resource = add_resource(state, emulated, request, region, steps, step_seconds, None)
    return _output(name, resource)


def got(state: State, emulated: EmulatedKind, name: str, request: dict, region: str) -> dict:
    """A Get: the resource as it is now (a read, for resources that move on reads)."""
    resource = find(state, emulated, request, region)
    if resource.hidden_reads > 0:
        resource.hidden_reads -= 1
        raise not_found(f"{emulated.kind.title} {resource.key} not found in {region}.")
    resource.reads += 1
    return render(resource, operation(name).output_shape, time.time())


def _value_of(resource: Resource, member: str, now: float) -> Any:
    """A member's value as the service would filter on it: a field, or the status it shows now."""
    return resource.status(now) if member == "status" else resource.fields.get(member)


def listed(state: State, emulated: EmulatedKind, name: str, request: dict, region: str) -> dict:
    """A List: the matching resources, newest first, a page at a time behind opaque tokens."""
    kind, now = emulated.kind, time.time()
    filters = {member: value for member, value in request.items() if member not in PAGING}
    after = read_token(state, name, filters, request.get("nextToken"))
    matching = [
        resource
        for resource in sorted(state.resources.values(), key=lambda resource: resource.serial, reverse=True)
        if resource.emulated is emulated
        and resource.region == region
        and resource.hidden_reads == 0  # not visible to Get yet: not listed either
        and not resource.gone(now)
        and all(_value_of(resource, member, now) == value for member, value in filters.items())
    ]
    if _lists_one_parent(name, emulated, filters):
        Finder(state, region).find(emulated, filters[kind.arn_member])
    if after is not None:
        matching = [resource for resource in matching if resource.serial < after]
    size = request.get("maxResults") or DEFAULT_PAGE_SIZE
    page = matching[:size]
    for resource in page:
        resource.reads += 1  # a listing shows it: a read, for resources that move on reads
    shape = resource_shape(name)
    result: dict[str, Any] = {kind.list_key or "": [render(resource, shape, now) for resource in page]}
    if len(matching) > size:
        result["nextToken"] = make_token(state, name, filters, page[-1].serial)
    return result


def _lists_one_parent(name: str, emulated: EmulatedKind, filters: Mapping[str, Any]) -> bool:
    """
    Whether a list names one resource in its path and can answer that it does not exist (the
    versions of a trained model: ``ListTrainedModelVersions``).
    """
    member = emulated.kind.arn_member
    shape = operation(name).input_shape.members.get(member)
    errors = {error.name for error in operation(name).error_shapes}
    return (
        shape is not None
        and shape.serialization.get("location") == "uri"
        and member in filters
        and "ResourceNotFoundException" in errors
    )


def _digest(state: State, payload: bytes) -> str:
    return hmac.new(state.token_key, payload, hashlib.sha256).hexdigest()[:32]


def make_token(state: State, name: str, filters: Mapping[str, Any], after: int) -> str:
    """An opaque page token: where the next page starts, bound to this list call and its filters."""
    payload = json.dumps([name, filters, after], sort_keys=True, default=str).encode()
    return f"{base64.urlsafe_b64encode(payload).decode()}.{_digest(state, payload)}"


def read_token(state: State, name: str, filters: Mapping[str, Any], token: str | None) -> int | None:
    """Where a page starts; ``ValidationException`` for a token this list call did not hand out."""
    if token is None:
        return None
    encoded, _, digest = token.partition(".")
    try:
        payload = base64.urlsafe_b64decode(encoded.encode())
        token_name, token_filters, after = json.loads(payload)
    except (binascii.Error, ValueError, TypeError):
        raise validation_error(
            f"Invalid nextToken {token[:40]!r}: it was not handed out by {name}."
        ) from None
    expected = json.loads(json.dumps(filters, sort_keys=True, default=str))
    if (
        not hmac.compare_digest(digest, _digest(state, payload))
        or token_name != name
        or not isinstance(after, int)
    ):
        raise validation_error(f"Invalid nextToken {token[:40]!r}: it was not handed out by {name}.")
    if token_filters != expected:
        raise validation_error(f"Invalid nextToken: it was handed out by {name} with other parameters.")
    return after


def moved(script_of: str, verb: str) -> Callable[..., dict]:
    """A cancel or delete: the resource goes through its kind's ``cancelled`` or ``deleted`` script."""

    def move(state: State, emulated: EmulatedKind, name: str, request: dict, region: str) -> dict:
        # Without a version, a cancel or delete acts on the base version (the service's documentation).
        resource = find(state, emulated, request, region, base=True)
        now = time.time()
        status = resource.status(now)
        pending = status in ("CREATE_PENDING", "CREATE_IN_PROGRESS")
        busy = status.startswith(("CANCEL_", "DELETE_")) and not status.endswith("FAILED")
        if busy or (verb == "cancel" and not pending):
            raise conflict(f"{emulated.kind.title} {resource.key} is {status}: cannot {verb}.")
        if verb == "delete":
            Finder(state, region).check_unused(emulated, resource, state.kinds)
        scripted = state.next_scripts.get(scripts_key(emulated, verb))
        resource.restart_script(scripted.pop(0) if scripted else script(getattr(emulated, script_of)), now)
        return {}

    return move


def updated(state: State, emulated: EmulatedKind, name: str, request: dict, region: str) -> dict:
    """An update of configuration: the resources it names are checked, then its members replace the old."""
    resource = find(state, emulated, request, region)
    Finder(state, region).check_references(emulated, request)
    resource.fields.update(request)
    resource.updated = time.time()
    return _output(name, resource)


HANDLERS: dict[str, Callable[[State, EmulatedKind, str, dict, str], dict]] = {
    "create": created,
    "get": got,
    "list": listed,
    "cancel": moved("cancelled", "cancel"),
    "delete": moved("deleted", "delete"),
    "update": updated,
}
"""The handler of each role."""


def served(kinds: Iterable[EmulatedKind]) -> dict[str, tuple[str, EmulatedKind]]:
    """The operations the installed botocore knows among those of ``kinds``: role and kind of each."""
    return {
        name: (role, emulated)
        for emulated in kinds
        for name, role in emulated.operations.items()
        if has_operation(name)  # an older botocore lacks the newer calls: so does the emulator
    }
