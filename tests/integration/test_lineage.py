"""
The example pipelines' lineage, as Airflow's OpenLineage provider emits it, through real DAG runs.

The runs happen in a process of their own (``lineage_runs.py``) with the OpenLineage provider on and
its file transport, against the emulator under the least-privilege policy with lineage's reads. The
COMPLETE event of each create or start task must carry exactly the inputs and outputs its task read
and made, named as OpenLineage names them, so that the events chain by name; nothing of a request's
environment, hyperparameters or SQL may appear in any event.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_cleanroomsml.lineage import RUN_FACET

pytest.importorskip("airflow.providers.openlineage", reason="Airflow's OpenLineage provider is not installed")

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]
DAGS = Path(__file__).parent / "dags"
ACCOUNT = "arn:aws:cleanrooms-ml:us-east-1:123456789012"
MEMBERSHIP = "membership/00000000-0000-4000-8000-000000000001"
SECRETS = ("SCORING_MODE", "learning_rate", "SELECT")
"""From the example DAGs' environment, hyperparameters and queries: none may reach an event."""


@pytest.fixture(scope="module")
def lineage(airflow_db, tmp_path_factory):
    """The events and the runs of the example pipelines, run once with the OpenLineage provider on."""
    out = tmp_path_factory.mktemp("lineage")
    folder = out / "dags"  # dag.test() parses its DAGs folder before every run: only these two files
    folder.mkdir()
    for name in (
        "example_cleanroomsml_pipeline.py",
        "example_cleanroomsml_lookalike.py",
        "lineage_s3_seed.py",
    ):
        (folder / name).symlink_to(DAGS / name)
    events = out / "events.jsonl"
    env = {
        **os.environ,
        "AIRFLOW__CORE__DAGS_FOLDER": str(folder),
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
            {"type": "file", "log_file_path": str(events), "append": True}
        ),
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "examples",
        "CLEANROOMSML_EXAMPLE_POLL_SECONDS": "1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.integration.lineage_runs", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    runs = json.loads((out / "runs.json").read_text())
    lines = events.read_text().splitlines()
    return runs, [json.loads(line) for line in lines], "\n".join(lines)


def complete_events(events) -> dict[str, dict]:
    """Each task's COMPLETE event, by ``dag_id.task_id``."""
    found = {}
    for event in events:
        name = event["job"]["name"]
        if event["eventType"] == "COMPLETE" and "." in name:
            assert name not in found, f"two COMPLETE events for {name}"
            found[name] = event
    return found


def named(datasets) -> list[tuple[str, str]]:
    return [(dataset["namespace"], dataset["name"]) for dataset in datasets]


def resource(key: str) -> tuple[str, str]:
    """
    How OpenLineage names a Clean Rooms ML resource: the ARN up to the account, and the rest (the
    emulator's key of a trained model adds its version after the ARN).
    """
    arn = key.split(" ")[0]
    return ":".join(arn.split(":")[:5]), arn.split(":", 5)[5]


def test_every_run_succeeds_under_the_policy_with_lineage_reads(lineage):
    runs, _, _ = lineage
    assert [(run["dag_id"], run["state"]) for run in runs["runs"]] == [
        ("example_cleanroomsml_training", "success"),
        ("example_cleanroomsml_scoring", "success"),
        ("example_cleanroomsml_lookalike", "success"),
        ("lineage_s3_seed", "success"),
    ]
    assert runs["denied"] == [], "lineage's reads are in the policy the command prints with --lineage"


