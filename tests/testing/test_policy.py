"""The emulator's IAM policy: what each call needs, and the refusal as IAM answers it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import boto3
import pytest
from botocore.exceptions import ClientError

from airflow_cleanroomsml.testing import (
    AUDIENCE_GENERATION_JOBS,
    CONFIGURED_MODEL_ALGORITHM_ASSOCIATIONS,
    TRAINED_MODELS,
    CleanRoomsMLEmulator,
)
from airflow_cleanroomsml.testing.policy import Permission, Policy

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/cleanrooms-ml"


def allow(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def statement(actions, resources="*", effect="Allow", **extra):
    return {"Effect": effect, "Action": actions, "Resource": resources, **extra}


def passing(emulator):
    """What every custom-model call passes: the caller's AWS Clean Rooms membership."""
    membership = f"arn:aws:cleanrooms:us-east-1:{ACCOUNT}:membership/{emulator.membership_id}"
    return statement("cleanrooms:PassMembership", membership)


def client(emulator):
    return boto3.client("cleanroomsml", endpoint_url=emulator.endpoint_url, region_name="us-east-1")


def denial(error: ClientError) -> tuple[int, str, str]:
    response = error.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


@pytest.fixture
def emulator():
    with CleanRoomsMLEmulator(step_seconds=0.2) as running:
        yield running


def channel_request(emulator, association, **overrides):
    return {
        "membershipIdentifier": emulator.membership_id,
        "name": "channel",
        "configuredModelAlgorithmAssociations": [association],
        "inputChannel": {
            "dataSource": {"protectedQueryInputParameters": {"sqlParameters": {"queryString": "SELECT 1"}}},
            "roleArn": ROLE,
        },
        "retentionInDays": 7,
        **overrides,
    }


def test_without_a_policy_every_call_is_allowed(emulator):
    assert emulator.policy is None
    client(emulator).list_audience_models()
    assert emulator.denied == []


def test_a_call_the_policy_does_not_allow_is_answered_403_access_denied_naming_action_and_resource(emulator):
    model = emulator.register(TRAINED_MODELS, ["ACTIVE"])
    emulator.policy = allow(statement("cleanrooms-ml:ListTrainedModels"), passing(emulator))
    crml = client(emulator)
    crml.list_trained_models(membershipIdentifier=emulator.membership_id)
    with pytest.raises(ClientError) as raised:
        crml.get_trained_model(membershipIdentifier=emulator.membership_id, trainedModelArn=model)
    status, code, message = denial(raised.value)
    assert (status, code) == (403, "AccessDeniedException")
    assert message == (
        f"User: arn:aws:iam::{ACCOUNT}:user/emulator is not authorized to perform: "
        f"cleanrooms-ml:GetTrainedModel on resource: {model} because no identity-based policy allows the "
        "cleanrooms-ml:GetTrainedModel action"
    )
    assert emulator.denied == [("cleanrooms-ml:GetTrainedModel", model)]
    assert emulator.calls["GetTrainedModel"] == 1  # counted, as every call is


def test_resources_are_matched_with_wildcards_and_an_explicit_deny_wins(emulator):
    one = emulator.register(TRAINED_MODELS, ["ACTIVE"])
    other = emulator.register(TRAINED_MODELS, ["ACTIVE"])
    membership = f"arn:aws:cleanrooms-ml:us-east-1:{ACCOUNT}:membership/{emulator.membership_id}"
    emulator.policy = allow(
        statement("cleanrooms-ml:Get*", f"{membership}/trained-model/*"),
        statement("cleanrooms-ml:GetTrainedModel", other, effect="Deny"),
        passing(emulator),
    )
    crml = client(emulator)
    crml.get_trained_model(membershipIdentifier=emulator.membership_id, trainedModelArn=one)
    with pytest.raises(ClientError) as raised:
        crml.get_trained_model(membershipIdentifier=emulator.membership_id, trainedModelArn=other)
    assert denial(raised.value)[2].endswith("with an explicit deny in an identity-based policy")


