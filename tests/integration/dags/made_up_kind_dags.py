"""A sensor and a waiting operator for a kind declared in the tests, deferred and in the worker."""

from __future__ import annotations

import pendulum

try:
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG  # type: ignore[assignment]

from tests.integration.made_up_kind import CollaborationChannelSensor, WaitForCollaborationChannelOperator

for _deferrable in (False, True):
    with DAG(
        f"made_up_kind_{'deferrable' if _deferrable else 'poke'}",
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        params={"collaboration": "", "sensed": "", "awaited": ""},
    ) as _dag:
        CollaborationChannelSensor(
            task_id="sense",
            collaboration_identifier="{{ params.collaboration }}",
            ml_input_channel_arn="{{ params.sensed }}",
            deferrable=_deferrable,
            poke_interval=0.2,
            timeout=30,
        ) >> WaitForCollaborationChannelOperator(
            task_id="wait",
            collaboration_identifier="{{ params.collaboration }}",
            ml_input_channel_arn="{{ params.awaited }}",
            deferrable=_deferrable,
            waiter_delay=0.2,
            waiter_max_attempts=100,
        )
    globals()[_dag.dag_id] = _dag
