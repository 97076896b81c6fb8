"""
What the service refuses, the emulator refuses: tried with a plain boto3 client, as a new user would.

Enum values, references to resources that do not exist (or exist in another region, or in a status
that does not allow the call), second exports of one name, page tokens it did not hand out, and
the rules the service's documentation states. Each answer has the service's code, HTTP status
and a message naming what is wrong; nothing drops the connection.
"""

from __future__ import annotations

import ast
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from airflow_cleanroomsml import testing
from airflow_cleanroomsml.testing import (
    AUDIENCE_GENERATION_JOBS,
    AUDIENCE_MODELS,
    CONFIGURED_AUDIENCE_MODELS,
    CONFIGURED_MODEL_ALGORITHM_ASSOCIATIONS,
    ML_INPUT_CHANNELS,
    TRAINED_MODEL_INFERENCE_JOBS,
    TRAINED_MODELS,
    TRAINING_DATASETS,
    CleanRoomsMLEmulator,
)
from airflow_cleanroomsml.testing.service_model import has_operation

ACCOUNT = "123456789012"
VERSIONS = has_operation("ListTrainedModelVersions")
needs_versions = pytest.mark.skipif(not VERSIONS, reason="trained model versions: botocore 1.39.1 and later")
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ml"


@pytest.fixture
def emulator():
    with CleanRoomsMLEmulator(step_seconds=0.05) as running:
        yield running
        assert not running.internal_errors


def client(emulator, region="us-east-1"):
    return boto3.client(
        "cleanroomsml",
        endpoint_url=emulator.endpoint_url,
        region_name=region,
        config=Config(retries={"total_max_attempts": 1}),
    )


def refused(call, code, status, *words):
    """The call's error: its code, HTTP status and the words its message must have."""
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (code, status), error
    for word in words:
        assert word in error["Error"]["Message"], error["Error"]["Message"]
    return error["Error"]["Message"]


def association(emulator):
    return emulator.register(CONFIGURED_MODEL_ALGORITHM_ASSOCIATIONS)


def inference_request(emulator, model, channel, **overrides):
    return {
        "membershipIdentifier": emulator.membership_id,
        "name": "scoring",
        "trainedModelArn": model,
        "resourceConfig": {"instanceType": "ml.m5.xlarge", "instanceCount": 1},
        "outputConfiguration": {"members": [{"accountId": ACCOUNT}]},
        "dataSource": {"mlInputChannelArn": channel},
        **overrides,
    }


def model_request(emulator, **overrides):
    return {
        "membershipIdentifier": emulator.membership_id,
        "name": "churn",
        "configuredModelAlgorithmAssociationArn": association(emulator),
        "resourceConfig": {"instanceType": "ml.m5.xlarge", "instanceCount": 1, "volumeSizeInGB": 10},
        "dataChannels": [
            {"mlInputChannelArn": emulator.register(ML_INPUT_CHANNELS, ["ACTIVE"]), "channelName": "train"}
        ],
        **overrides,
    }


def test_an_instance_type_outside_the_enum_is_refused(emulator):
    aws = client(emulator)
    request = model_request(emulator)
    request["resourceConfig"]["instanceType"] = "ml.m5.xlarg"
    refused(
        lambda: aws.create_trained_model(**request),
        "ValidationException",
        400,
        "'ml.m5.xlarg' at 'resourceConfig.instanceType'",
        "enum value set",
    )
    request["resourceConfig"]["instanceType"] = "ml.m5.xlarge"
    assert aws.create_trained_model(**request)["trainedModelArn"]


def test_an_audience_size_type_outside_the_enum_is_refused(emulator):
    job = emulator.register(AUDIENCE_GENERATION_JOBS, ["ACTIVE"])
    refused(
        lambda: client(emulator).start_audience_export_job(
            name="export", audienceGenerationJobArn=job, audienceSize={"type": "ABSOLUTELY", "value": 10}
        ),
        "ValidationException",
        400,
        "'ABSOLUTELY' at 'audienceSize.type'",
    )


