"""
The provider on MWAA's engine: the CeleryExecutor, two of every component that MWAA runs several of.

PostgreSQL (metadata database and Celery result backend), Redis as the broker (MWAA's SQS queue),
two ``airflow celery worker`` processes (MWAA's Fargate workers), two schedulers, two triggerers,
the dag-processor (Airflow 3) and the API server (the webserver on Airflow 2), each a process of its
own, against the emulator. Every call reaches the emulator through a recorder that says which
component made it. Workers, schedulers and triggerers are killed with SIGKILL while they hold work;
each scenario says what the emulator saw, call by call and caller by caller.

Run by ``python3 tasks.py deployment VERSION`` (CI does, for Airflow 3.3 and MWAA's 2.11.0), or
alone with ``-m celery``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from airflow_cleanroomsml.testing import CleanRoomsMLEmulator
from airflow_cleanroomsml.testing.kinds import (
    AUDIENCE_GENERATION_JOBS,
    CONFIGURED_AUDIENCE_MODELS,
    ML_INPUT_CHANNELS,
    TRAINED_MODEL_EXPORT_JOBS,
    TRAINED_MODEL_INFERENCE_JOBS,
    TRAINED_MODELS,
)
from tests.deployment.cluster import (
    TRIGGERER_HANDOVER_SECONDS,
    Airflow,
    Postgres,
    Redis,
    TriggerWatch,
    wait_until,
)
from tests.deployment.recorder import CallRecorder

pytestmark = [
    pytest.mark.celery,
    pytest.mark.skipif(
        not os.environ.get("CLEANROOMSML_DEPLOYMENT"),
        reason="the deployment tier: python3 tasks.py deployment",
    ),
    pytest.mark.skipif(
        shutil.which("redis-server") is None,
        reason="no redis-server, the Celery leg's broker (Debian: apt-get install redis-server)",
    ),
]

START, GET, LIST, CANCEL = (
    "StartTrainedModelInferenceJob",
    "GetTrainedModelInferenceJob",
    "ListTrainedModelInferenceJobs",
    "CancelTrainedModelInferenceJob",
)
MEMBERSHIPS: dict[str, Any] = {
    "fan_out": [f"00000000-0000-4000-8000-0000000001{n:02d}" for n in (1, 2, 3)],
    "handover": [f"00000000-0000-4000-8000-0000000002{n:02d}" for n in (1, 2, 3, 4)],
    "solo": "00000000-0000-4000-8000-000000000301",
}
CANCELS_ON_KILL = tuple(int(part) for part in version("apache-airflow").split(".")[:2]) >= (3, 3)


def statuses(reads: int) -> list[str]:
    """A resource that is ACTIVE on its ``reads``-th read (a Get of it, or a list page that shows it)."""
    return ["CREATE_PENDING", *["CREATE_IN_PROGRESS"] * (reads - 2), "ACTIVE"]


@pytest.fixture(scope="module")
def emulator():
    with CleanRoomsMLEmulator(step_seconds=1) as running:
        yield running


@pytest.fixture(scope="module")
def recorder(emulator):
    with CallRecorder(emulator.endpoint_url) as running:
        yield running


def register_parents(emulator: CleanRoomsMLEmulator) -> dict:
    """What the DAGs' start operators name, ACTIVE in the emulator: ``CLEANROOMSML_CELERY_PARENTS``."""
    every = [*MEMBERSHIPS["fan_out"], *MEMBERSHIPS["handover"], MEMBERSHIPS["solo"]]
    return {
        "memberships": MEMBERSHIPS,
        "trained_models": {
            m: emulator.register(TRAINED_MODELS, ["ACTIVE"], membership_id=m, name="model") for m in every
        },
        "channels": {
            m: emulator.register(ML_INPUT_CHANNELS, ["ACTIVE"], membership_id=m, name="channel")
            for m in every
        },
        "configured_audience_models": [
            emulator.register(CONFIGURED_AUDIENCE_MODELS, ["ACTIVE"], name=f"audience-{n}") for n in range(3)
        ],
    }


