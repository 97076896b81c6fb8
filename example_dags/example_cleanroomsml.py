"""
Example DAG: describe an AWS Clean Rooms ML trained-model inference job, wait for it, use the result.

Trigger it with the job's ARN as run conf::

    airflow dags trigger example_cleanroomsml --conf \
        '{"trained_model_inference_job_arn": "arn:aws:cleanrooms-ml:...:trained-model-inference-job/..."}'

It uses the ``aws_default`` connection. ``example_dags/run_example.py`` runs it end to end against
the bundled emulator, with no AWS account.
"""

from __future__ import annotations

import os

import pendulum

try:
    from airflow.sdk import DAG, Param, task
except ImportError:  # Airflow 2
    from airflow import DAG  # type: ignore[assignment]
    from airflow.decorators import task  # type: ignore[no-redef]
    from airflow.models.param import Param  # type: ignore[assignment,no-redef]

from airflow_cleanroomsml.operators.cleanroomsml import CleanRoomsMLGetTrainedModelInferenceJobOperator
from airflow_cleanroomsml.sensors.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobSensor

# Real inference jobs run for minutes to hours: poll once a minute. The emulator run polls faster.
POLL_SECONDS = int(os.environ.get("CLEANROOMSML_EXAMPLE_POLL_SECONDS", "60"))
JOB_ARN = "{{ params.trained_model_inference_job_arn }}"

with DAG(
    dag_id="example_cleanroomsml",
    description="Wait for a Clean Rooms ML trained-model inference job and use its description",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "aws", "cleanroomsml"],
    params={
        "trained_model_inference_job_arn": Param(
            "arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/"
            "00000000-0000-4000-8000-000000000001/trained-model-inference-job/example",
            type="string",
            description="The ARN of the trained model inference job to wait for",
        )
    },
) as dag:
    describe_job = CleanRoomsMLGetTrainedModelInferenceJobOperator(
        task_id="describe_job", trained_model_inference_job_arn=JOB_ARN
    )

    # Deferrable: the wait holds no worker slot; the triggerer polls every POLL_SECONDS.
    wait_for_job = CleanRoomsMLTrainedModelInferenceJobSensor(
        task_id="wait_for_job",
        trained_model_inference_job_arn=JOB_ARN,
        deferrable=True,
        poke_interval=POLL_SECONDS,
        timeout=6 * 60 * 60,
    )

    final_description = CleanRoomsMLGetTrainedModelInferenceJobOperator(
        task_id="final_description", trained_model_inference_job_arn=JOB_ARN
    )

    @task
    def summarize(description: dict, status: str) -> dict:
        """Use the JSON-safe description from XCom: here, pick what a report would need."""
        return {
            "name": description["name"],
            "status": status,
            "started": description["createTime"],
            "finished": description["updateTime"],
            "output_to": [member["accountId"] for member in description["outputConfiguration"]["members"]],
        }

    describe_job >> wait_for_job >> final_description
    summarize(final_description.output, "{{ ti.xcom_pull(task_ids='final_description')['status'] }}")
