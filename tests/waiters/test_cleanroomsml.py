from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.exceptions import WaiterError
from botocore.stub import Stubber

import airflow_cleanroomsml
from airflow_cleanroomsml.hooks.cleanroomsml import (
    TRAINED_MODEL_INFERENCE_JOB_CANCELLED,
    TRAINED_MODEL_INFERENCE_JOB_COMPLETE,
    CleanRoomsMLHook,
)
from airflow_cleanroomsml.judging import judge
from airflow_cleanroomsml.kinds import TRAINED_MODEL_INFERENCE_JOB
from airflow_cleanroomsml.sensors.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobSensor
from tests.helpers import ALL_STATUSES, JOB_ARN, MEMBERSHIP_ID, job_description

SUCCESS_STATES = CleanRoomsMLTrainedModelInferenceJobSensor.SUCCESS_STATES
FAILURE_STATES = CleanRoomsMLTrainedModelInferenceJobSensor.FAILURE_STATES
INTERMEDIATE_STATES = CleanRoomsMLTrainedModelInferenceJobSensor.INTERMEDIATE_STATES

WAITER_FILE = Path(airflow_cleanroomsml.__file__).parent / "waiters" / "cleanroomsml.json"


def _expected(state: str, waiter: str = TRAINED_MODEL_INFERENCE_JOB_COMPLETE) -> set[str]:
    acceptors = json.loads(WAITER_FILE.read_text())["waiters"][waiter]["acceptors"]
    return {acceptor["expected"] for acceptor in acceptors if acceptor["state"] == state}


def test_the_sensor_s_status_sets_are_read_from_the_waiter_json():
    assert _expected("success") == set(SUCCESS_STATES) == {"ACTIVE"}
    assert _expected("failure") == set(FAILURE_STATES) == {"CREATE_FAILED", "CANCEL_FAILED", "INACTIVE"}
    assert _expected("retry") == set(INTERMEDIATE_STATES)
    assert sorted(SUCCESS_STATES + FAILURE_STATES + INTERMEDIATE_STATES) == sorted(ALL_STATUSES)


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
    assert success == {"INACTIVE"}
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


@pytest.mark.parametrize(
    "waiter_name", [TRAINED_MODEL_INFERENCE_JOB_COMPLETE, TRAINED_MODEL_INFERENCE_JOB_CANCELLED]
)
@pytest.mark.parametrize("status", [*ALL_STATUSES, "SOME_FUTURE_STATUS"])
def test_the_judge_of_a_reading_is_the_waiter_json_s_verdict(waiter_name, status):
    """What every wait judges list summaries and descriptions with, without calling the waiter."""
    acceptors = json.loads(WAITER_FILE.read_text())["waiters"][waiter_name]["acceptors"]
    expected = next((a["state"] for a in acceptors if a["expected"] == status), "retry")
    summary = {"trainedModelInferenceJobArn": JOB_ARN, "status": status}
    assert judge(TRAINED_MODEL_INFERENCE_JOB, waiter_name, summary) == expected
    assert judge(TRAINED_MODEL_INFERENCE_JOB, waiter_name, job_description(status)) == expected


def _waiters_by_kind():
    from airflow_cleanroomsml.testing.kinds import EMULATED_KINDS

    return [
        (emulated, role, name) for emulated in EMULATED_KINDS for role, name in emulated.kind.waiters.items()
    ]


@pytest.mark.integration
@pytest.mark.parametrize(("emulated", "role", "name"), _waiters_by_kind(), ids=lambda value: str(value)[:40])
def test_every_waiter_get_waiter_hands_out_succeeds_on_its_operation_s_answer(
    emulated, role, name, cleanroomsml_emulator
):
    """A waiter a user can take from ``hook.get_waiter`` works; one that judges list summaries is refused."""
    from airflow_cleanroomsml.judging import waiter_definitions
    from airflow_cleanroomsml.kinds import QUESTIONS

    kind, hook = emulated.kind, CleanRoomsMLHook()
    definition = waiter_definitions(WAITER_FILE)[name]
    if role in QUESTIONS:
        with pytest.raises(ValueError, match="answers a question about one status"):
            hook.get_waiter(name)
        return
    if kind.get is None:
        with pytest.raises(ValueError, match=r"judges .* summaries"):
            hook.get_waiter(name)
        return
    assert definition["operation"] == kind.get
    success = next(a for a in definition["acceptors"] if a["state"] == "success")
    if success["matcher"] == "error":  # gone: the waiter succeeds on the service's not-found answer
        statuses = [next(iter(emulated.deleted or ("ACTIVE",)))]
    else:
        statuses = [success["expected"]]
    key = cleanroomsml_emulator.register(emulated, statuses)
    reference = kind.reference(**{kind.primary_argument: key})
    if success["matcher"] == "error":
        reference[kind.arn_member] = key.rsplit("/", 1)[0] + "/00000000-0000-4000-8000-00000000dead"
    hook.get_waiter(name).wait(**reference, WaiterConfig={"Delay": 0.01, "MaxAttempts": 2})