def test_an_export_of_a_generation_job_that_does_not_exist_is_refused(emulator):
    missing = f"arn:aws:cleanrooms-ml:us-east-1:{ACCOUNT}:audience-generation-job/missing"
    refused(
        lambda: client(emulator).start_audience_export_job(
            name="export", audienceGenerationJobArn=missing, audienceSize={"type": "ABSOLUTE", "value": 10}
        ),
        "ResourceNotFoundException",
        404,
        missing,
    )


def test_an_inference_job_names_a_trained_model_and_a_channel_that_exist_in_its_region(emulator):
    aws = client(emulator)
    model = emulator.register(TRAINED_MODELS, ["ACTIVE"])
    channel = emulator.register(ML_INPUT_CHANNELS, ["ACTIVE"])
    missing_model = model[:-4] + "0000"
    missing_channel = channel[:-4] + "0000"
    start = aws.start_trained_model_inference_job
    not_found = "ResourceNotFoundException", 404
    refused(lambda: start(**inference_request(emulator, missing_model, channel)), *not_found,
            f"Trained model {missing_model} not found in us-east-1")  # fmt: skip
    refused(lambda: start(**inference_request(emulator, model, missing_channel)), *not_found,
            f"ML input channel {missing_channel} not found")  # fmt: skip
    elsewhere = emulator.register(TRAINED_MODELS, ["ACTIVE"], region="eu-west-1")
    refused(lambda: start(**inference_request(emulator, elsewhere, channel)), *not_found,
            "not found in us-east-1")  # fmt: skip
    if VERSIONS:
        unknown_version = "00000000-0000-4000-8000-0000000000ff"
        unknown = inference_request(emulator, model, channel, trainedModelVersionIdentifier=unknown_version)
        refused(lambda: start(**unknown), *not_found, unknown_version)
    assert start(**inference_request(emulator, model, channel))["trainedModelInferenceJobArn"]


@pytest.mark.parametrize("status", ["CREATE_IN_PROGRESS", "CREATE_FAILED", "INACTIVE", "CANCEL_PENDING"])
def test_inference_and_export_need_an_active_trained_model(emulator, status):
    aws = client(emulator)
    model = emulator.register(TRAINED_MODELS, [status])
    channel = emulator.register(ML_INPUT_CHANNELS, ["ACTIVE"])
    refused(
        lambda: aws.start_trained_model_inference_job(**inference_request(emulator, model, channel)),
        "ValidationException",
        400,
        f"is {status}; expected ACTIVE",
    )
    refused(
        lambda: aws.start_trained_model_export_job(
            name="export",
            trainedModelArn=model,
            membershipIdentifier=emulator.membership_id,
            outputConfiguration={"members": [{"accountId": ACCOUNT}]},
        ),
        "ValidationException",
        400,
        f"is {status}",
    )


def test_an_export_needs_an_active_generation_job(emulator):
    job = emulator.register(AUDIENCE_GENERATION_JOBS, ["CREATE_IN_PROGRESS"])
    refused(
        lambda: client(emulator).start_audience_export_job(
            name="export", audienceGenerationJobArn=job, audienceSize={"type": "ABSOLUTE", "value": 10}
        ),
        "ValidationException",
        400,
        "is CREATE_IN_PROGRESS; expected ACTIVE",
    )


def test_a_second_audience_export_of_one_name_for_one_generation_job_conflicts(emulator):
    aws = client(emulator)
    job, other_job = (emulator.register(AUDIENCE_GENERATION_JOBS, ["ACTIVE"]) for _ in range(2))
    size = {"type": "ABSOLUTE", "value": 10}
    aws.start_audience_export_job(name="export", audienceGenerationJobArn=job, audienceSize=size)
    refused(
        lambda: aws.start_audience_export_job(name="export", audienceGenerationJobArn=job, audienceSize=size),
        "ConflictException",
        409,
        "'export' already exists",
    )
    aws.start_audience_export_job(name="export", audienceGenerationJobArn=other_job, audienceSize=size)
    aws.start_audience_export_job(name="another", audienceGenerationJobArn=job, audienceSize=size)
    assert emulator.calls["StartAudienceExportJob"] == 4


def test_a_second_trained_model_export_of_one_name_for_one_model_conflicts(emulator):
    aws = client(emulator)
    model = emulator.register(TRAINED_MODELS, ["ACTIVE"])
    request = {
        "name": "export",
        "trainedModelArn": model,
        "membershipIdentifier": emulator.membership_id,
        "outputConfiguration": {"members": [{"accountId": ACCOUNT}]},
    }
    aws.start_trained_model_export_job(**request)
    refused(lambda: aws.start_trained_model_export_job(**request), "ConflictException", 409, "already exists")


