"""
Every public operator and sensor class, in every mode, in every situation, through real DAG runs.

The classes come from what the provider exports (``every_class.public_classes``), so a class no test
runs cannot exist: one DAG run per mode and situation puts all of them through it against the
emulator, and each task must end as its role says (``every_class.EXPECTED``): the task's state, the
exception's type and what its message says. Every run is made under the least-privilege policy
:mod:`airflow_cleanroomsml.iam` derives for its DAG's tasks, and no call may be refused: each class
needs no more than it declares, in every mode and situation.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest

from airflow_cleanroomsml import iam
from airflow_cleanroomsml.testing.kinds import (
    AUDIENCE_GENERATION_JOBS,
    CONFIGURED_AUDIENCE_MODELS,
    CONFIGURED_MODEL_ALGORITHM_ASSOCIATIONS,
    EMULATED_KINDS,
    GONE,
    ML_INPUT_CHANNELS,
    TRAINED_MODELS,
    TRAINING_DATASETS,
)
from tests.integration.every_class import (
    EXPECTED,
    MODES,
    OUTCOMES,
    classes_in,
    kind_of,
    public_classes,
    role_of,
    task_id,
)

pytestmark = pytest.mark.integration

DETAILS = {"statusCode": "Broken", "message": "scripted failure"}
ROLE = "arn:aws:iam::123456789012:role/cleanrooms-ml"
ACCOUNT_ARN = "arn:aws:cleanrooms-ml:us-east-1:123456789012"
QUERY = {"sqlParameters": {"queryString": "SELECT 1"}}
SUBSET = {("deferrable", "success"), ("poke", "failed"), ("reschedule", "not found")}
"""What the MWAA legs run (``-m "not exhaustive"``): every class at least once, in every mode."""


def emulated(kind):
    return next(emulated for emulated in EMULATED_KINDS if emulated.kind is kind)


def missing_arn(kind, membership: str) -> str:
    """A well-formed ARN of a kind that names nothing."""
    scope = f"membership/{membership}/" if kind.in_membership else ""
    return f"{ACCOUNT_ARN}:{scope}{kind.arn_segment}/00000000-0000-4000-8000-00000000dead"


def start_request(cls: type, emulator) -> dict[str, Any]:
    """A request that the class's operation accepts, naming parents registered in the emulator."""
    membership = emulator.membership_id
    association = emulator.register(CONFIGURED_MODEL_ALGORITHM_ASSOCIATIONS, name="algorithm")

    def active(kind, **fields):
        return emulator.register(kind, ["ACTIVE"], **fields)

    operation = cls.operation
    if operation == "StartTrainedModelInferenceJob":
        return {
            "membership_identifier": membership,
            "name": "scoring",
            "trained_model_arn": active(TRAINED_MODELS, name="scoring-model"),
            "resource_config": {"instanceType": "ml.m5.xlarge", "instanceCount": 1},
            "output_configuration": {"members": [{"accountId": "123456789012"}]},
            "data_source": {"mlInputChannelArn": active(ML_INPUT_CHANNELS, name="scoring-data")},
            "environment": {"API_TOKEN": "secret-value", "MODE": "batch"},
        }
    if operation == "CreateMLInputChannel":
        return {
            "membership_identifier": membership,
            "name": "training-data",
            "configured_model_algorithm_associations": [association],
            "input_channel": {"dataSource": {"protectedQueryInputParameters": QUERY}, "roleArn": ROLE},
            "retention_in_days": 7,
        }
    if operation == "CreateTrainedModel":
        return {
            "membership_identifier": membership,
            "name": "churn",
            "configured_model_algorithm_association_arn": association,
            "resource_config": {"instanceType": "ml.m5.xlarge", "instanceCount": 1, "volumeSizeInGB": 10},
            "data_channels": [
                {"mlInputChannelArn": active(ML_INPUT_CHANNELS, name="train"), "channelName": "train"}
            ],
        }
    if operation == "StartTrainedModelExportJob":
        return {
            "membership_identifier": membership,
            "name": "model-export",
            "trained_model_arn": active(TRAINED_MODELS, name="exported"),
            "output_configuration": {"members": [{"accountId": "123456789012"}]},
        }
    if operation == "CreateAudienceModel":
        return {
            "name": "lookalike",
            "training_dataset_arn": active(TRAINING_DATASETS),
            "training_data_start_time": "2026-01-01T00:00:00Z",
        }
    if operation == "StartAudienceGenerationJob":
        return {
            "name": "segment",
            "configured_audience_model_arn": active(CONFIGURED_AUDIENCE_MODELS),
            "seed_audience": {"sqlParameters": {"queryString": "SELECT user_id FROM seed"}, "roleArn": ROLE},
            "collaboration_id": "00000000-0000-4000-8000-0000000000cc",
        }
    if operation == "StartAudienceExportJob":
        return {
            "name": "segment-export",
            "audience_generation_job_arn": active(AUDIENCE_GENERATION_JOBS),
            "audience_size": {"type": "ABSOLUTE", "value": 10000},
        }
    raise AssertionError(f"{cls.__name__}: no sample request for {operation}; add one here")


