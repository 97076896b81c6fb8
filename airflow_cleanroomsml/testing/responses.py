"""What the emulator answers: a resource in a response's shape, and stand-ins for what the service makes."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from airflow_cleanroomsml.kinds import MEMBERSHIP
from airflow_cleanroomsml.kinds import region_partition as partition
from airflow_cleanroomsml.testing.values import string_for

if TYPE_CHECKING:
    from botocore.model import Shape

    from airflow_cleanroomsml.testing.lifecycle import Resource

DEFAULT_MEMBERSHIP_ID = "00000000-0000-4000-8000-000000000001"
LIVE_MEMBERS = ("status", "statusDetails", "createTime", "updateTime")
"""Members a response shows as they are at the time of the read, never stored."""


def timestamp(epoch: float) -> str:
    """An ISO-8601 timestamp as the service writes them (UTC, milliseconds, ``Z``)."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def render(resource: Resource, shape: Shape, now: float) -> dict[str, Any]:
    """A resource as a response shape (a description or a list summary) shows it."""
    step = resource.current(now)
    values = {
        **resource.fields,
        "status": step.status,
        "createTime": timestamp(resource.created),
        "updateTime": timestamp(resource.updated),
    }
    if step.details:
        values["statusDetails"] = dict(step.details)
    return {member: values[member] for member in shape.members if member in values}  # type: ignore[attr-defined]


def stand_in(shape: Shape, member: str, resource: Resource, account_id: str) -> Any:
    """A valid value of ``shape`` for a member the service always returns but the request did not say."""
    pattern = shape.metadata.get("pattern", "")
    seed = f"{resource.key}/{member}"
    if member == "collaborationIdentifier" and MEMBERSHIP in resource.fields:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, resource.fields[MEMBERSHIP]))
    if shape.type_name == "structure":
        members = shape.members  # type: ignore[attr-defined]
        chosen = list(members)[:1] if shape.metadata.get("union") else shape.required_members  # type: ignore[attr-defined]
        return {name: stand_in(members[name], name, resource, account_id) for name in chosen}
    if shape.type_name == "list":
        count = shape.metadata.get("min", 0)
        return [stand_in(shape.member, member, resource, account_id) for _ in range(count)]  # type: ignore[attr-defined]
    if shape.type_name == "map":
        return {}
    if shape.type_name in ("integer", "long", "float", "double"):
        return shape.metadata.get("min", 0)
    if shape.type_name == "boolean":
        return False
    if shape.type_name == "timestamp":
        return timestamp(resource.created)
    if shape.enum:  # type: ignore[attr-defined]
        return shape.enum[0]  # type: ignore[attr-defined]
    if pattern.startswith("[0-9a-f]{8}-"):
        return str(uuid.uuid5(uuid.NAMESPACE_URL, seed))
    if pattern == "[0-9]{12}":
        return account_id
    if ":cleanrooms-ml:" in pattern and shape.name.endswith("Arn"):
        segment = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", shape.name[:-3]).lower()
        membership = f"membership/{resource.fields.get(MEMBERSHIP, DEFAULT_MEMBERSHIP_ID)}/"
        scope = membership if "membership/" in pattern else ""
        return (
            f"arn:{partition(resource.region)}:cleanrooms-ml:{resource.region}:{account_id}:"
            f"{scope}{segment}/{uuid.uuid5(uuid.NAMESPACE_URL, seed)}"
        )
    return string_for(pattern or None, shape.metadata.get("min", 0), shape.metadata.get("max"))