def test_complete_events_carry_exactly_what_each_task_read_and_made_and_chain_by_name(lineage):
    runs, events, _ = lineage
    made = {
        run["dag_id"]: {kind: [key for k, key in run["created"] if k == kind] for kind, _ in run["created"]}
        for run in runs["runs"]
    }
    (channel_t,) = made["example_cleanroomsml_training"]["ML input channel"]
    (model,) = made["example_cleanroomsml_training"]["trained model"]
    (channel_s,) = made["example_cleanroomsml_scoring"]["ML input channel"]
    (job,) = made["example_cleanroomsml_scoring"]["trained model inference job"]
    (audience_model,) = made["example_cleanroomsml_lookalike"]["audience model"]
    (generation_job,) = made["example_cleanroomsml_lookalike"]["audience generation job"]
    (export,) = made["example_cleanroomsml_scoring"]["trained model export job"]
    (seeded,) = made["lineage_s3_seed"]["audience generation job"]
    exported_as = export.split("'")[1]  # its key: "'<name>' of <trained model ARN>"
    audience_exports = sorted(
        key.split("'")[1] for key in made["example_cleanroomsml_lookalike"]["audience export job"]
    )

    sys.path.insert(0, str(ROOT / "example_dags"))
    from example_cleanroomsml_lookalike import CONFIGURED_AUDIENCE_MODEL, TRAINING_DATASET
    from run_example import PURCHASES_TABLE, SEGMENTS_S3_URI

    glue = (
        "arn:aws:glue:us-east-1:123456789012",
        f"table/{PURCHASES_TABLE['databaseName']}/{PURCHASES_TABLE['tableName']}",
    )
    s3 = ("s3://" + SEGMENTS_S3_URI.removeprefix("s3://").split("/")[0], "exports")
    expected = {
        "example_cleanroomsml_training.training_data": ([], [resource(channel_t)]),
        "example_cleanroomsml_training.train": ([resource(channel_t)], [resource(model)]),
        "example_cleanroomsml_scoring.scoring_data": ([], [resource(channel_s)]),
        "example_cleanroomsml_scoring.score": ([resource(model), resource(channel_s)], [resource(job)]),
        "example_cleanroomsml_scoring.export_model": (
            [resource(model)],
            [(resource(model)[0], f"{resource(model)[1]}/export/{exported_as}")],
        ),
        "example_cleanroomsml_lookalike.retrain": (
            [resource(TRAINING_DATASET), glue],
            [resource(audience_model)],
        ),
        "example_cleanroomsml_lookalike.segment": (
            [resource(CONFIGURED_AUDIENCE_MODEL), resource(audience_model)],
            [resource(generation_job)],
        ),
    }
    expected["lineage_s3_seed.segment_from_s3"] = (
        [
            resource(CONFIGURED_AUDIENCE_MODEL),
            ("s3://example-seed-audiences", "seeds/converters.csv"),  # the seed, as OpenLineage names S3
            resource(audience_model),
        ],
        [resource(seeded)],
    )
    for size, name in zip(("10000", "50000"), audience_exports, strict=True):
        expected[f"example_cleanroomsml_lookalike.export_{size}"] = (
            [resource(generation_job)],
            [(ACCOUNT, f"{resource(generation_job)[1]}/export/{name}"), s3],
        )
    completes = complete_events(events)
    got = {
        task: (named(event.get("inputs", [])), named(event.get("outputs", [])))
        for task, event in completes.items()
        if task in expected
    }
    assert got == expected
    # Tasks that read or make nothing of Clean Rooms ML say nothing of it.
    for task in ("example_cleanroomsml_scoring.latest_model", "example_cleanroomsml_lookalike.use_new_model"):
        assert (completes[task].get("inputs"), completes[task].get("outputs")) in (([], []), (None, None))
    # Chained by name: what a task reads of what the runs made, an earlier task's event says it made.
    all_made = {dataset for _, outputs in expected.values() for dataset in outputs}
    made_so_far: set[tuple[str, str]] = set()
    links = 0
    for task, (inputs, outputs) in expected.items():
        from_the_runs = set(inputs) & all_made
        assert from_the_runs <= made_so_far, f"{task} reads {from_the_runs - made_so_far} before it is made"
        links += len(from_the_runs)
        made_so_far |= set(outputs)
    # channel -> train -> model -> score and export; channel -> score; audience model -> segment -> 2
    # exports; audience model -> the segment seeded from S3
    assert links == 8


def test_the_run_facet_says_what_was_made_and_its_status(lineage):
    runs, events, _ = lineage
    completes = complete_events(events)
    facet = completes["example_cleanroomsml_scoring.score"]["run"]["facets"][RUN_FACET]
    (job,) = [
        key for run in runs["runs"] for kind, key in run["created"] if kind == "trained model inference job"
    ]
    assert {key: facet.get(key) for key in ("resourceType", "arn", "status")} == {
        "resourceType": "trained model inference job",
        "arn": job,
        "status": "ACTIVE",
    }
    export = completes["example_cleanroomsml_scoring.export_model"]["run"]["facets"][RUN_FACET]
    assert export["resourceType"] == "trained model export job"
    assert export["status"] == "ACTIVE"
    assert export["parentArn"].startswith(f"{ACCOUNT}:{MEMBERSHIP}/trained-model/")
    assert "arn" not in export or export["arn"] is None


def test_nothing_of_the_environment_hyperparameters_or_sql_reaches_an_event(lineage):
    _, _, text = lineage
    leaked = [secret for secret in SECRETS if secret in text]
    assert not leaked
