"""
The emulator's own reading of botocore's ``cleanroomsml`` service model: operations, routes, shapes.

It loads the model with botocore's loader directly, once per process, and shares nothing with the
provider's own use of it (``airflow_cleanroomsml.validation``): what the emulator accepts and
answers is decided here and in :mod:`~airflow_cleanroomsml.testing.checks`, so a gap in the
provider's checks cannot hide behind the same gap in the emulator's.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from botocore.model import OperationModel, ServiceModel, Shape

SERVICE = "cleanroomsml"


@functools.cache
def service_model() -> ServiceModel:
    """The installed botocore's ``cleanroomsml`` model, read with botocore's loader (once per process)."""
    from botocore.loaders import create_loader
    from botocore.model import ServiceModel

    return ServiceModel(create_loader().load_service_model(SERVICE, "service-2"), SERVICE)


@functools.cache
def operation(name: str) -> OperationModel:
    """One operation of the model."""
    return service_model().operation_model(name)


def has_operation(name: str) -> bool:
    """Whether the installed botocore knows an operation (the custom-model calls need a recent one)."""
    return name in _operation_names()


@functools.cache
def _operation_names() -> frozenset[str]:
    return frozenset(service_model().operation_names)


def knows_output_member(name: str | None, member: str) -> bool:
    """Whether the installed botocore's output of operation ``name`` has ``member``."""
    return bool(name) and has_operation(name or "") and member in operation(name or "").output_shape.members


class Route(NamedTuple):
    """An operation's HTTP method and path template, split into segments (``{label}`` for labels)."""

    method: str
    segments: tuple[str, ...]
    operation: str


@functools.cache
def route_of(name: str) -> Route:
    """The route an operation is served on, from its ``http`` trait."""
    http = operation(name).http
    path = http["requestUri"].split("?")[0]
    return Route(http["method"], tuple(path.strip("/").split("/")), name)


@functools.cache
def resource_shape(name: str) -> Shape:
    """The shape a response shows one resource in: a paginated list's summaries, or the whole output."""
    shape = operation(name).output_shape
    if "nextToken" not in shape.members:
        return shape
    (summaries,) = [member for member in shape.members.values() if member.type_name == "list"]
    return summaries.member  # type: ignore[attr-defined]


@functools.cache
def error_status(code: str) -> int | None:
    """The HTTP status the model gives an error code, if the model has that error."""
    if code not in service_model().shape_names:
        return None
    return service_model().shape_for(code).metadata.get("error", {}).get("httpStatusCode")
