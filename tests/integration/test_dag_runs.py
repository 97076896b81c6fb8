"""Real DAG runs through Airflow (``dag.test()``) against the emulator, for every sensor mode."""

from __future__ import annotations

import importlib
import json

import pytest

from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook
from airflow_cleanroomsml.sensors.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobSensor

FAILURE_STATES = CleanRoomsMLTrainedModelInferenceJobSensor.FAILURE_STATES

pytestmark = pytest.mark.integration

MODES = ("poke", "reschedule", "deferrable")


def run_dag(dag_id: str, **conf: str):
    dags = importlib.import_module("tests.integration.dags.cleanroomsml_test_dags")
    return getattr(dags, dag_id).test(run_conf=conf)


def state_of(dag_run) -> str:
    return str(getattr(dag_run.state, "value", dag_run.state))


@pytest.mark.parametrize("mode", MODES)
def test_sensor_waits_until_active_and_downstream_reads_the_description(
    mode, airflow_db, cleanroomsml_emulator, tmp_path
):
    arn = cleanroomsml_emulator.register_job(
        ["CREATE_PENDING", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "ACTIVE"], environment={"TOKEN": "x"}
    )
    out = tmp_path / "out.json"
    dag_run = run_dag(f"cleanroomsml_sensor_{mode}", job_arn=arn, out=str(out))

    assert state_of(dag_run) == "success"
    recorded = json.loads(out.read_text())
    assert recorded["templated_status"] == "ACTIVE"
    assert recorded["value"]["status"] == "ACTIVE"
    assert recorded["value"]["trainedModelInferenceJobArn"] == arn
    assert recorded["value"]["createTime"].endswith("+00:00")
    assert "ResponseMetadata" not in recorded["value"]
    # get_job read CREATE_PENDING; the wait read until ACTIVE; final_job read ACTIVE again.
    assert cleanroomsml_emulator.calls["GetTrainedModelInferenceJob"] == 5


@pytest.mark.parametrize("failed", FAILURE_STATES)
@pytest.mark.parametrize("mode", MODES)
def test_sensor_fails_the_run_on_each_failure_status(
    mode, failed, airflow_db, cleanroomsml_emulator, tmp_path, capfd
):
    arn = cleanroomsml_emulator.register_job(
        ["CREATE_PENDING", "CREATE_IN_PROGRESS", failed],
        status_details={"statusCode": "ModelError", "message": "container exited with 137"},
    )
    out = tmp_path / "out.json"
    dag_run = run_dag(f"cleanroomsml_sensor_{mode}", job_arn=arn, out=str(out))

    assert state_of(dag_run) == "failed"
    assert not out.exists(), "nothing downstream of a failed wait may run"
    error = (tmp_path / "out.json.error").read_text()
    assert f"{arn} is {failed}" in error
    assert "statusCode='ModelError'" in error
    assert "container exited with 137" in error


def test_error_event_never_ends_in_success(airflow_db, cleanroomsml_emulator, tmp_path):
    """An AWS error while deferred fails the task; it must not resume into a poke that would succeed."""
    arn = cleanroomsml_emulator.register_job(["CREATE_PENDING", "CREATE_IN_PROGRESS", "ACTIVE"])
    # get_job and the sensor's own first poke pass; the trigger's first poll is denied.
    cleanroomsml_emulator.fail_next("GetTrainedModelInferenceJob", "AccessDeniedException", after=2)
    out = tmp_path / "out.json"

    dag_run = run_dag("cleanroomsml_sensor_deferrable", job_arn=arn, out=str(out))

    assert state_of(dag_run) == "failed"
    assert not out.exists()
    assert "AccessDeniedException" in (tmp_path / "out.json.error").read_text()
    next_read = CleanRoomsMLHook().get_trained_model_inference_job(arn)
    assert next_read["status"] == "ACTIVE", "a poke after resuming would have succeeded"


@pytest.mark.parametrize("mode", MODES)
def test_waits_succeed_through_throttling_and_server_errors(
    mode, airflow_db, cleanroomsml_emulator, tmp_path
):
    cleanroomsml_emulator.faults.throttle_every = 2
    cleanroomsml_emulator.faults.error_every = 5
    arn = cleanroomsml_emulator.register_job(["CREATE_PENDING", "CREATE_IN_PROGRESS", "ACTIVE"])
    out = tmp_path / "out.json"

    dag_run = run_dag(f"cleanroomsml_sensor_{mode}", job_arn=arn, out=str(out))

    assert state_of(dag_run) == "success"
    assert json.loads(out.read_text())["templated_status"] == "ACTIVE"
    assert cleanroomsml_emulator.calls["GetTrainedModelInferenceJob"] > 4, "faults were injected and retried"