@pytest.fixture(scope="module")
def deployment(emulator, recorder, tmp_path_factory):
    root = tmp_path_factory.mktemp("celery")  # pytest keeps the last three runs' logs
    connection = json.loads(emulator.airflow_connection_json())
    connection["extra"]["endpoint_url"] = recorder.url
    # Not under pytest's folder: as root, PostgreSQL runs as the postgres user, who cannot enter it.
    database = Postgres(Path(tempfile.mkdtemp(prefix="cleanroomsml-postgres-"))).start()
    broker = Redis(root / "redis")
    airflow = Airflow(
        Path(sys.executable),
        root / "airflow",
        database,
        {
            "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(connection),
            "CLEANROOMSML_CELERY_PARENTS": json.dumps(register_parents(emulator)),
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AWS_EC2_METADATA_DISABLED": "true",
        },
        broker=broker,
    )
    recorder.component_of = airflow.component_of
    try:
        broker.start()
        airflow.migrate().start_all()
        wait_until(
            lambda: len(airflow.database.query("SELECT dag_id FROM dag WHERE dag_id LIKE 'celery_%%'")) == 5,
            180,
            "the DAGs to be parsed",
        )
        yield airflow
    finally:
        airflow.stop_all()
        broker.stop()
        database.stop()


def running(deployment: Airflow, kind: str) -> set[str]:
    """The components of a kind (``scheduler``, ``triggerer``, ``worker``) running now, by name."""
    return {name for name in deployment.processes if name.startswith(f"{kind}-")}


def held_triggers(deployment: Airflow, dag_id: str, run_id: str) -> dict[int, tuple[str | None, str, str]]:
    """The run's deferred tasks' triggers: id → (triggerer holding it, its serialized kwargs, membership)."""
    rows = deployment.database.query(
        "SELECT t.id, j.hostname, t.kwargs, ti.map_index FROM task_instance ti "
        "JOIN trigger t ON t.id = ti.trigger_id LEFT JOIN job j ON j.id = t.triggerer_id "
        "WHERE ti.dag_id = %s AND ti.run_id = %s",
        dag_id,
        run_id,
    )
    handover = MEMBERSHIPS["handover"]
    return {trigger: (host, kwargs, handover[map_index]) for trigger, host, kwargs, map_index in rows}


def test_a_fanned_out_run_creates_each_resource_once_and_spreads_its_waits_over_both_triggerers(
    deployment, emulator, recorder
):
    """One run maps start operators over 12 resources of three kinds in three memberships."""
    created = [
        (TRAINED_MODEL_INFERENCE_JOBS, 6),
        (TRAINED_MODEL_EXPORT_JOBS, 3),
        (AUDIENCE_GENERATION_JOBS, 3),
    ]
    for kind, count in created:
        for _ in range(count):
            emulator.script_next(kind, statuses(20))
    triggerers = running(deployment, "triggerer")
    emulator.reset_calls()
    since = time.time()
    deployment.unpause("celery_fan_out")
    run_id = deployment.trigger("celery_fan_out")
    with TriggerWatch(deployment, "celery_fan_out", run_id) as watch:
        state = wait_until(deployment.finished("celery_fan_out", run_id), 300, "the fanned-out run to finish")
    assert state == "success"

    calls = emulator.calls_by_client
    for kind, count in created:
        assert (calls[kind.create, "botocore"], calls[kind.create, "aiobotocore"]) == (count, 0), (
            f"each {kind.kind.name} was started once, by a worker"
        )
    # A worker listed the membership's jobs once a task (for an earlier try's) and read one that does
    # not exist (may it read what it starts?) before its Start, and read each job once after
    # resuming, for the final description: every wait was in a triggerer.
    assert (calls[LIST, "botocore"], calls[GET, "botocore"]) == (6, 6 + 6)
    for membership in MEMBERSHIPS["fan_out"]:
        started = Counter(
            call.operation for call in recorder.calls(membership, operation="Start", since=since)
        )
        assert started == {"StartTrainedModelInferenceJob": 2, "StartTrainedModelExportJob": 1}, membership
    values = deployment.database.query(
        "SELECT count(*), count(DISTINCT value) FROM xcom WHERE dag_id = 'celery_fan_out' AND run_id = %s "
        "AND key = 'return_value'",
        run_id,
    )
    assert values == [(12, 12)], "twelve tasks, twelve different resources"

    holders = watch.holders()
    assert len(holders) == 12, f"every task was deferred: {holders}"
    assert all(holders.values()), f"every wait was held by a triggerer: {holders}"
    assert set().union(*holders.values()) == triggerers, f"the waits went to both triggerers: {holders}"
    callers = Counter(call.component for call in recorder.calls(since=since))
    starts = Counter(call.component for call in recorder.calls(operation="Start", since=since))
    assert all(str(component).startswith("worker-") for component in starts), f"workers started: {starts}"
    reads = {
        call.component
        for call in recorder.calls(since=since)
        if call.operation.startswith(("Get", "List")) and str(call.component).startswith("triggerer-")
    }
    assert reads == triggerers, f"both triggerers read: {callers}"


