"""Start, wait, cancel and reattach against the emulator, through the operators' own code paths."""

from __future__ import annotations

import asyncio
import threading
import time
from unittest import mock

import pytest

from airflow_cleanroomsml._compat import AirflowException
from airflow_cleanroomsml.operators.cleanroomsml import (
    XCOM_JOB_DESCRIPTION_KEY,
    CleanRoomsMLCancelTrainedModelInferenceJobOperator,
    CleanRoomsMLStartTrainedModelInferenceJobOperator,
)
from airflow_cleanroomsml.sensors.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobSensor
from airflow_cleanroomsml.testing import CANCEL, GET, START
from airflow_cleanroomsml.triggers.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobCompleteTrigger
from tests.helpers import TaskDeferred

FAILURE_STATES = CleanRoomsMLTrainedModelInferenceJobSensor.FAILURE_STATES

pytestmark = pytest.mark.integration

RUNNING = ("CREATE_PENDING", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "ACTIVE")


class FakeTaskInstance:
    """What the operators read from ``context["ti"]``: its identity, and somewhere to push XComs."""

    def __init__(self, run_id: str = "manual__2026-11-26", try_number: int = 1) -> None:
        self.dag_id, self.task_id, self.run_id, self.map_index, self.try_number = (
            "dag",
            "start",
            run_id,
            -1,
            try_number,
        )
        self.xcom: dict[str, object] = {}

    def xcom_push(self, key: str, value: object) -> None:
        self.xcom[key] = value


def context(ti: FakeTaskInstance | None = None) -> dict:
    return {"ti": ti or FakeTaskInstance()}


def start_operator(emulator, **kwargs):
    prefix = f"arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/{emulator.membership_id}"
    kwargs.setdefault("name", "nightly-scoring")
    kwargs.setdefault("waiter_delay", 0.05)
    kwargs.setdefault("waiter_max_attempts", 100)
    return CleanRoomsMLStartTrainedModelInferenceJobOperator(
        task_id="start",
        membership_identifier=emulator.membership_id,
        trained_model_arn=f"{prefix}/trained-model/m1",
        resource_config={"instanceType": "ml.m5.xlarge", "instanceCount": 1},
        output_configuration={"members": [{"accountId": "123456789012"}]},
        data_source={"mlInputChannelArn": f"{prefix}/ml-input-channel/c1"},
        environment={"MODE": "batch"},
        **kwargs,
    )


def run_deferred(deferred: TaskDeferred) -> dict:
    async def first_event():
        async for event in deferred.trigger.run():
            return event.payload

    return asyncio.run(first_event())


def test_start_and_wait_in_the_worker(cleanroomsml_emulator):
    cleanroomsml_emulator.script_next_start(RUNNING)
    ti = FakeTaskInstance()
    arn = start_operator(cleanroomsml_emulator).execute(context(ti))
    assert cleanroomsml_emulator.job_status(arn) == "ACTIVE"
    description = ti.xcom[XCOM_JOB_DESCRIPTION_KEY]
    assert (description["trainedModelInferenceJobArn"], description["status"]) == (arn, "ACTIVE")
    assert description["createTime"].endswith("+00:00")
    assert description["tags"]["airflow:run-id"] == "manual__2026-11-26"
    assert cleanroomsml_emulator.calls[START] == 1


def test_start_and_wait_deferred(cleanroomsml_emulator):
    cleanroomsml_emulator.script_next_start(RUNNING)
    operator = start_operator(cleanroomsml_emulator, deferrable=True, waiter_delay=1)
    ti = FakeTaskInstance()
    with pytest.raises(TaskDeferred) as deferred:
        operator.execute(context(ti))
    assert isinstance(deferred.value.trigger, CleanRoomsMLTrainedModelInferenceJobCompleteTrigger)
    assert deferred.value.trigger.cancel_on_kill is True
    calls_to_defer = cleanroomsml_emulator.calls
    assert calls_to_defer[GET] == 1, "starting costs a List, a Get of none (may it read?) and a Start"
    event = run_deferred(deferred.value)
    arn = operator.execute_complete(context(ti), event)
    assert ti.xcom[XCOM_JOB_DESCRIPTION_KEY]["status"] == "ACTIVE"
    assert arn == event["trained_model_inference_job_arn"]


