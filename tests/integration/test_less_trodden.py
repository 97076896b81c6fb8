"""Less-trodden paths a review of the design found: each ends as the rest of the design says it should."""

from __future__ import annotations

import asyncio
import warnings

import pytest

from airflow_cleanroomsml.kinds import TRAINED_MODEL_INFERENCE_JOB
from airflow_cleanroomsml.operators.cleanroomsml import (
    CleanRoomsMLDeleteAudienceModelOperator,
    CleanRoomsMLStartTrainedModelInferenceJobOperator,
)
from airflow_cleanroomsml.sensors.cleanroomsml import CleanRoomsMLTrainedModelExportJobSensor
from airflow_cleanroomsml.testing import AUDIENCE_MODELS, TRAINED_MODEL_EXPORT_JOBS, TRAINED_MODELS
from airflow_cleanroomsml.triggers.base import CleanRoomsMLResourceTrigger, trigger_for
from airflow_cleanroomsml.validation import InvalidArgumentError

pytestmark = pytest.mark.integration


def test_a_failed_lookup_costs_a_read_in_the_worker_as_in_the_triggerer(cleanroomsml_emulator):
    """An export job is listed per collaboration, found with GetTrainedModel: its failure is a read's."""
    emulator = cleanroomsml_emulator
    model = emulator.register(TRAINED_MODELS, ["ACTIVE"], name="churn")
    emulator.register(
        TRAINED_MODEL_EXPORT_JOBS, ["CREATE_IN_PROGRESS", "ACTIVE"], name="x", trainedModelArn=model
    )
    emulator.fail_next("GetTrainedModel", "ResourceNotFoundException")  # not visible yet, once
    sensor = CleanRoomsMLTrainedModelExportJobSensor(
        task_id="wait",
        membership_identifier=emulator.membership_id,
        trained_model_arn=model,
        name="x",
        poke_interval=0.05,
        timeout=5,
    )
    assert sensor.execute({}) is None
    assert emulator.calls["GetTrainedModel"] == 2


def test_a_dag_file_s_trigger_for_a_built_in_kind_never_stands_in_for_the_provider_s():
    class Mine(CleanRoomsMLResourceTrigger):
        kind = TRAINED_MODEL_INFERENCE_JOB

    assert trigger_for(TRAINED_MODEL_INFERENCE_JOB, "complete") is not Mine
    assert trigger_for(TRAINED_MODEL_INFERENCE_JOB, "complete").__module__.endswith("triggers.cleanroomsml")


def test_a_trigger_that_names_no_region_reads_in_the_arn_s(cleanroomsml_emulator, monkeypatch):
    import json

    connection = json.loads(cleanroomsml_emulator.airflow_connection_json())
    connection["extra"]["region_name"] = "eu-west-1"
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", json.dumps(connection))
    arn = cleanroomsml_emulator.register_job(["ACTIVE"])
    trigger = trigger_for(TRAINED_MODEL_INFERENCE_JOB, "complete")(
        trained_model_inference_job_arn=arn, waiter_delay=0.05, waiter_max_attempts=3
    )
    assert trigger.region_name == "us-east-1"

    async def first_event():
        async for event in trigger.run():
            return event.payload

    assert asyncio.run(first_event())["status"] == "success"


def test_a_cancel_that_fails_when_the_execution_timeout_ends_a_deferred_wait_still_fires_the_event(
    cleanroomsml_emulator,
):
    import time

    arn = cleanroomsml_emulator.register_job(["CREATE_IN_PROGRESS"])
    cleanroomsml_emulator.fail_next("CancelTrainedModelInferenceJob", "AccessDeniedException")
    trigger = trigger_for(TRAINED_MODEL_INFERENCE_JOB, "complete")(
        trained_model_inference_job_arn=arn,
        waiter_delay=0.2,
        waiter_max_attempts=50,
        execution_deadline=time.time() + 0.5,
        cancel_on_kill=True,
    )

    async def first_event():
        async for event in trigger.run():
            return event.payload

    event = asyncio.run(first_event())
    assert event["status"] == "execution_timeout"
    assert "cancelling it failed: AccessDeniedException" in event["message"]


def start_inference_job(emulator, **arguments):
    from tests.helpers import PARENTS, register_parents

    register_parents(emulator)
    return CleanRoomsMLStartTrainedModelInferenceJobOperator(
        task_id="start",
        membership_identifier=emulator.membership_id,
        name="scoring",
        trained_model_arn=PARENTS["TRAINED_MODELS"],
        resource_config={"instanceType": "ml.m5.xlarge", "instanceCount": 1},
        output_configuration={"members": [{"accountId": "123456789012"}]},
        data_source={"mlInputChannelArn": PARENTS["ML_INPUT_CHANNELS"]},
        **arguments,
    )


def test_the_old_action_name_warns_and_may_not_contradict_the_new_one(cleanroomsml_emulator):
    with pytest.warns(DeprecationWarning, match="action_if_exists") as caught:
        operator = start_inference_job(cleanroomsml_emulator, action_if_job_exists="fail")
    assert operator.action_if_exists == "fail"
    assert caught[0].filename == __file__, "the warning points at the DAG file's line"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(InvalidArgumentError, match="contradicts"):
            start_inference_job(
                cleanroomsml_emulator, action_if_job_exists="fail", action_if_exists="start_new"
            )


def test_a_subclass_that_adds_a_member_keeps_the_request_it_inherits():
    class WithNewerMember(CleanRoomsMLStartTrainedModelInferenceJobOperator):
        operation = "StartTrainedModelInferenceJob"

        def __init__(self, *, a_newer_member: str | None = None, **kwargs) -> None:
            super().__init__(a_newer_member=a_newer_member, **kwargs)

    parent = CleanRoomsMLStartTrainedModelInferenceJobOperator
    assert WithNewerMember.request_members == (*parent.request_members, "aNewerMember")
    assert set(parent.template_fields) < set(WithNewerMember.template_fields)


def test_delete_and_wait_waits_for_a_deletion_already_under_way(cleanroomsml_emulator):
    model = cleanroomsml_emulator.register(
        AUDIENCE_MODELS, ["DELETE_IN_PROGRESS", "DELETE_IN_PROGRESS", "GONE"]
    )
    operator = CleanRoomsMLDeleteAudienceModelOperator(
        task_id="delete", audience_model_arn=model, wait_for_completion=True, waiter_delay=0.05
    )
    assert operator.execute({"ti": None}) == model
    assert cleanroomsml_emulator.calls["GetAudienceModel"] >= 3, "it read until the model was gone"
