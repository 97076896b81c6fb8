"""The hook, operator and trigger through the real boto3 and aiobotocore clients, over HTTP."""

from __future__ import annotations

import asyncio
import json

import pytest
from botocore.exceptions import ClientError

from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook
from airflow_cleanroomsml.inference_jobs import NOT_FOUND_READS_TOLERATED
from airflow_cleanroomsml.operators.cleanroomsml import CleanRoomsMLGetTrainedModelInferenceJobOperator
from airflow_cleanroomsml.triggers.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobCompleteTrigger

pytestmark = pytest.mark.integration

RUNNING = ["CREATE_PENDING", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "ACTIVE"]


def run_trigger(arn: str, attempts: int = 20) -> dict:
    trigger = CleanRoomsMLTrainedModelInferenceJobCompleteTrigger(
        trained_model_inference_job_arn=arn, waiter_delay=0, waiter_max_attempts=attempts, deadline=None
    )
    trigger.deadline += 60  # a zero delay would otherwise leave no time at all

    async def first_event():
        async for event in trigger.run():
            return event.payload

    return asyncio.run(first_event())


def test_hook_reads_a_job(cleanroomsml_emulator):
    arn = cleanroomsml_emulator.register_job(["CREATE_IN_PROGRESS"], name="scoring")
    job = CleanRoomsMLHook().get_trained_model_inference_job(arn)
    assert (job["name"], job["status"], job["trainedModelInferenceJobArn"]) == (
        "scoring",
        "CREATE_IN_PROGRESS",
        arn,
    )


def test_operator_returns_the_json_safe_description(cleanroomsml_emulator):
    arn = cleanroomsml_emulator.register_job(["ACTIVE"], environment={"MODE": "batch"}, description="nightly")
    value = CleanRoomsMLGetTrainedModelInferenceJobOperator(
        task_id="get", trained_model_inference_job_arn=arn
    ).execute({})
    assert json.loads(json.dumps(value)) == value
    assert value["status"] == "ACTIVE"
    assert value["description"] == "nightly"
    assert value["createTime"].endswith("+00:00")
    assert "ResponseMetadata" not in value


def test_trigger_waits_until_active(cleanroomsml_emulator):
    arn = cleanroomsml_emulator.register_job(RUNNING)
    event = run_trigger(arn)
    assert (event["status"], event["job_status"]) == ("success", "ACTIVE")
    assert cleanroomsml_emulator.calls["GetTrainedModelInferenceJob"] == len(RUNNING)


def test_trigger_reports_a_failure_with_its_details(cleanroomsml_emulator):
    arn = cleanroomsml_emulator.register_job(
        ["CREATE_IN_PROGRESS", "CREATE_FAILED"],
        status_details={"statusCode": "Quota", "message": "no capacity"},
    )
    event = run_trigger(arn)
    assert event["status"] == "error"
    assert event["status_details"] == {"statusCode": "Quota", "message": "no capacity"}


def test_trigger_survives_throttling_and_server_errors(cleanroomsml_emulator):
    cleanroomsml_emulator.faults.throttle_every = 2
    cleanroomsml_emulator.faults.error_every = 5
    arn = cleanroomsml_emulator.register_job(RUNNING)
    event = run_trigger(arn)
    assert (event["status"], event["job_status"]) == ("success", "ACTIVE")
    assert cleanroomsml_emulator.calls["GetTrainedModelInferenceJob"] > len(RUNNING)


def test_trigger_tolerates_a_job_not_found_for_its_first_reads(cleanroomsml_emulator):
    arn = cleanroomsml_emulator.register_job(RUNNING, not_found_reads=NOT_FOUND_READS_TOLERATED)
    assert run_trigger(arn)["status"] == "success"


def test_trigger_fails_a_job_that_stays_not_found(cleanroomsml_emulator):
    arn = cleanroomsml_emulator.register_job(RUNNING, not_found_reads=100)
    event = run_trigger(arn)
    assert event["status"] == "error"
    assert "not found" in event["message"]
    assert cleanroomsml_emulator.calls["GetTrainedModelInferenceJob"] == NOT_FOUND_READS_TOLERATED + 1


def test_access_denied_fails_at_once_with_the_aws_message(cleanroomsml_emulator):
    arn = cleanroomsml_emulator.register_job(RUNNING)
    cleanroomsml_emulator.fail_next("GetTrainedModelInferenceJob", "AccessDeniedException", times=2)
    event = run_trigger(arn)
    assert event["status"] == "error"
    assert event["message"] == (
        "AccessDeniedException: Injected AccessDeniedException for GetTrainedModelInferenceJob."
    )
    with pytest.raises(ClientError, match="AccessDeniedException"):
        CleanRoomsMLHook().get_trained_model_inference_job(arn)
    assert cleanroomsml_emulator.calls["GetTrainedModelInferenceJob"] == 2, "AccessDenied is never retried"
