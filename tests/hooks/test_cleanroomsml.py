from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from airflow_cleanroomsml.hooks.cleanroomsml import TRAINED_MODEL_INFERENCE_JOB_COMPLETE, CleanRoomsMLHook
from airflow_cleanroomsml.kinds import InvalidJobReferenceError
from tests.helpers import JOB_ARN, MEMBERSHIP_ID, job_description


@pytest.fixture
def hook():
    return CleanRoomsMLHook(aws_conn_id=None, region_name="us-east-1")


def test_hook_uses_the_cleanroomsml_client(hook):
    assert hook.client_type == "cleanroomsml"
    assert hook.conn.meta.service_model.service_name == "cleanroomsml"
    assert hook.conn.meta.region_name == "us-east-1"


def test_custom_waiter_is_found_in_this_package(hook):
    assert hook.waiter_path.exists()
    assert TRAINED_MODEL_INFERENCE_JOB_COMPLETE in hook.list_waiters()
    assert hook.get_waiter(TRAINED_MODEL_INFERENCE_JOB_COMPLETE).name == TRAINED_MODEL_INFERENCE_JOB_COMPLETE


def test_get_job_takes_membership_from_arn(hook):
    with Stubber(hook.conn) as stubber:
        stubber.add_response(
            "get_trained_model_inference_job",
            job_description("ACTIVE"),
            {"membershipIdentifier": MEMBERSHIP_ID, "trainedModelInferenceJobArn": JOB_ARN},
        )
        job = hook.get_trained_model_inference_job(JOB_ARN)
        stubber.assert_no_pending_responses()
    assert job["status"] == "ACTIVE"


def test_get_job_with_explicit_membership(hook):
    with Stubber(hook.conn) as stubber:
        stubber.add_response(
            "get_trained_model_inference_job",
            job_description("CREATE_PENDING"),
            {"membershipIdentifier": MEMBERSHIP_ID, "trainedModelInferenceJobArn": JOB_ARN},
        )
        assert hook.get_trained_model_inference_job(JOB_ARN, MEMBERSHIP_ID)["status"] == "CREATE_PENDING"


@pytest.mark.parametrize(
    ("arn", "membership"),
    [
        ("arn:aws:s3:::bucket", None),
        (JOB_ARN, "not-a-uuid"),
        (JOB_ARN, "99999999-2222-4333-8444-555555555555"),
    ],
)
def test_bad_reference_fails_before_any_call(hook, arn, membership):
    with Stubber(hook.conn) as stubber, pytest.raises(InvalidJobReferenceError):
        hook.get_trained_model_inference_job(arn, membership)
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("code", "status"),
    [("AccessDeniedException", 403), ("ResourceNotFoundException", 404), ("ValidationException", 400)],
)
def test_aws_errors_reach_the_caller_with_code_and_message(hook, code, status):
    with Stubber(hook.conn) as stubber:
        stubber.add_client_error(
            "get_trained_model_inference_job", code, f"{code} says no", http_status_code=status
        )
        with pytest.raises(ClientError) as error:
            hook.get_trained_model_inference_job(JOB_ARN)
    assert error.value.response["Error"]["Code"] == code
    assert code in str(error.value)
    assert f"{code} says no" in str(error.value)


def test_endpoint_url_from_connection_reaches_sync_and_async_clients(monkeypatch):
    import asyncio

    endpoint = "http://127.0.0.1:8787"
    monkeypatch.setenv(
        "AIRFLOW_CONN_CLEANROOMS_TEST",
        json.dumps({"conn_type": "aws", "extra": {"endpoint_url": endpoint, "region_name": "eu-west-2"}}),
    )
    hook = CleanRoomsMLHook(aws_conn_id="cleanrooms_test")
    assert hook.conn.meta.endpoint_url == endpoint
    assert hook.conn.meta.region_name == "eu-west-2"

    async def async_endpoint():
        async with await hook.get_async_conn() as client:
            return client.meta.endpoint_url, client.meta.region_name

    assert asyncio.run(async_endpoint()) == (endpoint, "eu-west-2")
