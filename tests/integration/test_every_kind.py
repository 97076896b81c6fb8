"""
Every kind the provider ships, through the real clients against the emulator.

For each kind: every status its service model knows is judged by its ``complete`` waiter the same
way by the sensor's read (what ``poke`` and ``reschedule`` mode run) and by the trigger (what
deferrable mode runs); a retry after a worker dies creates nothing twice; throttling and server
errors are survived.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from unittest import mock

import pytest

from airflow_cleanroomsml._compat import AirflowFailException
from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook
from airflow_cleanroomsml.judging import judge
from airflow_cleanroomsml.operators import cleanroomsml as operators
from airflow_cleanroomsml.sensors import cleanroomsml as sensors
from airflow_cleanroomsml.testing import kinds as emulated
from airflow_cleanroomsml.triggers import cleanroomsml as triggers
from airflow_cleanroomsml.validation import service_model

if TYPE_CHECKING:
    from collections.abc import Callable

pytestmark = pytest.mark.integration

MEMBERSHIP = "00000000-0000-4000-8000-000000000001"
PREFIX = f"arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/{MEMBERSHIP}"
ASSOCIATION = f"{PREFIX}/configured-model-algorithm-association/a1"
ROLE = "arn:aws:iam::123456789012:role/ml"
MEMBERSHIP_MEMBER = "membershipIdentifier"


class TaskInstance:
    dag_id, task_id, run_id, map_index, try_number = "dag", "task", "run", -1, 1

    def xcom_push(self, key: str, value: Any) -> None:
        pass


@dataclass
class Kind:
    emulated: emulated.EmulatedKind
    sensor: type
    trigger: type
    create: Callable[..., Any]
    status_shape: str
    parent: tuple[emulated.EmulatedKind, str] | None = None
    """For an export job: the kind it belongs to, and the argument that names it."""

    def parent_of(self, emulator) -> dict[str, Any]:
        """An ACTIVE parent registered for a kind that has one (the argument naming it), else nothing."""
        if self.parent is None:
            return {}
        kind, argument = self.parent
        return {argument: emulator.register(kind, ["ACTIVE"], name="parent")}

    def created_by(self, emulator, **kwargs: Any) -> Callable[..., Any]:
        """Makes the kind's create operator; a parent is registered once."""
        kwargs.update(self.parent_of(emulator))
        return lambda **more: self.create(**kwargs, **more)

    @property
    def create_calls(self) -> str:
        return self.emulated.create or ""

    def register(self, emulator, statuses) -> dict[str, Any]:
        """A resource going through ``statuses``; return the sensor's arguments for it."""
        kind = self.emulated.kind
        arguments = self.parent_of(emulator)
        if MEMBERSHIP_MEMBER in kind.identity and kind.match_by != kind.arn_member:
            arguments["membership_identifier"] = MEMBERSHIP  # named by it, not located by its ARN
        members = {snake: member for member, snake in kind.arguments.items()}
        key = emulator.register(self.emulated, statuses, **{members[a]: v for a, v in arguments.items()})
        return {**arguments, kind.primary_argument: key}


def start_inference_job(**kwargs):
    return operators.CleanRoomsMLStartTrainedModelInferenceJobOperator(
        task_id="start",
        membership_identifier=MEMBERSHIP,
        name="scoring",
        trained_model_arn=f"{PREFIX}/trained-model/m1",
        resource_config={"instanceType": "ml.m5.xlarge", "instanceCount": 1},
        output_configuration={"members": [{"accountId": "123456789012"}]},
        data_source={"mlInputChannelArn": f"{PREFIX}/ml-input-channel/c1"},
        **kwargs,
    )


def create_channel(**kwargs):
    return operators.CleanRoomsMLCreateMLInputChannelOperator(
        task_id="channel",
        membership_identifier=MEMBERSHIP,
        name="training-data",
        configured_model_algorithm_associations=[ASSOCIATION],
        input_channel={
            "dataSource": {"protectedQueryInputParameters": {"sqlParameters": {"queryString": "SELECT 1"}}},
            "roleArn": "arn:aws:iam::123456789012:role/ml",
        },
        retention_in_days=7,
        **kwargs,
    )


def create_model(**kwargs):
    return operators.CleanRoomsMLCreateTrainedModelOperator(
        task_id="model",
        membership_identifier=MEMBERSHIP,
        name="churn",
        configured_model_algorithm_association_arn=ASSOCIATION,
        resource_config={"instanceType": "ml.m5.xlarge", "instanceCount": 1, "volumeSizeInGB": 10},
        data_channels=[{"mlInputChannelArn": f"{PREFIX}/ml-input-channel/c1", "channelName": "train"}],
        **kwargs,
    )


def start_export(**kwargs):
    return operators.CleanRoomsMLStartTrainedModelExportJobOperator(
        task_id="export",
        membership_identifier=MEMBERSHIP,
        name="export",
        output_configuration={"members": [{"accountId": "123456789012"}]},
        **kwargs,
    )


