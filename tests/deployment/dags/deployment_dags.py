"""
DAGs a deployed Airflow schedules in the deployment tests: the start operator, deferred and not.

``CLEANROOMSML_DEPLOY_START`` (set by the test) is where the catchup DAG's schedule starts;
``CLEANROOMSML_DEPLOY_PARENTS`` (JSON) names the trained model and ML input channel the emulator
holds for the jobs.
"""

from __future__ import annotations

import json
import os

import pendulum

try:
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG  # type: ignore[assignment]

from airflow_cleanroomsml.operators.cleanroomsml import CleanRoomsMLStartTrainedModelInferenceJobOperator

MEMBERSHIP_ID = "00000000-0000-4000-8000-000000000001"
PREFIX = f"arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/{MEMBERSHIP_ID}"
START = pendulum.parse(os.environ.get("CLEANROOMSML_DEPLOY_START", "2026-01-01T00:00:00+00:00"))
PARENTS = json.loads(os.environ.get("CLEANROOMSML_DEPLOY_PARENTS") or "{}")


def start_job(**arguments) -> CleanRoomsMLStartTrainedModelInferenceJobOperator:
    return CleanRoomsMLStartTrainedModelInferenceJobOperator(
        task_id="start",
        membership_identifier=MEMBERSHIP_ID,
        name="scoring-{{ run_id | replace(':', '-') | replace('+', '-') }}",
        trained_model_arn=PARENTS.get(
            "trained_model", f"{PREFIX}/trained-model/0d9e8f7a-1b2c-4d3e-8f4a-5b6c7d8e9f0a"
        ),
        resource_config={"instanceType": "ml.m5.xlarge", "instanceCount": 1},
        output_configuration={"members": [{"accountId": "123456789012"}]},
        data_source={
            "mlInputChannelArn": PARENTS.get(
                "channel", f"{PREFIX}/ml-input-channel/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
            )
        },
        environment={"MODE": "batch", "API_TOKEN": "{{ var.value.get('scoring_token', 'none') }}"},
        waiter_delay=1,
        waiter_max_attempts=300,
        **arguments,
    )


with DAG(
    "deploy_catchup",
    schedule="@hourly",
    start_date=START,
    end_date=START.add(hours=2),  # three hourly runs, however long the test takes
    catchup=True,
    max_active_runs=3,
) as catchup:
    start_job(deferrable=True)

for _name, _arguments in {
    "deploy_triggerer_restart": {"deferrable": True},
    "deploy_worker_killed": {"deferrable": False, "retries": 1, "retry_delay": pendulum.duration(seconds=1)},
    "deploy_mark_failed": {"deferrable": True},
}.items():
    with DAG(_name, schedule=None, start_date=START, catchup=False) as _dag:
        start_job(**_arguments)
    globals()[_name] = _dag