def test_start_without_waiting_returns_the_arn_at_once(cleanroomsml_emulator):
    arn = start_operator(cleanroomsml_emulator, wait_for_completion=False).execute(context())
    assert arn.startswith("arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/")
    assert cleanroomsml_emulator.calls[GET] == 0


@pytest.mark.parametrize("failed", FAILURE_STATES)
@pytest.mark.parametrize("deferrable", [False, True])
def test_every_failure_status_fails_the_task_with_its_details(cleanroomsml_emulator, failed, deferrable):
    cleanroomsml_emulator.script_next_start(
        ["CREATE_PENDING", failed], status_details={"statusCode": "AlgorithmError", "message": "exit 1"}
    )
    operator = start_operator(
        cleanroomsml_emulator, deferrable=deferrable, waiter_delay=1 if deferrable else 0.05
    )
    ti = FakeTaskInstance()

    def start_and_wait():
        if not deferrable:
            return operator.execute(context(ti))
        with pytest.raises(TaskDeferred) as deferred:
            operator.execute(context(ti))
        return operator.execute_complete(context(ti), run_deferred(deferred.value))

    with pytest.raises(AirflowException) as error:
        start_and_wait()
    assert failed in str(error.value)
    assert "AlgorithmError" in str(error.value)
    assert "exit 1" in str(error.value)
    assert ti.xcom[XCOM_JOB_DESCRIPTION_KEY]["status"] == failed


def test_a_retry_after_a_worker_crash_reattaches_with_one_start_in_total(cleanroomsml_emulator):
    cleanroomsml_emulator.script_next_start(RUNNING)
    first_try = start_operator(cleanroomsml_emulator)

    def worker_dies(*args, **kwargs):
        raise SystemExit("worker killed right after the job started")

    with (
        mock.patch.object(type(first_try.hook), "wait", worker_dies),
        pytest.raises(SystemExit),
    ):
        first_try.execute(context(FakeTaskInstance(try_number=1)))

    retry = start_operator(cleanroomsml_emulator)
    arn = retry.execute(context(FakeTaskInstance(try_number=2)))
    assert arn == first_try.job_arn
    assert cleanroomsml_emulator.calls[START] == 1
    assert cleanroomsml_emulator.job_status(arn) == "ACTIVE"


def test_another_run_or_a_failed_earlier_job_is_never_reattached(cleanroomsml_emulator):
    cleanroomsml_emulator.script_next_start(["CREATE_IN_PROGRESS"])
    other_run = start_operator(cleanroomsml_emulator, wait_for_completion=False).execute(
        context(FakeTaskInstance(run_id="scheduled__2026-11-25"))
    )
    cleanroomsml_emulator.script_next_start(["CREATE_FAILED"])
    failed = start_operator(cleanroomsml_emulator).execute
    with pytest.raises(AirflowException, match="CREATE_FAILED"):
        failed(context())
    cleanroomsml_emulator.script_next_start(["ACTIVE"])
    arn = start_operator(cleanroomsml_emulator).execute(context(FakeTaskInstance(try_number=2)))
    assert arn != other_run
    assert cleanroomsml_emulator.calls[START] == 3


def test_action_fail_refuses_an_earlier_live_job(cleanroomsml_emulator):
    cleanroomsml_emulator.script_next_start(["CREATE_IN_PROGRESS"])
    start_operator(cleanroomsml_emulator, wait_for_completion=False).execute(context())
    with pytest.raises(AirflowException, match="action_if_exists='fail'"):
        start_operator(cleanroomsml_emulator, action_if_exists="fail").execute(context())
    assert cleanroomsml_emulator.calls[START] == 1


