"""The example DAGs, run as a user would see them: parsed by Airflow, then run against the emulator."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

# A link to example_dags/example_cleanroomsml.py inside the test DAGs folder: dag.test() on Airflow 3
# runs only DAGs whose file is inside the DAGs folder, and it parses that whole folder.
EXAMPLE = Path(__file__).parent / "dags" / "example_cleanroomsml.py"


def load_examples(monkeypatch):
    monkeypatch.setenv("CLEANROOMSML_EXAMPLE_POLL_SECONDS", "1")
    spec = importlib.util.spec_from_file_location("example_cleanroomsml", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def state_of(dag_run) -> str:
    return str(getattr(dag_run.state, "value", dag_run.state))


def test_example_dags_parse_with_the_expected_tasks(monkeypatch):
    examples = load_examples(monkeypatch)
    assert {task.task_id for task in examples.start_and_wait.tasks} == {
        "start_job",
        "describe_job",
        "summarize",
    }
    assert examples.start_and_wait.get_task("start_job").deferrable is True
    assert examples.wait_for_existing.get_task("wait_for_job").deferrable is True


def test_start_and_wait_runs_end_to_end(monkeypatch, airflow_db, cleanroomsml_emulator):
    cleanroomsml_emulator.script_next_start(["CREATE_PENDING", "CREATE_IN_PROGRESS", "ACTIVE"])
    dag_run = load_examples(monkeypatch).start_and_wait.test()
    assert state_of(dag_run) == "success"
    assert cleanroomsml_emulator.calls["StartTrainedModelInferenceJob"] == 1


def test_wait_for_existing_runs_end_to_end(monkeypatch, airflow_db, cleanroomsml_emulator):
    arn = cleanroomsml_emulator.register_job(
        ["CREATE_PENDING", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "ACTIVE"]
    )
    dag_run = load_examples(monkeypatch).wait_for_existing.test(
        run_conf={"trained_model_inference_job_arn": arn}
    )
    assert state_of(dag_run) == "success"
    assert [status for _, status in cleanroomsml_emulator.status_history(arn)][-1] == "ACTIVE"


PIPELINE = Path(__file__).parent / "dags" / "example_cleanroomsml_pipeline.py"


def test_training_then_scoring_run_end_to_end(monkeypatch, airflow_db, cleanroomsml_emulator):
    monkeypatch.setenv("CLEANROOMSML_EXAMPLE_POLL_SECONDS", "1")
    spec = importlib.util.spec_from_file_location("example_cleanroomsml_pipeline", PIPELINE)
    pipeline = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pipeline)

    assert state_of(pipeline.training.test()) == "success"
    assert state_of(pipeline.scoring.test()) == "success"
    calls = cleanroomsml_emulator.calls
    assert calls["CreateTrainedModel"] == 1
    assert (calls["CreateMLInputChannel"], calls["StartTrainedModelInferenceJob"]) == (2, 1)
    assert calls["StartTrainedModelExportJob"] == 1
    statuses = {kind: [] for kind, _ in cleanroomsml_emulator.resources()}
    for kind, key in cleanroomsml_emulator.resources():
        statuses[kind].append(cleanroomsml_emulator.job_status(key))
    assert all(status == "ACTIVE" for found in statuses.values() for status in found), statuses


LOOKALIKE = Path(__file__).parent / "dags" / "example_cleanroomsml_lookalike.py"


def test_lookalike_runs_end_to_end(monkeypatch, airflow_db, cleanroomsml_emulator):
    from airflow_cleanroomsml.testing.kinds import CONFIGURED_AUDIENCE_MODELS

    monkeypatch.setenv("CLEANROOMSML_EXAMPLE_POLL_SECONDS", "1")
    spec = importlib.util.spec_from_file_location("example_cleanroomsml_lookalike", LOOKALIKE)
    lookalike = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lookalike)
    configured = cleanroomsml_emulator.register(
        CONFIGURED_AUDIENCE_MODELS, ["ACTIVE"], configuredAudienceModelArn=lookalike.CONFIGURED_AUDIENCE_MODEL
    )

    assert state_of(lookalike.lookalike.test()) == "success"
    calls = cleanroomsml_emulator.calls
    assert (calls["CreateAudienceModel"], calls["StartAudienceGenerationJob"]) == (1, 1)
    assert calls["StartAudienceExportJob"] == len(lookalike.SEGMENT_SIZES)
    (model,) = [key for kind, key in cleanroomsml_emulator.resources() if kind == "audience model"]
    from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook

    assert CleanRoomsMLHook().get_configured_audience_model(configured)["audienceModelArn"] == model
