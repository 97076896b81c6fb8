"""
A generation job seeded from S3: its lineage names the seed as OpenLineage names S3 data
(``test_lineage.py``; the example pipeline's seed is a query).
"""

from __future__ import annotations

import pendulum

try:
    from airflow.sdk import DAG
except ImportError:  # Airflow 2
    from airflow import DAG  # type: ignore[assignment]

from airflow_cleanroomsml.operators.cleanroomsml import CleanRoomsMLStartAudienceGenerationJobOperator

ACCOUNT_ID = "123456789012"
ACCOUNT_ARN = f"arn:aws:cleanrooms-ml:us-east-1:{ACCOUNT_ID}"
CONFIGURED_AUDIENCE_MODEL = f"{ACCOUNT_ARN}:configured-audience-model/9c8b7a6f-5e4d-4c3b-8a2f-1e0d9c8b7a6f"
"""The example's configured audience model (registered by the tests, as the example's is)."""
SEED_S3_URI = "s3://example-seed-audiences/seeds/converters.csv"

with DAG(
    "lineage_s3_seed", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False
) as s3_seed:
    CleanRoomsMLStartAudienceGenerationJobOperator(
        task_id="segment_from_s3",
        name="segment-from-s3-{{ ds_nodash }}",
        configured_audience_model_arn=CONFIGURED_AUDIENCE_MODEL,
        seed_audience={
            "dataSource": {"s3Uri": SEED_S3_URI},
            "roleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/cleanrooms-ml-seed-audience",
        },
        waiter_delay=1,
        waiter_max_attempts=60,
    )
