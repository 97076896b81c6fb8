"""
Bad input, table-driven, across every public class: each error names the argument and the form
expected, and comes before any API call (the emulator counts none).
"""

from __future__ import annotations

import pytest

from airflow_cleanroomsml.operators.cleanroomsml import (
    CleanRoomsMLCancelTrainedModelInferenceJobOperator,
    CleanRoomsMLCreateAudienceModelOperator,
    CleanRoomsMLCreateMLInputChannelOperator,
    CleanRoomsMLCreateTrainedModelOperator,
    CleanRoomsMLGetLatestTrainedModelOperator,
    CleanRoomsMLGetTrainedModelInferenceJobOperator,
    CleanRoomsMLStartAudienceExportJobOperator,
    CleanRoomsMLStartAudienceGenerationJobOperator,
    CleanRoomsMLStartTrainedModelExportJobOperator,
    CleanRoomsMLStartTrainedModelInferenceJobOperator,
)
from airflow_cleanroomsml.sensors.cleanroomsml import (
    CleanRoomsMLAudienceExportJobSensor,
    CleanRoomsMLAudienceModelSensor,
    CleanRoomsMLTrainedModelExportJobSensor,
    CleanRoomsMLTrainedModelInferenceJobSensor,
    CleanRoomsMLTrainedModelSensor,
)
from airflow_cleanroomsml.triggers.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobCompleteTrigger
from airflow_cleanroomsml.validation import InvalidArgumentError
from tests.helpers import JOB_ARN, MEMBERSHIP_ID

PREFIX = f"arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/{MEMBERSHIP_ID}"
ACCOUNT_ARN = "arn:aws:cleanrooms-ml:us-east-1:123456789012"
OTHER_MEMBERSHIP = "99999999-2222-4333-8444-555555555555"


class FakeTaskInstance:
    dag_id, task_id, run_id, map_index, try_number = "dag", "task", "run", -1, 1

    def xcom_push(self, key, value):
        pass


def start(**overrides):
    arguments = {
        "membership_identifier": MEMBERSHIP_ID,
        "name": "job",
        "trained_model_arn": f"{PREFIX}/trained-model/m",
        "resource_config": {"instanceType": "ml.m5.xlarge"},
        "output_configuration": {"members": [{"accountId": "123456789012"}]},
        "data_source": {"mlInputChannelArn": f"{PREFIX}/ml-input-channel/c"},
        **overrides,
    }
    return lambda: CleanRoomsMLStartTrainedModelInferenceJobOperator(task_id="start", **arguments).execute(
        {"ti": FakeTaskInstance()}
    )


def sensor(arn=JOB_ARN, membership=None, **kwargs):
    return lambda: CleanRoomsMLTrainedModelInferenceJobSensor(
        task_id="wait", trained_model_inference_job_arn=arn, membership_identifier=membership, **kwargs
    ).execute({})


def get(arn=JOB_ARN, membership=None):
    return lambda: CleanRoomsMLGetTrainedModelInferenceJobOperator(
        task_id="get", trained_model_inference_job_arn=arn, membership_identifier=membership
    ).execute({})


def cancel(arn=JOB_ARN, membership=None, **kwargs):
    return lambda: CleanRoomsMLCancelTrainedModelInferenceJobOperator(
        task_id="cancel", trained_model_inference_job_arn=arn, membership_identifier=membership, **kwargs
    ).execute({"ti": FakeTaskInstance()})


def trigger(arn):
    return lambda: CleanRoomsMLTrainedModelInferenceJobCompleteTrigger(trained_model_inference_job_arn=arn)


def create(operator, **arguments):
    return lambda: operator(task_id="create", **arguments).execute({"ti": FakeTaskInstance()})


