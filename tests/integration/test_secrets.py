"""Secrets never leave the job: not in task or trigger logs, rendered templates, XCom, or errors."""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path

import pytest

from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook

pytestmark = pytest.mark.integration

SECRET = "s3cr3t-inference-value-7f1d"
AWS_SECRET_KEY = "aws-secret-key-that-must-not-leak-9c2e"


@pytest.fixture
def secret_everywhere(monkeypatch, cleanroomsml_emulator):
    # Not named like a secret ("token", "password"...): only this provider's own masking can hide it.
    monkeypatch.setenv("AIRFLOW_VAR_SCORING_VALUE", SECRET)
    connection = json.loads(cleanroomsml_emulator.airflow_connection_json())
    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_DEFAULT",
        json.dumps({**connection, "login": "AKIAEXAMPLE", "password": AWS_SECRET_KEY}),
    )


def everything_logged(capfd, caplog) -> str:
    """What the run printed, logged through ``logging``, and wrote to Airflow's log folder."""
    out, err = capfd.readouterr()
    files = [path.read_text(errors="replace") for path in Path(os.environ["AIRFLOW_HOME"]).rglob("*.log")]
    lines = "\n".join([out, err, caplog.text, *files]).splitlines()
    # Airflow 3.0's dag.test() runs the task supervisor in process and prints its DEBUG trace of
    # every message to the task, bodies included (MaskSecret, SetRenderedFields): upstream's own
    # leak, in dag.test() only, not in a deployment, where those bodies are never logged.
    return "\n".join(line for line in lines if not _supervisor_debug_trace(line))


def _supervisor_debug_trace(line: str) -> bool:
    return "[debug" in line and ("Sending request" in line or "Received message from task runner" in line)


def rendered_fields(dag_id: str) -> str:
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(RenderedTaskInstanceFields).filter_by(dag_id=dag_id).all()
        return json.dumps([row.rendered_fields for row in rows], default=str)


@pytest.mark.parametrize("mode", ["worker", "deferrable"])
def test_environment_values_and_credentials_never_reach_logs_or_rendered_fields(
    mode, airflow_db, cleanroomsml_emulator, secret_everywhere, tmp_path, capfd, caplog
):
    dags = importlib.import_module("tests.integration.dags.cleanroomsml_test_dags")
    dag_run = getattr(dags, f"cleanroomsml_start_{mode}").test(run_conf={"out": str(tmp_path / "out.json")})

    assert str(getattr(dag_run.state, "value", dag_run.state)) == "success"
    arn = json.loads((tmp_path / "out.json").read_text())["value"]
    job = CleanRoomsMLHook().get_trained_model_inference_job(arn)
    assert job["environment"] == {"SCORING_INPUT": SECRET}, "the job itself got the value"

    logged = everything_logged(capfd, caplog)
    assert "Started trained model inference job" in logged, "the capture saw the task's logs"
    assert SECRET not in logged
    assert AWS_SECRET_KEY not in logged
    rendered = rendered_fields(f"cleanroomsml_start_{mode}")
    assert "SCORING_INPUT" in rendered, "the rendered environment was stored"
    assert SECRET not in rendered
    assert SECRET not in (tmp_path / "out.json").read_text()


def test_a_mapped_start_stores_its_rendered_fields_masked(
    airflow_db, cleanroomsml_emulator, secret_everywhere, tmp_path
):
    dags = importlib.import_module("tests.integration.dags.cleanroomsml_test_dags")
    dag_run = dags.cleanroomsml_start_mapped.test(run_conf={"out": str(tmp_path / "out.json")})

    assert str(getattr(dag_run.state, "value", dag_run.state)) == "success"
    assert cleanroomsml_emulator.calls["StartTrainedModelInferenceJob"] == 2
    rendered = rendered_fields("cleanroomsml_start_mapped")
    assert rendered.count("SCORING_INPUT") == 2, "both mapped tasks stored their rendered environment"
    assert "batch" in rendered, "ordinary values are stored as written"
    assert SECRET not in rendered