def test_a_worker_killed_between_start_and_deferral_is_retried_on_the_other_and_reattaches(
    deployment, emulator, recorder
):
    emulator.script_next_start(statuses(6))
    emulator.reset_calls()
    since = time.time()
    deployment.unpause("celery_worker_killed")
    run_id = deployment.trigger("celery_worker_killed")
    logs = deployment.home / "logs" / "dag_id=celery_worker_killed"
    victim = wait_until(
        lambda: (
            any("Stalling between the Start call" in path.read_text() for path in logs.rglob("*.log"))
            and (started := recorder.calls(operation=START, since=since))
            and started[0].component
        ),
        180,
        "the first try to start its job and stall before deferring",
    )
    (host,) = deployment.database.query(
        "SELECT hostname FROM task_instance WHERE dag_id = 'celery_worker_killed' AND run_id = %s", run_id
    )[0]
    assert host == victim, "the task runs on the worker that made the Start call"
    try:
        deployment.kill(victim)  # the Celery worker, its pool and the task's own process
        killed_at = time.time()
        state = wait_until(
            deployment.finished("celery_worker_killed", run_id), 300, "the retry to finish the run"
        )
    finally:
        deployment.replace(victim)

    assert state == "success"
    assert emulator.calls[START] == 1, "the retry reattached to the job the first try started"
    ((try_number, retried_on),) = deployment.database.query(
        "SELECT try_number, hostname FROM task_instance WHERE dag_id = %s AND run_id = %s",
        "celery_worker_killed",
        run_id,
    )
    assert try_number == 2, "it was the retry that finished"
    assert retried_on.startswith("worker-")
    assert retried_on != victim, "on the other worker"
    after = recorder.calls(MEMBERSHIPS["solo"], since=killed_at)
    assert [call.operation for call in after if call.component == retried_on][:1] == [LIST], (
        "the retry looked for the first try's job before anything else"
    )
    assert not recorder.calls(operation=START, since=killed_at), "and found it: nothing was started again"
    assert not [call for call in after if call.component == victim], "the killed worker made no call since"


def test_a_scheduler_killed_mid_run_leaves_every_run_to_the_other(deployment, emulator):
    for _ in range(3):
        emulator.script_next_start(statuses(10))
    emulator.reset_calls()
    deployment.unpause("celery_scheduler_killed")
    runs = [deployment.trigger("celery_scheduler_killed") for _ in range(3)]

    def queued_by() -> Counter[str]:
        return Counter(
            host
            for (host,) in deployment.database.query(
                "SELECT j.hostname FROM task_instance ti JOIN job j ON j.id = ti.queued_by_job_id "
                "WHERE ti.dag_id = 'celery_scheduler_killed' AND ti.run_id = ANY(%s)",
                runs,
            )
        )

    victim = wait_until(
        lambda: emulator.calls[START] >= 1 and queued_by().most_common(1)[0][0],
        180,
        "the first job to be started",
    )
    survivors = running(deployment, "scheduler") - {victim}
    try:
        deployment.kill(victim)
        states = [
            wait_until(deployment.finished("celery_scheduler_killed", run), 300, "every run to finish")
            for run in runs
        ]
    finally:
        deployment.replace(victim)

    assert states == ["success"] * 3
    assert emulator.calls[START] == 3, "one job a run, whichever scheduler queued its task"
    carried = queued_by()
    assert set(carried) == survivors, (
        f"the other scheduler queued every task, resumed ones included: {carried}"
    )
    assert sum(carried.values()) == 6, "two tasks a run"