def test_action_start_new_starts_another(cleanroomsml_emulator):
    first = start_operator(cleanroomsml_emulator, wait_for_completion=False).execute(context())
    second = start_operator(
        cleanroomsml_emulator, wait_for_completion=False, action_if_exists="start_new"
    ).execute(context())
    assert first != second
    assert cleanroomsml_emulator.calls[START] == 2


@pytest.mark.parametrize(
    ("code", "advice"),
    [
        ("ConflictException", "wait for it to finish or cancel it"),
        ("ServiceQuotaExceededException", "Service Quotas"),
    ],
)
def test_start_refusals_say_what_to_do(cleanroomsml_emulator, code, advice):
    cleanroomsml_emulator.fail_next(START, code)
    with pytest.raises(AirflowException, match=advice) as error:
        start_operator(cleanroomsml_emulator).execute(context())
    assert code in str(error.value)


def test_cancel_on_kill_in_the_worker(cleanroomsml_emulator):
    cleanroomsml_emulator.script_next_start(["CREATE_PENDING", "CREATE_IN_PROGRESS"])  # runs until cancelled
    operator = start_operator(cleanroomsml_emulator, waiter_delay=0.05)

    def kill_once_started():
        deadline = time.time() + 10
        while operator.job_arn is None and time.time() < deadline:
            time.sleep(0.01)
        operator.on_kill()  # what Airflow calls when the task is killed, marked failed or cleared

    killer = threading.Thread(target=kill_once_started)
    killer.start()
    with pytest.raises(AirflowException, match="INACTIVE"):
        operator.execute(context())
    killer.join(timeout=10)
    assert cleanroomsml_emulator.calls[CANCEL] == 1
    assert cleanroomsml_emulator.job_status(operator.job_arn) == "INACTIVE"


def test_cancel_on_kill_while_deferred(cleanroomsml_emulator):
    cleanroomsml_emulator.script_next_start(["CREATE_PENDING", "CREATE_IN_PROGRESS"])  # runs until cancelled
    operator = start_operator(cleanroomsml_emulator, deferrable=True)
    with pytest.raises(TaskDeferred) as deferred:
        operator.execute(context())
    asyncio.run(deferred.value.trigger.on_kill())
    assert cleanroomsml_emulator.calls[CANCEL] == 1
    assert cleanroomsml_emulator.job_status(operator.job_arn) in (
        "CANCEL_PENDING",
        "CANCEL_IN_PROGRESS",
        "INACTIVE",
    )


def test_no_cancel_when_cancel_on_kill_is_off(cleanroomsml_emulator):
    operator = start_operator(cleanroomsml_emulator, deferrable=True, cancel_on_kill=False)
    with pytest.raises(TaskDeferred) as deferred:
        operator.execute(context())
    asyncio.run(deferred.value.trigger.on_kill())
    operator.on_kill()
    assert cleanroomsml_emulator.calls[CANCEL] == 0


def test_a_wait_that_gives_up_cancels_the_job(cleanroomsml_emulator):
    cleanroomsml_emulator.script_next_start(["CREATE_IN_PROGRESS"])
    operator = start_operator(cleanroomsml_emulator, waiter_max_attempts=3)
    with pytest.raises(AirflowException, match=r"Gave up waiting .* after 3 reads .*CREATE_IN_PROGRESS"):
        operator.execute(context())
    assert cleanroomsml_emulator.calls[CANCEL] == 1


def test_cancel_operator_waits_until_inactive(cleanroomsml_emulator):
    arn = cleanroomsml_emulator.register_job(["CREATE_IN_PROGRESS"])
    result = CleanRoomsMLCancelTrainedModelInferenceJobOperator(
        task_id="cancel", trained_model_inference_job_arn=arn, wait_for_completion=True, waiter_delay=0.05
    ).execute(context())
    assert result == arn
    assert cleanroomsml_emulator.job_status(arn) == "INACTIVE"


