"""
Example DAGs for AWS Clean Rooms ML trained-model inference jobs.

- ``example_cleanroomsml``: start an inference job, wait for it without holding a worker slot
  (deferred to the triggerer), then read its description downstream.
- ``example_cleanroomsml_wait``: wait for a job started elsewhere, given its ARN as run conf::

      airflow dags trigger example_cleanroomsml_wait --conf \\
          '{"trained_model_inference_job_arn": "arn:aws:cleanrooms-ml:...:trained-model-inference-job/..."}'

Both use the ``aws_default`` connection. ``example_dags/run_example.py`` runs them end to end
against the bundled emulator, with no AWS account.
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

from airflow_cleanroomsml.operators.cleanroomsml import (
    CleanRoomsMLGetTrainedModelInferenceJobOperator,
    CleanRoomsMLStartTrainedModelInferenceJobOperator,
)
from airflow_cleanroomsml.sensors.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobSensor

# Real inference jobs run for minutes to hours: poll once a minute. The emulator run polls faster.
POLL_SECONDS = int(os.environ.get("CLEANROOMSML_EXAMPLE_POLL_SECONDS", "60"))
MEMBERSHIP_ID = os.environ.get("CLEANROOMSML_EXAMPLE_MEMBERSHIP_ID", "00000000-0000-4000-8000-000000000001")
ACCOUNT_ID = os.environ.get("CLEANROOMSML_EXAMPLE_ACCOUNT_ID", "123456789012")
REGION = os.environ.get("CLEANROOMSML_EXAMPLE_REGION", "us-east-1")
MEMBERSHIP_ARN = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT_ID}:membership/{MEMBERSHIP_ID}"
# An ACTIVE trained model and the ML input channel to score, made beforehand (see the pipeline example).
TRAINED_MODEL_ARN = f"{MEMBERSHIP_ARN}/trained-model/0d9e8f7a-1b2c-4d3e-8f4a-5b6c7d8e9f0a"
ML_INPUT_CHANNEL_ARN = f"{MEMBERSHIP_ARN}/ml-input-channel/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"


@task
def summarize(description: dict) -> dict:
    """Use the JSON-safe description from XCom: here, pick what a report would need."""
    return {
        "name": description["name"],
        "status": description["status"],
        "started": description["createTime"],
        "finished": description["updateTime"],
        "output_to": [member["accountId"] for member in description["outputConfiguration"]["members"]],
    }


with DAG(
    dag_id="example_cleanroomsml",
    description="Start a Clean Rooms ML inference job, wait for it deferred, use its description",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "aws", "cleanroomsml"],
) as start_and_wait:
    # A retry of this task waits on the job its earlier try started instead of starting another
    # (action_if_exists="reattach"); a job still running when the task is killed is cancelled.
    start_job = CleanRoomsMLStartTrainedModelInferenceJobOperator(
        task_id="start_job",
        membership_identifier=MEMBERSHIP_ID,
        name="nightly-scoring-{{ run_id[:47] }}",
        trained_model_arn=TRAINED_MODEL_ARN,
        resource_config={"instanceType": "ml.m5.xlarge", "instanceCount": 1},
        output_configuration={"accept": "text/csv", "members": [{"accountId": ACCOUNT_ID}]},
        data_source={"mlInputChannelArn": ML_INPUT_CHANNEL_ARN},
        environment={"SCORING_MODE": "batch"},
        deferrable=True,
        waiter_delay=POLL_SECONDS,
        waiter_max_attempts=6 * 60 * 60 // POLL_SECONDS,
        retries=2,
    )
    # start_job returns the job's ARN; describe it now that it has finished.
    describe_job = CleanRoomsMLGetTrainedModelInferenceJobOperator(
        task_id="describe_job", trained_model_inference_job_arn=start_job.output
    )
    summarize(describe_job.output)


JOB_ARN = "{{ params.trained_model_inference_job_arn }}"

with DAG(
    dag_id="example_cleanroomsml_wait",
    description="Wait for a Clean Rooms ML inference job started elsewhere and use its description",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "aws", "cleanroomsml"],
    params={
        "trained_model_inference_job_arn": Param(
            f"{MEMBERSHIP_ARN}/trained-model-inference-job/example",
            type="string",
            description="The ARN of the trained model inference job to wait for",
        )
    },
) as wait_for_existing:
    describe_before = CleanRoomsMLGetTrainedModelInferenceJobOperator(
        task_id="describe_before", trained_model_inference_job_arn=JOB_ARN
    )
    # Deferrable: the wait holds no worker slot; the triggerer polls every POLL_SECONDS.
    wait_for_job = CleanRoomsMLTrainedModelInferenceJobSensor(
        task_id="wait_for_job",
        trained_model_inference_job_arn=JOB_ARN,
        deferrable=True,
        poke_interval=POLL_SECONDS,
        timeout=6 * 60 * 60,
        cancel_on_kill=False,  # someone else's job: leave it running if this task is killed
    )
    describe_after = CleanRoomsMLGetTrainedModelInferenceJobOperator(
        task_id="describe_after", trained_model_inference_job_arn=JOB_ARN
    )
    describe_before >> wait_for_job >> describe_after
    summarize(describe_after.output)
