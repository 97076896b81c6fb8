from __future__ import annotations

import asyncio
import contextlib
import importlib
import time
from typing import Any
from unittest import mock

import pytest
from aiobotocore.session import get_session
from aiobotocore.stub import AioStubber

from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook
from airflow_cleanroomsml.sensors.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobSensor
from airflow_cleanroomsml.triggers.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobCompleteTrigger
from airflow_cleanroomsml.waiting import DEADLINE_GRACE_SECONDS, NOT_FOUND_READS_TOLERATED
from tests.helpers import JOB_ARN, MEMBERSHIP_ID, job_description

FAILURE_STATES = CleanRoomsMLTrainedModelInferenceJobSensor.FAILURE_STATES
INTERMEDIATE_STATES = CleanRoomsMLTrainedModelInferenceJobSensor.INTERMEDIATE_STATES
GET = "get_trained_model_inference_job"
GET_PARAMS = {"membershipIdentifier": MEMBERSHIP_ID, "trainedModelInferenceJobArn": JOB_ARN}


def make_trigger(**kwargs: Any) -> CleanRoomsMLTrainedModelInferenceJobCompleteTrigger:
    kwargs.setdefault("waiter_delay", 0.01)
    kwargs.setdefault("waiter_max_attempts", 5)
    kwargs.setdefault("deadline", time.time() + 60)
    return CleanRoomsMLTrainedModelInferenceJobCompleteTrigger(
        trained_model_inference_job_arn=JOB_ARN, aws_conn_id=None, region_name="us-east-1", **kwargs
    )


def run_trigger(trigger, script) -> tuple[list[dict], AioStubber]:
    """Run the trigger to its first event against a stubbed aiobotocore client; ``script`` adds responses."""

    async def go():
        async with get_session().create_client(
            "cleanroomsml", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
        ) as client:
            stubber = AioStubber(client)
            script(stubber)

            def client_factory(self):
                return contextlib.nullcontext(client)

            with stubber, mock.patch.object(CleanRoomsMLHook, "_get_async_conn", client_factory):
                events = [event.payload async for event in trigger.run()]
            return events, stubber

    return asyncio.run(go())


def respond(*statuses: str, **extra: Any):
    def script(stubber):
        for status in statuses:
            stubber.add_response(GET, job_description(status, **extra), GET_PARAMS)

    return script


def test_serialize_round_trips_every_field():
    trigger = make_trigger(
        membership_identifier=MEMBERSHIP_ID,
        waiter_delay=7,
        waiter_max_attempts=9,
        deadline=1_900_000_000.5,
        execution_deadline=1_899_999_000.25,
        cancel_on_kill=True,
        botocore_config={"retries": {"mode": "adaptive", "max_attempts": 10}},
        verify="/etc/ssl/ca.pem",
    )
    classpath, kwargs = trigger.serialize()
    module, _, name = classpath.rpartition(".")
    rebuilt = getattr(importlib.import_module(module), name)(**kwargs)
    assert rebuilt.serialize() == (classpath, kwargs)
    assert kwargs == {
        "trained_model_inference_job_arn": JOB_ARN,
        "membership_identifier": MEMBERSHIP_ID,
        "waiter_delay": 7,
        "waiter_max_attempts": 9,
        "deadline": 1_900_000_000.5,
        "execution_deadline": 1_899_999_000.25,
        "reads_done": 0,
        "last_status": None,
        "cancel_on_kill": True,
        "aws_conn_id": None,
        "region_name": "us-east-1",
        "verify": "/etc/ssl/ca.pem",
        "botocore_config": {"retries": {"mode": "adaptive", "max_attempts": 10}},
    }


def test_deadline_defaults_to_delay_times_attempts_and_the_grace_and_survives_serialization():
    before = time.time()
    trigger = make_trigger(waiter_delay=10, waiter_max_attempts=6, deadline=None)
    assert (
        before + 60 + DEADLINE_GRACE_SECONDS <= trigger.deadline <= time.time() + 60 + DEADLINE_GRACE_SECONDS
    )
    assert trigger.serialize()[1]["deadline"] == trigger.deadline


def test_hook_carries_the_serialized_connection_settings():
    hook = make_trigger(botocore_config={"read_timeout": 5}, verify=False).hook()
    assert isinstance(hook, CleanRoomsMLHook)
    assert (hook.aws_conn_id, hook.region_name, hook.verify) == (None, "us-east-1", False)
    assert hook.config.read_timeout == 5


@pytest.mark.parametrize("pending", INTERMEDIATE_STATES)
def test_success_after_pending_polls(pending):
    events, stubber = run_trigger(make_trigger(), respond(pending, pending, "ACTIVE"))
    stubber.assert_no_pending_responses()
    assert events == [
        {
            "status": "success",
            "message": f"Trained model inference job {JOB_ARN} is ACTIVE",
            "trained_model_inference_job_arn": JOB_ARN,
            "membership_identifier": MEMBERSHIP_ID,
            "resource_status": "ACTIVE",
            "status_details": None,
            "error_code": None,
            "error_message": None,
        }
    ]


@pytest.mark.parametrize("failed", FAILURE_STATES)
def test_failure_status_gives_error_event_with_details(failed):
    details = {"statusCode": "AlgorithmError", "message": "container exited 1"}
    events, _ = run_trigger(make_trigger(), respond("CREATE_IN_PROGRESS", failed, statusDetails=details))
    (event,) = events
    assert event["status"] == "error"
    assert event["resource_status"] == failed
    assert event["status_details"] == details
    assert JOB_ARN in event["message"]
    assert "AlgorithmError" in event["message"]
    assert "container exited 1" in event["message"]


