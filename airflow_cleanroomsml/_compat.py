"""
The few names that moved between Airflow 2 and Airflow 3, in one place.

MWAA pins ``apache-airflow-providers-common-compat`` 1.7.x on Airflow 2.11.0 and 3.0.6, which has no
``airflow.providers.common.compat.sdk``; so this module picks the Airflow 3 Task SDK location when
there is one and falls back to Airflow 2's (Airflow 3.0's Task SDK still raises Airflow 2's
exception classes, so it takes the fallback too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    from airflow.sdk.exceptions import (
        AirflowException,
        AirflowFailException,
        AirflowSensorTimeout,
        AirflowSkipException,
    )
except ImportError:  # Airflow 2 and 3.0
    from airflow.exceptions import (  # type: ignore[assignment,no-redef]
        AirflowException,
        AirflowFailException,
        AirflowSensorTimeout,
        AirflowSkipException,
    )

try:
    from airflow.sdk.exceptions import AirflowRescheduleException, AirflowTaskTimeout
except ImportError:  # Airflow 2 and 3.0
    from airflow.exceptions import (  # type: ignore[assignment,no-redef]
        AirflowRescheduleException,
        AirflowTaskTimeout,
    )

try:
    from airflow.sdk.configuration import conf
except ImportError:  # Airflow 2 and 3.0
    from airflow.configuration import conf  # type: ignore[assignment,no-redef]

try:
    from airflow.sdk.log import mask_secret
except ImportError:  # Airflow 2
    from airflow.utils.log.secrets_masker import mask_secret  # type: ignore[no-redef]

if TYPE_CHECKING:
    from airflow.sdk import Context

__all__ = [
    "AirflowException",
    "AirflowFailException",
    "AirflowRescheduleException",
    "AirflowSensorTimeout",
    "AirflowSkipException",
    "AirflowTaskTimeout",
    "conf",
    "default_deferrable",
    "import_string",
    "mask_secret",
    "reschedule_count",
]


def default_deferrable() -> bool:
    """``[operators] default_deferrable``: the default of every ``deferrable`` argument here."""
    return conf.getboolean("operators", "default_deferrable", fallback=False)


def import_string(path: str) -> Any:
    """The object at ``package.module.Name`` (Airflow's own helper moved between versions)."""
    import importlib

    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def reschedule_count(context: Context) -> int:
    """How many times the running try of a task was rescheduled: the pokes it made before this one."""
    if "task_reschedule_count" in context:  # Airflow 3
        return int(context["task_reschedule_count"] or 0)
    from airflow.models.taskreschedule import TaskReschedule  # Airflow 2: workers reach the database
    from airflow.utils.session import create_session
    from sqlalchemy import func, select

    ti: Any = context["ti"]
    with create_session() as session:
        return int(
            session.scalar(
                select(func.count(TaskReschedule.id)).where(
                    TaskReschedule.dag_id == ti.dag_id,
                    TaskReschedule.task_id == ti.task_id,
                    TaskReschedule.run_id == ti.run_id,
                    TaskReschedule.map_index == ti.map_index,
                    TaskReschedule.try_number == ti.try_number,
                )
            )
            or 0
        )
