"""The hook, operator and trigger through the real boto3 and aiobotocore clients, over HTTP."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from botocore.exceptions import ClientError

from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook
from airflow_cleanroomsml.operators.cleanroomsml import CleanRoomsMLGetTrainedModelInferenceJobOperator
from airflow_cleanroomsml.testing import CleanRoomsMLEmulator
from airflow_cleanroomsml.triggers.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobCompleteTrigger
from airflow_cleanroomsml.waiting import NOT_FOUND_READS_TOLERATED

pytestmark = pytest.mark.integration

RUNNING = ["CREATE_PENDING", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "ACTIVE"]


def run_trigger(arn: str, attempts: int = 20, botocore_config: dict | None = None) -> dict:
    trigger = CleanRoomsMLTrainedModelInferenceJobCompleteTrigger(
        trained_model_inference_job_arn=arn,
        waiter_delay=0,
        waiter_max_attempts=attempts,
        deadline=None,
        botocore_config=botocore_config,
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
    assert (event["status"], event["resource_status"]) == ("success", "ACTIVE")
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
    assert (event["status"], event["resource_status"]) == ("success", "ACTIVE")
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


def test_trigger_survives_connection_resets_and_read_timeouts(cleanroomsml_emulator):
    cleanroomsml_emulator.faults.reset_every = 3
    cleanroomsml_emulator.faults.stall_every = 4
    cleanroomsml_emulator.faults.stall_seconds = 0.6
    arn = cleanroomsml_emulator.register_job(RUNNING)
    event = run_trigger(
        arn, botocore_config={"read_timeout": 0.3, "retries": {"mode": "standard", "max_attempts": 5}}
    )
    assert (event["status"], event["resource_status"]) == ("success", "ACTIVE")
    assert cleanroomsml_emulator.calls["GetTrainedModelInferenceJob"] > len(RUNNING)


def test_trigger_keeps_polling_when_retries_run_out_on_a_connection_error(cleanroomsml_emulator):
    """A connection error that outlives botocore's retries uses up a poll; the next poll goes on."""
    cleanroomsml_emulator.faults.reset_every = 2
    arn = cleanroomsml_emulator.register_job(RUNNING)
    event = run_trigger(arn, botocore_config={"retries": {"total_max_attempts": 1}})
    assert (event["status"], event["resource_status"]) == ("success", "ACTIVE")


def assume_role_connection(emulator, monkeypatch, **extra) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_DEFAULT",
        json.dumps(
            {
                "conn_type": "aws",
                "login": "base-key",
                "password": "base-secret",
                "extra": {
                    **emulator.connection_extra(),
                    "role_arn": "arn:aws:iam::123456789012:role/scoring",
                    "service_config": {"sts": {"endpoint_url": emulator.endpoint_url}},
                    **extra,
                },
            }
        ),
    )


def test_a_long_deferred_wait_refreshes_expiring_assumed_role_credentials(monkeypatch):
    with CleanRoomsMLEmulator(credential_lifetime=1.0) as emulator:
        assume_role_connection(emulator, monkeypatch)
        arn = emulator.register_job(["CREATE_PENDING"] * 3 + ["ACTIVE"])
        trigger = CleanRoomsMLTrainedModelInferenceJobCompleteTrigger(
            trained_model_inference_job_arn=arn, waiter_delay=1, waiter_max_attempts=10
        )

        async def first_event():
            async for event in trigger.run():
                return event.payload

        event = asyncio.run(first_event())  # 4 polls a second apart: every credential expires mid-wait
    assert (event["status"], event["resource_status"]) == ("success", "ACTIVE")
    assert emulator.calls["AssumeRole"] >= 2, "the credentials were refreshed during the wait"


def test_expired_credentials_are_refused_like_aws_does(monkeypatch):
    """The control: credentials that are not refreshed fail once they expire."""
    import boto3

    with CleanRoomsMLEmulator(credential_lifetime=0.5) as emulator:
        sts = boto3.client("sts", endpoint_url=emulator.endpoint_url, region_name="us-east-1")
        issued = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/scoring", RoleSessionName="session")[
            "Credentials"
        ]
        client = boto3.client(
            "cleanroomsml",
            endpoint_url=emulator.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=issued["AccessKeyId"],
            aws_secret_access_key=issued["SecretAccessKey"],
            aws_session_token=issued["SessionToken"],
        )
        arn = emulator.register_job(["ACTIVE"])
        client.get_trained_model_inference_job(
            membershipIdentifier=emulator.membership_id, trainedModelInferenceJobArn=arn
        )
        time.sleep(0.6)
        with pytest.raises(ClientError, match="ExpiredTokenException"):
            client.get_trained_model_inference_job(
                membershipIdentifier=emulator.membership_id, trainedModelInferenceJobArn=arn
            )


def test_assumed_role_credentials_refresh_off_the_event_loop(monkeypatch):
    """The refresh's STS call runs in a worker thread: the loop goes on while STS answers."""
    import inspect

    with CleanRoomsMLEmulator(credential_lifetime=3600) as emulator:
        assume_role_connection(emulator, monkeypatch)
        credentials = CleanRoomsMLHook().get_session(deferrable=True)._credentials
        assert inspect.iscoroutinefunction(credentials._refresh_using)
        emulator.faults.sts_latency = 0.3

        async def refresh_while_the_loop_ticks() -> tuple[dict, int]:
            ticks = 0

            async def tick():
                nonlocal ticks
                while True:
                    ticks += 1
                    await asyncio.sleep(0.01)

            ticker = asyncio.create_task(tick())
            metadata = await credentials._refresh_using()
            ticker.cancel()
            return metadata, ticks

        metadata, ticks = asyncio.run(refresh_while_the_loop_ticks())
    assert metadata["access_key"].startswith("ASIA")
    assert ticks > 10, "the loop kept running through the 0.3 s STS call"
