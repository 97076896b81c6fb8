"""Values and builders shared by the tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

MEMBERSHIP_ID = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
JOB_ARN = (
    f"arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/{MEMBERSHIP_ID}"
    "/trained-model-inference-job/6f1c2d3e-aaaa-4bbb-8ccc-0123456789ab"
)


_PREFIX = f"arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/{MEMBERSHIP_ID}"


def job_description(status: str, **extra: Any) -> dict[str, Any]:
    """A ``GetTrainedModelInferenceJob`` response body as boto3 returns it."""
    return {
        "createTime": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "updateTime": datetime(2026, 1, 2, 3, 14, 5, tzinfo=UTC),
        "trainedModelInferenceJobArn": JOB_ARN,
        "name": "nightly-scoring",
        "status": status,
        "trainedModelArn": f"{_PREFIX}/trained-model/m1",
        "resourceConfig": {"instanceType": "ml.m5.xlarge", "instanceCount": 1},
        "outputConfiguration": {"members": [{"accountId": "123456789012"}]},
        "membershipIdentifier": MEMBERSHIP_ID,
        "dataSource": {"mlInputChannelArn": f"{_PREFIX}/ml-input-channel/c1"},
        **extra,
    }


ALL_STATUSES = (
    "CREATE_PENDING",
    "CREATE_IN_PROGRESS",
    "CREATE_FAILED",
    "ACTIVE",
    "CANCEL_PENDING",
    "CANCEL_IN_PROGRESS",
    "CANCEL_FAILED",
    "INACTIVE",
)

try:
    from airflow.sdk.exceptions import TaskDeferred
except ImportError:  # Airflow 2
    from airflow.exceptions import TaskDeferred  # type: ignore[no-redef]

__all__ = ["ALL_STATUSES", "JOB_ARN", "MEMBERSHIP_ID", "TaskDeferred", "job_description"]