def registered(cls: type, emulator, statuses: list[str], details: dict | None = None) -> dict[str, Any]:
    """A resource of the class's kind going through ``statuses``; the arguments that name it."""
    kind = kind_of(cls)
    fields: dict[str, Any] = {}
    arguments: dict[str, Any] = {}
    if kind.match_by != kind.arn_member:  # an export: named by its parent (and membership) and name
        parent = next(e for e in EMULATED_KINDS if e.kind.arn_segment == kind.arn_segment and e.kind.get)
        arguments[kind.arguments[kind.arn_member]] = emulator.register(parent, ["ACTIVE"], name="parent")
        fields[kind.arn_member] = arguments[kind.arguments[kind.arn_member]]
        if "membershipIdentifier" in kind.identity:
            arguments["membership_identifier"] = emulator.membership_id
    key = emulator.register(emulated(kind), statuses, status_details=details, name="named", **fields)
    return {**arguments, kind.primary_argument: key}


def situation(cls: type, outcome: str, emulator) -> dict[str, Any]:
    """Set the emulator up for one class in one situation; return the task's arguments."""
    role, kind = role_of(cls), kind_of(cls)
    if role == "start":
        request = start_request(cls, emulator)
        scripts = {"failed": ["CREATE_PENDING", "CREATE_FAILED"], "gone": ["CREATE_PENDING", GONE]}
        if outcome in scripts:
            emulator.script_next(emulated(kind), scripts[outcome], status_details=DETAILS)
        return request
    if role == "latest":
        if outcome in ("success", "throttled", "failed"):
            status = "CREATE_FAILED" if outcome == "failed" else "ACTIVE"
            emulator.register(TRAINED_MODELS, [status], name="churn")
        return {"membership_identifier": emulator.membership_id, "name": "churn"}
    if outcome == "not found":
        arguments = registered(cls, emulator, ["ACTIVE"])
        if kind.match_by == kind.arn_member:
            arguments[kind.primary_argument] = missing_arn(kind, emulator.membership_id)
        else:
            arguments["name"] = "never-started"
        return arguments
    statuses = {
        "sensor": {"success": ["CREATE_PENDING", "ACTIVE"], "failed": ["CREATE_PENDING", "CREATE_FAILED"]},
        "describe": {"success": ["ACTIVE"], "failed": ["CREATE_FAILED"]},
        "cancel": {"success": ["CREATE_IN_PROGRESS"], "failed": ["CREATE_IN_PROGRESS"]},
        "delete": {"success": ["ACTIVE"], "failed": ["ACTIVE"]},
    }[role]
    if outcome == "gone":
        steps = ["CREATE_IN_PROGRESS", GONE] if role == "sensor" else [GONE]
    else:
        steps = statuses["success" if outcome == "throttled" else outcome]
    details = DETAILS if outcome == "failed" and role == "sensor" else None
    arguments = registered(cls, emulator, steps, details)
    if outcome == "failed" and role in ("cancel", "delete"):
        verb = "CANCEL" if role == "cancel" else "DELETE"
        script = [f"{verb}_PENDING", f"{verb}_FAILED"]
        emulator.script_next(emulated(kind), script, status_details=DETAILS, on=role)
    return arguments


def cases():
    for mode in MODES:
        for outcome in OUTCOMES:
            marks = [] if (mode, outcome) in SUBSET else [pytest.mark.exhaustive]
            yield pytest.param(mode, outcome, marks=marks, id=f"{mode}-{outcome.replace(' ', '-')}")


def test_every_exported_class_has_a_role_and_runs_in_every_dag_of_its_modes():
    classes = public_classes()
    assert len(classes) >= 25
    for cls in classes:
        role_of(cls)
        assert cls in classes_in("poke")
        assert cls in classes_in("deferrable")
        assert (cls in classes_in("reschedule")) == (role_of(cls) == "sensor")


@pytest.mark.parametrize(("mode", "outcome"), list(cases()))
def test_every_class_ends_each_situation_as_its_role_says(
    mode, outcome, airflow_db, cleanroomsml_emulator, tmp_path
):
    emulator = cleanroomsml_emulator
    classes = classes_in(mode)
    cfg = {task_id(cls): situation(cls, outcome, emulator) for cls in classes}
    if outcome == "throttled":
        emulator.faults.throttle_every = 3
    if outcome == "not found":
        emulator.faults.not_found_reads = 1000  # what the start operators create is never seen
    dags = importlib.import_module("tests.integration.dags.every_class_dags")
    dag = getattr(dags, f"every_class_{mode}")
    tasks = [iam.task_of(dag.dag_id, task) for task in dag.tasks]
    emulator.policy = iam.report(tasks, lineage=False).policy()
    dag_run = dag.test(run_conf={"cfg": cfg, "out": str(tmp_path)})

    wrong = {}
    for cls in classes:
        tid = task_id(cls)
        state, error_type, pattern = EXPECTED[role_of(cls)][outcome]
        ti_state = dag_run.get_task_instance(tid).state
        got = str(getattr(ti_state, "value", ti_state))
        error = tmp_path / f"{tid}.error"
        recorded = error.read_text() if error.exists() else ""
        if got != state or (
            error_type and not (recorded.startswith(f"{error_type}: ") and re.search(pattern, recorded))
        ):
            wrong[tid] = (got, recorded[:300])
    assert not wrong, f"{mode}/{outcome}: tasks that ended otherwise: {wrong}"
    assert emulator.denied == [], f"{mode}/{outcome}: calls the derived policy does not allow"
