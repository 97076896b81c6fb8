"""A retry or a rerun adopts a resource only if it is what the task would make, member by member."""

from __future__ import annotations

import pytest

from airflow_cleanroomsml._compat import AirflowException
from airflow_cleanroomsml.operators.cleanroomsml import (
    CleanRoomsMLStartAudienceExportJobOperator,
    CleanRoomsMLStartTrainedModelExportJobOperator,
    CleanRoomsMLStartTrainedModelInferenceJobOperator,
)
from airflow_cleanroomsml.testing.kinds import AUDIENCE_GENERATION_JOBS, ML_INPUT_CHANNELS, TRAINED_MODELS

pytestmark = pytest.mark.integration


class TaskInstance:
    def __init__(self, run_id: str = "scheduled__2026-11-26", task_id: str = "export") -> None:
        self.dag_id, self.task_id, self.run_id, self.map_index, self.try_number = (
            "dag",
            task_id,
            run_id,
            -1,
            1,
        )

    def xcom_push(self, key, value):
        pass


def audience_export(generation_job: str, size: int) -> CleanRoomsMLStartAudienceExportJobOperator:
    return CleanRoomsMLStartAudienceExportJobOperator(
        task_id="export",
        name="weekly-segment",
        audience_generation_job_arn=generation_job,
        audience_size={"type": "ABSOLUTE", "value": size},
        waiter_delay=0.05,
    )


def model_export(emulator, model: str, account: str) -> CleanRoomsMLStartTrainedModelExportJobOperator:
    return CleanRoomsMLStartTrainedModelExportJobOperator(
        task_id="export",
        membership_identifier=emulator.membership_id,
        name="model-to-partner",
        trained_model_arn=model,
        output_configuration={"members": [{"accountId": account}]},
        waiter_delay=0.05,
    )


def test_an_audience_export_of_another_size_is_not_adopted_and_the_error_names_what_differs(
    cleanroomsml_emulator,
):
    generation_job = cleanroomsml_emulator.register(AUDIENCE_GENERATION_JOBS, ["ACTIVE"])
    assert audience_export(generation_job, 10_000).execute({"ti": TaskInstance()}) == "weekly-segment"
    with pytest.raises(AirflowException) as error:
        audience_export(generation_job, 50_000).execute({"ti": TaskInstance(task_id="export_50000")})
    message = str(error.value)
    assert "'weekly-segment'" in message
    assert generation_job in message
    assert (
        "audience_size is {'type': 'ABSOLUTE', 'value': 10000}, not {'type': 'ABSOLUTE', 'value': 50000}"
        in (message)
    )
    assert cleanroomsml_emulator.calls["StartAudienceExportJob"] == 1


def test_a_model_export_to_another_account_is_not_adopted(cleanroomsml_emulator):
    model = cleanroomsml_emulator.register(TRAINED_MODELS, ["ACTIVE"], name="churn")
    model_export(cleanroomsml_emulator, model, "111111111111").execute({"ti": TaskInstance()})
    with pytest.raises(
        AirflowException, match=r"output_configuration is .*111111111111.*, not .*222222222222"
    ):
        model_export(cleanroomsml_emulator, model, "222222222222").execute({"ti": TaskInstance()})
    assert cleanroomsml_emulator.calls["StartTrainedModelExportJob"] == 1


def test_a_rerun_with_a_static_name_adopts_an_identical_export_and_refuses_a_different_one(
    cleanroomsml_emulator,
):
    generation_job = cleanroomsml_emulator.register(AUDIENCE_GENERATION_JOBS, ["ACTIVE"])
    audience_export(generation_job, 10_000).execute({"ti": TaskInstance("scheduled__2026-11-19")})
    rerun = audience_export(generation_job, 10_000)
    assert rerun.execute({"ti": TaskInstance("scheduled__2026-11-26")}) == "weekly-segment"
    with pytest.raises(AirflowException, match="audience_size"):
        audience_export(generation_job, 20_000).execute({"ti": TaskInstance("scheduled__2026-12-03")})
    assert cleanroomsml_emulator.calls["StartAudienceExportJob"] == 1


def test_a_retry_does_not_adopt_its_earlier_try_s_job_if_the_request_changed_since(cleanroomsml_emulator):
    model = cleanroomsml_emulator.register(TRAINED_MODELS, ["ACTIVE"], name="churn")
    channel = cleanroomsml_emulator.register(ML_INPUT_CHANNELS, ["ACTIVE"], name="scoring")

    def start(instance_type: str) -> CleanRoomsMLStartTrainedModelInferenceJobOperator:
        return CleanRoomsMLStartTrainedModelInferenceJobOperator(
            task_id="score",
            membership_identifier=cleanroomsml_emulator.membership_id,
            name="scoring",
            trained_model_arn=model,
            resource_config={"instanceType": instance_type, "instanceCount": 1},
            output_configuration={"members": [{"accountId": "123456789012"}]},
            data_source={"mlInputChannelArn": channel},
            environment={"API_TOKEN": "never-shown"},
            wait_for_completion=False,
        )

    start("ml.m5.xlarge").execute({"ti": TaskInstance(task_id="score")})
    with pytest.raises(AirflowException, match="resource_config is") as error:
        start("ml.m5.2xlarge").execute({"ti": TaskInstance(task_id="score")})
    assert "never-shown" not in str(error.value)
    assert cleanroomsml_emulator.calls["StartTrainedModelInferenceJob"] == 1
