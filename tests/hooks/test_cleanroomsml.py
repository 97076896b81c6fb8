from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from airflow_cleanroomsml.hooks.cleanroomsml import TRAINED_MODEL_INFERENCE_JOB_COMPLETE, CleanRoomsMLHook
from airflow_cleanroomsml.kinds import InvalidReferenceError
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
    with Stubber(hook.conn) as stubber, pytest.raises(InvalidReferenceError):
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


@pytest.mark.integration
def test_one_convention_snake_case_calls_and_idempotent_deletes(cleanroomsml_emulator):
    from airflow_cleanroomsml.testing.kinds import AUDIENCE_MODELS, ML_INPUT_CHANNELS, TRAINED_MODELS

    hook = CleanRoomsMLHook()
    membership = cleanroomsml_emulator.membership_id
    model = cleanroomsml_emulator.register(TRAINED_MODELS, ["ACTIVE"], name="churn")
    channel = cleanroomsml_emulator.register(ML_INPUT_CHANNELS, ["ACTIVE"], name="scoring")
    started = hook.start_trained_model_inference_job(
        membership_identifier=membership,
        name="scoring",
        trained_model_arn=model,
        resource_config={"instanceType": "ml.m5.xlarge", "instanceCount": 1},
        output_configuration={"members": [{"accountId": "123456789012"}]},
        data_source={"mlInputChannelArn": channel},
    )
    assert hook.get_trained_model_inference_job(started["trainedModelInferenceJobArn"])["name"] == "scoring"
    with pytest.raises(TypeError, match="not \\['membershipIdentifier'\\]"):
        hook.start_trained_model_inference_job(membershipIdentifier=membership)

    assert hook.delete_ml_input_channel_data(channel) is True
    assert hook.delete_ml_input_channel_data(channel) is False, "already being deleted: left as it is"
    assert hook.delete_trained_model_output(model) is True
    audience_model = cleanroomsml_emulator.register(AUDIENCE_MODELS, ["DELETE_IN_PROGRESS", "GONE"])
    assert hook.delete_audience_model(audience_model) is False


@pytest.mark.integration
def test_cancel_and_acancel_agree_on_what_is_past_cancelling(cleanroomsml_emulator):
    import asyncio

    from airflow_cleanroomsml.kinds import TRAINED_MODEL_INFERENCE_JOB as KIND

    hook = CleanRoomsMLHook()
    done = cleanroomsml_emulator.register_job(["ACTIVE"])
    running = cleanroomsml_emulator.register_job(["CREATE_IN_PROGRESS"])
    cleanroomsml_emulator.fail_next("CancelTrainedModelInferenceJob", "ConflictException", times=2)

    async def acancel(arn):
        async with await hook.get_async_conn() as client:
            reference = KIND.reference(trained_model_inference_job_arn=arn)
            return await CleanRoomsMLHook.acancel(client, KIND, reference)

    assert asyncio.run(acancel(done)) is False, "finished: nothing to cancel"
    with pytest.raises(Exception, match="ConflictException"):
        asyncio.run(acancel(running))  # still cancellable: the conflict is the service's to explain
    assert hook.cancel_trained_model_inference_job(done) is False
    assert hook.cancel_trained_model_inference_job(running) is True
