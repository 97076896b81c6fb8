"""What the user wrote reaches AWS as written; what AWS would reject is named before any call."""

from __future__ import annotations

import importlib
import json

import pytest

from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook
from tests.integration.test_secrets import everything_logged, rendered_fields

pytestmark = pytest.mark.integration
TOKEN = "tok-3f9a1c7e2b-must-be-masked"


def run(dag_id: str, out: str = ""):
    dags = importlib.import_module("tests.integration.dags.cleanroomsml_test_dags")
    dag_run = getattr(dags, dag_id).test(run_conf={"out": out})
    task_state = dag_run.get_task_instance("start").state
    return str(getattr(task_state, "value", task_state))


def test_ordinary_values_are_never_masked_and_a_sensitive_one_always_is(
    airflow_db, cleanroomsml_emulator, monkeypatch, capfd, caplog
):
    monkeypatch.setenv("AIRFLOW_VAR_SCORING_TOKEN", TOKEN)
    assert run("cleanroomsml_start_as_written") == "success"

    (job,) = CleanRoomsMLHook().list_trained_model_inference_jobs(cleanroomsml_emulator.membership_id)
    described = CleanRoomsMLHook().get_trained_model_inference_job(job["trainedModelInferenceJobArn"])
    assert described["environment"]["API_TOKEN"] == TOKEN, "AWS got the value itself"
    assert described["name"] == "batch-scoring-false"
    assert described["tags"]["team"] == "batch"

    rendered = rendered_fields("cleanroomsml_start_as_written")
    for written in ('"batch-scoring-false"', '"batch"', '"false"', '"us-east-1"', '"12345"', "123456789012"):
        assert written in rendered, f"{written} was rewritten in the rendered-template view"
    assert "arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/" in rendered
    assert TOKEN not in rendered

    logged = everything_logged(capfd, caplog)
    assert (
        f"Started trained model inference job 'batch-scoring-false': {job['trainedModelInferenceJobArn']}"
        in logged
    )
    assert TOKEN not in logged


@pytest.mark.parametrize(
    ("dag_id", "named"),
    [
        ("cleanroomsml_start_native", "output_configuration['members'][0]['accountId']=123456789012"),
        ("cleanroomsml_start_newline", "name='scoring\\n'"),
    ],
)
def test_values_aws_would_reject_fail_the_task_before_any_call(
    dag_id, named, airflow_db, cleanroomsml_emulator, tmp_path
):
    assert run(dag_id, str(tmp_path / "out")) == "failed"
    assert named in (tmp_path / "out.error").read_text()
    assert sum(cleanroomsml_emulator.calls.values()) == 0, json.dumps(cleanroomsml_emulator.calls)
