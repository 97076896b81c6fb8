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


EMULATOR_MEMBERSHIP_ID = "00000000-0000-4000-8000-000000000001"
"""The emulator's default membership, which the integration tests' requests name."""
_EMULATOR_PREFIX = f"arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/{EMULATOR_MEMBERSHIP_ID}"
_ACCOUNT_ARN = "arn:aws:cleanrooms-ml:us-east-1:123456789012"
PARENTS = {
    "TRAINED_MODELS": f"{_EMULATOR_PREFIX}/trained-model/m1",
    "ML_INPUT_CHANNELS": f"{_EMULATOR_PREFIX}/ml-input-channel/c1",
    "CONFIGURED_MODEL_ALGORITHM_ASSOCIATIONS": (
        f"{_EMULATOR_PREFIX}/configured-model-algorithm-association/a1"
    ),
    "TRAINING_DATASETS": f"{_ACCOUNT_ARN}:training-dataset/t1",
    "CONFIGURED_AUDIENCE_MODELS": f"{_ACCOUNT_ARN}:configured-audience-model/c1",
}
"""The parents the integration tests' operators and DAGs name (by the emulated kind's name): what a
user's AWS account has before their DAGs run."""


def register_parents(emulator: Any) -> None:
    """Register :data:`PARENTS` in the emulator, each ``ACTIVE``, as a user's conftest would."""
    from airflow_cleanroomsml import testing

    for name, arn in PARENTS.items():
        emulated = getattr(testing, name)
        emulator.register(emulated, ["ACTIVE"], name="parent", **{emulated.kind.arn_member: arn})


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

__all__ = [
    "ALL_STATUSES",
    "EMULATOR_MEMBERSHIP_ID",
    "JOB_ARN",
    "MEMBERSHIP_ID",
    "PARENTS",
    "TaskDeferred",
    "job_description",
    "register_parents",
]
