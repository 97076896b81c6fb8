"""
What a Clean Rooms ML trained-model inference job is, as plain data.

The pieces every class of this provider agrees on: the job's statuses and what each one means,
the ARN and membership id forms (checked before any API call), and the JSON-safe form of a job
description that goes to XCom. Nothing here imports Airflow, botocore or the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

SUCCESS_STATES: tuple[str, ...] = ("ACTIVE",)
FAILURE_STATES: tuple[str, ...] = ("CREATE_FAILED", "CANCEL_FAILED", "INACTIVE")
INTERMEDIATE_STATES: tuple[str, ...] = (
    "CREATE_PENDING",
    "CREATE_IN_PROGRESS",
    "CANCEL_PENDING",
    "CANCEL_IN_PROGRESS",
)
TERMINAL_STATES: tuple[str, ...] = SUCCESS_STATES + FAILURE_STATES

NOT_FOUND_READS_TOLERATED = 3
"""
``ResourceNotFoundException`` reads a wait lets pass before it fails.

Right after ``StartTrainedModelInferenceJob`` the service may not find the new job for a moment
(eventual consistency). A wait treats that many consecutive not-found reads, one per poll, as "not
visible yet"; the next one fails it.
"""

UUID_PATTERN = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
MEMBERSHIP_ID_FORM = "a 36-character lowercase UUID such as 1a2b3c4d-0000-4000-8000-00000000abcd"
JOB_ARN_FORM = (
    "arn:<partition>:cleanrooms-ml:<region>:<12-digit account>:membership/<membership uuid>"
    "/trained-model-inference-job/<job id>"
)
_MEMBERSHIP_ID_RE = re.compile(UUID_PATTERN)
_JOB_ARN_RE = re.compile(
    r"arn:(?P<partition>aws[-a-z]*):cleanrooms-ml:(?P<region>[-a-z0-9]+):(?P<account>[0-9]{12}):"
    rf"membership/(?P<membership>{UUID_PATTERN})/trained-model-inference-job/(?P<job_id>[-a-zA-Z0-9_/.]+)"
)


class InvalidArgumentError(ValueError):
    """An argument that cannot work; the message names it, its value and the form expected."""


class InvalidJobReferenceError(InvalidArgumentError):
    """A job ARN or membership id that cannot name a Clean Rooms ML trained-model inference job."""


@dataclass(frozen=True)
class InferenceJobArn:
    """The parts of a trained-model inference job ARN."""

    arn: str
    partition: str
    region: str
    account_id: str
    membership_id: str
    job_id: str


def parse_job_arn(value: object, field: str = "trained_model_inference_job_arn") -> InferenceJobArn:
    """
    Parse a trained-model inference job ARN, or raise naming the field, the value and the form.

    :param value: The ARN to parse.
    :param field: The argument name to use in the error message.
    """
    match = _JOB_ARN_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidJobReferenceError(
            f"{field}={value!r} is not a Clean Rooms ML trained-model inference job ARN; "
            f"expected {JOB_ARN_FORM}."
        )
    return InferenceJobArn(
        arn=value,  # type: ignore[arg-type]  # a match implies a str
        partition=match["partition"],
        region=match["region"],
        account_id=match["account"],
        membership_id=match["membership"],
        job_id=match["job_id"],
    )


def validate_membership_id(value: object, field: str = "membership_identifier") -> str:
    """
    Return ``value`` if it is a Clean Rooms membership id, or raise naming the field and the form.

    :param value: The membership id to check.
    :param field: The argument name to use in the error message.
    """
    if not isinstance(value, str) or not _MEMBERSHIP_ID_RE.fullmatch(value):
        raise InvalidJobReferenceError(
            f"{field}={value!r} is not a membership id; expected {MEMBERSHIP_ID_FORM}."
        )
    return value


def resolve_job_reference(arn: object, membership_identifier: object | None = None) -> InferenceJobArn:
    """
    Check a job ARN and an optional membership id together, before any API call.

    The membership id defaults to the one in the ARN; one that is given must agree with it.

    :param arn: The job ARN.
    :param membership_identifier: The membership id, or None to take it from the ARN.
    """
    job = parse_job_arn(arn)
    if membership_identifier is not None:
        validate_membership_id(membership_identifier)
        if membership_identifier != job.membership_id:
            raise InvalidJobReferenceError(
                f"membership_identifier={membership_identifier!r} contradicts the membership in "
                f"trained_model_inference_job_arn; expected {job.membership_id!r}, the ARN's, or no "
                "membership_identifier at all."
            )
    return job


def to_json_safe(value: Any) -> Any:
    """
    Convert a boto3 response to JSON-safe values: datetimes as ISO-8601 with a timezone.

    botocore parses timestamps as timezone-aware datetimes; a naive one is taken to be UTC.
    ``ResponseMetadata`` is dropped: it describes the HTTP call, not the job.
    """
    if isinstance(value, dict):
        return {key: to_json_safe(item) for key, item in value.items() if key != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [to_json_safe(item) for item in value]
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def not_found_message(arn: str, reads: int) -> str:
    """The error for a job that stayed not found past :data:`NOT_FOUND_READS_TOLERATED` reads."""
    return (
        f"Trained model inference job {arn} was not found in {reads} consecutive reads; check the ARN, "
        "and that the connection's account and region are the job's."
    )


def describe_status(job: dict[str, Any]) -> str:
    """
    One line saying where a job stands: ARN, status and, when present, ``statusDetails``.

    :param job: A ``GetTrainedModelInferenceJob`` response (or a trigger event with the same keys).
    """
    text = f"Trained model inference job {job.get('trainedModelInferenceJobArn')} is {job.get('status')}"
    details = job.get("statusDetails") or {}
    cause = ", ".join(f"{key}={details[key]!r}" for key in ("statusCode", "message") if details.get(key))
    return f"{text} ({cause})" if cause else text