@pytest.mark.parametrize("mode", ["poke", "deferrable"])
def test_waits_tolerate_a_job_not_found_for_its_first_reads(
    mode, airflow_db, cleanroomsml_emulator, tmp_path
):
    arn = cleanroomsml_emulator.register_job(["CREATE_IN_PROGRESS", "ACTIVE"])
    # get_job passes; then the wait's first reads don't find the job.
    cleanroomsml_emulator.fail_next(
        "GetTrainedModelInferenceJob", "ResourceNotFoundException", times=2, after=1
    )
    dag_run = run_dag(f"cleanroomsml_sensor_{mode}", job_arn=arn, out=str(tmp_path / "out.json"))
    assert state_of(dag_run) == "success"


def test_access_denied_fails_the_wait_at_once(airflow_db, cleanroomsml_emulator, tmp_path):
    arn = cleanroomsml_emulator.register_job(["CREATE_IN_PROGRESS", "ACTIVE"])
    cleanroomsml_emulator.fail_next("GetTrainedModelInferenceJob", "AccessDeniedException", after=1)
    dag_run = run_dag("cleanroomsml_sensor_poke", job_arn=arn, out=str(tmp_path / "out.json"))

    assert state_of(dag_run) == "failed"
    error = (tmp_path / "out.json.error").read_text()
    assert "AccessDeniedException" in error
    assert "Injected AccessDeniedException for GetTrainedModelInferenceJob" in error
    assert cleanroomsml_emulator.calls["GetTrainedModelInferenceJob"] == 2


@pytest.mark.parametrize("mode", ["worker", "deferrable"])
def test_start_waits_and_a_retry_after_a_worker_crash_starts_no_second_job(
    mode, airflow_db, cleanroomsml_emulator, tmp_path
):
    out = tmp_path / "out.json"
    dag_run = run_dag(f"cleanroomsml_start_{mode}", out=str(out))

    assert state_of(dag_run) == "success"
    started_by_first_try = (tmp_path / "out.json.crashed").read_text()
    recorded = json.loads(out.read_text())
    assert recorded["value"] == started_by_first_try, "the retry waited on the first try's job"
    assert recorded["templated_status"] == "ACTIVE"
    assert cleanroomsml_emulator.calls["StartTrainedModelInferenceJob"] == 1


@pytest.mark.parametrize("mode", ["poke", "deferrable"])
def test_a_wait_that_times_out_names_the_last_status(mode, airflow_db, cleanroomsml_emulator, tmp_path):
    arn = cleanroomsml_emulator.register_job(["CREATE_PENDING", "CREATE_IN_PROGRESS"])
    dag_run = run_dag(f"cleanroomsml_sensor_{mode}_timeout", job_arn=arn, out=str(tmp_path / "out.json"))

    assert state_of(dag_run) == "failed"
    error = (tmp_path / "out.json.error").read_text()
    assert error.startswith("AirflowSensorTimeout")
    assert "last status was CREATE_IN_PROGRESS" in error
    # A sensor leaves a job it did not start running unless asked (cancel_on_kill=False), in every mode.
    assert cleanroomsml_emulator.calls["CancelTrainedModelInferenceJob"] == 0


@pytest.mark.parametrize("mode", ["poke", "deferrable"])
def test_waits_succeed_through_connection_resets(mode, airflow_db, cleanroomsml_emulator, tmp_path):
    cleanroomsml_emulator.faults.reset_every = 3
    arn = cleanroomsml_emulator.register_job(["CREATE_PENDING", "CREATE_IN_PROGRESS", "ACTIVE"])
    dag_run = run_dag(f"cleanroomsml_sensor_{mode}", job_arn=arn, out=str(tmp_path / "out.json"))
    assert state_of(dag_run) == "success"


def test_plain_sensors_and_operators_run_with_allow_nested_operators_false(
    airflow_db, cleanroomsml_emulator, tmp_path
):
    """The sensor runs its own loop: no execute inside another (Airflow 2 warns of it, or refuses it)."""
    arn = cleanroomsml_emulator.register_job(["CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "ACTIVE"])
    dag_run = run_dag("cleanroomsml_plain", job_arn=arn)
    assert state_of(dag_run) == "success"


@pytest.mark.parametrize("task", ["wait_deferred", "cancel"])
def test_airflow_tasks_test_resumes_a_deferred_task_with_a_templated_arn(
    task, airflow_db, cleanroomsml_emulator, tmp_path
):
    """``airflow tasks test`` (Airflow 2 resumes with the templates unrendered): the event names the job."""
    import subprocess
    import sys

    arn = cleanroomsml_emulator.register_job(["CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "ACTIVE"])
    finished = subprocess.run(
        [
            *(sys.executable, "-m", "airflow", "tasks", "test", "cleanroomsml_plain", task, "2026-01-02"),
            *("--task-params", json.dumps({"job_arn": arn})),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = finished.stdout + finished.stderr
    assert finished.returncode == 0, output[-3000:]
    assert "cannot be called outside" not in output
    assert "is not a Clean Rooms ML" not in output
