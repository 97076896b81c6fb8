"""
JSON-like values: descriptions made JSON-safe for XCom (ISO-8601 timestamps with a timezone, no
``ResponseMetadata``), and what a request holds at a member path.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Collection, Iterator, Mapping


def strings_in(value: Any) -> Iterator[str]:
    """Every string in a JSON-like value (a request, a description), depth first."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from strings_in(item)


def values_at(holder: Any, path: str) -> Iterator[Any]:
    """
    The values at a member path of a request: ``a``, ``a.b`` (a member of a structure), ``a[]``
    (each item of a list) or ``a[].b`` (a member of each item).
    """
    head, _, rest = path.partition(".")
    name, each = head.removesuffix("[]"), head.endswith("[]")
    value = holder.get(name) if isinstance(holder, dict) else None
    if value is None:
        return
    for item in value if each and isinstance(value, list) else [value]:
        if rest:
            yield from values_at(item, rest)
        else:
            yield item


def to_json_safe(value: Any) -> Any:
    """
    Convert a boto3 response to JSON-safe values: datetimes as ISO-8601 with a timezone.

    botocore parses timestamps as timezone-aware datetimes; a naive one is taken to be UTC.
    ``ResponseMetadata`` is dropped: it describes the HTTP call, not the resource.
    """
    if isinstance(value, dict):
        return {key: to_json_safe(item) for key, item in value.items() if key != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [to_json_safe(item) for item in value]
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def xcom_description(description: Mapping[str, Any], exclude: Collection[str]) -> dict[str, Any]:
    """The JSON-safe description for XCom, without the top-level fields in ``exclude``."""
    return {key: value for key, value in to_json_safe(dict(description)).items() if key not in exclude}
