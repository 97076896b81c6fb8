from __future__ import annotations

import time
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from airflow_cleanroomsml._compat import AirflowFailException, AirflowSensorTimeout, AirflowSkipException
from airflow_cleanroomsml.kinds import InvalidReferenceError
from airflow_cleanroomsml.sensors.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobSensor
from airflow_cleanroomsml.triggers.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobCompleteTrigger
from airflow_cleanroomsml.validation import InvalidArgumentError
from airflow_cleanroomsml.waiting import DEADLINE_GRACE_SECONDS, NOT_FOUND_READS_TOLERATED
from tests.helpers import ALL_STATUSES, JOB_ARN, MEMBERSHIP_ID, TaskDeferred, job_description

SUCCESS_STATES = CleanRoomsMLTrainedModelInferenceJobSensor.SUCCESS_STATES
FAILURE_STATES = CleanRoomsMLTrainedModelInferenceJobSensor.FAILURE_STATES
GET_PARAMS = {"membershipIdentifier": MEMBERSHIP_ID, "trainedModelInferenceJobArn": JOB_ARN}


def make_sensor(**kwargs):
    kwargs.setdefault("trained_model_inference_job_arn", JOB_ARN)
    return CleanRoomsMLTrainedModelInferenceJobSensor(
        task_id="wait", aws_conn_id=None, region_name="us-east-1", **kwargs
    )


def test_template_fields_include_job_and_aws_arguments():
    fields = set(CleanRoomsMLTrainedModelInferenceJobSensor.template_fields)
    assert {
        "trained_model_inference_job_arn",
        "membership_identifier",
        "aws_conn_id",
        "region_name",
    } <= fields


def test_templates_render_into_the_job_reference():
    sensor = make_sensor(
        trained_model_inference_job_arn="{{ job_arn }}", membership_identifier="{{ member }}"
    )
    sensor.render_template_fields({"job_arn": JOB_ARN, "member": MEMBERSHIP_ID})
    assert sensor.trained_model_inference_job_arn == JOB_ARN
    assert sensor.membership_identifier == MEMBERSHIP_ID


def test_deferrable_defaults_to_off_as_configured():
    assert make_sensor().deferrable is False


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_poke_verdict_for_every_status(status):
    sensor = make_sensor()
    details = {"statusCode": "ModelError", "message": "the container exited with 137"}
    with Stubber(sensor.hook.conn) as stubber:
        stubber.add_response(
            "get_trained_model_inference_job", job_description(status, statusDetails=details), GET_PARAMS
        )
        if status in FAILURE_STATES:
            with pytest.raises(AirflowFailException) as error:
                sensor.poke({})
            message = str(error.value)
            assert JOB_ARN in message
            assert status in message
            assert "ModelError" in message
            assert "the container exited with 137" in message
        else:
            assert sensor.poke({}) is (status in SUCCESS_STATES)


@pytest.mark.parametrize(
    ("arn", "membership", "field"),
    [
        (
            "arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/x/trained-model/y",
            None,
            "trained_model_inference_job_arn",
        ),
        (JOB_ARN, "ABC", "membership_identifier"),
        (JOB_ARN, "99999999-2222-4333-8444-555555555555", "membership_identifier"),
    ],
)
@pytest.mark.parametrize("deferrable", [False, True])
def test_bad_input_fails_in_execute_before_any_call(arn, membership, field, deferrable):
    sensor = make_sensor(
        trained_model_inference_job_arn=arn, membership_identifier=membership, deferrable=deferrable
    )
    with Stubber(sensor.hook.conn) as stubber, pytest.raises(InvalidReferenceError, match=field):
        sensor.execute({})
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("status", SUCCESS_STATES)
def test_deferrable_finishes_without_deferring_when_already_done(status):
    sensor = make_sensor(deferrable=True)
    with Stubber(sensor.hook.conn) as stubber:
        stubber.add_response("get_trained_model_inference_job", job_description(status), GET_PARAMS)
        assert sensor.execute({}) is None


def test_deferrable_fails_without_deferring_when_already_failed():
    sensor = make_sensor(deferrable=True)
    with Stubber(sensor.hook.conn) as stubber:
        stubber.add_response("get_trained_model_inference_job", job_description("CREATE_FAILED"), GET_PARAMS)
        with pytest.raises(AirflowFailException, match="CREATE_FAILED"):
            sensor.execute({})


def test_deferrable_defers_with_poke_interval_and_timeout():
    sensor = make_sensor(
        deferrable=True, poke_interval=15, timeout=600, botocore_config={"retries": {"mode": "standard"}}
    )
    with Stubber(sensor.hook.conn) as stubber:
        stubber.add_response(
            "get_trained_model_inference_job", job_description("CREATE_IN_PROGRESS"), GET_PARAMS
        )
        before = time.time()
        with pytest.raises(TaskDeferred) as deferred:
            sensor.execute({})
    trigger = deferred.value.trigger
    assert isinstance(trigger, CleanRoomsMLTrainedModelInferenceJobCompleteTrigger)
    assert deferred.value.method_name == "execute_complete"
    assert trigger.waiter_delay == 15
    assert trigger.waiter_max_attempts == 41, "the read in the worker, then one every 15 s until 600 s"
    assert trigger.reads_done == 1
    grace = DEADLINE_GRACE_SECONDS
    assert before + 41 * 15 + grace <= trigger.deadline <= time.time() + 41 * 15 + grace
    assert deferred.value.timeout >= timedelta(seconds=600)
    assert trigger.botocore_config == {"retries": {"mode": "standard"}}
    assert trigger.aws_conn_id is None
    assert trigger.region_name == "us-east-1"


