"""
Lookalike segments with AWS Clean Rooms ML, weekly: retrain the audience model, expand a seed, export.

``example_cleanroomsml_lookalike`` retrains the audience model on the last 90 days of the training
dataset (AWS suggests weekly; training can take up to 24 hours), points the configured audience
model the collaboration uses at the new model, expands a seed audience selected by a SQL query in
the collaboration into a lookalike segment (an audience generation job), and exports the segment
at two sizes (audience export jobs). Audience models and their jobs belong to the account, not to
a membership.

It uses the ``aws_default`` connection; ``example_dags/run_example.py`` runs it end to end against
the bundled emulator.
"""

from __future__ import annotations

import os

import pendulum

try:
    from airflow.sdk import DAG, task
except ImportError:  # Airflow 2
    from airflow import DAG  # type: ignore[assignment]
    from airflow.decorators import task  # type: ignore[no-redef]

from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook
from airflow_cleanroomsml.operators.cleanroomsml import (
    CleanRoomsMLCreateAudienceModelOperator,
    CleanRoomsMLStartAudienceExportJobOperator,
    CleanRoomsMLStartAudienceGenerationJobOperator,
)

POLL_SECONDS = int(os.environ.get("CLEANROOMSML_EXAMPLE_POLL_SECONDS", "300"))
ACCOUNT_ID = os.environ.get("CLEANROOMSML_EXAMPLE_ACCOUNT_ID", "123456789012")
REGION = os.environ.get("CLEANROOMSML_EXAMPLE_REGION", "us-east-1")
COLLABORATION_ID = os.environ.get(
    "CLEANROOMSML_EXAMPLE_COLLABORATION_ID", "00000000-0000-4000-8000-0000000000c0"
)
ACCOUNT_ARN = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT_ID}"
TRAINING_DATASET = f"{ACCOUNT_ARN}:training-dataset/4b1d2c3e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
CONFIGURED_AUDIENCE_MODEL = f"{ACCOUNT_ARN}:configured-audience-model/9c8b7a6f-5e4d-4c3b-8a2f-1e0d9c8b7a6f"
SEED_ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/cleanrooms-ml-seed-audience"
SEGMENT_SIZES = (10_000, 50_000)


@task
def use_new_model(audience_model_arn: str) -> str:
    """Point the configured audience model the collaboration uses at the model just trained."""
    CleanRoomsMLHook().update_configured_audience_model(
        configured_audience_model_arn=CONFIGURED_AUDIENCE_MODEL, audience_model_arn=audience_model_arn
    )
    return CONFIGURED_AUDIENCE_MODEL


with DAG(
    dag_id="example_cleanroomsml_lookalike",
    description="Weekly: retrain the audience model, expand a seed audience, export two segment sizes",
    schedule="@weekly",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "aws", "cleanroomsml"],
) as lookalike:
    retrain = CleanRoomsMLCreateAudienceModelOperator(
        task_id="retrain",
        name="lookalike-{{ ds_nodash }}",
        training_dataset_arn=TRAINING_DATASET,
        training_data_start_time="{{ (data_interval_end - macros.timedelta(days=90)).isoformat() }}",
        training_data_end_time="{{ data_interval_end.isoformat() }}",
        deferrable=True,
        waiter_delay=POLL_SECONDS,
        waiter_max_attempts=36 * 60 * 60 // POLL_SECONDS,
    )
    segment = CleanRoomsMLStartAudienceGenerationJobOperator(
        task_id="segment",
        name="segment-{{ ds_nodash }}",
        configured_audience_model_arn=use_new_model(retrain.output),
        seed_audience={
            "sqlParameters": {"queryString": "SELECT user_id FROM converters WHERE week = '{{ ds }}'"},
            "roleArn": SEED_ROLE,
        },
        collaboration_id=COLLABORATION_ID,
        deferrable=True,
        waiter_delay=POLL_SECONDS,
        waiter_max_attempts=12 * 60 * 60 // POLL_SECONDS,
    )
    for size in SEGMENT_SIZES:
        CleanRoomsMLStartAudienceExportJobOperator(
            task_id=f"export_{size}",
            name=f"segment-{{{{ ds_nodash }}}}-{size}",
            audience_generation_job_arn=segment.output,
            audience_size={"type": "ABSOLUTE", "value": size},
            deferrable=True,
            waiter_delay=POLL_SECONDS,
            waiter_max_attempts=6 * 60 * 60 // POLL_SECONDS,
        )
