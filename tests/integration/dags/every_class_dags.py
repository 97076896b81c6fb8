"""
One DAG per mode, with one task for every public operator and sensor class (``every_class.py``).

Each task's arguments are rendered natively from the run's conf (``cfg[<task id>]``), so one parse
serves every situation; a failing task writes its exception to ``<out>/<task id>.error``.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pendulum

try:
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG  # type: ignore[assignment]

from tests.integration.every_class import MODES, classes_in, role_of, task_id, templated

ENDS = ("AirflowRescheduleException", "TaskDeferred")
"""Exceptions that are not how a task ends."""


class Recording:
    """Mixed into a public class: the exception that fails a task goes to ``<out>/<task id>.error``."""

    # Airflow 2 hands execute a sentinel keyword (its nested-execute guard): passed on as it came.
    def execute(self, context, **sentinel):
        with self._recorded(context):
            return super().execute(context, **sentinel)

    def execute_complete(self, context, event=None, **sentinel):
        with self._recorded(context):
            return super().execute_complete(context, event, **sentinel)

    @contextlib.contextmanager
    def _recorded(self, context):
        try:
            yield
        except BaseException as error:
            if type(error).__name__ not in ENDS:
                out = Path(context["params"]["out"]) / f"{self.task_id}.error"
                out.write_text(f"{type(error).__name__}: {error}")
            raise


def make_task(cls, mode: str):
    recording = type(cls.__name__, (Recording, cls), {"__module__": __name__})
    role = role_of(cls)
    extra = {}
    if role == "sensor":
        extra = {"poke_interval": 0.2, "timeout": 6, "mode": "reschedule" if mode == "reschedule" else "poke"}
    elif role in ("start", "cancel", "delete"):
        extra = {"waiter_delay": 0.2, "waiter_max_attempts": 30, "wait_for_completion": True}
    if role in ("sensor", "start", "cancel", "delete"):
        extra["deferrable"] = mode == "deferrable"
    return recording(task_id=task_id(cls), **templated(cls), **extra)


for _mode in MODES:
    with DAG(
        f"every_class_{_mode}",
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        params={"cfg": {}, "out": ""},
        render_template_as_native_obj=True,
    ) as _dag:
        for _cls in classes_in(_mode):
            make_task(_cls, _mode)
    globals()[_dag.dag_id] = _dag
