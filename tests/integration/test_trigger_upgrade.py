"""A wait deferred by release 0.1.0 finishes after an upgrade, its trigger read back from the database."""

from __future__ import annotations

import asyncio
import importlib
import time

import pytest

pytestmark = pytest.mark.integration

CLASSPATH_0_1_0 = (
    "airflow_cleanroomsml.triggers.cleanroomsml.CleanRoomsMLTrainedModelInferenceJobCompleteTrigger"
)


def kwargs_0_1_0(arn: str, membership: str, full: bool) -> dict:
    """What 0.1.0's trigger serialized (providers-amazon 9.8 left out connection settings that were None)."""
    kwargs = {
        "trained_model_inference_job_arn": arn,
        "membership_identifier": membership,
        "deadline": time.time() + 60,
        "cancel_on_kill": True,
        "waiter_delay": 1,
        "waiter_max_attempts": 60,
        "aws_conn_id": "aws_default",
    }
    if full:
        kwargs.update(region_name=None, verify=None, botocore_config=None)
    return kwargs


def stored_and_loaded(classpath: str, kwargs: dict) -> tuple[str, dict]:
    """Write the trigger row as the scheduler did, then read it back as a triggerer does."""
    from airflow.models.trigger import Trigger
    from airflow.utils.session import create_session

    with create_session() as session:
        row = Trigger(classpath=classpath, kwargs=kwargs)
        session.add(row)
        session.flush()
        trigger_id = row.id
    with create_session() as session:
        stored = session.get(Trigger, trigger_id)
        return stored.classpath, stored.kwargs


@pytest.mark.parametrize("full", [True, False], ids=["providers-amazon-9.39", "providers-amazon-9.8"])
def test_a_trigger_serialized_by_release_0_1_0_deserializes_and_finishes_its_wait(
    full, airflow_db, cleanroomsml_emulator
):
    arn = cleanroomsml_emulator.register_job(["CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "ACTIVE"])
    classpath, kwargs = stored_and_loaded(
        CLASSPATH_0_1_0, kwargs_0_1_0(arn, cleanroomsml_emulator.membership_id, full)
    )
    module, _, name = classpath.rpartition(".")
    trigger = getattr(importlib.import_module(module), name)(**kwargs)

    async def first_event():
        async for event in trigger.run():
            return event.payload

    event = asyncio.run(first_event())
    assert (event["status"], event["resource_status"], event["trained_model_inference_job_arn"]) == (
        "success",
        "ACTIVE",
        arn,
    )
    assert event["message"] == f"Trained model inference job {arn} is ACTIVE"
    assert trigger.deadline == kwargs["deadline"], "the wait keeps the deadline it was deferred with"


def kwargs_0_2_0(arn: str, membership: str, with_execution_deadline: bool) -> dict:
    """What the trigger serialized before the rename (``polls_done``); later with the task's timeout."""
    kwargs = {
        "trained_model_inference_job_arn": arn,
        "membership_identifier": membership,
        "waiter_delay": 1,
        "waiter_max_attempts": 60,
        "deadline": time.time() + 120,
        "polls_done": 1,
        "cancel_on_kill": False,
        "aws_conn_id": "aws_default",
        "region_name": "us-east-1",
        "verify": None,
        "botocore_config": None,
    }
    if with_execution_deadline:
        kwargs.update(execution_deadline=time.time() + 600, last_status="CREATE_IN_PROGRESS")
    return kwargs


@pytest.mark.parametrize(
    "with_execution_deadline", [False, True], ids=["before-the-rename", "before-the-rename-with-timeout"]
)
def test_a_trigger_serialized_before_the_rename_deserializes_and_finishes_its_wait(
    with_execution_deadline, airflow_db, cleanroomsml_emulator
):
    arn = cleanroomsml_emulator.register_job(["CREATE_IN_PROGRESS", "ACTIVE"])
    classpath, kwargs = stored_and_loaded(
        CLASSPATH_0_1_0, kwargs_0_2_0(arn, cleanroomsml_emulator.membership_id, with_execution_deadline)
    )
    module, _, name = classpath.rpartition(".")
    trigger = getattr(importlib.import_module(module), name)(**kwargs)
    assert trigger.reads_done == 1, "polls_done is read as reads_done"

    async def first_event():
        async for event in trigger.run():
            return event.payload

    event = asyncio.run(first_event())
    assert (event["status"], event["resource_status"]) == ("success", "ACTIVE")
    assert "reads_done" in trigger.serialize()[1], "it serializes under the new name"
