from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.exceptions import WaiterError
from botocore.stub import Stubber

import airflow_cleanroomsml
from airflow_cleanroomsml.hooks.cleanroomsml import TRAINED_MODEL_INFERENCE_JOB_COMPLETE, CleanRoomsMLHook
from airflow_cleanroomsml.inference_jobs import FAILURE_STATES, INTERMEDIATE_STATES, SUCCESS_STATES
from tests.helpers import ALL_STATUSES, JOB_ARN, MEMBERSHIP_ID, job_description

WAITER_FILE = Path(airflow_cleanroomsml.__file__).parent / "waiters" / "cleanroomsml.json"


def _expected(state: str) -> set[str]:
    acceptors = json.loads(WAITER_FILE.read_text())["waiters"][TRAINED_MODEL_INFERENCE_JOB_COMPLETE][
        "acceptors"
    ]
    return {acceptor["expected"] for acceptor in acceptors if acceptor["state"] == state}


def test_waiter_json_states_the_same_sets_as_the_sensor():
    assert _expected("success") == set(SUCCESS_STATES)
    assert _expected("failure") == set(FAILURE_STATES)
    assert _expected("retry") == set(INTERMEDIATE_STATES)


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_waiter_verdict_for_every_status(status):
    hook = CleanRoomsMLHook(aws_conn_id=None, region_name="us-east-1")
    waiter = hook.get_waiter(TRAINED_MODEL_INFERENCE_JOB_COMPLETE)
    with Stubber(hook.conn) as stubber:
        stubber.add_response(
            "get_trained_model_inference_job",
            job_description(status),
            {"membershipIdentifier": MEMBERSHIP_ID, "trainedModelInferenceJobArn": JOB_ARN},
        )
        args = {"membershipIdentifier": MEMBERSHIP_ID, "trainedModelInferenceJobArn": JOB_ARN}
        if status in SUCCESS_STATES:
            waiter.wait(**args, WaiterConfig={"MaxAttempts": 1})
            return
        with pytest.raises(WaiterError) as error:
            waiter.wait(**args, WaiterConfig={"MaxAttempts": 1})
    reason = error.value.kwargs["reason"]
    if status in FAILURE_STATES:
        assert "terminal failure" in reason
    else:
        assert reason.startswith("Max attempts exceeded")
