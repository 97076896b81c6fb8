"""
The STS calls the provider makes, and the credentials check they make possible.

``AssumeRole`` hands out short-lived credentials (``credential_lifetime``); a call signed with
one that has expired is refused with ``ExpiredTokenException`` (HTTP 403), as AWS would, so a test
can check that long waits refresh their credentials. ``GetCallerIdentity`` answers the emulator's
account. Both speak STS's query protocol and answer XML.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import TYPE_CHECKING

from airflow_cleanroomsml.testing.errors import ServiceError
from airflow_cleanroomsml.testing.responses import timestamp

if TYPE_CHECKING:
    from airflow_cleanroomsml.testing.lifecycle import State

ASSUME_ROLE = "AssumeRole"
GET_CALLER_IDENTITY = "GetCallerIdentity"
_ACTION = re.compile(rb"(?:^|&)Action=(\w+)")
_ACCESS_KEY = re.compile(r"Credential=([A-Z0-9]+)/")


def sts_action(body: bytes) -> str | None:
    """The STS action a POST to ``/`` asks for, if it is one the emulator answers."""
    match = _ACTION.search(body)
    action = match[1].decode() if match else None
    return action if action in (ASSUME_ROLE, GET_CALLER_IDENTITY) else None


def answer(state: State, action: str) -> str:
    """The XML answer to an STS action (counted as a call)."""
    with state.lock:
        state.calls[action] += 1
    if action == ASSUME_ROLE:
        time.sleep(state.faults.sts_latency)
        return _assume_role(state)
    return _caller_identity(state)


def _assume_role(state: State) -> str:
    key, expires = f"ASIA{uuid.uuid4().hex[:16].upper()}", time.time() + state.credential_lifetime
    with state.lock:
        state.issued_keys[key] = expires
    return (
        '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>'
        f"<Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{uuid.uuid4().hex}</SecretAccessKey>"
        f"<SessionToken>{uuid.uuid4().hex}</SessionToken><Expiration>{timestamp(expires)}</Expiration>"
        "</Credentials><AssumedRoleUser><AssumedRoleId>AROAEMULATOR:airflow</AssumedRoleId>"
        f"<Arn>arn:aws:sts::{state.account_id}:assumed-role/emulator/airflow</Arn></AssumedRoleUser>"
        f"</AssumeRoleResult><ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        "</AssumeRoleResponse>"
    )


def _caller_identity(state: State) -> str:
    account = state.account_id
    return (
        '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
        f"<Arn>arn:aws:iam::{account}:user/emulator</Arn><UserId>AIDAEMULATOR</UserId>"
        f"<Account>{account}</Account></GetCallerIdentityResult>"
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        "</GetCallerIdentityResponse>"
    )


def check_credentials(state: State, authorization: str) -> None:
    """Refuse a call signed with credentials this emulator's AssumeRole issued and that have expired."""
    match = _ACCESS_KEY.search(authorization)
    expires = state.issued_keys.get(match[1]) if match else None
    if expires is not None and expires < time.time():
        raise ServiceError("ExpiredTokenException", "The security token included in the request is expired")
