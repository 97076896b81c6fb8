"""
The least-privilege policy of the example DAGs is exactly enough: every action in it is needed.

``test_example_dag.py`` runs every example DAG green under the policy the command prints for its
file. Here, the command's output is that policy; and taking any one action a task depends on out of
a DAG's policy makes a task of that DAG fail with an error naming the action, before it creates
anything: even the read of what a task is about to make is asked for before its create (IAM has no
dry run; the start operators read one that does not exist first). The actions the ordinary run
does not call are checked on their own path: a wait that gives up cancels the job, and without the
Cancel action says so.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_cleanroomsml import iam
from airflow_cleanroomsml.testing import TRAINED_MODEL_INFERENCE_JOBS, TRAINED_MODELS, CleanRoomsMLEmulator
from tests.helpers import register_parents
from tests.integration.conftest import register_example_parents
from tests.integration.least_privilege import EXAMPLE_DAGS, least_privilege, printed, without

pytestmark = pytest.mark.integration

DAGS = Path(__file__).parent / "dags"
EXAMPLES = {
    # DAG id -> (example file, module attribute); the DAG files are linked into the test DAGs folder.
    "example_cleanroomsml": ("example_cleanroomsml.py", "start_and_wait"),
    "example_cleanroomsml_wait": ("example_cleanroomsml.py", "wait_for_existing"),
    "example_cleanroomsml_training": ("example_cleanroomsml_pipeline.py", "training"),
    "example_cleanroomsml_scoring": ("example_cleanroomsml_pipeline.py", "scoring"),
    "example_cleanroomsml_lookalike": ("example_cleanroomsml_lookalike.py", "lookalike"),
}
LIGHT = {"example_cleanroomsml"}
"""What the MWAA legs run: the inference example (a List before the create, the create, tags, a wait)."""


def only_its_file_is_parsed(dag_id: str, folder: Path, monkeypatch) -> None:
    """
    Make dag.test() (Airflow 3) parse only the example's file, not the whole test DAGs folder, before
    every run: the DAGs folder's bundle, with the same name, holding only that file.
    """
    folder.mkdir()
    (folder / EXAMPLES[dag_id][0]).symlink_to(DAGS / EXAMPLES[dag_id][0])
    bundle = {"name": "dags-folder", "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle"}
    monkeypatch.setenv(
        "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST",
        json.dumps([{**bundle, "kwargs": {"path": str(folder)}}]),
    )


def load_dag(dag_id: str, monkeypatch):
    monkeypatch.setenv("CLEANROOMSML_EXAMPLE_POLL_SECONDS", "1")
    file, attribute = EXAMPLES[dag_id]
    spec = importlib.util.spec_from_file_location(file.removesuffix(".py"), DAGS / file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, attribute), module


def logged(dag_run, capfd, caplog) -> str:
    """
    What a run printed and logged, and its task logs, without white space, colours or the boxes
    around a rich traceback (Airflow 3.0's dag.test() prints the task's error so, wrapped).
    """
    out, err = capfd.readouterr()
    files = Path(os.environ["AIRFLOW_HOME"]).rglob("*.log")
    mine = [path.read_text(errors="replace") for path in files if f"run_id={dag_run.run_id}" in str(path)]
    text = re.sub(r"\x1b\[[0-9;]*m|[│╭╮╰╯─]", "", "\n".join([out, err, caplog.text, *mine]))
    return "".join(text.split())


def says_denied(text: str, action: str) -> bool:
    """Whether :func:`logged` text has an error saying the caller may not perform ``action``."""
    return f"notauthorizedtoperform:{action}onresource" in text


def state_of(instance) -> str:
    return str(getattr(instance.state, "value", instance.state))


def test_the_command_prints_the_policy_and_says_which_resources_are_patterns():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "airflow_cleanroomsml.iam",
            str(EXAMPLE_DAGS / "example_cleanroomsml_pipeline.py"),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(result.stdout) == least_privilege("example_cleanroomsml_pipeline.py")
    notes = result.stderr
    assert "example_cleanroomsml_scoring.score: cleanrooms-ml:StartTrainedModelInferenceJob on " in notes
    assert "trained_model_arn is an XCom" in notes
    assert "the trained model inference job it creates is named at run time" in notes


@pytest.mark.parametrize(
    "dag_id",
    [pytest.param(dag_id, marks=[] if dag_id in LIGHT else [pytest.mark.exhaustive]) for dag_id in EXAMPLES],
)
def test_without_any_one_action_a_task_fails_naming_it_and_creates_nothing_it_cannot_follow(
    dag_id, airflow_db, monkeypatch, capfd, caplog, tmp_path
):
    only_its_file_is_parsed(dag_id, tmp_path / "dags", monkeypatch)
    dag, module = load_dag(dag_id, monkeypatch)
    for task in dag.tasks:
        task.retries = 0  # fail now, not after a retry delay: the retry would be refused the same
    found = printed(EXAMPLES[dag_id][0], dag_id)
    policy = found.policy()
    removable = found.actions(essential_only=True)
    assert removable, f"{dag_id}: the policy names no action its tasks depend on"
    wrong = {}
    for removed in removable:
        # A fresh account each time: what one run made cannot be reattached to by the next.
        with CleanRoomsMLEmulator(
            step_seconds=0.2, reads_to_active=1, policy=without(policy, removed)
        ) as emulator:
            for name, value in emulator.airflow_env("aws_default").items():
                monkeypatch.setenv(name, value)
            register_parents(emulator)
            register_example_parents(emulator)
            conf = {}
            if dag_id == "example_cleanroomsml_scoring":
                emulator.register(TRAINED_MODELS, ["ACTIVE"], name=module.MODEL_NAME)
            if dag_id == "example_cleanroomsml_wait":
                conf = {"trained_model_inference_job_arn": emulator.register(TRAINED_MODEL_INFERENCE_JOBS)}
            before = set(emulator.resources())
            capfd.readouterr()
            caplog.clear()
            dag_run = dag.test(run_conf=conf) if conf else dag.test()
            text = logged(dag_run, capfd, caplog)
            made = [kind for kind, key in emulator.resources() if (kind, key) not in before]
            states = {ti.task_id: state_of(ti) for ti in dag_run.get_task_instances()}
            problem = _why_wrong(dag, removed, states, made, text, emulator.denied)
            if problem:
                wrong[removed] = problem
    assert not wrong, f"{dag_id}: {wrong}"


def _why_wrong(dag, removed, states, made, logged, denied) -> str | None:
    """
    What is wrong with a run without ``removed``, or None: a task must fail with an error naming it,
    and a task that fails must have made nothing.
    """
    if "failed" not in states.values():
        return "no task failed"
    if {action for action, _ in denied} != {removed}:
        return f"the emulator refused {denied}, not only {removed}"
    if not says_denied(logged, removed):
        return "no task's error names the action"
    creators = {task.task_id: task.kind.name for task in dag.tasks if iam.role_of(type(task)) == "start"}
    for kind in set(creators.values()):
        mine = [task_id for task_id, made_kind in creators.items() if made_kind == kind]
        may_make = [task_id for task_id in mine if states[task_id] == "success"]
        if made.count(kind) > len(may_make):
            return f"{made.count(kind)} {kind}(s) made, but only {may_make} could make one without {removed}"
    return None


def test_a_wait_that_gives_up_cancels_the_job_and_without_the_cancel_action_says_so(
    airflow_db, monkeypatch, cleanroomsml_emulator, capfd, caplog
):
    """Cancel is in the policy for ``cancel_on_kill``: the ordinary run never calls it, giving up does."""
    dag, _ = load_dag("example_cleanroomsml", monkeypatch)
    start = dag.get_task("start_job")
    start.retries, start.waiter_max_attempts = 0, 2
    policy = least_privilege("example_cleanroomsml.py")
    ends = {}
    for granted in (policy, without(policy, "cleanrooms-ml:CancelTrainedModelInferenceJob")):
        cleanroomsml_emulator.policy = granted
        cleanroomsml_emulator.script_next_start(["CREATE_PENDING", "CREATE_IN_PROGRESS"])
        before = {key for _, key in cleanroomsml_emulator.resources()}
        capfd.readouterr()
        caplog.clear()
        dag_run = dag.test()
        text = logged(dag_run, capfd, caplog)
        (job,) = [key for _, key in cleanroomsml_emulator.resources() if key not in before]
        ends[len(ends)] = (
            state_of(dag_run.get_task_instance("start_job")),
            cleanroomsml_emulator.job_status(job),
            says_denied(text, "cleanrooms-ml:CancelTrainedModelInferenceJob"),
        )
    assert ends == {0: ("failed", "CANCEL_PENDING", False), 1: ("failed", "CREATE_IN_PROGRESS", True)}