def test_a_call_that_takes_a_membership_or_collaboration_needs_to_pass_it(emulator):
    model = emulator.register(TRAINED_MODELS, ["ACTIVE"])
    crml = client(emulator)
    emulator.policy = allow(statement("cleanrooms-ml:*"))
    with pytest.raises(ClientError) as raised:
        crml.get_trained_model(membershipIdentifier=emulator.membership_id, trainedModelArn=model)
    membership = f"arn:aws:cleanrooms:us-east-1:{ACCOUNT}:membership/{emulator.membership_id}"
    assert (
        f"not authorized to perform: cleanrooms:PassMembership on resource: {membership} "
        in (denial(raised.value)[2])
    )
    emulator.policy = allow(statement("cleanrooms-ml:*"), passing(emulator))
    crml.get_trained_model(membershipIdentifier=emulator.membership_id, trainedModelArn=model)
    collaboration = crml.get_trained_model(
        membershipIdentifier=emulator.membership_id, trainedModelArn=model
    )["collaborationIdentifier"]
    with pytest.raises(ClientError) as raised:
        crml.list_collaboration_trained_model_export_jobs(
            collaborationIdentifier=collaboration, trainedModelArn=model
        )
    assert (
        "not authorized to perform: cleanrooms:PassCollaboration on resource: arn:aws:cleanrooms:"
        in (denial(raised.value)[2])
    )
    emulator.policy = allow(
        statement("cleanrooms-ml:*"), passing(emulator), statement("cleanrooms:PassCollaboration")
    )
    crml.list_collaboration_trained_model_export_jobs(
        collaborationIdentifier=collaboration, trainedModelArn=model
    )
    # The audience (lookalike) calls take neither: nothing to pass.
    emulator.policy = allow(statement("cleanrooms-ml:*"))
    crml.list_audience_models()


def test_a_list_without_resource_types_needs_resource_star(emulator):
    membership = f"arn:aws:cleanrooms-ml:us-east-1:{ACCOUNT}:membership/{emulator.membership_id}"
    emulator.policy = allow(
        statement("cleanrooms-ml:ListTrainedModels", f"{membership}/*"), passing(emulator)
    )
    with pytest.raises(ClientError) as raised:
        client(emulator).list_trained_models(membershipIdentifier=emulator.membership_id)
    assert "cleanrooms-ml:ListTrainedModels on resource: * because" in denial(raised.value)[2]


def test_a_create_needs_its_action_on_what_it_names_tag_resource_for_tags_and_pass_role(emulator):
    association = emulator.register(CONFIGURED_MODEL_ALGORITHM_ASSOCIATIONS)
    membership = f"arn:aws:cleanrooms-ml:us-east-1:{ACCOUNT}:membership/{emulator.membership_id}"
    create = statement("cleanrooms-ml:CreateMLInputChannel", association)
    tag = statement("cleanrooms-ml:TagResource", f"{membership}/ml-input-channel/*")
    pass_role = statement(
        "iam:PassRole",
        ROLE,
        Condition={"StringEquals": {"iam:PassedToService": "cleanrooms-ml.amazonaws.com"}},
    )
    crml = client(emulator)
    request = channel_request(emulator, association, tags={"team": "ml"})
    for granted, missing in (
        ([tag, pass_role], "cleanrooms-ml:CreateMLInputChannel"),
        ([create, pass_role], "cleanrooms-ml:TagResource"),
        ([create, tag], "iam:PassRole"),
    ):
        emulator.policy = allow(*granted, passing(emulator))
        with pytest.raises(ClientError) as raised:
            crml.create_ml_input_channel(**request)
        assert f"not authorized to perform: {missing} on resource: " in denial(raised.value)[2]
    assert emulator.resources() == [("configured model algorithm association", association)]

    emulator.policy = allow(create, tag, pass_role, passing(emulator))
    arn = crml.create_ml_input_channel(**request)["mlInputChannelArn"]
    untagged = channel_request(emulator, association, name="untagged")
    emulator.policy = allow(create, pass_role, passing(emulator))  # no tags in the request: no TagResource
    crml.create_ml_input_channel(**untagged)
    assert ("ML input channel", arn) in emulator.resources()


