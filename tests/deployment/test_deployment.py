"""
The provider deployed with the LocalExecutor: PostgreSQL, and Airflow's scheduler, triggerer and API
server (webserver on Airflow 2) and dag-processor as separate processes, the emulator as the service.
Triggers go through the database to whichever triggerer is alive; tasks are killed and marked failed
as users do. (``test_celery.py`` is the deployment as MWAA runs it, on Celery.)

Run by ``python3 tasks.py deployment VERSION`` (CI does, for Airflow 3.3 and MWAA's 2.11.0), or
alone with ``-m local_executor``.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import pendulum
import pytest

from airflow_cleanroomsml.testing import ML_INPUT_CHANNELS, TRAINED_MODELS, CleanRoomsMLEmulator
from tests.deployment.cluster import Airflow, Postgres, wait_until

pytestmark = [
    pytest.mark.local_executor,
    pytest.mark.skipif(
        not os.environ.get("CLEANROOMSML_DEPLOYMENT"),
        reason="the deployment tier: python3 tasks.py deployment",
    ),
]

START, GET, LIST, CANCEL = (
    "StartTrainedModelInferenceJob",
    "GetTrainedModelInferenceJob",
    "ListTrainedModelInferenceJobs",
    "CancelTrainedModelInferenceJob",
)
SECRET = "deployment-secret-3c9f1e"
MEMBERSHIP_ID = "00000000-0000-4000-8000-000000000001"
AIRFLOW_2 = version("apache-airflow").startswith("2.")
CHROMIUM = os.environ.get("CLEANROOMSML_CHROMIUM", "/usr/bin/chromium")
# Root in CI needs --no-sandbox; a closed network wants no background connections.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def emulator():
    with CleanRoomsMLEmulator(step_seconds=1) as running:
        yield running


@pytest.fixture(scope="module")
def deployment(emulator, tmp_path_factory):
    root = tmp_path_factory.mktemp("deployment")  # pytest keeps the last three runs' logs
    # Not under pytest's folder: as root, PostgreSQL runs as the postgres user, who cannot enter it.
    database = Postgres(Path(tempfile.mkdtemp(prefix="cleanroomsml-postgres-"))).start()
    start = pendulum.now("UTC").start_of("hour").subtract(hours=3)
    # The model and channel the DAGs' jobs name, ACTIVE in the emulator.
    parents = {
        "trained_model": emulator.register(TRAINED_MODELS, ["ACTIVE"], membership_id=MEMBERSHIP_ID),
        "channel": emulator.register(ML_INPUT_CHANNELS, ["ACTIVE"], membership_id=MEMBERSHIP_ID),
    }
    airflow = Airflow(
        Path(sys.executable),
        root / "airflow",
        database,
        {
            **emulator.airflow_env("aws_default"),
            "AIRFLOW_VAR_SCORING_TOKEN": SECRET,
            "CLEANROOMSML_DEPLOY_START": start.isoformat(),
            "CLEANROOMSML_DEPLOY_PARENTS": json.dumps(parents),
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AWS_EC2_METADATA_DISABLED": "true",
        },
    )
    try:
        airflow.migrate().start_all()
        wait_until(lambda: _dags_known(airflow), 180, "the DAGs to be parsed")
        yield airflow
    finally:
        airflow.stop_all()
        database.stop()


def _dags_known(airflow: Airflow) -> bool:
    rows = airflow.database.query("SELECT dag_id FROM dag WHERE dag_id LIKE 'deploy_%%'")
    return len(rows) == 4


def start_deferred(airflow: Airflow, emulator, dag_id: str, statuses: list[str]) -> str:
    """Trigger ``dag_id`` (its job going through ``statuses``); its run id once the trigger has read."""
    emulator.reset_calls()
    emulator.script_next_start(statuses)
    airflow.unpause(dag_id)
    run_id = airflow.trigger(dag_id)
    wait_until(
        lambda: (
            airflow.task_state(dag_id, run_id, "start") == "deferred"
            and emulator.calls_by_client[GET, "aiobotocore"] >= 2
        ),
        180,
        f"{dag_id}'s start task to defer and its trigger to read",
    )
    return run_id


def test_a_scheduled_dag_with_catchup_starts_one_job_a_run_and_defers_every_wait(deployment, emulator):
    emulator.reset_calls()
    deployment.unpause("deploy_catchup")
    runs = wait_until(
        lambda: (
            (
                rows := deployment.database.query(
                    "SELECT run_id, state FROM dag_run WHERE dag_id = 'deploy_catchup' ORDER BY run_id"
                )
            )
            and len(rows) == 3
            and all(state in ("success", "failed") for _, state in rows)
            and rows
        ),
        300,
        "three catchup runs to finish",
    )
    assert [state for _, state in runs] == ["success"] * 3
    calls = emulator.calls_by_client
    assert calls[START, "botocore"] == 3, "exactly one job a run"
    # Every wait ran in the triggerer (aiobotocore); a worker made one List a run (for an earlier
    # try's job) and one Get (of none: may it read what it starts?) before its Start, and one Get a
    # run after resuming, for the final description.
    assert (calls[LIST, "botocore"], calls[GET, "botocore"]) == (3, 3 + 3)
    assert calls[GET, "aiobotocore"] + calls[LIST, "aiobotocore"] >= 1, (
        "the triggerer read them (sweeps share)"
    )
    descriptions = deployment.database.query(
        "SELECT count(*) FROM xcom WHERE dag_id = 'deploy_catchup' AND key = 'trained_model_inference_job'"
    )
    assert descriptions == [(3,)], "every run's final description is in XCom"


@pytest.mark.skipif(AIRFLOW_2, reason="the browser check is against Airflow 3's API server UI")
@pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
)
def test_the_ui_shows_the_membership_link_and_masks_the_secret(deployment):
    """In a real browser (Debian's Chromium, driven by Playwright): what a user sees of a finished run."""
    from urllib.parse import quote

    from playwright.sync_api import sync_playwright

    ((run_id,),) = deployment.database.query(
        "SELECT run_id FROM dag_run WHERE dag_id = 'deploy_catchup' AND state = 'success' "
        "ORDER BY run_id LIMIT 1"
    )
    task_page = (
        f"http://127.0.0.1:{deployment.port}/dags/deploy_catchup/runs/{quote(run_id, safe='')}/tasks/start"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        try:
            page.goto(task_page)  # the Logs tab
            page.get_by_text("Started trained model inference job").first.wait_for(timeout=60_000)
            log = page.content()
            page.goto(f"{task_page}/details")  # Airflow 3's UI lists extra links on the Details tab
            link = page.get_by_role("link", name="AWS Clean Rooms Membership")
            link.wait_for(timeout=60_000)
            href = link.get_attribute("href")
            page.goto(f"{task_page}/rendered_templates")
            page.get_by_text("environment").first.wait_for(timeout=60_000)
            shown = page.content()
        except Exception:
            page.screenshot(path=str(deployment.home / "browser.png"), full_page=True)
            (deployment.home / "browser.html").write_text(page.content())
            raise
        finally:
            browser.close()
    assert (
        href
        == f"https://console.aws.amazon.com/cleanrooms/home?region=us-east-1#/memberships/{MEMBERSHIP_ID}"
    )
    assert SECRET not in log
    assert SECRET not in shown
    assert "***" in shown, "the sensitive value is shown masked"
    assert "batch" in shown, "the ordinary value is shown as written"


def test_a_triggerer_killed_mid_wait_is_replaced_and_the_wait_finishes(deployment, emulator):
    run_id = start_deferred(
        deployment,
        emulator,
        "deploy_triggerer_restart",
        ["CREATE_PENDING", *["CREATE_IN_PROGRESS"] * 12, "ACTIVE"],
    )
    ((trigger_id, kwargs_before),) = deployment.database.query(
        "SELECT id, kwargs FROM trigger WHERE id = "
        "(SELECT trigger_id FROM task_instance WHERE dag_id = %s AND run_id = %s)",
        "deploy_triggerer_restart",
        run_id,
    )
    deployment.kill("triggerer", signal.SIGKILL)
    reads_at_kill = emulator.calls[GET]
    deployment.start("triggerer")

    assert (
        wait_until(deployment.finished("deploy_triggerer_restart", run_id), 300, "the run to finish")
        == "success"
    )
    assert emulator.calls[START] == 1, "the job was started once"
    assert emulator.calls[GET] > reads_at_kill, "the new triggerer went on reading"
    history = deployment.database.query("SELECT count(*) FROM trigger WHERE id = %s", trigger_id)
    assert history == [(0,)], "the same trigger, with the same serialized deadline, fired and was cleaned up"
    assert kwargs_before, "the trigger was in the database for the new triggerer to find"


def test_a_worker_killed_mid_task_is_retried_and_the_retry_reattaches(deployment, emulator):
    emulator.reset_calls()
    emulator.script_next_start(["CREATE_PENDING", *["CREATE_IN_PROGRESS"] * 8, "ACTIVE"])
    deployment.unpause("deploy_worker_killed")
    run_id = deployment.trigger("deploy_worker_killed")
    pid = wait_until(
        lambda: (
            emulator.calls[START] == 1
            and emulator.calls[GET] >= 2  # the read check before the Start, then the wait's first
            and (
                rows := deployment.database.query(
                    "SELECT pid FROM task_instance WHERE dag_id = %s AND run_id = %s AND state = 'running'",
                    "deploy_worker_killed",
                    run_id,
                )
            )
            and rows[0][0]
        ),
        180,
        "the task to start the job and wait on it in its worker",
    )
    os.kill(pid, signal.SIGKILL)  # the task's own process, under the scheduler this test started

    assert (
        wait_until(deployment.finished("deploy_worker_killed", run_id), 300, "the run to finish") == "success"
    )
    assert emulator.calls[START] == 1, "the retry reattached to the job its first try started"
    tries = deployment.database.query(
        "SELECT try_number FROM task_instance WHERE dag_id = %s AND run_id = %s",
        "deploy_worker_killed",
        run_id,
    )
    assert tries == [(2,)], "it was the retry that finished"


def test_a_deferred_task_marked_failed_through_the_api(deployment, emulator):
    # The job runs until cancelled.
    run_id = start_deferred(
        deployment, emulator, "deploy_mark_failed", ["CREATE_PENDING", "CREATE_IN_PROGRESS"]
    )
    deployment.mark_failed("deploy_mark_failed", run_id, "start")

    assert deployment.task_state("deploy_mark_failed", run_id, "start") == "failed"
    if tuple(int(part) for part in version("apache-airflow").split(".")[:2]) >= (3, 3):
        # Airflow 3.3 tells the trigger its task was killed (BaseTrigger.on_kill): the job is cancelled.
        wait_until(lambda: emulator.calls[CANCEL] == 1, 60, "the trigger to cancel the job")
    else:
        # Earlier versions never tell a trigger (the README says so): the job is left running.
        time.sleep(10)
        assert emulator.calls[CANCEL] == 0