@pytest.mark.parametrize("code", ["AccessDeniedException", "ValidationException"])
def test_non_transient_aws_error_ends_the_wait_with_code_and_message(code):
    def script(stubber):
        stubber.add_response(GET, job_description("CREATE_PENDING"), GET_PARAMS)
        stubber.add_client_error(GET, code, f"{code} text", http_status_code=400)

    events, stubber = run_trigger(make_trigger(), script)
    stubber.assert_no_pending_responses()
    (event,) = events
    assert event["status"] == "error"
    assert event["message"] == f"{code}: {code} text"
    assert event["resource_status"] == "CREATE_PENDING"


def test_transient_errors_use_a_poll_and_the_wait_goes_on():
    def script(stubber):
        stubber.add_client_error(GET, "ThrottlingException", "Rate exceeded", http_status_code=429)
        stubber.add_client_error(GET, "InternalServiceException", "oops", http_status_code=500)
        stubber.add_response(GET, job_description("ACTIVE"), GET_PARAMS)

    events, stubber = run_trigger(make_trigger(waiter_max_attempts=3), script)
    stubber.assert_no_pending_responses()
    assert [event["status"] for event in events] == ["success"]


def test_throttling_cannot_spin_without_bound():
    def script(stubber):
        for _ in range(3):
            stubber.add_client_error(GET, "ThrottlingException", "Rate exceeded", http_status_code=429)

    events, stubber = run_trigger(make_trigger(waiter_max_attempts=3), script)
    stubber.assert_no_pending_responses()
    (event,) = events
    assert event["status"] == "timeout"
    assert "no status could be read" in event["message"]


def test_attempts_run_out_with_a_timeout_event_naming_the_last_status():
    events, stubber = run_trigger(
        make_trigger(waiter_max_attempts=2), respond("CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS")
    )
    stubber.assert_no_pending_responses()
    (event,) = events
    assert event["status"] == "timeout"
    assert event["resource_status"] == "CREATE_IN_PROGRESS"
    assert "its last status was CREATE_IN_PROGRESS" in event["message"]


def test_deadline_in_the_past_stops_after_one_poll():
    trigger = make_trigger(waiter_max_attempts=50, deadline=time.time() - 1)
    events, stubber = run_trigger(trigger, respond("CREATE_PENDING"))
    stubber.assert_no_pending_responses()
    assert [event["status"] for event in events] == ["timeout"]


def test_an_unexpected_exception_becomes_an_error_event():
    trigger = make_trigger()
    with mock.patch.object(CleanRoomsMLHook, "_get_async_conn", side_effect=RuntimeError("no loop for you")):

        async def collect():
            return [event.payload async for event in trigger.run()]

        (event,) = asyncio.run(collect())
    assert event["status"] == "error"
    assert "RuntimeError: no loop for you" in event["message"]


def test_a_job_not_found_yet_is_tolerated_for_a_bounded_number_of_reads():
    def script(stubber):
        for _ in range(NOT_FOUND_READS_TOLERATED):
            stubber.add_client_error(GET, "ResourceNotFoundException", "not yet", http_status_code=404)
        stubber.add_response(GET, job_description("ACTIVE"), GET_PARAMS)

    events, stubber = run_trigger(make_trigger(), script)
    stubber.assert_no_pending_responses()
    assert [event["status"] for event in events] == ["success"]


def test_a_job_that_stays_not_found_fails_clearly():
    def script(stubber):
        for _ in range(NOT_FOUND_READS_TOLERATED + 1):
            stubber.add_client_error(GET, "ResourceNotFoundException", "no such job", http_status_code=404)

    events, stubber = run_trigger(make_trigger(waiter_max_attempts=20), script)
    stubber.assert_no_pending_responses()
    (event,) = events
    assert event["status"] == "error"
    assert event["error_code"] == "ResourceNotFoundException"
    assert f"was not found on read {NOT_FOUND_READS_TOLERATED + 1} of the wait" in event["message"]
    assert "region us-east-1, connection None" in event["message"], "it says where it asked"


class FakeClock:
    """Wall-clock time that passes only when the trigger sleeps."""

    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0)


def test_recreated_after_a_triggerer_restart_it_keeps_the_deadline_and_skips_the_reads_it_missed():
    clock = FakeClock()
    with (
        mock.patch("airflow_cleanroomsml.waiting.time.time", clock.time),
        mock.patch("airflow_cleanroomsml.triggers.base.time.time", clock.time),
        mock.patch("airflow_cleanroomsml.triggers.base.asyncio.sleep", clock.sleep),
    ):
        deadline = clock.now + 60 + DEADLINE_GRACE_SECONDS  # six reads 10 s apart, as an operator defers
        trigger = make_trigger(waiter_delay=10, waiter_max_attempts=6, deadline=deadline)
        _, kwargs = trigger.serialize()
        clock.now += 90  # the triggerer was down for 90 s of the wait
        resumed = type(trigger)(**kwargs)
        assert resumed.deadline == deadline
        events, stubber = run_trigger(
            resumed, respond("CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS")
        )
    stubber.assert_no_pending_responses()
    (event,) = events
    assert event["status"] == "timeout", event
    # Reads at once and then 10 s apart, at 90, 100 and 110 s; none at the deadline (120 s).
    assert "after 3 reads in 11" in event["message"]
    assert clock.now < deadline
