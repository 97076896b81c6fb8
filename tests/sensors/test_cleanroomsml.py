from __future__ import annotations

import time
from datetime import timedelta

import pytest
from botocore.stub import Stubber

from airflow_cleanroomsml._compat import AirflowException, AirflowSensorTimeout
from airflow_cleanroomsml.inference_jobs import (
    FAILURE_STATES,
    NOT_FOUND_READS_TOLERATED,
    SUCCESS_STATES,
    InvalidJobReferenceError,
)
from airflow_cleanroomsml.sensors.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobSensor
from airflow_cleanroomsml.triggers.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobCompleteTrigger
from tests.helpers import ALL_STATUSES, JOB_ARN, MEMBERSHIP_ID, TaskDeferred, job_description

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
            with pytest.raises(AirflowException) as error:
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
    with Stubber(sensor.hook.conn) as stubber, pytest.raises(InvalidJobReferenceError, match=field):
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
        with pytest.raises(AirflowException, match="CREATE_FAILED"):
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
    assert trigger.attempts * trigger.waiter_delay >= 600
    assert before + 600 <= trigger.deadline <= time.time() + 600
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
        ({"status": "error", "message": "job is CREATE_FAILED (statusCode='E')"}, AirflowException),
        ({"status": "error"}, AirflowException),
        ({"status": "timeout", "message": "gave up"}, AirflowSensorTimeout),
        ({"status": "something-new"}, AirflowException),
        ({}, AirflowException),
        (None, AirflowException),
    ],
)
def test_execute_complete_fails_on_anything_else(event, error):
    sensor = make_sensor(deferrable=True, cancel_on_kill=False)
    with pytest.raises(error):
        sensor.execute_complete({}, event)


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
            AirflowException, match=f"not found in {NOT_FOUND_READS_TOLERATED + 1} consecutive reads"
        ):
            sensor.poke({})


def test_poke_passes_other_aws_errors_through_with_code_and_message():
    from botocore.exceptions import ClientError

    sensor = make_sensor()
    with Stubber(sensor.hook.conn) as stubber:
        stubber.add_client_error(
            "get_trained_model_inference_job", "AccessDeniedException", "not allowed here", 403
        )
        with pytest.raises(ClientError, match=r"AccessDeniedException.*not allowed here"):
            sensor.poke({})


def test_a_deferred_wait_that_times_out_cancels_the_job_when_asked():
    sensor = make_sensor(deferrable=True)
    with Stubber(sensor.hook.conn) as stubber:
        stubber.add_response("cancel_trained_model_inference_job", {}, GET_PARAMS)
        with pytest.raises(AirflowSensorTimeout, match="gave up"):
            sensor.execute_complete({}, {"status": "timeout", "message": "gave up"})
        stubber.assert_no_pending_responses()
    kept = make_sensor(deferrable=True, cancel_on_kill=False)
    with Stubber(kept.hook.conn), pytest.raises(AirflowSensorTimeout):
        kept.execute_complete({}, {"status": "timeout", "message": "gave up"})
