"""
An IAM identity policy, enforced on every call as AWS would: what each call needs, and the refusal.

Given a policy (``CleanRoomsMLEmulator(policy=...)``, ``--policy FILE``), the emulator authorizes a
call before serving it: every permission the call needs (:func:`permissions_of`) must be allowed
by a statement and denied by none, or the call is answered ``AccessDeniedException`` (HTTP 403)
naming the action and the resource, in IAM's words. What a call needs is the service's, from the
Service Authorization Reference for Clean Rooms ML, not this provider's:

- the action named after the operation (``cleanrooms-ml:GetTrainedModel``), on each resource of
  the types the reference lists for it (:data:`..authorization.AUTHORIZED_ON`; a resource's own
  ARN for its Get, Cancel, Delete and Update; ``*`` for an action without resource types, such as
  most List calls);
- ``cleanrooms-ml:TagResource`` on the new resource when a create or start request carries tags;
- ``iam:PassRole`` on every role a request carries (``roleArn`` anywhere in it), with the context
  key ``iam:PassedToService`` = ``cleanrooms-ml.amazonaws.com``;
- ``cleanrooms:PassMembership`` on the membership of a call that takes a ``membershipIdentifier``,
  and ``cleanrooms:PassCollaboration`` on the collaboration of one that takes a
  ``collaborationIdentifier`` (:data:`..authorization.PASSED`; "IAM behaviors for Clean Rooms ML
  Custom Models" in the Clean Rooms user guide).

A policy is evaluated as IAM evaluates an identity policy alone: an explicit ``Deny`` wins, then an
``Allow`` is needed. Statements may use ``Action``/``NotAction`` and ``Resource``/``NotResource``
with ``*`` and ``?`` wildcards (actions match case-insensitively, resources case-sensitively), and
``Condition`` with ``StringEquals``, ``StringLike``, ``StringNotEquals`` and ``StringNotLike`` on the
keys the emulator knows (:data:`CONTEXT_KEYS`); a policy using anything else is refused when it is
given, rather than evaluated differently from IAM. STS is not subject to it (``GetCallerIdentity``
needs no permission in AWS either).
"""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_cleanroomsml.authorization import AUTHORIZED_ON, PASSED, PASSED_TO_SERVICE, SERVICE
from airflow_cleanroomsml.json_safe import values_at
from airflow_cleanroomsml.kinds import MEMBERSHIP
from airflow_cleanroomsml.testing.errors import ServiceError
from airflow_cleanroomsml.testing.responses import partition

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from airflow_cleanroomsml.testing.kinds import EmulatedKind
    from airflow_cleanroomsml.testing.lifecycle import State

CONTEXT_KEYS = ("iam:PassedToService", "aws:RequestedRegion")
"""The condition keys the emulator gives each request."""
OPERATORS = ("StringEquals", "StringLike", "StringNotEquals", "StringNotLike")
STATEMENT_KEYS = ("Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition")


@dataclass(frozen=True)
class Permission:
    """One thing a call needs: an action on a resource, in a request context."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()


def permissions_of(
    operation: str,
    role: str,
    emulated: EmulatedKind,
    request: Mapping[str, Any],
    region: str,
    account_id: str,
) -> list[Permission]:
    """
    What a call needs, as IAM would authorize it (see the module).

    :param operation: The operation called.
    :param role: Its role for its kind (create, get, list, cancel, delete, update).
    :param emulated: The kind it is about.
    :param request: The request (its members, query string and path labels).
    :param region: The region the call is signed for.
    :param account_id: The emulator's account.
    """
    kind = emulated.kind
    action = f"{SERVICE}:{operation}"
    context = (("aws:RequestedRegion", region),)
    if operation in AUTHORIZED_ON:
        paths = AUTHORIZED_ON[operation]
        resources = [value for path in paths for value in values_at(request, path) if isinstance(value, str)]
    elif role in ("get", "cancel", "delete", "update") and isinstance(request.get(kind.arn_member), str):
        resources = [request[kind.arn_member]]
    else:
        resources = []
    # An action that names no resource (no resource types, or none given) is authorized on "*".
    needs = [Permission(action, resource, context) for resource in resources] or [
        Permission(action, "*", context)
    ]
    if role == "create" and request.get("tags") and kind.match_by == kind.arn_member:
        needs.append(
            Permission(f"{SERVICE}:TagResource", _new_arn(emulated, request, region, account_id), context)
        )
    needs += [
        Permission("iam:PassRole", role_arn, (*context, ("iam:PassedToService", PASSED_TO_SERVICE)))
        for role_arn in _role_arns(request)
    ]
    for member, (passing, resource_type) in PASSED.items():
        if isinstance(request.get(member), str):
            arn = f"arn:{partition(region)}:cleanrooms:{region}:{account_id}:{resource_type}"
            needs.append(Permission(passing, f"{arn}/{request[member]}", context))
    return needs


def _role_arns(value: Any) -> Iterator[str]:
    """Every ``roleArn`` anywhere in a request."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "roleArn" and isinstance(item, str):
                yield item
            else:
                yield from _role_arns(item)
    elif isinstance(value, list):
        for item in value:
            yield from _role_arns(item)


