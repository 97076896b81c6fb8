"""
The custom-model pipeline of AWS Clean Rooms ML, on a schedule: train weekly, score daily.

- ``example_cleanroomsml_training`` (weekly): an ML input channel runs the training query over
  the collaboration's data; the model is retrained on it; the model's Asset (a Dataset on
  Airflow 2) is updated when the new model is ``ACTIVE``.
- ``example_cleanroomsml_scoring`` (daily, and whenever a new model version is ``ACTIVE``): the
  newest ``ACTIVE`` version of the model, an input channel of today's data, an inference job on
  it, and an export of the model version used to the member who receives the scores.

Every wait is deferred (no worker slot held while training runs for hours) and bounded. Both use
the ``aws_default`` connection; ``example_dags/run_example.py`` runs them end to end against the
bundled emulator.
"""

from __future__ import annotations

import os

import pendulum

try:  # Airflow 3.1 and later
    from airflow.sdk import DAG, Asset, AssetOrTimeSchedule, CronTriggerTimetable
except ImportError:
    try:  # Airflow 3.0
        from airflow.sdk import DAG, Asset
        from airflow.timetables.assets import AssetOrTimeSchedule  # type: ignore[no-redef]
        from airflow.timetables.trigger import CronTriggerTimetable  # type: ignore[no-redef]
    except ImportError:  # Airflow 2
        from airflow import DAG  # type: ignore[assignment,no-redef]
        from airflow.datasets import Dataset as Asset  # type: ignore[no-redef]
        from airflow.timetables.datasets import DatasetOrTimeSchedule as AssetOrTimeSchedule  # type: ignore
        from airflow.timetables.trigger import CronTriggerTimetable  # type: ignore[no-redef]

from airflow_cleanroomsml.operators.cleanroomsml import (
    CleanRoomsMLCreateMLInputChannelOperator,
    CleanRoomsMLCreateTrainedModelOperator,
    CleanRoomsMLGetLatestTrainedModelOperator,
    CleanRoomsMLStartTrainedModelExportJobOperator,
    CleanRoomsMLStartTrainedModelInferenceJobOperator,
)

# Real training runs for hours and scoring for minutes: read every few minutes. The emulator run
# reads every second.
POLL_SECONDS = int(os.environ.get("CLEANROOMSML_EXAMPLE_POLL_SECONDS", "300"))
MEMBERSHIP_ID = os.environ.get("CLEANROOMSML_EXAMPLE_MEMBERSHIP_ID", "00000000-0000-4000-8000-000000000001")
ACCOUNT_ID = os.environ.get("CLEANROOMSML_EXAMPLE_ACCOUNT_ID", "123456789012")
REGION = os.environ.get("CLEANROOMSML_EXAMPLE_REGION", "us-east-1")
MEMBERSHIP_ARN = f"arn:aws:cleanrooms-ml:{REGION}:{ACCOUNT_ID}:membership/{MEMBERSHIP_ID}"
ALGORITHM = f"{MEMBERSHIP_ARN}/configured-model-algorithm-association/7a1f0c2e-9b3d-4e5f-8a6b-1c2d3e4f5a6b"
ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/cleanrooms-ml-input-channel"
MODEL_NAME = "churn-propensity"
MODEL_ASSET = Asset(f"cleanroomsml://{REGION}/{MEMBERSHIP_ID}/trained-model/{MODEL_NAME}")


def query_channel(task_id: str, query: str, **kwargs) -> CleanRoomsMLCreateMLInputChannelOperator:
    """An ML input channel whose protected query selects the training (or scoring) rows."""
    return CleanRoomsMLCreateMLInputChannelOperator(
        task_id=task_id,
        membership_identifier=MEMBERSHIP_ID,
        configured_model_algorithm_associations=[ALGORITHM],
        input_channel={
            "dataSource": {"protectedQueryInputParameters": {"sqlParameters": {"queryString": query}}},
            "roleArn": ROLE,
        },
        retention_in_days=7,
        deferrable=True,
        waiter_delay=POLL_SECONDS,
        waiter_max_attempts=6 * 60 * 60 // POLL_SECONDS,
        **kwargs,
    )