KINDS = {
    "inference job": Kind(
        emulated.TRAINED_MODEL_INFERENCE_JOBS,
        sensors.CleanRoomsMLTrainedModelInferenceJobSensor,
        triggers.CleanRoomsMLTrainedModelInferenceJobCompleteTrigger,
        start_inference_job,
        "TrainedModelInferenceJobStatus",
    ),
    "ML input channel": Kind(
        emulated.ML_INPUT_CHANNELS,
        sensors.CleanRoomsMLMLInputChannelSensor,
        triggers.CleanRoomsMLMLInputChannelCompleteTrigger,
        create_channel,
        "MLInputChannelStatus",
    ),
    "trained model": Kind(
        emulated.TRAINED_MODELS,
        sensors.CleanRoomsMLTrainedModelSensor,
        triggers.CleanRoomsMLTrainedModelCompleteTrigger,
        create_model,
        "TrainedModelStatus",
    ),
    "export job": Kind(
        emulated.TRAINED_MODEL_EXPORT_JOBS,
        sensors.CleanRoomsMLTrainedModelExportJobSensor,
        triggers.CleanRoomsMLTrainedModelExportJobCompleteTrigger,
        start_export,
        "TrainedModelExportJobStatus",
        parent=(emulated.TRAINED_MODELS, "trained_model_arn"),
    ),
    "audience model": Kind(
        emulated.AUDIENCE_MODELS,
        sensors.CleanRoomsMLAudienceModelSensor,
        triggers.CleanRoomsMLAudienceModelCompleteTrigger,
        lambda **kwargs: operators.CleanRoomsMLCreateAudienceModelOperator(
            task_id="audience_model",
            name="lookalike",
            training_dataset_arn="arn:aws:cleanrooms-ml:us-east-1:123456789012:training-dataset/t1",
            training_data_start_time="2026-01-01T00:00:00Z",
            **kwargs,
        ),
        "AudienceModelStatus",
    ),
    "audience generation job": Kind(
        emulated.AUDIENCE_GENERATION_JOBS,
        sensors.CleanRoomsMLAudienceGenerationJobSensor,
        triggers.CleanRoomsMLAudienceGenerationJobCompleteTrigger,
        lambda **kwargs: operators.CleanRoomsMLStartAudienceGenerationJobOperator(
            task_id="segment",
            name="segment",
            configured_audience_model_arn="arn:aws:cleanrooms-ml:us-east-1:123456789012:configured-audience-model/c1",
            seed_audience={"sqlParameters": {"queryString": "SELECT user_id FROM seed"}, "roleArn": ROLE},
            collaboration_id="00000000-0000-4000-8000-0000000000cc",
            **kwargs,
        ),
        "AudienceGenerationJobStatus",
    ),
    "audience export job": Kind(
        emulated.AUDIENCE_EXPORT_JOBS,
        sensors.CleanRoomsMLAudienceExportJobSensor,
        triggers.CleanRoomsMLAudienceExportJobCompleteTrigger,
        lambda **kwargs: operators.CleanRoomsMLStartAudienceExportJobOperator(
            task_id="export_segment",
            name="export",
            audience_size={"type": "ABSOLUTE", "value": 10000},
            **kwargs,
        ),
        "AudienceExportJobStatus",
        parent=(emulated.AUDIENCE_GENERATION_JOBS, "audience_generation_job_arn"),
    ),
}
STATUSES = [
    (name, status)
    for name, kind in KINDS.items()
    for status in service_model().shape_for(kind.status_shape).enum  # type: ignore[attr-defined]
]


@pytest.mark.parametrize(("name", "status"), STATUSES, ids=[f"{name}-{status}" for name, status in STATUSES])
def test_every_status_is_judged_alike_by_the_sensor_s_read_and_by_the_trigger(
    name, status, cleanroomsml_emulator
):
    kind = KINDS[name]
    verdict = judge(kind.emulated.kind, kind.emulated.kind.waiter("complete"), {"status": status})
    arguments = kind.register(cleanroomsml_emulator, [status])

    sensor = kind.sensor(task_id="wait", poke_interval=1, timeout=5, **arguments)
    sensor.resolve_reference()
    if verdict == "failure":
        with pytest.raises(AirflowFailException, match=status):
            sensor.poke({})
    else:
        assert sensor.poke({}) is (verdict == "success")

    trigger = kind.trigger(waiter_delay=0.01, waiter_max_attempts=1, **arguments)

    async def first_event():
        async for event in trigger.run():
            return event.payload

    event = asyncio.run(first_event())
    assert event["status"] == {"success": "success", "failure": "error", "retry": "timeout"}[verdict]
    assert event["resource_status"] == status


@pytest.mark.parametrize("name", KINDS)
def test_a_retry_after_a_worker_crash_creates_nothing_twice(name, cleanroomsml_emulator):
    kind = KINDS[name]
    cleanroomsml_emulator.script_next(
        kind.emulated, ["CREATE_PENDING", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "ACTIVE"]
    )
    create = kind.created_by(cleanroomsml_emulator, waiter_delay=0.05)
    first_try = create()

    def worker_dies(*args, **kwargs):
        raise SystemExit("worker killed right after the create call")

    with mock.patch.object(CleanRoomsMLHook, "wait", worker_dies), pytest.raises(SystemExit):
        first_try.execute({"ti": TaskInstance()})
    retry = create()
    assert retry.execute({"ti": TaskInstance()}) == first_try.created[kind.emulated.kind.match_by]
    assert cleanroomsml_emulator.calls[kind.create_calls] == 1


@pytest.mark.parametrize("name", KINDS)
def test_throttling_and_server_errors_are_survived(name, cleanroomsml_emulator):
    kind = KINDS[name]
    cleanroomsml_emulator.faults.throttle_every = 2
    cleanroomsml_emulator.faults.error_every = 5
    operator = kind.created_by(cleanroomsml_emulator, waiter_delay=0.05)(
        botocore_config={"retries": {"mode": "standard", "max_attempts": 6}}
    )
    created = operator.execute({"ti": TaskInstance()})
    assert cleanroomsml_emulator.job_status(created) == "ACTIVE"
    assert cleanroomsml_emulator.calls[kind.create_calls] >= 1
