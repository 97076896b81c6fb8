"""The emulator against botocore's own service model: wire format, errors, lifecycle, faults, counts."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.session import get_session
from botocore.validate import ParamValidator

from airflow_cleanroomsml import testing
from airflow_cleanroomsml.testing import ML_INPUT_CHANNELS, TRAINED_MODELS, CleanRoomsMLEmulator, Faults

MODEL = get_session().get_service_model("cleanroomsml")
ACCOUNT = "123456789012"


def client(emulator, **config):
    return boto3.client(
        "cleanroomsml",
        endpoint_url=emulator.endpoint_url,
        region_name="us-east-1",
        config=Config(**config) if config else None,
    )


def prefix(emulator, region="us-east-1"):
    return f"arn:aws:cleanrooms-ml:{region}:{ACCOUNT}:membership/{emulator.membership_id}"


def register_inputs(emulator, region="us-east-1"):
    """The ACTIVE trained model and ML input channel that start_request names (in ``region``)."""
    emulator.register(
        TRAINED_MODELS, ["ACTIVE"], trainedModelArn=f"{prefix(emulator, region)}/trained-model/m"
    )
    emulator.register(
        ML_INPUT_CHANNELS, ["ACTIVE"], mlInputChannelArn=f"{prefix(emulator, region)}/ml-input-channel/c"
    )


def start_request(emulator, region="us-east-1", **overrides):
    prefix_ = prefix(emulator, region)
    return {
        "membershipIdentifier": emulator.membership_id,
        "name": "job",
        "trainedModelArn": f"{prefix_}/trained-model/m",
        "resourceConfig": {"instanceType": "ml.m5.xlarge", "instanceCount": 1},
        "outputConfiguration": {"members": [{"accountId": ACCOUNT}]},
        "dataSource": {"mlInputChannelArn": f"{prefix_}/ml-input-channel/c"},
        **overrides,
    }


def raw(emulator, method, path, body=None):
    """One HTTP call as botocore would make it; returns (status, headers, parsed JSON body)."""
    request = urllib.request.Request(
        emulator.endpoint_url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read() or b"{}")


def assert_valid_output(operation, body):
    output = MODEL.operation_model(operation).output_shape
    report = ParamValidator().validate(body, output)
    assert not report.has_errors(), report.generate_report()


@pytest.fixture
def emulator():
    with CleanRoomsMLEmulator(step_seconds=0.2) as running:
        register_inputs(running)
        yield running
        assert not running.internal_errors


def jobs_path(emulator, arn=None):
    path = f"/memberships/{emulator.membership_id}/trained-model-inference-jobs"
    return f"{path}/{quote(arn, safe='')}" if arn else path


def test_every_response_validates_against_botocore_output_shapes(emulator):
    # Still running when it is cancelled below, however loaded the machine (not on a clock).
    emulator.script_next_start(["CREATE_PENDING", "CREATE_IN_PROGRESS"])
    status, _, started = raw(emulator, "POST", jobs_path(emulator), start_request(emulator, description="d"))
    assert status == 200
    assert_valid_output("StartTrainedModelInferenceJob", started)
    arn = started["trainedModelInferenceJobArn"]
    assert re.fullmatch(MODEL.shape_for("TrainedModelInferenceJobArn").metadata["pattern"], arn)
    assert f":cleanrooms-ml:us-east-1:{ACCOUNT}:membership/{emulator.membership_id}/" in arn

    status, _, job = raw(emulator, "GET", jobs_path(emulator, arn))
    assert status == 200
    assert_valid_output("GetTrainedModelInferenceJob", job)
    assert job["status"] in MODEL.shape_for("TrainedModelInferenceJobStatus").enum
    assert job["createTime"].endswith("Z")

    failed = emulator.register_job(["CREATE_FAILED"], status_details={"statusCode": "E", "message": "m"})
    _, _, failed_job = raw(emulator, "GET", jobs_path(emulator, failed))
    assert_valid_output("GetTrainedModelInferenceJob", failed_job)
    assert failed_job["statusDetails"] == {"statusCode": "E", "message": "m"}

    status, _, listed = raw(emulator, "GET", jobs_path(emulator) + "?maxResults=1")
    assert status == 200
    assert_valid_output("ListTrainedModelInferenceJobs", listed)
    assert listed["nextToken"]

    status, _, cancelled = raw(emulator, "PATCH", jobs_path(emulator, arn))
    assert (status, cancelled) == (200, {})


@pytest.mark.parametrize(
    ("call", "code", "http_status"),
    [
        (
            lambda c, e, arn: c.get_trained_model_inference_job(
                membershipIdentifier="00000000-0000-4000-8000-00000000000A", trainedModelInferenceJobArn=arn
            ),
            "ValidationException",
            400,
        ),
        (
            lambda c, e, arn: c.get_trained_model_inference_job(
                membershipIdentifier=e.membership_id, trainedModelInferenceJobArn="arn:aws:s3:::not-a-job"
            ),
            "ValidationException",
            400,
        ),
        (
            lambda c, e, arn: c.get_trained_model_inference_job(
                membershipIdentifier=e.membership_id, trainedModelInferenceJobArn=arn[:-4] + "0000"
            ),
            "ResourceNotFoundException",
            404,
        ),
        (
            lambda c, e, arn: c.get_trained_model_inference_job(
                membershipIdentifier="00000000-0000-4000-8000-000000000002", trainedModelInferenceJobArn=arn
            ),
            "ResourceNotFoundException",
            404,
        ),
        (
            lambda c, e, arn: c.start_trained_model_inference_job(**start_request(e, name="x" * 64)),
            "ValidationException",
            400,
        ),
        (
            lambda c, e, arn: c.start_trained_model_inference_job(**start_request(e, description="d" * 256)),
            "ValidationException",
            400,
        ),
        (
            lambda c, e, arn: c.start_trained_model_inference_job(
                **start_request(e, environment={f"K{i}": "v" for i in range(17)})
            ),
            "ValidationException",
            400,
        ),
        (
            lambda c, e, arn: c.cancel_trained_model_inference_job(
                membershipIdentifier=e.membership_id, trainedModelInferenceJobArn=arn
            ),
            "ConflictException",
            409,
        ),
    ],
    ids=[
        "bad-membership",
        "bad-arn",
        "unknown-job",
        "other-membership",
        "long-name",
        "long-description",
        "big-environment",
        "cancel-finished",
    ],
)
def test_errors_carry_service_codes_and_http_statuses(emulator, call, code, http_status):
    arn = emulator.register_job(["ACTIVE"])
    with pytest.raises(ClientError) as error:
        call(client(emulator, retries={"total_max_attempts": 1}), emulator, arn)
    assert error.value.response["Error"]["Code"] == code
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == http_status
    assert error.value.response["Error"]["Message"]


@pytest.mark.parametrize(
    ("code", "http_status"),
    [
        ("AccessDeniedException", 403),
        ("ServiceQuotaExceededException", 402),
        ("ThrottlingException", 429),
        ("InternalServiceException", 500),
        ("ConflictException", 409),
    ],
)
def test_injected_errors(emulator, code, http_status):
    emulator.fail_next("StartTrainedModelInferenceJob", code, after=1)
    aws = client(emulator, retries={"total_max_attempts": 1})
    aws.start_trained_model_inference_job(**start_request(emulator))
    with pytest.raises(ClientError) as error:
        aws.start_trained_model_inference_job(**start_request(emulator))
    assert (
        error.value.response["Error"]["Code"],
        error.value.response["ResponseMetadata"]["HTTPStatusCode"],
    ) == (code, http_status)
    aws.start_trained_model_inference_job(**start_request(emulator))
    assert emulator.calls["StartTrainedModelInferenceJob"] == 3


def test_fail_next_rejects_unknown_codes(emulator):
    with pytest.raises(ValueError, match="NoSuchCode"):
        emulator.fail_next("GetTrainedModelInferenceJob", "NoSuchCode")


def test_started_job_moves_on_the_clock_and_cancel_ends_inactive():
    with CleanRoomsMLEmulator(step_seconds=1.0) as emulator:
        register_inputs(emulator)
        aws = client(emulator)
        arn = aws.start_trained_model_inference_job(**start_request(emulator))["trainedModelInferenceJobArn"]

        def get():
            return aws.get_trained_model_inference_job(
                membershipIdentifier=emulator.membership_id, trainedModelInferenceJobArn=arn
            )["status"]

        assert get() == "CREATE_PENDING"
        time.sleep(1.1)
        assert get() == "CREATE_IN_PROGRESS"
        aws.cancel_trained_model_inference_job(
            membershipIdentifier=emulator.membership_id, trainedModelInferenceJobArn=arn
        )
        assert get() == "CANCEL_PENDING"
        time.sleep(2.1)
        assert get() == "INACTIVE"
        assert [status for _, status in emulator.status_history(arn)] == [
            "CREATE_PENDING",
            "CREATE_IN_PROGRESS",
            "CANCEL_PENDING",
            "INACTIVE",
        ]


def test_scripted_job_moves_one_status_per_read_and_stays_in_the_last(emulator):
    arn = emulator.register_job(["CREATE_PENDING", "CREATE_IN_PROGRESS", "ACTIVE"], environment={"A": "1"})
    aws = client(emulator)
    statuses = [
        aws.get_trained_model_inference_job(
            membershipIdentifier=emulator.membership_id, trainedModelInferenceJobArn=arn
        )["status"]
        for _ in range(4)
    ]
    assert statuses == ["CREATE_PENDING", "CREATE_IN_PROGRESS", "ACTIVE", "ACTIVE"]
    assert emulator.calls["GetTrainedModelInferenceJob"] == 4


def test_list_filters_and_pages(emulator):
    aws = client(emulator)
    for index in range(3):
        aws.start_trained_model_inference_job(**start_request(emulator, name=f"job-{index}"))
    other_model = emulator.register(TRAINED_MODELS, ["ACTIVE"])
    aws.start_trained_model_inference_job(
        **start_request(emulator, name="other", trainedModelArn=other_model)
    )
    pages = aws.get_paginator("list_trained_model_inference_jobs").paginate(
        membershipIdentifier=emulator.membership_id, PaginationConfig={"PageSize": 2}
    )
    names = [job["name"] for page in pages for job in page["trainedModelInferenceJobs"]]
    assert sorted(names) == ["job-0", "job-1", "job-2", "other"]
    filtered = aws.list_trained_model_inference_jobs(
        membershipIdentifier=emulator.membership_id, trainedModelArn=other_model
    )
    assert [job["name"] for job in filtered["trainedModelInferenceJobs"]] == ["other"]


def test_faults_throttle_and_fail_on_schedule(emulator):
    emulator.faults.throttle_every = 2
    emulator.faults.error_every = 3
    arn = emulator.register_job(["ACTIVE"])
    aws = client(emulator, retries={"total_max_attempts": 1})
    outcomes = []
    for _ in range(6):
        try:
            aws.get_trained_model_inference_job(
                membershipIdentifier=emulator.membership_id, trainedModelInferenceJobArn=arn
            )
            outcomes.append("ok")
        except ClientError as error:
            outcomes.append(error.response["Error"]["Code"])
    assert outcomes == [
        "ok",
        "ThrottlingException",
        "InternalServiceException",
        "ThrottlingException",
        "ok",
        "ThrottlingException",
    ]


def test_botocore_retries_through_throttling_and_5xx(emulator):
    emulator.faults.throttle_every = 2
    emulator.faults.error_every = 5
    arn = emulator.register_job(["ACTIVE"])
    aws = client(emulator, retries={"mode": "standard", "max_attempts": 5})
    for _ in range(5):
        job = aws.get_trained_model_inference_job(
            membershipIdentifier=emulator.membership_id, trainedModelInferenceJobArn=arn
        )
        assert job["status"] == "ACTIVE"
    assert emulator.calls["GetTrainedModelInferenceJob"] > 5


def test_new_jobs_are_not_found_for_their_first_reads(emulator):
    emulator.faults.not_found_reads = 2
    aws = client(emulator)
    arn = aws.start_trained_model_inference_job(**start_request(emulator))["trainedModelInferenceJobArn"]
    codes = []
    for _ in range(3):
        try:
            codes.append(
                aws.get_trained_model_inference_job(
                    membershipIdentifier=emulator.membership_id, trainedModelInferenceJobArn=arn
                )["status"]
            )
        except ClientError as error:
            codes.append(error.response["Error"]["Code"])
    assert codes == ["ResourceNotFoundException", "ResourceNotFoundException", "CREATE_PENDING"]


def test_latency_is_added(emulator):
    emulator.faults.latency = 0.2
    arn = emulator.register_job(["ACTIVE"])
    started = time.monotonic()
    client(emulator).get_trained_model_inference_job(
        membershipIdentifier=emulator.membership_id, trainedModelInferenceJobArn=arn
    )
    assert time.monotonic() - started >= 0.2


def test_unknown_route_is_a_404(emulator):
    status, headers, _ = raw(emulator, "GET", "/nothing-here")
    assert status == 404
    assert headers["x-amzn-ErrorType"] == "UnknownOperationException"


def test_endpoint_needs_a_running_emulator():
    with pytest.raises(RuntimeError, match="not running"):
        _ = CleanRoomsMLEmulator().endpoint_url


def test_faults_are_configurable_at_construction():
    with CleanRoomsMLEmulator(faults=Faults(throttle_every=1)) as emulator:
        arn = emulator.register_job(["ACTIVE"])
        with pytest.raises(ClientError, match="ThrottlingException"):
            client(emulator, retries={"total_max_attempts": 1}).get_trained_model_inference_job(
                membershipIdentifier=emulator.membership_id, trainedModelInferenceJobArn=arn
            )


def test_runs_as_a_separate_process_like_a_user_would_start_it():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "airflow_cleanroomsml.testing",
            "--port",
            "0",
            "--job",
            "CREATE_IN_PROGRESS,ACTIVE",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        endpoint = process.stdout.readline().rsplit(" ", 1)[-1].strip()
        connection_line = process.stdout.readline()
        job = json.loads(process.stdout.readline())
        assert endpoint.startswith("http://127.0.0.1:")
        assert "AIRFLOW_CONN_AWS_DEFAULT=" in connection_line
        aws = boto3.client("cleanroomsml", endpoint_url=endpoint, region_name="us-east-1")
        membership = job["job"].split("membership/")[1].split("/")[0]
        statuses = [
            aws.get_trained_model_inference_job(
                membershipIdentifier=membership, trainedModelInferenceJobArn=job["job"]
            )["status"]
            for _ in range(2)
        ]
        assert statuses == ["CREATE_IN_PROGRESS", "ACTIVE"]
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def test_the_process_rejects_unknown_statuses():
    result = subprocess.run(
        [sys.executable, "-m", "airflow_cleanroomsml.testing", "--job", "RUNNING"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "expected comma-separated statuses" in result.stderr


def test_connection_resets_and_stalls_are_retried_by_botocore(emulator):
    from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

    arn = emulator.register_job(["ACTIVE"])
    emulator.faults.reset_every = 2
    emulator.faults.stall_every = 3
    emulator.faults.stall_seconds = 0.6
    no_retries = client(emulator, retries={"total_max_attempts": 1}, read_timeout=0.3)
    seen = []
    for _ in range(3):
        try:
            no_retries.get_trained_model_inference_job(
                membershipIdentifier=emulator.membership_id, trainedModelInferenceJobArn=arn
            )
            seen.append("ok")
        except (ConnectionClosedError, ReadTimeoutError) as error:
            seen.append(type(error).__name__)
    assert seen == ["ok", "ConnectionClosedError", "ReadTimeoutError"]

    retrying = client(emulator, retries={"mode": "standard", "max_attempts": 5}, read_timeout=0.3)
    for _ in range(3):
        job = retrying.get_trained_model_inference_job(
            membershipIdentifier=emulator.membership_id, trainedModelInferenceJobArn=arn
        )
        assert job["status"] == "ACTIVE"


def test_a_call_signed_for_another_region_does_not_find_the_resource(emulator):
    arn = emulator.register_job(["ACTIVE"])
    elsewhere = boto3.client("cleanroomsml", endpoint_url=emulator.endpoint_url, region_name="eu-west-1")
    with pytest.raises(ClientError, match="ResourceNotFoundException") as error:
        elsewhere.get_trained_model_inference_job(
            membershipIdentifier=emulator.membership_id, trainedModelInferenceJobArn=arn
        )
    assert "not found in eu-west-1" in str(error.value)
    listed = elsewhere.list_trained_model_inference_jobs(membershipIdentifier=emulator.membership_id)
    assert listed["trainedModelInferenceJobs"] == []
    with pytest.raises(ClientError, match=r"ResourceNotFoundException.*not found in eu-west-1"):
        elsewhere.start_trained_model_inference_job(**start_request(emulator))  # its model is in us-east-1
    register_inputs(emulator, region="eu-west-1")
    started = elsewhere.start_trained_model_inference_job(**start_request(emulator, region="eu-west-1"))
    assert ":cleanrooms-ml:eu-west-1:" in started["trainedModelInferenceJobArn"], "made where it was asked"


def test_sts_says_which_account_the_credentials_are(emulator):
    sts = boto3.client("sts", endpoint_url=emulator.endpoint_url, region_name="us-east-1")
    assert sts.get_caller_identity()["Account"] == ACCOUNT


@pytest.mark.parametrize("emulated", testing.EMULATED_KINDS, ids=lambda emulated: emulated.name)
def test_every_kind_reads_and_lists_in_its_response_shapes(emulator, emulated):
    """A registered resource of each kind, read and listed by boto3 (which parses unions strictly)."""
    kind = emulated.kind
    key = emulator.register(emulated, ["ACTIVE"], name="shown")
    aws = client(emulator)
    if kind.get:
        reference = {kind.arn_member: key}
        if "membershipIdentifier" in kind.identity:
            reference["membershipIdentifier"] = emulator.membership_id
        described = aws._make_api_call(kind.get, reference)
        described.pop("ResponseMetadata")
        assert_valid_output(kind.get, described)
        assert described[kind.arn_member] == key
    listing = {
        member: emulator.membership_id for member in kind.list_request if member == "membershipIdentifier"
    }
    if emulated is testing.TRAINED_MODEL_EXPORT_JOBS:
        parent = emulator.register(testing.TRAINED_MODELS, ["ACTIVE"])
        emulator.register(emulated, ["ACTIVE"], name="export", trainedModelArn=parent)
        collaboration = aws.get_trained_model(
            membershipIdentifier=emulator.membership_id, trainedModelArn=parent
        )
        listing = {
            "collaborationIdentifier": collaboration["collaborationIdentifier"],
            "trainedModelArn": parent,
        }
    listed = aws._make_api_call(kind.list, listing)
    listed.pop("ResponseMetadata")
    assert_valid_output(kind.list, listed)
    assert listed[kind.list_key]


def test_a_resource_registered_by_its_arn_lives_in_the_membership_and_region_its_arn_names(emulator):
    other = "11111111-2222-4333-8444-555555555555"
    model = "aaaaaaaa-0000-4000-8000-000000000001"
    arn = f"arn:aws:cleanrooms-ml:us-east-1:{ACCOUNT}:membership/{other}/trained-model/{model}"
    assert emulator.register(TRAINED_MODELS, ["ACTIVE"], trainedModelArn=arn) == arn
    crml = client(emulator)
    assert crml.get_trained_model(membershipIdentifier=other, trainedModelArn=arn)["trainedModelArn"] == arn
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        crml.get_trained_model(membershipIdentifier=emulator.membership_id, trainedModelArn=arn)
    with pytest.raises(ValueError, match="membership_id='00000000-0000-4000-8000-000000000001' contradicts"):
        emulator.register(TRAINED_MODELS, trainedModelArn=arn, membership_id=emulator.membership_id)
    with pytest.raises(ValueError, match="region='eu-west-1' contradicts"):
        emulator.register(TRAINED_MODELS, trainedModelArn=arn, region="eu-west-1")
