"""Requests checked against botocore's own service model: what passes is what AWS accepts."""

from __future__ import annotations

import pytest

from airflow_cleanroomsml.kinds import snake_case
from airflow_cleanroomsml.operators.cleanroomsml import CleanRoomsMLStartTrainedModelInferenceJobOperator
from airflow_cleanroomsml.operators.starting import RUN_TAG_KEYS, run_identity_tags
from airflow_cleanroomsml.validation import InvalidArgumentError, check_request
from tests.helpers import MEMBERSHIP_ID

PREFIX = f"arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/{MEMBERSHIP_ID}"
SECRET = "hunter2-must-not-appear"
START = "StartTrainedModelInferenceJob"
FIELDS = {
    member: snake_case(member) for member in CleanRoomsMLStartTrainedModelInferenceJobOperator.request_members
}


def request(**overrides):
    return {
        "membershipIdentifier": MEMBERSHIP_ID,
        "name": "nightly-scoring",
        "trainedModelArn": f"{PREFIX}/trained-model/m1",
        "resourceConfig": {"instanceType": "ml.m5.xlarge", "instanceCount": 2},
        "outputConfiguration": {"accept": "text/csv", "members": [{"accountId": "123456789012"}]},
        "dataSource": {"mlInputChannelArn": f"{PREFIX}/ml-input-channel/c1"},
        **overrides,
    }


def operator(**overrides):
    arguments = {
        "membership_identifier": MEMBERSHIP_ID,
        "name": "nightly-scoring",
        "trained_model_arn": f"{PREFIX}/trained-model/m1",
        "resource_config": {"instanceType": "ml.m5.xlarge", "instanceCount": 2},
        "output_configuration": {"accept": "text/csv", "members": [{"accountId": "123456789012"}]},
        "data_source": {"mlInputChannelArn": f"{PREFIX}/ml-input-channel/c1"},
        **overrides,
    }
    return CleanRoomsMLStartTrainedModelInferenceJobOperator(task_id="start", **arguments)


def test_a_valid_request_passes():
    check_request(
        START, request(description="scores the nightly batch", environment={"API_TOKEN": SECRET}), FIELDS
    )


def test_the_operator_builds_the_api_request_leaving_out_unset_members_and_adding_the_run_tags():
    identity = run_identity_tags("dag", "task", "manual__2026", -1)
    built = operator(tags={"team": "ml"}).build_request(identity)
    assert built == {**request(), "tags": {"team": "ml", **identity}}
    assert set(RUN_TAG_KEYS) <= set(built["tags"])
    assert identity["airflow:map-index"] == "-1"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"membershipIdentifier": "abc"}, "membership_identifier"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 64}, "name"),
        ({"name": "job\n"}, "name"),
        ({"trainedModelArn": "arn:aws:s3:::bucket-with-a-long-name"}, "trained_model_arn"),
        ({"trainedModelArn": f"{PREFIX}/ml-input-channel/c1"}, "trained_model_arn"),
        ({"resourceConfig": "ml.m5.xlarge"}, "resource_config"),
        ({"resourceConfig": {"instanceCount": 1}}, "resource_config"),
        ({"resourceConfig": {"instanceType": "ml.m5.xlarge", "instanceCount": 0}}, "instanceCount"),
        ({"resourceConfig": {"instanceType": "ml.m5.xlarge", "instanceCount": True}}, "instanceCount"),
        ({"resourceConfig": {"instanceType": "ml.m5.xlarge", "instancecount": 1}}, "resource_config"),
        ({"outputConfiguration": {"members": []}}, "members"),
        ({"outputConfiguration": {"members": [{"accountId": "12"}]}}, "accountId"),
        ({"dataSource": {"mlInputChannelArn": "arn:aws:s3:::x-with-a-long-name"}}, "mlInputChannelArn"),
        ({"dataSource": ["arn"]}, "data_source"),
        ({"trainedModelVersionIdentifier": "V1"}, "trained_model_version_identifier"),
        (
            {"configuredModelAlgorithmAssociationArn": "arn:nope"},
            "configured_model_algorithm_association_arn",
        ),
        ({"description": "d" * 256}, "description"),
        ({"containerExecutionParameters": {"maxPayloadInMB": -1}}, "maxPayloadInMB"),
        ({"environment": ["A=1"]}, "environment"),
        ({"environment": {f"K{i}": "v" for i in range(17)}}, "environment"),
        ({"environment": {"1BAD": "v"}}, "environment key"),
        ({"kmsKeyArn": "alias/mine"}, "kms_key_arn"),
        ({"tags": {"k": 1}}, "tags"),
    ],
)
def test_bad_arguments_are_named_with_the_expected_form(overrides, field):
    with pytest.raises(InvalidArgumentError, match=r"expected|required") as error:
        check_request(START, request(**overrides), FIELDS)
    assert field in str(error.value)


def test_an_account_id_rendered_as_a_number_is_named_with_the_way_out():
    """render_template_as_native_obj=True renders "123456789012" as an int; botocore would reject it."""
    bad = request(outputConfiguration={"members": [{"accountId": 123456789012}]})
    with pytest.raises(InvalidArgumentError) as error:
        check_request(START, bad, FIELDS)
    message = str(error.value)
    assert "output_configuration['members'][0]['accountId']=123456789012" in message
    assert "render_template_as_native_obj" in message


def test_a_missing_required_member_is_named():
    bad = request()
    del bad["dataSource"]
    with pytest.raises(InvalidArgumentError, match="data_source is required"):
        check_request(START, bad, FIELDS)


def test_reserved_tags_are_refused():
    with pytest.raises(InvalidArgumentError, match="reserved"):
        operator(tags={"airflow:run-id": "x"}).build_request(run_identity_tags("d", "t", "r", -1))


@pytest.mark.parametrize("value", [42, "", None, ["x"]])
def test_environment_errors_never_show_the_values(value):
    with pytest.raises(InvalidArgumentError) as error:
        check_request(
            START, request(environment={"API_TOKEN": SECRET, "OTHER": value}), FIELDS, secret=("environment",)
        )
    message = str(error.value)
    assert message.startswith("environment['OTHER']=<a ")
    assert "the value is not shown" in message
    assert SECRET not in message