@pytest.mark.parametrize("status", ["ACTIVE", "CREATE_FAILED", "INACTIVE", "CANCEL_FAILED"])
def test_cancelling_a_finished_job_is_not_an_error(cleanroomsml_emulator, status):
    arn = cleanroomsml_emulator.register_job([status])
    operator = CleanRoomsMLCancelTrainedModelInferenceJobOperator(
        task_id="cancel", trained_model_inference_job_arn=arn, wait_for_completion=True
    )
    assert operator.execute(context()) == arn
    assert cleanroomsml_emulator.job_status(arn) == status


def test_cancelling_a_job_already_being_cancelled_waits_for_it_when_asked(cleanroomsml_emulator):
    arn = cleanroomsml_emulator.register_job(["CANCEL_IN_PROGRESS", "CANCEL_IN_PROGRESS", "INACTIVE"])
    operator = CleanRoomsMLCancelTrainedModelInferenceJobOperator(
        task_id="cancel", trained_model_inference_job_arn=arn, wait_for_completion=True, waiter_delay=0.05
    )
    assert operator.execute(context()) == arn
    assert cleanroomsml_emulator.calls["CancelTrainedModelInferenceJob"] == 1, (
        "asked once, refused: under way"
    )
    assert cleanroomsml_emulator.job_status(arn) == "INACTIVE", (
        "the task ended when the cancellation had taken"
    )


def test_start_and_wait_survive_throttling_server_errors_and_resets(cleanroomsml_emulator):
    cleanroomsml_emulator.faults.throttle_every = 2
    cleanroomsml_emulator.faults.error_every = 5
    cleanroomsml_emulator.script_next_start(RUNNING)
    operator = start_operator(
        cleanroomsml_emulator,
        waiter_max_attempts=1000,
        botocore_config={"retries": {"mode": "standard", "max_attempts": 6}},
    )
    arn = operator.execute(context())
    assert cleanroomsml_emulator.job_status(arn) == "ACTIVE"
    jobs = operator.hook.list_trained_model_inference_jobs(cleanroomsml_emulator.membership_id)
    assert [job["name"] for job in jobs] == ["nightly-scoring"], (
        "a throttled Start retried by botocore is one job"
    )

    cleanroomsml_emulator.faults.throttle_every = cleanroomsml_emulator.faults.error_every = 0
    cleanroomsml_emulator.faults.reset_every = 3
    cleanroomsml_emulator.script_next_start(RUNNING)
    retried = start_operator(
        cleanroomsml_emulator,
        name="second",
        waiter_max_attempts=1000,
        botocore_config={"retries": {"mode": "standard"}},
    )
    assert cleanroomsml_emulator.job_status(retried.execute(context())) == "ACTIVE"


@pytest.mark.parametrize("deferrable", [False, True])
def test_a_sub_second_delay_is_honoured_alike_and_the_budget_is_counted_in_real_reads(
    cleanroomsml_emulator, deferrable
):
    cleanroomsml_emulator.script_next_start(["CREATE_IN_PROGRESS"])  # never finishes
    operator = start_operator(
        cleanroomsml_emulator, deferrable=deferrable, waiter_delay=0.2, waiter_max_attempts=4
    )
    started = time.monotonic()
    if deferrable:
        with pytest.raises(TaskDeferred) as deferred:
            operator.execute(context())
        assert deferred.value.trigger.waiter_delay == 0.2
        event = run_deferred(deferred.value)
        with pytest.raises(AirflowException, match="after 4 reads"):
            operator.execute_complete(context(), event)
    else:
        with pytest.raises(AirflowException, match="after 4 reads"):
            operator.execute(context())
    assert 0.6 <= time.monotonic() - started < 5, "four reads 0.2 s apart"
    # The check before the start that it may read, the four reads of the wait, and one to push the
    # final description.
    assert cleanroomsml_emulator.calls[GET] == 1 + 4 + 1