def _new_arn(emulated: EmulatedKind, request: Mapping[str, Any], region: str, account_id: str) -> str:
    """The ARN a create is about to give its resource (its form; the id is the service's to choose)."""
    kind = emulated.kind
    scope = f"membership/{request[MEMBERSHIP]}/" if kind.in_membership and MEMBERSHIP in request else ""
    return f"arn:{partition(region)}:{SERVICE}:{region}:{account_id}:{scope}{kind.arn_segment}/{uuid.uuid4()}"


def _pattern(glob: str, ignore_case: bool) -> re.Pattern[str]:
    """IAM's wildcards: ``*`` any run of characters, ``?`` any one character."""
    regex = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in glob)
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _strings(statement: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = statement[key]
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(item, str) for item in values):
        raise ValueError(f"{where}: {key} must be a string or a non-empty list of strings, not {value!r}.")
    return values


@dataclass(frozen=True)
class _Statement:
    effect: str
    actions: tuple[re.Pattern[str], ...]
    not_actions: bool
    resources: tuple[re.Pattern[str], ...]
    not_resources: bool
    conditions: tuple[tuple[str, str, tuple[str, ...]], ...]

    def applies(self, permission: Permission) -> bool:
        matched = any(pattern.fullmatch(permission.action) for pattern in self.actions)
        if matched == self.not_actions:
            return False
        matched = any(pattern.fullmatch(permission.resource) for pattern in self.resources)
        if matched == self.not_resources:
            return False
        context = dict(permission.context)
        return all(_holds(operator, context.get(key), values) for operator, key, values in self.conditions)


def _holds(operator: str, value: str | None, wanted: tuple[str, ...]) -> bool:
    negated = "Not" in operator
    if value is None:  # a key absent from the request: only the negated operators hold (IAM's rule)
        return negated
    if operator.startswith("StringEquals") or operator.startswith("StringNotEquals"):
        matched = value in wanted
    else:
        matched = any(_pattern(glob, ignore_case=False).fullmatch(value) for glob in wanted)
    return matched != negated