def test_training_dataset_names_are_unique_in_the_account_and_region(emulator):
    aws = client(emulator)
    request = {
        "name": "purchases",
        "roleArn": ROLE,
        "trainingData": [
            {
                "type": "INTERACTIONS",
                "inputConfig": {
                    "schema": [{"columnName": "user_id", "columnTypes": ["USER_ID"]}],
                    "dataSource": {"glueDataSource": {"tableName": "purchases", "databaseName": "sales"}},
                },
            }
        ],
    }
    aws.create_training_dataset(**request)
    refused(lambda: aws.create_training_dataset(**request), "ConflictException", 409, "already exists")
    assert client(emulator, "eu-west-1").create_training_dataset(**request)["trainingDatasetArn"]


@pytest.mark.parametrize("token", ["abc", "x" * 10241, "eyJhIjoxfQ.0000"])
def test_a_page_token_it_did_not_hand_out_is_a_validation_error_not_a_dropped_connection(emulator, token):
    aws = client(emulator)
    refused(
        lambda: aws.list_trained_model_inference_jobs(
            membershipIdentifier=emulator.membership_id, nextToken=token
        ),
        "ValidationException",
        400,
        "nextToken",
    )


def test_page_tokens_are_opaque_and_bound_to_their_list_call(emulator):
    aws = client(emulator)
    for _ in range(3):
        emulator.register(TRAINED_MODEL_INFERENCE_JOBS, ["ACTIVE"])
        emulator.register(TRAINED_MODELS, ["ACTIVE"])
    page = aws.list_trained_model_inference_jobs(membershipIdentifier=emulator.membership_id, maxResults=2)
    token = page["nextToken"]
    assert not token.isdigit()
    refused(
        lambda: aws.list_trained_models(membershipIdentifier=emulator.membership_id, nextToken=token),
        "ValidationException",
        400,
        "not handed out by ListTrainedModels",
    )
    refused(
        lambda: aws.list_trained_model_inference_jobs(
            membershipIdentifier="00000000-0000-4000-8000-000000000002", nextToken=token
        ),
        "ValidationException",
        400,
        "other parameters",
    )
    rest = aws.list_trained_model_inference_jobs(membershipIdentifier=emulator.membership_id, nextToken=token)
    assert len(page["trainedModelInferenceJobs"]) + len(rest["trainedModelInferenceJobs"]) == 3
    assert "nextToken" not in rest


def test_an_emulator_failure_is_answered_as_the_service_answers_its_own(emulator, monkeypatch):
    from airflow_cleanroomsml.testing import calls

    def broken(*args):
        raise KeyError("a bug")

    monkeypatch.setitem(calls.HANDLERS, "list", broken)
    refused(
        lambda: client(emulator).list_trained_models(membershipIdentifier=emulator.membership_id),
        "InternalServiceException",
        500,
    )
    assert "KeyError: 'a bug'" in emulator.internal_errors[0]
    emulator._state.internal_errors.clear()


@needs_versions
def test_the_versions_of_a_trained_model_that_does_not_exist_are_not_found(emulator):
    missing = emulator.register(TRAINED_MODELS, ["ACTIVE"], region="eu-west-1")
    refused(
        lambda: client(emulator).list_trained_model_versions(
            membershipIdentifier=emulator.membership_id, trainedModelArn=missing
        ),
        "ResourceNotFoundException",
        404,
    )


def test_an_audience_model_in_use_is_not_deleted(emulator):
    aws = client(emulator)
    model = emulator.register(AUDIENCE_MODELS, ["ACTIVE"])
    configured = emulator.register(CONFIGURED_AUDIENCE_MODELS, audienceModelArn=model)
    refused(lambda: aws.delete_audience_model(audienceModelArn=model), "ConflictException", 409, configured)
    aws.delete_configured_audience_model(configuredAudienceModelArn=configured)
    aws.delete_audience_model(audienceModelArn=model)


