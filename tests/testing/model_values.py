"""
Valid and invalid values of botocore service-model shapes, made from the model alone, for the tests.

:func:`valid` makes a value every constraint of a shape accepts (strings from the shape's own
pattern, by the emulator's :func:`~airflow_cleanroomsml.testing.values.string_for`: the walk's
first request proves they are accepted); :func:`violations` makes, for one value, each value that
breaks exactly one of the shape's constraints, named by the constraint's kind.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from airflow_cleanroomsml.testing.values import string_for

if TYPE_CHECKING:
    from botocore.model import Shape

CONSTRAINTS = ("required", "type", "min length", "max length", "pattern", "range", "enum", "count", "union")
"""Every kind of constraint the service model puts on a request, as the walk names them."""


def _fits(text: str, pattern: str | None, low: int, high: int | None) -> bool:
    return low <= len(text) <= (high or len(text)) and (
        pattern is None or re.fullmatch(pattern, text) is not None
    )


def valid(shape: Shape, path: str = "request", depth: int = 0) -> Any:
    """
    A value of ``shape`` that all its constraints accept, optional members included.

    A free-text string is its path in the request where that fits (so that no two are alike).
    """
    kind, meta = shape.type_name, shape.metadata
    if kind == "structure":
        members = list(shape.members.items())  # type: ignore[attr-defined]
        if meta.get("union"):
            members = members[:1]
        elif depth > 6:
            members = [(name, member) for name, member in members if name in shape.required_members]  # type: ignore[attr-defined]
        return {name: valid(member, f"{path}-{name}", depth + 1) for name, member in members}
    if kind == "list":
        count = max(meta.get("min", 1), 1)
        return [valid(shape.member, f"{path}-{index}", depth + 1) for index in range(count)]  # type: ignore[attr-defined]
    if kind == "map":
        return {valid(shape.key, f"{path}-key", depth + 1): valid(shape.value, f"{path}-value", depth + 1)}  # type: ignore[attr-defined]
    if kind == "string":
        if shape.enum:  # type: ignore[attr-defined]
            return shape.enum[0]  # type: ignore[attr-defined]
        pattern, low, high = meta.get("pattern"), meta.get("min", 0), meta.get("max")
        named = path.removeprefix("request-")
        return named if _fits(named, pattern, low, high) else string_for(pattern, low, high)
    if kind in ("integer", "long"):
        return meta.get("min", 1)
    if kind in ("float", "double"):
        return float(meta.get("min", 1.0))
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return (
            "2026-01-01T00:00:00Z" if shape.serialization.get("timestampFormat") == "iso8601" else 1767225600
        )
    raise AssertionError(f"No value made for a {kind}")


def wrong_type(shape: Shape) -> Any:
    """A JSON value of another type than ``shape``'s."""
    return 5 if shape.type_name in ("string", "structure", "map", "list", "timestamp") else "x"


def _outside_pattern(pattern: str, low: int, high: int | None) -> str | None:
    for candidate in (
        "\n",
        "!",
        "~",
        "A" * max(low, 1),
        "Z" * max(low, 1),
        "#" * max(low, 1),
        " " * max(low, 1),
    ):
        fits = low <= len(candidate) and (high is None or len(candidate) <= high)
        if fits and not re.fullmatch(pattern, candidate):
            return candidate
    return None


def violations(shape: Shape, value: Any, on_the_wire_as_text: bool = False) -> list[tuple[str, Any]]:
    """
    Each value that breaks one constraint of ``shape`` (not its being required), with the constraint's kind.

    :param on_the_wire_as_text: The member is a path label or query parameter, where every value is text.
    """
    kind, meta = shape.type_name, shape.metadata
    low, high = meta.get("min"), meta.get("max")
    found: list[tuple[str, Any]] = []
    if not on_the_wire_as_text or kind in ("integer", "long"):
        found.append(("type", "x" if on_the_wire_as_text else wrong_type(shape)))
    if kind == "string":
        if low:
            found.append(("min length", value[: low - 1] if len(value) >= low else ""))
        if high is not None and high < 100_000:
            base = value or string_for(meta.get("pattern"), 1, high)
            found.append(("max length", (base * (high // len(base) + 2))[: high + 1]))
        if shape.enum:  # type: ignore[attr-defined]
            found.append(("enum", "NOT_AN_ENUM_VALUE"))
        pattern = meta.get("pattern")
        outside = _outside_pattern(pattern, low or 0, high) if pattern else None
        if outside is not None:
            found.append(("pattern", outside))
    elif kind in ("integer", "long", "float", "double"):
        step = 1 if kind in ("integer", "long") else 0.5
        if low is not None:
            found.append(("range", low - step))
        if high is not None:
            found.append(("range", high + step))
    elif kind == "list":
        if low:
            found.append(("count", value[: low - 1]))
        if high is not None and high < 10_000:
            found.append(("count", value * (high + 1)))
    elif kind == "map" and high is not None:
        key, item = next(iter(value.items()))
        keys = [f"{key}{index}" for index in range(high + 1)]
        key_shape = shape.key  # type: ignore[attr-defined]
        key_pattern, key_high = key_shape.metadata.get("pattern"), key_shape.metadata.get("max")
        if all(
            (key_pattern is None or re.fullmatch(key_pattern, k)) and (key_high is None or len(k) <= key_high)
            for k in keys
        ):
            found.append(("count", dict.fromkeys(keys, item)))
    elif kind == "structure" and meta.get("union"):
        found.append(("union", {}))
    return found


def constraint_wording(kind: str, shape: Shape, bad: Any) -> str:
    """The words of the service's message for a broken constraint of this kind."""
    if kind == "required":
        return "must not be null"
    if kind == "type":
        return "Member must be "
    if (
        kind in ("min length", "count")
        and shape.metadata.get("min") is not None
        and len(bad) < shape.metadata["min"]
    ):
        return f"must have length greater than or equal to {shape.metadata['min']}"
    if kind in ("max length", "count"):
        return f"must have length less than or equal to {shape.metadata['max']}"
    if kind == "min length":
        return f"must have length greater than or equal to {shape.metadata['min']}"
    if kind == "pattern":
        return "must satisfy regular expression pattern"
    if kind == "enum":
        return "must satisfy enum value set"
    if kind == "range":
        return "greater than or equal to" if bad < shape.metadata.get("min", bad) else "less than or equal to"
    return "must have exactly one of"