def test_a_triggerer_killed_holding_waits_hands_them_over_intact(deployment, emulator, recorder):
    for _ in MEMBERSHIPS["handover"]:
        emulator.script_next_start(statuses(25))
    emulator.reset_calls()
    since = time.time()
    deployment.unpause("celery_triggerer_killed")
    run_id = deployment.trigger("celery_triggerer_killed")

    def reading() -> dict[int, tuple[str | None, str, str]] | None:
        """Every wait deferred and read twice by the triggerer holding it, or None."""
        held = held_triggers(deployment, "celery_triggerer_killed", run_id)
        complete = len(held) == len(MEMBERSHIPS["handover"]) and all(
            host and len(recorder.calls(membership, by=host, since=since)) >= 2
            for host, _, membership in held.values()
        )
        return held if complete else None

    with TriggerWatch(deployment, "celery_triggerer_killed", run_id) as watch:
        before = wait_until(reading, 180, "every wait to be deferred and read in a triggerer")
        victim = Counter(host for host, _, _ in before.values()).most_common(1)[0][0]
        survivors = running(deployment, "triggerer") - {victim}
        handed = {trigger: held for trigger, held in before.items() if held[0] == victim}
        try:
            killing_at = time.time()
            deployment.kill(victim)
            after = wait_until(
                lambda: (
                    (held := held_triggers(deployment, "celery_triggerer_killed", run_id))
                    and all(held.get(trigger, (None,))[0] in survivors for trigger in handed)
                    and held
                ),
                120,
                "the killed triggerer's waits to be adopted",
            )
            adopted_at = time.time()
            state = wait_until(
                deployment.finished("celery_triggerer_killed", run_id), 300, "the handed-over waits to finish"
            )
            finished_at = time.time()
        finally:
            deployment.replace(victim)

    assert state == "success"
    assert emulator.calls[START] == len(MEMBERSHIPS["handover"]), "no job was started twice"
    assert adopted_at - killing_at < TRIGGERER_HANDOVER_SECONDS + 30, "adopted within Airflow's handover"
    for trigger, (_, kwargs, membership) in handed.items():
        arguments = deployment.trigger_arguments(kwargs)
        assert after[trigger][1] == kwargs, "the same row, as serialized at deferral: not written again"
        assert arguments["deadline"] > finished_at, "its original deadline, still ahead when the run ended"
        assert arguments["reads_done"] == 0, (
            "and its reads before deferral (the start operator defers at once)"
        )
        holders = [host for _, host in watch.held_by(trigger) if host]
        adopter = after[trigger][0]
        assert set(holders) == {victim, adopter}, f"held by the two triggerers only: {holders}"
        assert holders == sorted(holders, key=lambda host: host != victim), f"in that order: {holders}"
        reads = recorder.calls(membership, since=since)
        by_victim = [call.at for call in reads if call.component == victim]
        by_survivor = [call.at for call in reads if call.component in survivors]
        assert by_victim, f"the killed triggerer read the wait in {membership}: {reads}"
        assert by_survivor, f"the one that adopted it read it: {reads}"
        assert killing_at < min(by_survivor), f"the wait in {membership} was read by its adopter only after"
        assert max(by_victim) < min(by_survivor), f"and never by two triggerers at once: {reads}"
        assert len(by_survivor) <= max(by_survivor) - min(by_survivor) + 2, (
            "the adopting triggerer read it once a second (its waiter_delay), not twice over"
        )


def test_a_deferred_task_marked_failed_on_celery(deployment, emulator, recorder):
    emulator.script_next_start(["CREATE_PENDING", "CREATE_IN_PROGRESS"])  # it runs until cancelled
    emulator.reset_calls()
    since = time.time()
    deployment.unpause("celery_mark_failed")
    run_id = deployment.trigger("celery_mark_failed")
    wait_until(
        lambda: (
            deployment.task_state("celery_mark_failed", run_id, "start") == "deferred"
            and len(recorder.calls(MEMBERSHIPS["solo"], by="triggerer-", since=since)) >= 2
        ),
        180,
        "the start task to defer and its trigger to read",
    )
    deployment.mark_failed("celery_mark_failed", run_id, "start")

    assert deployment.task_state("celery_mark_failed", run_id, "start") == "failed"
    if CANCELS_ON_KILL:
        # Airflow 3.3 tells the trigger its task was killed (BaseTrigger.on_kill): the job is cancelled.
        wait_until(lambda: emulator.calls[CANCEL] == 1, 60, "the trigger to cancel the job")
        (cancel,) = recorder.calls(operation=CANCEL, since=since)
        assert str(cancel.component).startswith("triggerer-"), "by the triggerer that held the wait"
    else:
        # Earlier versions never tell a trigger (the README says so): the job is left running.
        time.sleep(10)
        assert emulator.calls[CANCEL] == 0
