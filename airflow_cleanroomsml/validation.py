"""
Requests checked against the service model itself, after templates are rendered and before any call.

botocore checks types and required members when a call is made, but not lengths, counts or
patterns, which the service then rejects with a ``ValidationException``. :func:`check_request`
walks the operation's input shape in the installed botocore's ``cleanroomsml`` model and checks
all of it, so what passes is what AWS accepts; an error names the argument (then the API's own
keys inside it, ``output_configuration['members'][0]['accountId']``), the value and the form
expected. Values under a secret member (an ``environment``) are never shown.

Enum values are not checked: AWS accepts new ones (instance types) before a pinned botocore knows them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Collection

    from botocore.model import ServiceModel, Shape


class InvalidArgumentError(ValueError):
    """An argument that cannot work; the message names it, its value and the form expected."""


@functools.cache
def service_model() -> ServiceModel:
    """The installed botocore's ``cleanroomsml`` service model (loaded once per process)."""
    from botocore.session import get_session

    return get_session().get_service_model("cleanroomsml")


def has_operation(operation: str) -> bool:
    """Whether the installed botocore knows an operation (the custom-model API needs a recent one)."""
    return operation in service_model().operation_names


def require_members(operation: str, members: Collection[str], fields: Mapping[str, str]) -> None:
    """
    Fail clearly when the installed botocore predates request members the task uses.

    :param operation: The API operation.
    :param members: The request members about to be sent.
    :param fields: Argument name for each member, for the message.
    """
    import botocore

    if not has_operation(operation):
        raise InvalidArgumentError(
            f"{operation} is not in the installed botocore {botocore.__version__}; expected a botocore that "
            "has it: upgrade botocore (and boto3) to use it."
        )
    known = service_model().operation_model(operation).input_shape.members
    missing = [fields.get(member, member) for member in members if member not in known]
    if missing:
        raise InvalidArgumentError(
            f"{', '.join(missing)}: the installed botocore {botocore.__version__} does not know "
            f"{'this member' if len(missing) == 1 else 'these members'} of {operation}; expected a botocore "
            "that does (upgrade botocore and boto3), or leave the argument out."
        )


def check_request(
    operation: str,
    request: Mapping[str, Any],
    fields: Mapping[str, str] | None = None,
    secret: Collection[str] = (),
) -> None:
    """
    Check a request against the operation's input shape; raise :class:`InvalidArgumentError` if it fails.

    :param operation: The API operation, such as ``StartTrainedModelInferenceJob``.
    :param request: The request in the API's camelCase, as it will be sent.
    :param fields: Argument name for each top-level member, for messages (default: the member).
    :param secret: Top-level members whose values must never appear in a message.
    """
    fields = fields or {}
    require_members(operation, list(request), fields)
    shape = service_model().operation_model(operation).input_shape
    for member in shape.required_members:
        if request.get(member) is None:
            raise InvalidArgumentError(
                f"{fields.get(member, member)} is required by {operation}; expected a value, not None (a "
                "template that rendered to nothing?)."
            )
    for member, value in request.items():
        _check(shape.members[member], value, fields.get(member, member), member in secret)


def _fail(path: str, value: Any, form: str, secret: bool) -> InvalidArgumentError:
    shown = f"<a {type(value).__name__}; the value is not shown>" if secret else repr(value)
    return InvalidArgumentError(f"{path}={shown} is not valid; expected {form}.")


def _check(shape: Shape, value: Any, path: str, secret: bool) -> None:
    kind = shape.type_name
    if kind == "structure":
        _check_structure(shape, value, path, secret)
    elif kind == "list":
        if not isinstance(value, (list, tuple)):
            raise _fail(path, value, "a list", secret)
        _check_count(shape, value, path, "items", secret)
        for index, item in enumerate(value):
            _check(shape.member, item, f"{path}[{index}]", secret)  # type: ignore[attr-defined]
    elif kind == "map":
        if not isinstance(value, Mapping):
            raise _fail(path, value, "a dict", secret)
        _check_count(shape, value, path, "entries", secret)
        for key, item in value.items():
            _check(shape.key, key, f"{path} key {key!r}", False)  # type: ignore[attr-defined]
            _check(shape.value, item, f"{path}[{key!r}]", secret)  # type: ignore[attr-defined]
    elif kind == "string":
        _check_string(shape, value, path, secret)
    elif kind in ("integer", "long", "float", "double"):
        numbers: tuple[type, ...] = (int,) if kind in ("integer", "long") else (int, float)
        if isinstance(value, bool) or not isinstance(value, numbers):
            raise _fail(path, value, "a whole number" if numbers == (int,) else "a number", secret)
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            raise _fail(path, value, f"a number from {low} to {high}", secret)
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise _fail(path, value, "True or False", secret)
    elif kind == "timestamp" and not isinstance(value, (datetime, date, str)):
        raise _fail(path, value, "a datetime or an ISO-8601 string", secret)


def _check_structure(shape: Shape, value: Any, path: str, secret: bool) -> None:
    members = shape.members  # type: ignore[attr-defined]
    if not isinstance(value, Mapping):
        raise _fail(path, value, f"a dict with the API's camelCase keys ({', '.join(members)})", secret)
    unknown = [key for key in value if key not in members]
    if unknown:
        raise _fail(path, value, f"only the keys {', '.join(members)}; {unknown[0]!r} is not one", secret)
    missing = [member for member in shape.required_members if value.get(member) is None]  # type: ignore[attr-defined]
    if missing:
        raise _fail(path, value, f"a dict with {', '.join(missing)}", secret)
    if shape.metadata.get("union") and len([item for item in value.values() if item is not None]) != 1:
        raise _fail(path, value, f"exactly one of {', '.join(members)}", secret)
    for key, item in value.items():
        _check(members[key], item, f"{path}[{key!r}]", secret)


def _check_count(shape: Shape, value: Any, path: str, noun: str, secret: bool) -> None:
    low, high = shape.metadata.get("min", 0), shape.metadata.get("max")
    if len(value) < low or (high is not None and len(value) > high):
        form = f"{low} to {high} {noun}" if high is not None else f"at least {low} {noun}"
        raise InvalidArgumentError(f"{path} has {len(value)} {noun}; expected {form}.")


def _check_string(shape: Shape, value: Any, path: str, secret: bool) -> None:
    pattern = shape.metadata.get("pattern")
    if not isinstance(value, str):
        form = f"a string matching {pattern}" if pattern else "a string"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            form += (
                " (a number here is what render_template_as_native_obj=True makes of a string of digits: "
                "quote it inside the template, '\"...\"', to keep it a string)"
            )
        raise _fail(path, value, form, secret)
    low, high = shape.metadata.get("min", 0), shape.metadata.get("max")
    if len(value) < low or (high is not None and len(value) > high):
        raise _fail(path, value, f"a string of {low} to {high} characters", secret)
    compiled = _pattern(pattern) if pattern else None
    if compiled is not None and not compiled.fullmatch(value):
        raise _fail(path, value, f"a string matching {pattern}", secret)


@functools.cache
def _pattern(pattern: str) -> re.Pattern[str] | None:
    """The service model's pattern as a Python regex, or None where Python's syntax differs."""
    try:
        return re.compile(pattern)
    except re.error:
        return None