class Policy:
    """
    An IAM identity policy document, checked when it is given and evaluated as IAM would.

    :param document: The policy: a mapping, its JSON text, or the path of a file holding it.
    :raises ValueError: When it is not a policy, or uses what the emulator does not evaluate.
    """

    def __init__(self, document: Mapping[str, Any] | str | os.PathLike[str]) -> None:
        if isinstance(document, os.PathLike):
            document = Path(document).read_text()
        parsed: Any = document
        if isinstance(document, str):
            try:
                parsed = json.loads(document)
            except json.JSONDecodeError as error:
                raise ValueError(
                    f"A policy is a mapping, its JSON text or a pathlib.Path of its file; "
                    f"{document[:60]!r} is not JSON ({error})."
                ) from error
        if not isinstance(parsed, dict) or "Statement" not in parsed:
            raise ValueError("A policy is a JSON object with a Statement (one statement or a list).")
        statements = parsed["Statement"]
        statements = [statements] if isinstance(statements, dict) else statements
        if not isinstance(statements, list):
            raise ValueError(f"Statement must be an object or a list of them, not {statements!r}.")
        self.document = parsed
        self._statements = tuple(self._statement(index, s) for index, s in enumerate(statements))

    @staticmethod
    def _statement(index: int, statement: Any) -> _Statement:
        where = f"Statement {index}"
        if not isinstance(statement, dict) or statement.get("Effect") not in ("Allow", "Deny"):
            raise ValueError(f"{where}: expected an object with Effect Allow or Deny, not {statement!r}.")
        unknown = set(statement) - set(STATEMENT_KEYS)
        if unknown:
            raise ValueError(
                f"{where}: the emulator does not evaluate {sorted(unknown)} in an identity policy."
            )
        action_key = "Action" if "Action" in statement else "NotAction"
        resource_key = "Resource" if "Resource" in statement else "NotResource"
        if action_key not in statement or resource_key not in statement:
            raise ValueError(f"{where}: expected Action (or NotAction) and Resource (or NotResource).")
        conditions = []
        for operator, keys in (statement.get("Condition") or {}).items():
            if operator not in OPERATORS or not isinstance(keys, dict):
                raise ValueError(
                    f"{where}: the emulator evaluates only {', '.join(OPERATORS)} conditions, "
                    f"not {operator!r}."
                )
            for key, values in keys.items():
                if key not in CONTEXT_KEYS:
                    raise ValueError(
                        f"{where}: the emulator knows only the condition keys {', '.join(CONTEXT_KEYS)}, "
                        f"not {key!r}."
                    )
                wanted = (values,) if isinstance(values, str) else tuple(values)
                conditions.append((operator, key, wanted))
        return _Statement(
            effect=statement["Effect"],
            actions=tuple(_pattern(a, ignore_case=True) for a in _strings(statement, action_key, where)),
            not_actions=action_key == "NotAction",
            resources=tuple(_pattern(r, ignore_case=False) for r in _strings(statement, resource_key, where)),
            not_resources=resource_key == "NotResource",
            conditions=tuple(conditions),
        )

    def decide(self, permission: Permission) -> str:
        """``allow``, ``explicit deny`` or ``implicit deny``, as IAM decides for an identity policy alone."""
        applying = [statement.effect for statement in self._statements if statement.applies(permission)]
        if "Deny" in applying:
            return "explicit deny"
        return "allow" if "Allow" in applying else "implicit deny"

    def refusal(self, permissions: list[Permission], principal: str) -> AccessDenied | None:
        """The ``AccessDeniedException`` for the first permission not allowed, or None if all are."""
        for permission in permissions:
            decision = self.decide(permission)
            if decision == "allow":
                continue
            why = (
                "with an explicit deny in an identity-based policy"
                if decision == "explicit deny"
                else f"because no identity-based policy allows the {permission.action} action"
            )
            return AccessDenied(permission, principal, why)
        return None


class AccessDenied(ServiceError):
    """IAM's refusal of a call: ``AccessDeniedException`` naming the action and the resource."""

    def __init__(self, permission: Permission, principal: str, why: str) -> None:
        super().__init__(
            "AccessDeniedException",
            f"User: {principal} is not authorized to perform: {permission.action} on resource: "
            f"{permission.resource} {why}",
        )
        self.denied = (permission.action, permission.resource)


def authorize(
    state: State, operation: str, role: str, emulated: EmulatedKind, request: Mapping[str, Any], region: str
) -> None:
    """
    Refuse a call its policy does not allow (``AccessDeniedException``, HTTP 403); without a policy,
    allow every call. A refusal is recorded in ``state.denied`` (action, resource).
    """
    policy = state.policy
    if policy is None:
        return
    needs = permissions_of(operation, role, emulated, request, region, state.account_id)
    refusal = policy.refusal(needs, f"arn:aws:iam::{state.account_id}:user/emulator")
    if refusal is not None:
        with state.lock:
            state.denied.append(refusal.denied)
        raise refusal
