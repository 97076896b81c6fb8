"""The emulator as a process, as a user starts it: resources of any kind registered, failures scripted."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

import boto3
import pytest

from airflow_cleanroomsml.testing.__main__ import spec
from airflow_cleanroomsml.testing.kinds import KINDS_BY_NAME

MEMBERSHIP = "00000000-0000-4000-8000-000000000001"
MODEL = f"arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/{MEMBERSHIP}/trained-model/m1"
DETAILS = {"statusCode": "AlgorithmError", "message": "out of memory"}


def test_registers_any_kind_and_scripts_failures_with_their_details():
    process = subprocess.Popen(
        [
            sys.executable, "-m", "airflow_cleanroomsml.testing", "--port", "0",
            "--resource", f"TRAINED_MODEL=ACTIVE trainedModelArn={MODEL} name=churn",
            "--resource", "trained-model-inference-job=CREATE_IN_PROGRESS,CREATE_FAILED "
            'statusDetails.statusCode=AlgorithmError statusDetails.message="out of memory"',
            "--resource", "CONFIGURED_MODEL_ALGORITHM_ASSOCIATION",
            "--next", "TRAINED_MODEL_EXPORT_JOB=CREATE_PENDING,CREATE_FAILED "
            f"statusDetails={shlex.quote(json.dumps(DETAILS))}",
            "--job", "ACTIVE",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        endpoint = process.stdout.readline().rsplit(" ", 1)[-1].strip()
        assert "AIRFLOW_CONN_AWS_DEFAULT=" in process.stdout.readline()
        job = json.loads(process.stdout.readline())
        model, failing, association = (json.loads(process.stdout.readline()) for _ in range(3))
        assert (model["kind"], model["key"], model["statuses"]) == ("trained model", MODEL, ["ACTIVE"])
        assert association["kind"] == "configured model algorithm association"
        aws = boto3.client("cleanroomsml", endpoint_url=endpoint, region_name="us-east-1")
        described = aws.get_trained_model(membershipIdentifier=MEMBERSHIP, trainedModelArn=MODEL)
        assert (described["name"], described["status"]) == ("churn", "ACTIVE")
        read = [
            aws.get_trained_model_inference_job(
                membershipIdentifier=MEMBERSHIP, trainedModelInferenceJobArn=failing["key"]
            )
            for _ in range(2)
        ]
        assert [job["status"] for job in read] == ["CREATE_IN_PROGRESS", "CREATE_FAILED"]
        assert read[-1]["statusDetails"] == DETAILS
        assert (
            aws.get_trained_model_inference_job(
                membershipIdentifier=MEMBERSHIP, trainedModelInferenceJobArn=job["job"]
            )["status"]
            == "ACTIVE"
        )

        aws.start_trained_model_export_job(
            name="export", trainedModelArn=MODEL, membershipIdentifier=MEMBERSHIP,
            outputConfiguration={"members": [{"accountId": "123456789012"}]},
        )  # fmt: skip
        collaboration = described["collaborationIdentifier"]
        exports = [
            aws.list_collaboration_trained_model_export_jobs(
                collaborationIdentifier=collaboration, trainedModelArn=MODEL
            )["collaborationTrainedModelExportJobs"][0]["status"]
            for _ in range(2)
        ]
        assert exports == ["CREATE_PENDING", "CREATE_FAILED"]
        with urlopen_json(f"{endpoint}/_emulator/calls") as calls:
            assert calls["StartTrainedModelExportJob"] == 1
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


def urlopen_json(url):
    import contextlib
    import urllib.request

    @contextlib.contextmanager
    def opened():
        with urllib.request.urlopen(url, timeout=5) as response:
            yield json.loads(response.read())

    return opened()


@pytest.mark.parametrize(
    ("argument", "words"),
    [
        (["--job", "RUNNING"], "expected comma-separated statuses"),
        (["--resource", "NO_SUCH_KIND=ACTIVE"], "unknown kind 'NO_SUCH_KIND'"),
        (["--resource", "AUDIENCE_MODEL=INACTIVE"], "statuses of an audience model"),
        (["--resource", "TRAINED_MODEL=ACTIVE statusDetails=boom"], "statusDetails must be a JSON object"),
        (["--next", "TRAINED_MODEL"], "expected KIND=STATUS"),
    ],
)
def test_the_process_refuses_what_it_cannot_register(argument, words):
    result = subprocess.run(
        [sys.executable, "-m", "airflow_cleanroomsml.testing", *argument],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert words in result.stderr


@pytest.mark.parametrize("name", sorted(KINDS_BY_NAME))
def test_every_kind_has_a_name_on_the_command_line(name):
    assert spec(name).emulated is KINDS_BY_NAME[name]
