"""The example DAG, run as a user would see it: parsed by Airflow, then run against the emulator."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).parents[2] / "example_dags" / "example_cleanroomsml.py"


def load_example_dag(monkeypatch):
    monkeypatch.setenv("AIRFLOW__CORE__DAGS_FOLDER", str(EXAMPLE.parent))
    monkeypatch.setenv("CLEANROOMSML_EXAMPLE_POLL_SECONDS", "1")
    spec = importlib.util.spec_from_file_location("example_cleanroomsml", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.dag


def test_example_dag_parses_with_the_expected_tasks(monkeypatch):
    dag = load_example_dag(monkeypatch)
    assert dag.dag_id == "example_cleanroomsml"
    assert {task.task_id for task in dag.tasks} >= {
        "describe_job",
        "wait_for_job",
        "final_description",
        "summarize",
    }
    assert dag.get_task("wait_for_job").deferrable is True


def test_example_dag_runs_end_to_end(monkeypatch, airflow_db, cleanroomsml_emulator):
    arn = cleanroomsml_emulator.register_job(
        ["CREATE_PENDING", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "ACTIVE"]
    )
    dag = load_example_dag(monkeypatch)
    dag_run = dag.test(run_conf={"trained_model_inference_job_arn": arn})
    assert str(getattr(dag_run.state, "value", dag_run.state)) == "success"
    assert [status for _, status in cleanroomsml_emulator.status_history(arn)][-1] == "ACTIVE"