def channel(**overrides):
    arguments = {
        "membership_identifier": MEMBERSHIP_ID,
        "name": "training-data",
        "configured_model_algorithm_associations": [f"{PREFIX}/configured-model-algorithm-association/a"],
        "input_channel": {
            "dataSource": {"protectedQueryInputParameters": {"sqlParameters": {"queryString": "SELECT 1"}}},
            "roleArn": "arn:aws:iam::123456789012:role/ml",
        },
        "retention_in_days": 7,
    }
    return create(CleanRoomsMLCreateMLInputChannelOperator, **{**arguments, **overrides})


def model(**overrides):
    arguments = {
        "membership_identifier": MEMBERSHIP_ID,
        "name": "churn",
        "configured_model_algorithm_association_arn": f"{PREFIX}/configured-model-algorithm-association/a",
        "resource_config": {"instanceType": "ml.m5.xlarge", "instanceCount": 1, "volumeSizeInGB": 10},
        "data_channels": [{"mlInputChannelArn": f"{PREFIX}/ml-input-channel/c", "channelName": "train"}],
    }
    return create(CleanRoomsMLCreateTrainedModelOperator, **{**arguments, **overrides})


def export(**overrides):
    arguments = {
        "membership_identifier": MEMBERSHIP_ID,
        "name": "export",
        "trained_model_arn": f"{PREFIX}/trained-model/m",
        "output_configuration": {"members": [{"accountId": "123456789012"}]},
    }
    return create(CleanRoomsMLStartTrainedModelExportJobOperator, **{**arguments, **overrides})


def wait(sensor, **arguments):
    return lambda: sensor(task_id="wait", **arguments).execute({})


