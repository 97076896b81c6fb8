from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.exceptions import WaiterError
from botocore.stub import Stubber

import airflow_cleanroomsml
from airflow_cleanroomsml.hooks.cleanroomsml import (
    SUCCESS_STATUS_OF_WAITER,
    TRAINED_MODEL_INFERENCE_JOB_CANCELLED,
    TRAINED_MODEL_INFERENCE_JOB_COMPLETE,
    CleanRoomsMLHook,
    waiter_state,
)
from airflow_cleanroomsml.inference_jobs import FAILURE_STATES, INTERMEDIATE_STATES, SUCCESS_STATES
from tests.helpers import ALL_STATUSES, JOB_ARN, MEMBERSHIP_ID, job_description

WAITER_FILE = Path(airflow_cleanroomsml.__file__).parent / "waiters" / "cleanroomsml.json"


def _expected(state: str, waiter: str = TRAINED_MODEL_INFERENCE_JOB_COMPLETE) -> set[str]:
    acceptors = json.loads(WAITER_FILE.read_text())["waiters"][waiter]["acceptors"]
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


def test_cancelled_waiter_covers_every_status_once():
    success, failure, retry = (
        _expected(state, TRAINED_MODEL_INFERENCE_JOB_CANCELLED) for state in ("success", "failure", "retry")
    )
    assert success == {SUCCESS_STATUS_OF_WAITER[TRAINED_MODEL_INFERENCE_JOB_CANCELLED]} == {"INACTIVE"}
    assert failure == {"CANCEL_FAILED", "CREATE_FAILED", "ACTIVE"}
    assert sorted(success | failure | retry) == sorted(ALL_STATUSES)
    assert len(success) + len(failure) + len(retry) == len(ALL_STATUSES), "no status in two sets"


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_cancelled_waiter_verdict_for_every_status(status):
    hook = CleanRoomsMLHook(aws_conn_id=None, region_name="us-east-1")
    waiter = hook.get_waiter(TRAINED_MODEL_INFERENCE_JOB_CANCELLED)
    args = {"membershipIdentifier": MEMBERSHIP_ID, "trainedModelInferenceJobArn": JOB_ARN}
    with Stubber(hook.conn) as stubber:
        stubber.add_response("get_trained_model_inference_job", job_description(status), args)
        if status == "INACTIVE":
            waiter.wait(**args, WaiterConfig={"MaxAttempts": 1})
            return
        with pytest.raises(WaiterError) as error:
            waiter.wait(**args, WaiterConfig={"MaxAttempts": 1})
    terminal = status in _expected("failure", TRAINED_MODEL_INFERENCE_JOB_CANCELLED)
    assert ("terminal failure" in error.value.kwargs["reason"]) is terminal


@pytest.mark.parametrize("waiter_name", list(SUCCESS_STATUS_OF_WAITER))
@pytest.mark.parametrize("status", [*ALL_STATUSES, "SOME_FUTURE_STATUS"])
def test_waiter_state_of_a_reading_is_the_waiter_json_s_verdict(waiter_name, status):
    """What the trigger judges list summaries and descriptions with, without calling the waiter."""
    acceptors = json.loads(WAITER_FILE.read_text())["waiters"][waiter_name]["acceptors"]
    expected = next((a["state"] for a in acceptors if a["expected"] == status), "retry")
    summary = {"trainedModelInferenceJobArn": JOB_ARN, "status": status}
    assert waiter_state(waiter_name, summary) == expected
    assert waiter_state(waiter_name, job_description(status)) == expected