def test_execute_complete_succeeds_only_on_success():
    sensor = make_sensor(deferrable=True)
    assert sensor.execute_complete({}, {"status": "success", "message": "ACTIVE"}) is None


@pytest.mark.parametrize(
    ("event", "error"),
    [
        (
            {
                "status": "error",
                "message": "job is CREATE_FAILED (statusCode='E')",
                "job_status": "CREATE_FAILED",
            },
            AirflowFailException,
        ),
        (
            {
                "status": "error",
                "message": "AccessDeniedException: no",
                "error_code": "AccessDeniedException",
            },
            ClientError,
        ),
        ({"status": "error", "message": "not found", "error_code": "ResourceNotFoundException"}, ClientError),
        ({"status": "error", "message": "Waiting failed with KeyError"}, RuntimeError),
        ({"status": "timeout", "message": "gave up"}, AirflowSensorTimeout),
        ({"status": "something-new"}, RuntimeError),
        ({}, RuntimeError),
        (None, RuntimeError),
    ],
)
def test_execute_complete_fails_on_anything_else(event, error):
    sensor = make_sensor(deferrable=True)
    with pytest.raises(error):
        sensor.execute_complete({}, event)


@pytest.mark.parametrize(
    ("event", "skipped"),
    [
        ({"status": "error", "message": "failed", "job_status": "CREATE_FAILED"}, True),
        ({"status": "timeout", "message": "gave up"}, True),
        (
            {
                "status": "error",
                "message": "AccessDeniedException: no",
                "error_code": "AccessDeniedException",
            },
            False,
        ),
        ({"status": "error", "message": "gone", "error_code": "ResourceNotFoundException"}, False),
    ],
)
def test_soft_fail_skips_a_failed_job_and_a_timeout_but_never_an_aws_error(event, skipped):
    sensor = make_sensor(deferrable=True, soft_fail=True)
    with pytest.raises(AirflowSkipException if skipped else ClientError):
        sensor.execute_complete({}, event)
    never = make_sensor(deferrable=True, never_fail=True)
    with pytest.raises(AirflowSkipException):
        never.execute_complete({}, event)


def test_poke_tolerates_a_job_not_found_yet_then_fails_clearly():
    sensor = make_sensor()
    with Stubber(sensor.hook.conn) as stubber:
        for _ in range(NOT_FOUND_READS_TOLERATED + 1):
            stubber.add_client_error(
                "get_trained_model_inference_job", "ResourceNotFoundException", "no job", 404
            )
        for _ in range(NOT_FOUND_READS_TOLERATED):
            assert sensor.poke({}) is False
        with pytest.raises(
            ClientError, match=f"not found on read {NOT_FOUND_READS_TOLERATED + 1} of the wait"
        ):
            sensor.poke({})


def test_poke_passes_other_aws_errors_through_with_code_and_message():
    sensor = make_sensor()
    with Stubber(sensor.hook.conn) as stubber:
        stubber.add_client_error(
            "get_trained_model_inference_job", "AccessDeniedException", "not allowed here", 403
        )
        with pytest.raises(ClientError, match=r"AccessDeniedException.*not allowed here"):
            sensor.poke({})


def test_a_deferred_wait_that_times_out_cancels_the_job_when_asked():
    sensor = make_sensor(deferrable=True, cancel_on_kill=True)
    with Stubber(sensor.hook.conn) as stubber:
        stubber.add_response("cancel_trained_model_inference_job", {}, GET_PARAMS)
        with pytest.raises(AirflowSensorTimeout, match="gave up"):
            sensor.execute_complete({}, {"status": "timeout", "message": "gave up"})
        stubber.assert_no_pending_responses()
    kept = make_sensor(deferrable=True, cancel_on_kill=False)
    with Stubber(kept.hook.conn), pytest.raises(AirflowSensorTimeout):
        kept.execute_complete({}, {"status": "timeout", "message": "gave up"})


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"poke_interval": 0}, "poke_interval"),
        ({"deferrable": True, "exponential_backoff": True}, "exponential_backoff"),
        ({"deferrable": True, "silent_fail": True}, "silent_fail"),
    ],
)
def test_arguments_no_mode_can_honour_are_refused_when_the_dag_is_parsed(arguments, field):
    with pytest.raises(InvalidArgumentError, match=field):
        make_sensor(**arguments)


def test_calls_go_to_the_region_in_the_arn_when_the_task_names_none():
    sensor = CleanRoomsMLTrainedModelInferenceJobSensor(
        task_id="wait",
        aws_conn_id=None,
        trained_model_inference_job_arn=JOB_ARN.replace("us-east-1", "eu-west-2"),
    )
    sensor.resolve_reference()
    assert sensor.hook.conn.meta.region_name == "eu-west-2"
