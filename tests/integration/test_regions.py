"""Calls about a resource go to the region in its ARN when the task names none."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook
from airflow_cleanroomsml.operators.cleanroomsml import (
    CleanRoomsMLCancelTrainedModelInferenceJobOperator,
    CleanRoomsMLGetTrainedModelInferenceJobOperator,
)
from airflow_cleanroomsml.sensors.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobSensor
from airflow_cleanroomsml.validation import InvalidArgumentError

pytestmark = pytest.mark.integration


@pytest.fixture
def connection_in_another_region(cleanroomsml_emulator, monkeypatch):
    connection = json.loads(cleanroomsml_emulator.airflow_connection_json())
    connection["extra"]["region_name"] = "eu-west-1"
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", json.dumps(connection))


def test_get_sensor_and_cancel_reach_the_job_s_region_whatever_the_connection_says(
    cleanroomsml_emulator, connection_in_another_region
):
    arn = cleanroomsml_emulator.register_job(["CREATE_IN_PROGRESS", "ACTIVE"])
    described = CleanRoomsMLGetTrainedModelInferenceJobOperator(
        task_id="get", trained_model_inference_job_arn=arn
    ).execute({})
    assert described["status"] == "CREATE_IN_PROGRESS"
    sensor = CleanRoomsMLTrainedModelInferenceJobSensor(
        task_id="wait", trained_model_inference_job_arn=arn, poke_interval=0.1, timeout=5
    )
    assert sensor.execute({}) is None
    cancel = CleanRoomsMLCancelTrainedModelInferenceJobOperator(
        task_id="cancel", trained_model_inference_job_arn=arn
    )
    assert cancel.execute({}) == arn, "nothing to cancel: it is ACTIVE, in its own region"


def test_a_region_the_task_names_that_contradicts_the_arn_is_refused_before_any_call(
    cleanroomsml_emulator, connection_in_another_region
):
    arn = cleanroomsml_emulator.register_job(["ACTIVE"])
    cleanroomsml_emulator.reset_calls()
    for task in (
        CleanRoomsMLTrainedModelInferenceJobSensor(
            task_id="wait", trained_model_inference_job_arn=arn, region_name="eu-west-1", timeout=5
        ),
        CleanRoomsMLGetTrainedModelInferenceJobOperator(
            task_id="get", trained_model_inference_job_arn=arn, region_name="eu-west-1"
        ),
        CleanRoomsMLCancelTrainedModelInferenceJobOperator(
            task_id="cancel", trained_model_inference_job_arn=arn, region_name="eu-west-1"
        ),
    ):
        with pytest.raises(InvalidArgumentError, match="region_name='eu-west-1' contradicts the region of"):
            task.execute({})
    assert sum(cleanroomsml_emulator.calls.values()) == 0


def test_the_hook_reads_in_the_arn_s_region_and_a_not_found_says_where_it_looked(
    cleanroomsml_emulator, connection_in_another_region
):
    arn = cleanroomsml_emulator.register_job(["ACTIVE"])
    hook = CleanRoomsMLHook()
    assert hook.get_trained_model_inference_job(arn)["status"] == "ACTIVE"
    with pytest.raises(InvalidArgumentError, match="contradicts the resource's region 'us-east-1'"):
        CleanRoomsMLHook(region_name="eu-west-1").get_trained_model_inference_job(arn)
    missing = arn.rsplit("/", 1)[0] + "/00000000-dead-4000-8000-000000000000"
    with pytest.raises(ClientError, match="ResourceNotFoundException") as error:
        hook.get_trained_model_inference_job(missing)
    assert "account 123456789012, region us-east-1, connection 'aws_default'" in str(error.value)