def on_new_models_or(cron: str):
    """Run on a cron schedule, and whenever the model's Asset (Dataset) is updated."""
    timetable = CronTriggerTimetable(cron, timezone="UTC")
    try:
        return AssetOrTimeSchedule(timetable=timetable, assets=[MODEL_ASSET])
    except TypeError:  # Airflow 2 names them datasets
        return AssetOrTimeSchedule(timetable=timetable, datasets=[MODEL_ASSET])


with DAG(
    dag_id="example_cleanroomsml_training",
    description="Weekly: an ML input channel from a query, then a new version of the trained model",
    schedule="@weekly",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "aws", "cleanroomsml"],
) as training:
    training_data = query_channel(
        "training_data",
        "SELECT user_id, features, churned FROM training_view WHERE week = '{{ ds }}'",
        name="training-{{ ds_nodash }}",
    )
    # The model's ARN is this task's XCom; its outlet's event says which version is ACTIVE.
    train = CleanRoomsMLCreateTrainedModelOperator(
        task_id="train",
        membership_identifier=MEMBERSHIP_ID,
        name=MODEL_NAME,
        configured_model_algorithm_association_arn=ALGORITHM,
        resource_config={"instanceType": "ml.m5.xlarge", "instanceCount": 1, "volumeSizeInGB": 50},
        data_channels=[{"mlInputChannelArn": training_data.output, "channelName": "train"}],
        hyperparameters={"epochs": "20", "learning_rate": "0.01"},
        stopping_condition={"maxRuntimeInSeconds": 24 * 60 * 60},
        deferrable=True,
        waiter_delay=POLL_SECONDS,
        waiter_max_attempts=3 * 24 * 60 * 60 // POLL_SECONDS,
        outlets=[MODEL_ASSET],
    )
    training_data >> train


with DAG(
    dag_id="example_cleanroomsml_scoring",
    description="Daily and on every new model version: score today's rows with the newest ACTIVE model",
    schedule=on_new_models_or("0 6 * * *"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["example", "aws", "cleanroomsml"],
) as scoring:
    latest = CleanRoomsMLGetLatestTrainedModelOperator(
        task_id="latest_model", membership_identifier=MEMBERSHIP_ID, name=MODEL_NAME
    )
    scoring_data = query_channel(
        "scoring_data",
        "SELECT user_id, features FROM scoring_view WHERE day = '{{ ds }}'",
        name="scoring-{{ ds_nodash }}",
    )
    score = CleanRoomsMLStartTrainedModelInferenceJobOperator(
        task_id="score",
        membership_identifier=MEMBERSHIP_ID,
        name="scoring-{{ ds_nodash }}",
        trained_model_arn=latest.output["trainedModelArn"],
        trained_model_version_identifier=latest.output["versionIdentifier"],
        configured_model_algorithm_association_arn=ALGORITHM,
        resource_config={"instanceType": "ml.m5.xlarge", "instanceCount": 1},
        output_configuration={"accept": "text/csv", "members": [{"accountId": ACCOUNT_ID}]},
        data_source={"mlInputChannelArn": scoring_data.output},
        environment={"SCORING_MODE": "batch"},
        deferrable=True,
        waiter_delay=POLL_SECONDS,
        waiter_max_attempts=6 * 60 * 60 // POLL_SECONDS,
    )
    export = CleanRoomsMLStartTrainedModelExportJobOperator(
        task_id="export_model",
        membership_identifier=MEMBERSHIP_ID,
        name="scored-with-{{ ds_nodash }}",
        trained_model_arn=latest.output["trainedModelArn"],
        trained_model_version_identifier=latest.output["versionIdentifier"],
        output_configuration={"members": [{"accountId": ACCOUNT_ID}]},
        deferrable=True,
        waiter_delay=POLL_SECONDS,
        waiter_max_attempts=6 * 60 * 60 // POLL_SECONDS,
    )
    score >> export
