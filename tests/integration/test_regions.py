"""Calls about a resource go to the region in its ARN when the task names none."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from airflow_cleanroomsml.operators.cleanroomsml import (
    CleanRoomsMLCancelTrainedModelInferenceJobOperator,
    CleanRoomsMLGetTrainedModelInferenceJobOperator,
)
from airflow_cleanroomsml.sensors.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobSensor

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


def test_a_region_the_task_names_is_used_and_the_error_says_where_it_looked(
    cleanroomsml_emulator, connection_in_another_region
):
    arn = cleanroomsml_emulator.register_job(["ACTIVE"])
    sensor = CleanRoomsMLTrainedModelInferenceJobSensor(
        task_id="wait",
        trained_model_inference_job_arn=arn,
        region_name="eu-west-1",
        poke_interval=0.05,
        timeout=5,
    )
    with pytest.raises(ClientError, match="ResourceNotFoundException") as error:
        sensor.execute({})
    assert "account 123456789012, region eu-west-1, connection 'aws_default'" in str(error.value)