BAD_INPUTS = {
    "sensor: malformed ARN": (sensor("not-an-arn"), "trained_model_inference_job_arn"),
    "sensor: ARN of another resource type": (
        sensor(f"{PREFIX}/trained-model/m"),
        "trained_model_inference_job_arn",
    ),
    "sensor: wrong partition": (
        sensor(JOB_ARN.replace("arn:aws:", "arn:gcp:")),
        "trained_model_inference_job_arn",
    ),
    "sensor: another service": (
        sensor(JOB_ARN.replace("cleanrooms-ml", "sagemaker")),
        "trained_model_inference_job_arn",
    ),
    "sensor: membership mismatch": (sensor(membership=OTHER_MEMBERSHIP), "membership_identifier"),
    "sensor: non-UUID membership": (sensor(membership="membership-1"), "membership_identifier"),
    "sensor: deferrable, uppercase membership": (
        sensor(membership=MEMBERSHIP_ID.upper(), deferrable=True),
        "membership_identifier",
    ),
    "get: empty ARN": (get(""), "trained_model_inference_job_arn"),
    "get: membership mismatch": (get(membership=OTHER_MEMBERSHIP), "membership_identifier"),
    "cancel: ARN with a trailing newline": (cancel(JOB_ARN + "\n"), "trained_model_inference_job_arn"),
    "cancel: zero delay": (cancel(waiter_delay=0), "waiter_delay"),
    "cancel: attempts < 1": (cancel(waiter_max_attempts=0), "waiter_max_attempts"),
    "trigger: ARN of a trained model": (
        trigger(f"{PREFIX}/trained-model/m"),
        "trained_model_inference_job_arn",
    ),
    "start: empty name": (start(name=""), "name"),
    "start: name too long": (start(name="n" * 64), "name"),
    "start: over-long description": (start(description="d" * 256), "description"),
    "start: negative delay": (start(waiter_delay=-5), "waiter_delay"),
    "start: attempts < 1": (start(waiter_max_attempts=0), "waiter_max_attempts"),
    "start: unknown action_if_exists": (start(action_if_exists="replace"), "action_if_exists"),
    "start: non-dict resource_config": (start(resource_config="ml.m5.xlarge"), "resource_config"),
    "start: non-string environment value": (start(environment={"LIMIT": 10}), "environment['LIMIT']"),
    "start: non-UUID membership": (start(membership_identifier="m-1"), "membership_identifier"),
    "start: trained model ARN of another type": (
        start(trained_model_arn=f"{PREFIX}/ml-input-channel/c"),
        "trained_model_arn",
    ),
    "start: account id of 11 digits": (
        start(output_configuration={"members": [{"accountId": "12345678901"}]}),
        "members",
    ),
    "start: zero instances": (
        start(resource_config={"instanceType": "ml.m5.xlarge", "instanceCount": 0}),
        "instanceCount",
    ),
    "start: KMS alias instead of key ARN": (start(kms_key_arn="alias/mine"), "kms_key_arn"),
    "start: reserved tag": (start(tags={"airflow:run-id": "mine"}), "tags"),
    "channel: retention of 0 days": (channel(retention_in_days=0), "retention_in_days"),
    "channel: retention as a string": (channel(retention_in_days="7"), "retention_in_days"),
    "channel: no association": (channel(configured_model_algorithm_associations=[]), "configured_model"),
    "channel: query without a role": (channel(input_channel={"dataSource": {}}), "input_channel"),
    "model: no data channel": (model(data_channels=[]), "data_channels"),
    "model: hyperparameter of a number": (model(hyperparameters={"epochs": 3}), "hyperparameters['epochs']"),
    "model: association ARN of a channel": (
        model(configured_model_algorithm_association_arn=f"{PREFIX}/ml-input-channel/c"),
        "configured_model_algorithm_association_arn",
    ),
    "export: no receiving account": (export(output_configuration={"members": []}), "members"),
    "export: name with a newline": (export(name="export\n"), "name"),
    "trained model sensor: version not a UUID": (
        wait(
            CleanRoomsMLTrainedModelSensor,
            trained_model_arn=f"{PREFIX}/trained-model/m",
            version_identifier="v1",
        ),
        "version_identifier",
    ),
    "export sensor: ARN of an inference job": (
        wait(
            CleanRoomsMLTrainedModelExportJobSensor,
            membership_identifier=MEMBERSHIP_ID,
            trained_model_arn=JOB_ARN,
            name="x",
        ),
        "trained_model_arn",
    ),
    "export sensor: membership not a UUID": (
        wait(
            CleanRoomsMLTrainedModelExportJobSensor,
            membership_identifier="m-1",
            trained_model_arn=f"{PREFIX}/trained-model/m",
            name="x",
        ),
        "membership_identifier",
    ),
    "audience model: training dataset ARN of a membership resource": (
        create(
            CleanRoomsMLCreateAudienceModelOperator,
            name="lookalike",
            training_dataset_arn=f"{PREFIX}/trained-model/m",
        ),
        "training_dataset_arn",
    ),
    "audience model: training window as a number": (
        create(
            CleanRoomsMLCreateAudienceModelOperator,
            name="lookalike",
            training_dataset_arn=f"{ACCOUNT_ARN}:training-dataset/t",
            training_data_start_time=20260101,
        ),
        "training_data_start_time",
    ),
    "generation job: seed with an unknown key": (
        create(
            CleanRoomsMLStartAudienceGenerationJobOperator,
            name="segment",
            configured_audience_model_arn=f"{ACCOUNT_ARN}:configured-audience-model/c",
            seed_audience={"query": "SELECT 1"},
        ),
        "seed_audience",
    ),
    "export job: size without a type": (
        create(
            CleanRoomsMLStartAudienceExportJobOperator,
            name="export",
            audience_generation_job_arn=f"{ACCOUNT_ARN}:audience-generation-job/g",
            audience_size={"value": 1000},
        ),
        "audience_size",
    ),
    "audience model sensor: ARN with a membership": (
        wait(CleanRoomsMLAudienceModelSensor, audience_model_arn=f"{PREFIX}/audience-model/a"),
        "audience_model_arn",
    ),
    "audience export sensor: no name": (
        wait(
            CleanRoomsMLAudienceExportJobSensor,
            audience_generation_job_arn=f"{ACCOUNT_ARN}:audience-generation-job/g",
            name=None,
        ),
        "name",
    ),
    "start: waiter_delay NaN": (start(waiter_delay=float("nan")), "waiter_delay"),
    "start: waiter_delay infinite": (start(waiter_delay=float("inf")), "waiter_delay"),
    "start: deferrable, 10**15 reads": (
        start(waiter_max_attempts=10**15, deferrable=True),
        "waiter_max_attempts",
    ),
    "start: a wait of more than a year": (
        start(waiter_delay=3600, waiter_max_attempts=9000),
        "waiter_max_attempts",
    ),
    "start: attempts as a float": (start(waiter_max_attempts=5.0), "waiter_max_attempts"),
    "cancel: waiter_delay infinite": (
        cancel(waiter_delay=float("inf"), wait_for_completion=True),
        "waiter_delay",
    ),
    "sensor: poke_interval NaN": (sensor(poke_interval=float("nan")), "poke_interval"),
    "sensor: timeout infinite": (sensor(timeout=float("inf")), "timeout"),
    "sensor: deferrable, timeout of a century": (
        sensor(timeout=100 * 366 * 86400, deferrable=True),
        "timeout",
    ),
    "sensor: exponential_backoff": (sensor(exponential_backoff=True), "exponential_backoff"),
    "get: exclude_from_xcom a number": (
        lambda: CleanRoomsMLGetTrainedModelInferenceJobOperator(
            task_id="get", trained_model_inference_job_arn=JOB_ARN, exclude_from_xcom=5
        ),
        "exclude_from_xcom",
    ),
    "start: exclude_from_xcom with an empty key": (
        start(exclude_from_xcom=["environment", ""]),
        "exclude_from_xcom",
    ),
    "start: exclude_from_xcom a dict": (start(exclude_from_xcom={"environment": True}), "exclude_from_xcom"),
    "start: mask_environment_keys a number": (start(mask_environment_keys=7), "mask_environment_keys"),
    "model: mask_environment_keys with a number": (
        model(mask_environment_keys=["EPOCHS", 3]),
        "mask_environment_keys",
    ),
    "sensor: region_name contradicting the ARN": (sensor(region_name="eu-west-1"), "region_name='eu-west-1'"),
    "get: region_name contradicting the ARN": (
        lambda: CleanRoomsMLGetTrainedModelInferenceJobOperator(
            task_id="get", trained_model_inference_job_arn=JOB_ARN, region_name="eu-west-1"
        ).execute({}),
        "region_name='eu-west-1'",
    ),
    "start: region_name contradicting the trained model's": (
        start(region_name="eu-west-1"),
        "trained_model_arn",
    ),
    "export: region_name contradicting the trained model's": (export(region_name="eu-west-1"), "region_name"),
    "sensor: ARN rendered to None": (sensor(arn=None), "trained_model_inference_job_arn"),
    "sensor: ARN rendered to a number": (sensor(arn=123456789012), "trained_model_inference_job_arn"),
    "start: name rendered to None": (start(name=None), "name"),
    "start: data_source rendered to a string": (
        start(data_source="{'mlInputChannelArn': 'x'}"),
        "data_source",
    ),
    "latest model: membership not a UUID": (
        lambda: CleanRoomsMLGetLatestTrainedModelOperator(
            task_id="latest", membership_identifier="m", name="x"
        ).execute({}),
        "membership_identifier",
    ),
}


@pytest.mark.parametrize(("make_call", "field"), BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_named_and_rejected_before_any_api_call(make_call, field, cleanroomsml_emulator):
    with pytest.raises(InvalidArgumentError) as error:
        make_call()
    message = str(error.value)
    assert field in message
    assert "expected" in message or "must be" in message
    assert sum(cleanroomsml_emulator.calls.values()) == 0
