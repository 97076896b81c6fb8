from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from airflow_cleanroomsml.json_safe import to_json_safe
from airflow_cleanroomsml.kinds import (
    TRAINED_MODEL_INFERENCE_JOB,
    InvalidReferenceError,
    parse_arn,
    snake_case,
    validate_membership_id,
)
from airflow_cleanroomsml.sensors.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobSensor as Sensor
from airflow_cleanroomsml.waiting import describe_status
from tests.helpers import ALL_STATUSES, JOB_ARN, MEMBERSHIP_ID, job_description

KIND = TRAINED_MODEL_INFERENCE_JOB


def parse_job_arn(value):
    return parse_arn(value, "trained_model_inference_job_arn", "trained-model-inference-job", True)


def resolve_job_reference(arn, membership=None):
    return KIND.reference(trained_model_inference_job_arn=arn, membership_identifier=membership)


def test_status_sets_partition_the_service_statuses():
    from botocore.session import get_session

    model = get_session().get_service_model("cleanroomsml")
    service_statuses = model.shape_for("TrainedModelInferenceJobStatus").enum
    ours = Sensor.SUCCESS_STATES + Sensor.FAILURE_STATES + Sensor.INTERMEDIATE_STATES
    assert sorted(ours) == sorted(service_statuses) == sorted(ALL_STATUSES)
    assert len(set(ours)) == len(ours)


def test_parse_job_arn_reads_every_part():
    job = parse_job_arn(JOB_ARN)
    assert (job.partition, job.region, job.account_id) == ("aws", "us-east-1", "123456789012")
    assert job.membership_id == MEMBERSHIP_ID
    assert job.resource_id == "6f1c2d3e-aaaa-4bbb-8ccc-0123456789ab"
    assert job.segment == "trained-model-inference-job"


@pytest.mark.parametrize(
    "partition_region", [("aws-cn", "cn-north-1"), ("aws-us-gov", "us-gov-west-1")], ids=["china", "govcloud"]
)
def test_parse_job_arn_other_partitions(partition_region):
    partition, region = partition_region
    arn = JOB_ARN.replace("arn:aws:", f"arn:{partition}:").replace("us-east-1", region)
    assert (parse_job_arn(arn).partition, parse_job_arn(arn).region) == (partition, region)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        None,
        42,
        "not-an-arn",
        JOB_ARN.replace("cleanrooms-ml", "cleanrooms"),
        JOB_ARN.replace("trained-model-inference-job", "trained-model"),
        JOB_ARN.replace("123456789012", "1234"),
        JOB_ARN.replace(MEMBERSHIP_ID, MEMBERSHIP_ID.upper()),
        JOB_ARN.replace("arn:aws:", "arn:azure:"),
        JOB_ARN + " ",
        JOB_ARN + "\n",
    ],
)
def test_parse_job_arn_rejects_with_field_value_and_form(bad):
    with pytest.raises(InvalidReferenceError) as error:
        parse_job_arn(bad)
    message = str(error.value)
    assert "trained_model_inference_job_arn=" in message
    assert repr(bad) in message
    assert "membership/<membership uuid>/trained-model-inference-job/<id>" in message


@pytest.mark.parametrize(
    "bad",
    ["", "abc", MEMBERSHIP_ID.upper(), MEMBERSHIP_ID[:-1], MEMBERSHIP_ID + "0", MEMBERSHIP_ID + "\n", 7],
)
def test_membership_id_must_be_lowercase_uuid(bad):
    with pytest.raises(InvalidReferenceError, match=r"membership_identifier=.*36-character lowercase UUID"):
        validate_membership_id(bad)


def test_a_reference_takes_membership_from_arn_and_checks_a_given_one():
    expected = {"membershipIdentifier": MEMBERSHIP_ID, "trainedModelInferenceJobArn": JOB_ARN}
    assert resolve_job_reference(JOB_ARN) == expected
    assert resolve_job_reference(JOB_ARN, MEMBERSHIP_ID) == expected
    other = "99999999-2222-4333-8444-555555555555"
    with pytest.raises(InvalidReferenceError, match=f"membership_identifier='{other}' contradicts"):
        resolve_job_reference(JOB_ARN, other)


def test_to_json_safe_makes_iso_timestamps_with_zone_and_drops_response_metadata():
    response = {
        **job_description("ACTIVE"),
        "ResponseMetadata": {"HTTPStatusCode": 200},
        "nested": [{"at": datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=2)))}],
        "naive": datetime(2026, 1, 1, 12),
    }
    safe = to_json_safe(response)
    assert "ResponseMetadata" not in safe
    assert safe["createTime"] == "2026-01-02T03:04:05+00:00"
    assert safe["nested"][0]["at"] == "2026-01-01T12:00:00+02:00"
    assert safe["naive"] == "2026-01-01T12:00:00+00:00"
    assert json.loads(json.dumps(safe)) == safe
    assert datetime.fromisoformat(safe["updateTime"]).tzinfo is not None
    assert response["createTime"] == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "the input is not changed"


def test_describe_status_names_arn_status_and_details():
    line = describe_status(KIND, JOB_ARN, "CREATE_FAILED", {"statusCode": "AlgorithmError", "message": "OOM"})
    assert line == (
        f"Trained model inference job {JOB_ARN} is CREATE_FAILED (statusCode='AlgorithmError', message='OOM')"
    )
    assert describe_status(KIND, JOB_ARN, "ACTIVE", None).endswith("is ACTIVE")


@pytest.mark.parametrize(
    ("member", "argument"),
    [
        ("membershipIdentifier", "membership_identifier"),
        ("trainedModelInferenceJobArn", "trained_model_inference_job_arn"),
        ("mlInputChannelArn", "ml_input_channel_arn"),
        ("maxPayloadInMB", "max_payload_in_mb"),
        ("name", "name"),
    ],
)
def test_arguments_are_the_api_members_in_snake_case(member, argument):
    assert snake_case(member) == argument


def test_a_kind_s_arguments_events_and_xcom_key():
    assert KIND.arguments == {
        "membershipIdentifier": "membership_identifier",
        "trainedModelInferenceJobArn": "trained_model_inference_job_arn",
    }
    assert KIND.primary_argument == "trained_model_inference_job_arn"
    assert KIND.xcom_key == "trained_model_inference_job"
    assert KIND.locate(resolve_job_reference(JOB_ARN)).region == "us-east-1"