def test_a_role_passed_to_another_service_is_refused_by_the_condition(emulator):
    association = emulator.register(CONFIGURED_MODEL_ALGORITHM_ASSOCIATIONS)
    emulator.policy = allow(
        statement("cleanrooms-ml:CreateMLInputChannel"),
        statement(
            "iam:PassRole", Condition={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
        ),
    )
    with pytest.raises(ClientError) as raised:
        client(emulator).create_ml_input_channel(**channel_request(emulator, association))
    assert f"iam:PassRole on resource: {ROLE}" in denial(raised.value)[2]


def test_an_export_list_is_authorized_on_its_parent(emulator):
    job = emulator.register(AUDIENCE_GENERATION_JOBS, ["ACTIVE"])
    emulator.policy = allow(statement("cleanrooms-ml:ListAudienceExportJobs", job))
    client(emulator).list_audience_export_jobs(audienceGenerationJobArn=job)
    emulator.policy = allow(statement("cleanrooms-ml:ListAudienceExportJobs", f"{job}-other"))
    with pytest.raises(ClientError):
        client(emulator).list_audience_export_jobs(audienceGenerationJobArn=job)


def test_sts_needs_no_permission(emulator):
    emulator.policy = allow(statement("cleanrooms-ml:ListAudienceModels"))
    sts = boto3.client("sts", endpoint_url=emulator.endpoint_url, region_name="us-east-1")
    assert sts.get_caller_identity()["Account"] == ACCOUNT


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}, "Effect Allow or Deny"),
        ({"Statement": [{"Effect": "Allow", "Action": "*"}]}, "Resource (or NotResource)"),
        ({"Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]}, "non-empty list"),
        (
            {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Principal": "*"}]},
            "does not evaluate ['Principal']",
        ),
        (
            {
                "Statement": [
                    {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"IpAddress": {}}}
                ]
            },
            "not 'IpAddress'",
        ),
        (
            {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "*",
                        "Resource": "*",
                        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "ml"}},
                    }
                ]
            },
            "not 'aws:PrincipalTag/team'",
        ),
        ([], "a JSON object with a Statement"),
    ],
)
def test_a_policy_the_emulator_cannot_evaluate_as_iam_would_is_refused_when_given(document, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Policy(document)


def test_not_action_not_resource_and_wildcards_evaluate_as_iam():
    policy = Policy(
        {
            "Statement": [
                {"Effect": "Allow", "NotAction": "cleanrooms-ml:Delete*", "Resource": "*"},
                {"Effect": "Deny", "Action": "*", "NotResource": "arn:aws:cleanrooms-ml:us-east-?:*"},
            ]
        }
    )
    arn, elsewhere = "arn:aws:cleanrooms-ml:us-east-1:1:x", "arn:aws:cleanrooms-ml:eu-west-1:1:x"
    assert policy.decide(Permission("CLEANROOMS-ML:getTrainedModel", arn)) == "allow"
    assert policy.decide(Permission("cleanrooms-ml:DeleteAudienceModel", arn)) == "implicit deny"
    assert policy.decide(Permission("cleanrooms-ml:GetTrainedModel", elsewhere)) == "explicit deny"


def test_the_command_line_enforces_a_policy_file(tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(allow(statement("cleanrooms-ml:ListAudienceModels"))))
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_cleanroomsml.testing", "--policy", str(policy)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        endpoint = process.stdout.readline().split()[-1]
        crml = boto3.client("cleanroomsml", endpoint_url=endpoint, region_name="us-east-1")
        crml.list_audience_models()
        with pytest.raises(ClientError) as raised:
            crml.list_training_datasets()
        assert denial(raised.value)[:2] == (403, "AccessDeniedException")
        printed = [process.stdout.readline() for _ in range(2)]
        assert printed[1].startswith("IAM policy enforced")
        refusal = next(line for line in iter(process.stderr.readline, "") if line.startswith("{"))
        assert json.loads(refusal) == {"denied": "cleanrooms-ml:ListTrainingDatasets", "resource": "*"}
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_command_line_refuses_a_policy_it_cannot_evaluate(tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"Statement": {"Effect": "Allow", "Action": "*"}}))
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "airflow_cleanroomsml.testing", "--policy", str(policy)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Resource (or NotResource)" in result.stderr
    assert time.monotonic() - started < 60


def test_a_policy_may_be_given_as_its_file_and_text_that_is_not_json_is_refused_clearly(emulator, tmp_path):
    document = allow(statement("cleanrooms-ml:*"))
    (tmp_path / "policy.json").write_text(json.dumps(document))
    emulator.policy = tmp_path / "policy.json"
    assert emulator.policy == document
    with pytest.raises(ValueError, match=r"'/etc/policy.json' is not JSON"):
        Policy("/etc/policy.json")
