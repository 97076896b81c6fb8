"""
Every public operator and sensor class, generated from what the provider exports and its kinds.

A class's *role* follows from its base class (sensor, start, describe, cancel, delete, latest); its
arguments from its kind's identity or its operation's request; and how each situation ends for it
from its role (:data:`EXPECTED`). The test DAGs (``dags/every_class_dags.py``) hold one task per
class, its arguments templated from the run's conf, so one DAG run puts every class through one
situation; ``test_every_class.py`` runs every situation in every mode.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from airflow_cleanroomsml.operators import cleanroomsml as operators
from airflow_cleanroomsml.operators.base import (
    CleanRoomsMLCancelOperator,
    CleanRoomsMLDeleteOperator,
    CleanRoomsMLDescribeOperator,
)
from airflow_cleanroomsml.operators.starting import CleanRoomsMLStartOperator
from airflow_cleanroomsml.operators.trained_models import CleanRoomsMLGetLatestTrainedModelOperator
from airflow_cleanroomsml.sensors import cleanroomsml as sensors
from airflow_cleanroomsml.sensors.base import CleanRoomsMLResourceSensor

if TYPE_CHECKING:
    from airflow_cleanroomsml.kinds import ResourceKind

MODES = ("poke", "reschedule", "deferrable")
"""Sensors wait in all three; operators in a worker (the ``poke`` DAG) or deferred."""
OUTCOMES = ("success", "failed", "gone", "not found", "throttled")
BASES = (
    (CleanRoomsMLResourceSensor, "sensor"),
    (CleanRoomsMLStartOperator, "start"),
    (CleanRoomsMLCancelOperator, "cancel"),
    (CleanRoomsMLDeleteOperator, "delete"),
    (CleanRoomsMLDescribeOperator, "describe"),
    (CleanRoomsMLGetLatestTrainedModelOperator, "latest"),
)
GENERIC = {CleanRoomsMLResourceSensor}
"""Exported bases a DAG subclasses rather than uses (they name no kind)."""

FAILS_NOT_FOUND = ("failed", "ClientError", r"\(ResourceNotFoundException\)")
FAILS_NOT_FOUND_ON_READ_4 = ("failed", "ClientError", r"was not found on read 4 of the wait")
EXPECTED: dict[str, dict[str, tuple[str, str | None, str | None]]] = {
    # role -> outcome -> (task state, exception type, pattern in the error)
    "sensor": {
        "success": ("success", None, None),
        "failed": ("failed", "AirflowFailException", r" is CREATE_FAILED \(statusCode='Broken'"),
        "gone": FAILS_NOT_FOUND_ON_READ_4,
        "not found": FAILS_NOT_FOUND_ON_READ_4,
        "throttled": ("success", None, None),
    },
    "start": {
        "success": ("success", None, None),
        "failed": ("failed", "AirflowException", r" is CREATE_FAILED \(statusCode='Broken'"),
        "gone": ("failed", "AirflowException", r"was not found on read 4 of the wait"),
        "not found": ("failed", "AirflowException", r"was not found on read 4 of the wait"),
        "throttled": ("success", None, None),
    },
    "describe": {
        "success": ("success", None, None),
        "failed": ("success", None, None),  # a description, whatever the status
        "gone": FAILS_NOT_FOUND,
        "not found": FAILS_NOT_FOUND,
        "throttled": ("success", None, None),
    },
    "cancel": {
        "success": ("success", None, None),
        "failed": ("failed", "AirflowException", r" is CANCEL_FAILED \(statusCode='Broken'"),
        "gone": FAILS_NOT_FOUND,
        "not found": FAILS_NOT_FOUND,
        "throttled": ("success", None, None),
    },
    "delete": {
        "success": ("success", None, None),
        "failed": ("failed", "AirflowException", r" is DELETE_FAILED \(statusCode='Broken'"),
        "gone": ("success", None, None),  # already gone: nothing to delete
        "not found": ("success", None, None),
        "throttled": ("success", None, None),
    },
    "latest": {
        "success": ("success", None, None),
        "failed": ("failed", "ValueError", r"No trained model named 'churn' is ACTIVE .*region us-east-1"),
        "gone": ("failed", "ValueError", r"No trained model named 'churn' is ACTIVE"),
        "not found": ("failed", "ValueError", r"No trained model named 'churn' is ACTIVE"),
        "throttled": ("success", None, None),
    },
}


def role_of(cls: type) -> str:
    """What a public class does, from its base class."""
    for base, role in BASES:
        if issubclass(cls, base):
            return role
    raise AssertionError(f"{cls.__name__} has no role in the every-class table: add its base to BASES")


def public_classes() -> list[type]:
    """Every operator and sensor class the provider exports, but the generic bases."""
    found = [
        getattr(module, name)
        for module in (operators, sensors)
        for name in module.__all__
        if isinstance(getattr(module, name), type)
    ]
    return [cls for cls in found if cls not in GENERIC]


def kind_of(cls: type) -> ResourceKind:
    from airflow_cleanroomsml.kinds import TRAINED_MODEL

    return TRAINED_MODEL if role_of(cls) == "latest" else cls.kind  # type: ignore[attr-defined]


def task_id(cls: type) -> str:
    """``CleanRoomsMLTrainedModelSensor`` → ``trained_model_sensor``."""
    name = cls.__name__.removeprefix("CleanRoomsML")
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def classes_in(mode: str) -> list[type]:
    """The classes the DAG of a mode runs: sensors in every mode, operators in ``poke`` and ``deferrable``."""
    return [cls for cls in public_classes() if mode != "reschedule" or role_of(cls) == "sensor"]


def arguments(cls: type) -> list[str]:
    """The arguments of a class that the run's conf gives (templated): its identity, or its request."""
    role = role_of(cls)
    if role == "start":
        from airflow_cleanroomsml.kinds import snake_case

        return [snake_case(member) for member in cls.request_members]  # type: ignore[attr-defined]
    if role == "latest":
        return ["membership_identifier", "name"]
    return list(kind_of(cls).arguments.values())


def templated(cls: type) -> dict[str, Any]:
    """A class's arguments, each rendered (natively) from ``params.cfg[<task id>]``."""
    tid = task_id(cls)
    return {name: f"{{{{ params.cfg['{tid}'].get('{name}') }}}}" for name in arguments(cls)}
