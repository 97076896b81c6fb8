from __future__ import annotations

import pytest

from airflow_cleanroomsml.inference_jobs import InvalidArgumentError
from airflow_cleanroomsml.start_request import RUN_TAG_KEYS, build_start_request, run_identity_tags
from tests.helpers import MEMBERSHIP_ID

PREFIX = f"arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/{MEMBERSHIP_ID}"
SECRET = "hunter2-must-not-appear"


def arguments(**overrides):
    return {
        "membership_identifier": MEMBERSHIP_ID,
        "name": "nightly-scoring",
        "trained_model_arn": f"{PREFIX}/trained-model/m1",
        "resource_config": {"instanceType": "ml.m5.xlarge", "instanceCount": 2},
        "output_configuration": {"accept": "text/csv", "members": [{"accountId": "123456789012"}]},
        "data_source": {"mlInputChannelArn": f"{PREFIX}/ml-input-channel/c1"},
        **overrides,
    }


def test_builds_the_api_request_leaving_out_unset_members():
    request = build_start_request(**arguments())
    assert request == {
        "membershipIdentifier": MEMBERSHIP_ID,
        "name": "nightly-scoring",
        "trainedModelArn": f"{PREFIX}/trained-model/m1",
        "resourceConfig": {"instanceType": "ml.m5.xlarge", "instanceCount": 2},
        "outputConfiguration": {"accept": "text/csv", "members": [{"accountId": "123456789012"}]},
        "dataSource": {"mlInputChannelArn": f"{PREFIX}/ml-input-channel/c1"},
    }


def test_every_optional_member_and_the_run_tags():
    identity = run_identity_tags("dag", "task", "manual__2026", -1)
    request = build_start_request(
        **arguments(
            trained_model_version_identifier="0f0e0d0c-0b0a-4908-8706-050403020100",
            configured_model_algorithm_association_arn=f"{PREFIX}/configured-model-algorithm-association/a1",
            description="scores the nightly batch",
            container_execution_parameters={"maxPayloadInMB": 6},
            environment={"API_TOKEN": SECRET},
            kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/k1",
            tags={"team": "ml"},
        ),
        extra_tags=identity,
    )
    assert request["trainedModelVersionIdentifier"] == "0f0e0d0c-0b0a-4908-8706-050403020100"
    assert request["containerExecutionParameters"] == {"maxPayloadInMB": 6}
    assert request["environment"] == {"API_TOKEN": SECRET}
    assert request["tags"] == {"team": "ml", **identity}
    assert set(RUN_TAG_KEYS) <= set(request["tags"])
    assert identity["airflow:map-index"] == "-1"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"membership_identifier": "abc"}, "membership_identifier"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 64}, "name"),
        ({"trained_model_arn": "arn:aws:s3:::bucket"}, "trained_model_arn"),
        ({"trained_model_arn": f"{PREFIX}/ml-input-channel/c1"}, "trained_model_arn"),
        ({"resource_config": "ml.m5.xlarge"}, "resource_config"),
        ({"resource_config": {"instanceCount": 1}}, "resource_config"),
        ({"resource_config": {"instanceType": "ml.m5.xlarge", "instanceCount": 0}}, "instanceCount"),
        ({"output_configuration": {"members": []}}, "members"),
        ({"output_configuration": {"members": [{"accountId": "12"}]}}, "members"),
        ({"data_source": {"mlInputChannelArn": "arn:aws:s3:::x"}}, "mlInputChannelArn"),
        ({"data_source": ["arn"]}, "data_source"),
        ({"trained_model_version_identifier": "V1"}, "trained_model_version_identifier"),
        (
            {"configured_model_algorithm_association_arn": "arn:nope"},
            "configured_model_algorithm_association_arn",
        ),
        ({"description": "d" * 256}, "description"),
        ({"container_execution_parameters": {"maxPayloadInMB": -1}}, "maxPayloadInMB"),
        ({"environment": ["A=1"]}, "environment"),
        ({"environment": {f"K{i}": "v" for i in range(17)}}, "environment"),
        ({"environment": {"1BAD": "v"}}, "environment key"),
        ({"kms_key_arn": "alias/mine"}, "kms_key_arn"),
        ({"tags": {"k": 1}}, "tags"),
        ({"tags": {"airflow:run-id": "x"}}, "reserved"),
    ],
)
def test_bad_arguments_are_named_with_the_expected_form(overrides, field):
    with pytest.raises(InvalidArgumentError, match=r"expected|must be") as error:
        build_start_request(**arguments(**overrides))
    assert field in str(error.value)


@pytest.mark.parametrize("value", [42, "", None, ["x"]])
def test_environment_errors_never_show_the_values(value):
    with pytest.raises(InvalidArgumentError) as error:
        build_start_request(**arguments(environment={"API_TOKEN": SECRET, "OTHER": value}))
    assert "environment['OTHER']" in str(error.value)
    assert SECRET not in str(error.value)
