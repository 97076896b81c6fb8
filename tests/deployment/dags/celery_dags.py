"""
DAGs the deployment tests' Celery leg runs: start operators fanned out, and the runs its components die under.

``CLEANROOMSML_CELERY_PARENTS`` (set by the test, JSON) names the memberships of each scenario and
the parents the emulator holds in them: an ACTIVE trained model and ML input channel in each
membership, ACTIVE configured audience models. Without it (the LocalExecutor leg) there is
nothing to define.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import pendulum

try:
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG  # type: ignore[assignment]

from airflow_cleanroomsml.operators.cleanroomsml import (
    CleanRoomsMLGetTrainedModelInferenceJobOperator,
    CleanRoomsMLStartTrainedModelInferenceJobOperator,
)
from airflow_cleanroomsml.operators.lookalike import CleanRoomsMLStartAudienceGenerationJobOperator
from airflow_cleanroomsml.operators.trained_models import CleanRoomsMLStartTrainedModelExportJobOperator

PARENTS: dict[str, Any] = json.loads(os.environ.get("CLEANROOMSML_CELERY_PARENTS") or "{}")
START = pendulum.datetime(2026, 1, 1, tz="UTC")
RUN_NAME = "{{ run_id | replace(':', '-') | replace('+', '-') | replace('.', '-') }}"
MEMBERS = {"members": [{"accountId": "123456789012"}]}
WAIT: dict[str, Any] = {"waiter_delay": 1, "waiter_max_attempts": 300}
"""Every wait: a read a second, 300 at most (a budget of 300 s, and a deadline 60 s after that)."""


def scoring(membership: str, name: str) -> dict[str, Any]:
    """The arguments of an inference job in ``membership``, over its registered model and channel."""
    return {
        "membership_identifier": membership,
        "name": name,
        "trained_model_arn": PARENTS["trained_models"][membership],
        "data_source": {"mlInputChannelArn": PARENTS["channels"][membership]},
    }


class StartThenStall(CleanRoomsMLStartTrainedModelInferenceJobOperator):
    """The start operator, whose first try stops between its Start call and its deferral: for good."""

    def execute(self, context: Any) -> Any:
        self.first_try = context["ti"].try_number == 1
        return super().execute(context)

    def create(self, request: dict[str, Any]) -> dict[str, Any]:
        created = super().create(request)
        if self.first_try:
            self.log.info("Stalling between the Start call and the deferral, for the test to kill the worker")
            time.sleep(600)
        return created


if PARENTS:
    INFERENCE: dict[str, Any] = {
        "resource_config": {"instanceType": "ml.m5.xlarge", "instanceCount": 1},
        "output_configuration": MEMBERS,
        "deferrable": True,
        **WAIT,
    }
    SOLO = PARENTS["memberships"]["solo"]

    with DAG("celery_fan_out", schedule=None, start_date=START, catchup=False) as fan_out:
        fan_memberships = PARENTS["memberships"]["fan_out"]
        CleanRoomsMLStartTrainedModelInferenceJobOperator.partial(task_id="score", **INFERENCE).expand_kwargs(
            [scoring(m, f"fan-out-{m[-3:]}-{i}") for m in fan_memberships for i in (1, 2)]
        )
        CleanRoomsMLStartTrainedModelExportJobOperator.partial(
            task_id="export", output_configuration=MEMBERS, deferrable=True, **WAIT
        ).expand_kwargs(
            [
                {
                    "membership_identifier": m,
                    "name": f"fan-out-export-{m[-3:]}",
                    "trained_model_arn": PARENTS["trained_models"][m],
                }
                for m in fan_memberships
            ]
        )
        CleanRoomsMLStartAudienceGenerationJobOperator.partial(
            task_id="segment",
            seed_audience={
                "dataSource": {"s3Uri": "s3://seed-audiences/seed.csv"},
                "roleArn": "arn:aws:iam::123456789012:role/seed-reader",
            },
            deferrable=True,
            **WAIT,
        ).expand_kwargs(
            [
                {"name": f"fan-out-segment-{i}", "configured_audience_model_arn": arn}
                for i, arn in enumerate(PARENTS["configured_audience_models"])
            ]
        )

    with DAG(
        "celery_worker_killed",
        schedule=None,
        start_date=START,
        catchup=False,
        default_args={"retries": 1, "retry_delay": pendulum.duration(seconds=1)},
    ) as worker_killed:
        StartThenStall(task_id="start", **scoring(SOLO, f"stalled-{RUN_NAME}"), **INFERENCE)

    with DAG("celery_scheduler_killed", schedule=None, start_date=START, catchup=False) as scheduler_killed:
        (
            CleanRoomsMLStartTrainedModelInferenceJobOperator(
                task_id="start", **scoring(SOLO, f"carried-{RUN_NAME}"), **INFERENCE
            )
            >> CleanRoomsMLGetTrainedModelInferenceJobOperator(
                task_id="describe",
                trained_model_inference_job_arn="{{ ti.xcom_pull(task_ids='start') }}",
                membership_identifier=SOLO,
            )
        )

    with DAG("celery_triggerer_killed", schedule=None, start_date=START, catchup=False) as triggerer_killed:
        CleanRoomsMLStartTrainedModelInferenceJobOperator.partial(task_id="score", **INFERENCE).expand_kwargs(
            [scoring(m, f"handed-over-{m[-3:]}") for m in PARENTS["memberships"]["handover"]]
        )

    with DAG("celery_mark_failed", schedule=None, start_date=START, catchup=False) as mark_failed:
        CleanRoomsMLStartTrainedModelInferenceJobOperator(
            task_id="start", **scoring(SOLO, f"marked-{RUN_NAME}"), **INFERENCE
        )
