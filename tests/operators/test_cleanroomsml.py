from __future__ import annotations

import json
import logging
from datetime import datetime

import pytest
from botocore.stub import Stubber

from airflow_cleanroomsml.kinds import InvalidReferenceError
from airflow_cleanroomsml.operators.cleanroomsml import CleanRoomsMLGetTrainedModelInferenceJobOperator
from tests.helpers import JOB_ARN, MEMBERSHIP_ID, job_description

GET_PARAMS = {"membershipIdentifier": MEMBERSHIP_ID, "trainedModelInferenceJobArn": JOB_ARN}
SECRET = "s3cr3t-value-that-must-not-leak"


def make_operator(**kwargs):
    kwargs.setdefault("trained_model_inference_job_arn", JOB_ARN)
    return CleanRoomsMLGetTrainedModelInferenceJobOperator(
        task_id="get", aws_conn_id=None, region_name="us-east-1", **kwargs
    )


def test_template_fields():
    fields = set(CleanRoomsMLGetTrainedModelInferenceJobOperator.template_fields)
    assert {
        "trained_model_inference_job_arn",
        "membership_identifier",
        "aws_conn_id",
        "region_name",
    } <= fields


def test_returns_json_safe_description_without_response_metadata(caplog, capsys):
    operator = make_operator()
    response = job_description("ACTIVE", environment={"API_TOKEN": SECRET}, statusDetails={"message": "done"})
    with Stubber(operator.hook.conn) as stubber:
        stubber.add_response("get_trained_model_inference_job", response, GET_PARAMS)
        with caplog.at_level(logging.DEBUG):
            value = operator.execute({})
    assert json.loads(json.dumps(value)) == value
    assert "ResponseMetadata" not in value
    assert value["status"] == "ACTIVE"
    assert value["createTime"] == "2026-01-02T03:04:05+00:00"
    assert datetime.fromisoformat(value["updateTime"]).tzinfo is not None
    assert "environment" not in value, "left out of XCom by default: it often holds secrets"
    # Airflow 3 logs through structlog to the console, Airflow 2 through logging: read both.
    captured = capsys.readouterr()
    logged = caplog.text + captured.out + captured.err
    assert f"Trained model inference job 'nightly-scoring' is ACTIVE: {JOB_ARN}" in logged
    assert SECRET not in logged


def test_bad_arn_fails_before_any_call():
    operator = make_operator(trained_model_inference_job_arn="arn:aws:cleanrooms-ml:us-east-1:123456789012:x")
    with Stubber(operator.hook.conn) as stubber, pytest.raises(InvalidReferenceError):
        operator.execute({})
    stubber.assert_no_pending_responses()


def test_exclude_from_xcom_is_configurable():
    operator = make_operator(exclude_from_xcom=("resourceConfig",))
    response = job_description("ACTIVE", environment={"MODE": "batch"})
    with Stubber(operator.hook.conn) as stubber:
        stubber.add_response("get_trained_model_inference_job", response, GET_PARAMS)
        value = operator.execute({})
    assert value["environment"] == {"MODE": "batch"}
    assert "resourceConfig" not in value


def test_a_string_where_keys_are_expected_is_the_one_key_never_its_characters():
    from unittest import mock

    from airflow_cleanroomsml.operators.cleanroomsml import CleanRoomsMLStartTrainedModelInferenceJobOperator

    operator = make_operator(exclude_from_xcom="environment")
    assert operator.exclude_from_xcom == ("environment",)
    response = job_description("ACTIVE", environment={"SCORING_INPUT": SECRET})
    with Stubber(operator.hook.conn) as stubber:
        stubber.add_response("get_trained_model_inference_job", response, GET_PARAMS)
        assert "environment" not in operator.execute({})

    start = CleanRoomsMLStartTrainedModelInferenceJobOperator(
        task_id="start",
        membership_identifier=MEMBERSHIP_ID,
        name="scoring",
        trained_model_arn=JOB_ARN,
        resource_config={},
        output_configuration={},
        data_source={},
        environment={"SCORING_INPUT": SECRET, "MODE": "batch"},
        mask_environment_keys="SCORING_INPUT",
        exclude_from_xcom="environment",
    )
    assert start.mask_environment_keys == ("SCORING_INPUT",)
    assert start.exclude_from_xcom == ("environment",)
    with mock.patch("airflow_cleanroomsml.operators.starting.mask_secret") as masked:
        start.mask_secret_values()
    assert mock.call(SECRET) in masked.call_args_list
    assert mock.call("batch") not in masked.call_args_list, "ordinary values are not masked"
