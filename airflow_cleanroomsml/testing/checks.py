"""
Requests checked as the service checks them, from botocore's service model alone.

Every constraint the model declares on an operation's input is enforced, at any depth: required
members, JSON types, string lengths, collection counts, patterns (matched against the whole value),
numeric ranges, enum values and union structures (exactly one member set). A request that breaks
any answers ``ValidationException`` (HTTP 400) with the service's wording, naming each member that
fails by its path (``resourceConfig.instanceType``, ``dataChannels.1.channelName``). Members the
model does not know are ignored, as the service ignores them. Values of members the model marks
sensitive are not echoed.

On top of the model, a few rules the model states only in its documentation (tags, training
channels) are checked in :func:`check_documented_rules`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow_cleanroomsml.testing.errors import validation_error
from airflow_cleanroomsml.testing.service_model import operation

if TYPE_CHECKING:
    from botocore.model import Shape

_NUMBERS = {"integer": (int,), "long": (int,), "float": (int, float), "double": (int, float)}
_JSON_TYPES = {
    "structure": "a structure (a JSON object)",
    "map": "a map (a JSON object)",
    "list": "a list (a JSON array)",
    "string": "a string",
    "boolean": "a boolean",
    "integer": "an integer",
    "long": "an integer",
    "float": "a number",
    "double": "a number",
    "timestamp": "a timestamp",
    "blob": "a base64-encoded string",
}
MAX_USER_TAGS = 50
"""Tags per resource, not counting keys with the reserved ``aws:`` prefix (the tags' documentation)."""
MAX_TRAINING_CHANNELS = 20
"""Data channels of a trained model, incremental ones included (``dataChannels``' documentation)."""


def check_request(name: str, request: Mapping[str, Any]) -> None:
    """
    Check a request (body, query string and path labels together) against its operation's input shape.

    :param name: The operation.
    :param request: Its members, as decoded from the wire.
    :raises ServiceError: ``ValidationException`` naming every member that fails.
    """
    problems: list[str] = []
    _check(operation(name).input_shape, request, "", problems)
    if not problems:
        check_documented_rules(name, request, problems)
    if problems:
        count = f"{len(problems)} validation error{'s' if len(problems) > 1 else ''} detected: "
        raise validation_error(count + "; ".join(problems))


def _shown(value: Any, shape: Shape) -> str:
    if shape.metadata.get("sensitive"):
        return "Value"
    text = value if isinstance(value, str) else repr(value)
    return f"Value '{text[:200]}'"


def _fails(problems: list[str], path: str, constraint: str, shown: str = "Value") -> None:
    problems.append(f"{shown} at '{path}' failed to satisfy constraint: Member {constraint}")


def _check(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, Mapping):
            _fails(problems, path or "request", f"must be {_JSON_TYPES[kind]}")
            return
        _check_structure(shape, value, path, problems)
    elif kind == "list":
        if not isinstance(value, list):
            _fails(problems, path, f"must be {_JSON_TYPES[kind]}")
            return
        _check_length(shape, len(value), path, problems, "Value")
        for index, item in enumerate(value):
            _check_present(shape.member, item, f"{path}.{index + 1}", problems)  # type: ignore[attr-defined]
    elif kind == "map":
        if not isinstance(value, Mapping):
            _fails(problems, path, f"must be {_JSON_TYPES[kind]}")
            return
        _check_length(shape, len(value), path, problems, "Value")
        for key, item in value.items():
            _check(shape.key, key, f"{path}.key", problems)  # type: ignore[attr-defined]
            _check_present(shape.value, item, f"{path}.{key}", problems)  # type: ignore[attr-defined]
    elif kind == "string":
        _check_string(shape, value, path, problems)
    elif kind in _NUMBERS:
        if isinstance(value, bool) or not isinstance(value, _NUMBERS[kind]):
            _fails(problems, path, f"must be {_JSON_TYPES[kind]}", _shown(value, shape))
            return
        _check_range(shape, value, path, problems)
    elif kind == "boolean":
        if not isinstance(value, bool):
            _fails(problems, path, f"must be {_JSON_TYPES[kind]}", _shown(value, shape))
    elif kind == "timestamp":
        _check_timestamp(shape, value, path, problems)


def _check_present(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    if value is None:
        _fails(problems, path, "must not be null", "Value null")
    else:
        _check(shape, value, path, problems)


def _check_structure(shape: Shape, value: Mapping[str, Any], path: str, problems: list[str]) -> None:
    members = shape.members  # type: ignore[attr-defined]
    prefix = f"{path}." if path else ""
    for member in shape.required_members:  # type: ignore[attr-defined]
        if value.get(member) is None:
            _fails(problems, prefix + member, "must not be null", "Value null")
    given = [member for member in members if value.get(member) is not None]
    if shape.metadata.get("union") and len(given) != 1:
        _fails(problems, path or "request", f"must have exactly one of {', '.join(members)} set")
    for member in given:
        _check(members[member], value[member], prefix + member, problems)


def _check_length(shape: Shape, length: int, path: str, problems: list[str], shown: str) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and length < low:
        _fails(problems, path, f"must have length greater than or equal to {low}", shown)
    if high is not None and length > high:
        _fails(problems, path, f"must have length less than or equal to {high}", shown)


def _check_range(shape: Shape, value: float, path: str, problems: list[str]) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and value < low:
        _fails(problems, path, f"must have value greater than or equal to {low}", _shown(value, shape))
    if high is not None and value > high:
        _fails(problems, path, f"must have value less than or equal to {high}", _shown(value, shape))


def _check_string(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    if not isinstance(value, str):
        _fails(problems, path, f"must be {_JSON_TYPES['string']}", _shown(value, shape))
        return
    shown = _shown(value, shape)
    _check_length(shape, len(value), path, problems, shown)
    enum = shape.enum  # type: ignore[attr-defined]
    if enum and value not in enum:
        _fails(problems, path, f"must satisfy enum value set: [{', '.join(enum)}]", shown)
    pattern = shape.metadata.get("pattern")
    if pattern is not None and not compiled(pattern).fullmatch(value):
        _fails(problems, path, f"must satisfy regular expression pattern: {pattern}", shown)


def _check_timestamp(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    # The body's timestamps are epoch seconds unless the shape says iso8601 (rest-json's default).
    if shape.serialization.get("timestampFormat") == "iso8601" or isinstance(value, str):
        try:
            datetime.fromisoformat(value)
            return
        except (TypeError, ValueError):
            pass
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        return
    _fails(problems, path, f"must be {_JSON_TYPES['timestamp']}", _shown(value, shape))


@functools.cache
def compiled(pattern: str) -> re.Pattern[str]:
    """A model pattern as a Python regex (the model's patterns are valid Python regexes too)."""
    return re.compile(pattern)


def check_documented_rules(name: str, request: Mapping[str, Any], problems: list[str]) -> None:
    """The rules the model's documentation states but its shapes cannot: tags, training channels."""
    tags = request.get("tags")
    if isinstance(tags, Mapping):
        reserved = sorted(key for key in tags if str(key).lower().startswith("aws:"))
        if reserved:
            _fails(problems, "tags", f"must not have keys with the reserved prefix aws: ({reserved[0]})")
        if len(tags) - len(reserved) > MAX_USER_TAGS:
            _fails(problems, "tags", f"must have at most {MAX_USER_TAGS} tags")
    channels = [*(request.get("dataChannels") or []), *(request.get("incrementalTrainingDataChannels") or [])]
    if len(channels) > MAX_TRAINING_CHANNELS:
        _fails(
            problems,
            "dataChannels",
            f"must have at most {MAX_TRAINING_CHANNELS} channels, incrementalTrainingDataChannels included",
        )
    names = [channel.get("channelName") for channel in channels if isinstance(channel, Mapping)]
    repeated = sorted({str(name) for name in names if name is not None and names.count(name) > 1})
    if repeated:
        _fails(problems, "dataChannels", f"must have unique channel names ({repeated[0]!r} repeats)")