def test_an_export_size_must_be_one_the_configured_audience_model_offers(emulator):
    aws = client(emulator)
    configured = emulator.register(
        CONFIGURED_AUDIENCE_MODELS,
        audienceSizeConfig={"audienceSizeType": "ABSOLUTE", "audienceSizeBins": [10, 20]},
    )
    job = emulator.register(AUDIENCE_GENERATION_JOBS, ["ACTIVE"], configuredAudienceModelArn=configured)
    refused(
        lambda: aws.start_audience_export_job(
            name="e1", audienceGenerationJobArn=job, audienceSize={"type": "ABSOLUTE", "value": 15}
        ),
        "ValidationException",
        400,
        "not one of the sizes",
    )
    aws.start_audience_export_job(
        name="e2", audienceGenerationJobArn=job, audienceSize={"type": "ABSOLUTE", "value": 20}
    )


def test_references_checked_for_every_create_that_names_a_parent(emulator):
    aws = client(emulator)
    refused(
        lambda: aws.create_audience_model(
            name="lookalike",
            trainingDatasetArn=f"arn:aws:cleanrooms-ml:us-east-1:{ACCOUNT}:training-dataset/t1",
        ),
        "ResourceNotFoundException",
        404,
        "Training dataset",
    )
    refused(
        lambda: aws.create_trained_model(
            **model_request(
                emulator, configuredModelAlgorithmAssociationArn=association(emulator)[:-4] + "0000"
            )
        ),
        "ResourceNotFoundException",
        404,
        "Configured model algorithm association",
    )
    dataset = emulator.register(TRAINING_DATASETS)
    assert aws.create_audience_model(name="lookalike", trainingDatasetArn=dataset)["audienceModelArn"]


@pytest.mark.parametrize(
    ("tags", "words"),
    [
        ({"aws:team": "ml"}, "reserved prefix aws:"),
        ({f"k{index}": "v" for index in range(51)}, "at most 50 tags"),
    ],
    ids=["reserved-prefix", "over-50"],
)
def test_the_tag_rules_of_the_documentation_are_enforced(emulator, tags, words):
    aws = client(emulator)
    model, channel = (
        emulator.register(TRAINED_MODELS, ["ACTIVE"]),
        emulator.register(ML_INPUT_CHANNELS, ["ACTIVE"]),
    )
    refused(
        lambda: aws.start_trained_model_inference_job(
            **inference_request(emulator, model, channel, tags=tags)
        ),
        "ValidationException",
        400,
        words,
    )


def test_training_channel_names_are_unique(emulator):
    request = model_request(emulator)
    request["dataChannels"].append(dict(request["dataChannels"][0]))
    refused(
        lambda: client(emulator).create_trained_model(**request),
        "ValidationException",
        400,
        "unique channel names",
    )


@needs_versions
def test_a_cancel_without_a_version_acts_on_the_base_version(emulator):
    aws = client(emulator)
    base = emulator.register(TRAINED_MODELS, ["CREATE_IN_PROGRESS"], step_seconds=60)
    newer = emulator.register(TRAINED_MODELS, ["CREATE_IN_PROGRESS"], trainedModelArn=base, step_seconds=60)
    aws.cancel_trained_model(membershipIdentifier=emulator.membership_id, trainedModelArn=base)
    versions = aws.list_trained_model_versions(
        membershipIdentifier=emulator.membership_id, trainedModelArn=base
    )
    statuses = [summary["status"] for summary in versions["trainedModels"]]
    assert statuses == ["CREATE_IN_PROGRESS", "CANCEL_PENDING"], "newest first: the newer one runs on"
    assert newer == base


def test_the_testing_api_is_exported_from_the_package():
    for name in ("CleanRoomsMLEmulator", "Faults", "EmulatedKind", "TRAINING_DATASETS", "TRAINED_MODELS"):
        assert name in testing.__all__
    assert {kind.name for kind in testing.EMULATED_KINDS} >= {
        "trained model inference job",
        "configured model algorithm association",
        "training dataset",
    }


def test_the_emulator_shares_no_code_with_the_provider_s_validation():
    package = Path(testing.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert node.module != "airflow_cleanroomsml.validation", path.name
            if isinstance(node, ast.Import):
                assert all(alias.name != "airflow_cleanroomsml.validation" for alias in node.names), path.name
