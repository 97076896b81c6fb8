"""Many deferred waits on one membership, through the real aiobotocore client, against the emulator."""

from __future__ import annotations

import asyncio

import pytest

from airflow_cleanroomsml.triggers.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobCompleteTrigger

pytestmark = pytest.mark.integration

RUNNING = ["CREATE_PENDING", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "ACTIVE"]
OTHER_MEMBERSHIP_ID = "00000000-0000-4000-8000-0000000000aa"
GET, LIST = "GetTrainedModelInferenceJob", "ListTrainedModelInferenceJobs"


def run_together(arns: list[str], botocore_config: dict | None = None) -> list[dict]:
    """Wait for all the jobs at once, a second between polls, on one event loop as a triggerer does."""
    triggers = [
        CleanRoomsMLTrainedModelInferenceJobCompleteTrigger(
            trained_model_inference_job_arn=arn,
            waiter_delay=1,
            waiter_max_attempts=10,
            botocore_config=botocore_config,
        )
        for arn in arns
    ]

    async def first_event(trigger):
        async for event in trigger.run():
            return event.payload

    async def main():
        return await asyncio.gather(*(first_event(trigger) for trigger in triggers))

    return asyncio.run(main())


def test_waits_on_one_membership_share_list_sweeps_and_a_failure_keeps_its_details(cleanroomsml_emulator):
    running = [cleanroomsml_emulator.register_job(RUNNING) for _ in range(20)]
    failing = cleanroomsml_emulator.register_job(
        ["CREATE_IN_PROGRESS", "CREATE_FAILED"],
        status_details={"statusCode": "AlgorithmError", "message": "container exited 1"},
    )
    elsewhere = cleanroomsml_emulator.register_job(RUNNING, membership_id=OTHER_MEMBERSHIP_ID)

    *succeeded, failed, alone = run_together([*running, failing, elsewhere])

    assert [(event["status"], event["resource_status"]) for event in succeeded] == [
        ("success", "ACTIVE")
    ] * 20
    assert (failed["status"], failed["resource_status"]) == ("error", "CREATE_FAILED")
    assert failed["status_details"] == {"statusCode": "AlgorithmError", "message": "container exited 1"}
    assert "container exited 1" in failed["message"]
    assert (alone["status"], alone["resource_status"]) == ("success", "ACTIVE")
    calls = cleanroomsml_emulator.calls
    assert calls[LIST] == len(RUNNING), "one list call per poll interval for the 21 jobs of the membership"
    assert calls[GET] == 1 + len(RUNNING), "a Get for the failure's details; the lone job polls with Get"


def test_a_job_not_listed_yet_is_read_with_get_until_it_is(cleanroomsml_emulator):
    listed = [cleanroomsml_emulator.register_job(RUNNING) for _ in range(5)]
    late = cleanroomsml_emulator.register_job(RUNNING, not_found_reads=2)

    events = run_together([*listed, late])

    assert [event["status"] for event in events] == ["success"] * 6
    # Two Gets answered "not found", two list pages showed it; once the others were done it
    # polled alone, with Get, for its last two statuses.
    assert cleanroomsml_emulator.calls[GET] == 2 + 2


def test_credentials_that_may_not_list_fall_back_to_get(cleanroomsml_emulator):
    cleanroomsml_emulator.fail_next(LIST, "AccessDeniedException")
    arns = [cleanroomsml_emulator.register_job(RUNNING) for _ in range(5)]

    events = run_together(arns)

    assert [event["status"] for event in events] == ["success"] * 5
    assert cleanroomsml_emulator.calls[LIST] == 1, "denied once, never asked again"
    assert cleanroomsml_emulator.calls[GET] == 5 * len(RUNNING)


def test_a_throttled_sweep_costs_each_wait_a_poll_not_a_burst_of_gets(cleanroomsml_emulator):
    cleanroomsml_emulator.fail_next(LIST, "ThrottlingException")
    arns = [cleanroomsml_emulator.register_job(RUNNING) for _ in range(5)]

    events = run_together(arns, botocore_config={"retries": {"total_max_attempts": 1}})

    assert [event["status"] for event in events] == ["success"] * 5
    assert cleanroomsml_emulator.calls[GET] == 0
    assert cleanroomsml_emulator.calls[LIST] == 1 + len(RUNNING)
