"""
The IAM permissions each class of this provider needs, and the least-privilege policy of DAG files.

A class's permissions follow from what it declares, not from a list kept by hand: its kind's
calls (Get, List and the lookups a List needs, Cancel, Delete), its ``operation`` and
``request_members`` for a create or start operator, and the arguments that switch calls on or off
(``action_if_exists``, ``wait_for_completion``, ``deferrable``, ``cancel_on_kill``). What the
service requires of each call comes from its Service Authorization Reference:

- ``cleanrooms-ml:<Operation>`` for each call, on the resources the reference lists for it (a
  resource's own ARN for its Get, Cancel and Delete; for a create or start, the resources its
  request names, :data:`..authorization.AUTHORIZED_ON`; ``*`` for the actions without resource
  types, such as most List calls);
- ``cleanrooms-ml:TagResource`` on the new resource for a create or start whose request carries
  tags: the provider always tags what it creates with the task instance (the reattach key);
- ``iam:PassRole`` on each role a request carries (``roleArn`` members, found in the service
  model), for ``cleanrooms-ml.amazonaws.com``;
- ``cleanrooms:PassMembership`` on the AWS Clean Rooms membership of each call that takes a
  ``membershipIdentifier``, and ``cleanrooms:PassCollaboration`` on the collaboration of each call
  that takes a ``collaborationIdentifier`` (found in the service model; "IAM behaviors for Clean
  Rooms ML Custom Models" in the Clean Rooms user guide).

The provider also calls STS ``GetCallerIdentity`` to say which account a not-found resource was
looked for in; STS needs no permission for it (AWS answers it even under an explicit deny), so no
policy names it, and the message does without the account if STS cannot be reached.

``python -m airflow_cleanroomsml.iam PATH...`` parses the DAG files under PATH with Airflow's
DagBag and prints the least-privilege identity policy for the provider's tasks in them: resources
are the ARNs and memberships the DAGs give literally, and patterns of the resource's type where a
value is only known at run time (a template, an XCom), each pattern explained on stderr.
``--table`` prints the Markdown table of actions per class that the README shows.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import inspect
import json
import logging
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from airflow_cleanroomsml import kinds
from airflow_cleanroomsml.authorization import AUTHORIZED_ON, PASSED, PASSED_TO_SERVICE, SERVICE
from airflow_cleanroomsml.json_safe import strings_in
from airflow_cleanroomsml.kinds import ARN_MEMBERSHIP, MEMBERSHIP, region_partition, snake_case
from airflow_cleanroomsml.lineage import LINEAGE

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence

    from airflow_cleanroomsml.kinds import ResourceKind as Kind

ANY = "*"

PASSES_ON = {"membership": "@membership", "collaboration": "@collaboration"}
"""Where the AWS Clean Rooms resource a call passes is (:attr:`Need.on`), by its resource type."""

# Where a need's resource is (Need.on), besides a request member path.
NEW = "@new"
"""The resource the task creates or starts."""
RESOURCE = "@resource"
"""The resource the task is about (its kind's ARN member: its own ARN, or an export's parent's)."""


class Need(NamedTuple):
    """
    One permission a class may need.

    :param action: The IAM action: ``cleanrooms-ml:GetTrainedModel``, ``iam:PassRole``.
    :param on: Where its resource is: :data:`ANY`, :data:`NEW`, :data:`RESOURCE`, a request member
        path (``trainedModelArn``, ``inputChannel.roleArn``), or ``segment:<arn segment>`` for a
        resource found at run time (the configured audience model of a generation job).
    :param why: What the call is for, in a few words.
    :param when: The conditions, all of which must hold for the task to make the call
        (:data:`CONDITIONS`); none: always.
    :param phase: When in the task: ``before`` its create call, ``create`` (authorized with the
        create call itself), or ``after``; describe, wait and cancel tasks are all ``before``.
    :param essential: False for a call the task's ordinary run does not depend on: a contingency
        (cancel on kill, the read after a conflict, a retry's check of its earlier try), the
        triggerer's shared List (Gets do without it), lineage's reads (the event goes without).
    """

    action: str
    on: str
    why: str
    when: tuple[str, ...] = ()
    phase: str = "before"
    essential: bool = True


CONDITIONS: dict[str, str] = {
    "reattach": "action_if_exists is not 'start_new'",
    "wait": "wait_for_completion=True",
    "deferrable": "deferrable=True",
    "cancel_on_kill": "cancel_on_kill=True",
    "lineage": "OpenLineage is enabled",
}
"""What each condition of :attr:`Need.when` means, for a task."""


def action(operation: str) -> str:
    """The IAM action of a Clean Rooms ML operation: ``cleanrooms-ml:GetTrainedModel``."""
    return f"{SERVICE}:{operation}"


def role_of(cls: type) -> str:
    """
    What a class does, from what it declares: ``start``, ``cancel``, ``delete``, ``sensor``,
    ``wait``, ``describe``, or ``kindless`` (a class about no single resource).
    """
    if getattr(cls, "operation", None) and getattr(cls, "request_members", None):
        return "start"
    if getattr(cls, "action", None) in ("cancel", "delete") and getattr(cls, "kind", None):
        return str(cls.action)  # type: ignore[attr-defined]
    if getattr(cls, "kind", None) is None:
        return "kindless"
    if callable(getattr(cls, "poke", None)):
        return "sensor"
    return "wait" if callable(getattr(cls, "wait", None)) else "describe"


def needs_of(cls: type) -> tuple[Need, ...]:
    """Every permission a public class may need (see :class:`Need`), derived from its declaration."""
    return _with_passes(_call_needs(cls))


def _with_passes(needs: Iterable[Need]) -> tuple[Need, ...]:
    """Each call's need, then what it passes: the membership or collaboration (:data:`PASSED`)."""
    found: list[Need] = []
    for need in needs:
        found.append(need)
        if need.action.startswith(f"{SERVICE}:"):
            for passing, on in passes_of(need.action.removeprefix(f"{SERVICE}:")):
                found.append(need._replace(action=passing, on=on))
    return tuple(dict.fromkeys(found))


@cache
def passes_of(operation: str) -> tuple[tuple[str, str], ...]:
    """What an operation passes (:data:`PASSED`): the members of its input shape in the service model."""
    from airflow_cleanroomsml.validation import has_operation, service_model

    if not has_operation(operation):
        return ()
    members = service_model().operation_model(operation).input_shape.members
    return tuple(
        (passing, PASSES_ON[resource_type])
        for member, (passing, resource_type) in PASSED.items()
        if member in members
    )


def _call_needs(cls: type) -> tuple[Need, ...]:
    """The permissions of the calls a class makes (without what they pass)."""
    role = role_of(cls)
    if role == "kindless":
        return tuple(
            Need(action(operation), ANY, "find the newest version by name")
            for operation in getattr(cls, "calls", ())
            if _has_operation(operation)
        )
    kind: Kind = cls.kind  # type: ignore[attr-defined]
    if role == "start":
        return _start_needs(cls, kind)
    found: list[Need] = []
    if role in ("cancel", "delete"):
        operation = kind.cancel if role == "cancel" else kind.delete
        found.append(Need(action(str(operation)), RESOURCE, role))
        found += _read_needs(kind, RESOURCE, "read it after a conflict", essential=False)
        found += _read_needs(kind, RESOURCE, "wait", when=("wait",))
    else:
        found += _read_needs(kind, RESOURCE, "read it" if role == "describe" else "wait")
    if role in ("sensor", "wait") and kind.list and kind.get and kind.sweep:
        found.append(_shared_list(kind))
    if role == "sensor" and kind.cancel:
        found.append(
            Need(
                action(kind.cancel),
                RESOURCE,
                "cancel on kill or give-up",
                ("cancel_on_kill",),
                essential=False,
            )
        )
    return tuple(found)


def _start_needs(cls: type, kind: Kind) -> tuple[Need, ...]:
    """
    A create or start operator's needs, in the order it makes the calls: the List (and lookups) that
    find an earlier try's, the create with what the service authorizes with it, then the wait, the
    cancel on kill and lineage's reads.
    """
    from airflow_cleanroomsml.validation import service_model

    operation: str = cls.operation  # type: ignore[attr-defined]
    members: tuple[str, ...] = cls.request_members  # type: ignore[attr-defined]
    found: list[Need] = []
    # Before the create: a retry looks for what its earlier try made, with the kind's List. Its
    # request is the kind's own, with what its lookups find; or else the request's members the
    # List filters on (the membership, a parent...).
    if kind.lookups:
        found += [_lookup_need(lookup, "find the list's parent", ("reattach",)) for lookup in kind.lookups]
        listed_by = dict(kind.list_request)
    else:
        filters = service_model().operation_model(str(kind.list)).input_shape.members
        listed_by = {member: member for member in filters if member in members}
    found.append(Need(action(str(kind.list)), _list_resource(kind, listed_by), "reattach", ("reattach",)))
    if "tags" in members and kind.get:
        why = "check the tags of an earlier try's"
        found.append(Need(action(kind.get), NEW, why, ("reattach",), essential=False))
    # The create itself, and what the service authorizes with it.
    for path in AUTHORIZED_ON.get(operation, ()) or (ANY,):
        found.append(Need(action(operation), path, "create it", phase="create"))
    if "tags" in members:
        found.append(Need(action("TagResource"), NEW, "tag it with the task instance", phase="create"))
    for path in role_paths(operation):
        found.append(Need("iam:PassRole", path, "pass the role in the request", phase="create"))
    # The wait and the final description: asked for before the create (check_read_allowed).
    found += _read_needs(kind, NEW, "wait", when=("wait",))
    # After: the cancel on kill, lineage.
    if kind.list and kind.get and kind.sweep:
        found.append(_shared_list(kind))
    if kind.cancel:
        why = "cancel on kill or give-up"
        found.append(Need(action(kind.cancel), NEW, why, ("cancel_on_kill",), "after", essential=False))
    found += _read_needs(kind, NEW, "lineage: its status", ("lineage",), "after", False)
    for read in LINEAGE[operation].reads if operation in LINEAGE else ():
        on = read.source if read.source in members else f"segment:{read.segment}"
        found.append(Need(action(read.operation), on, "lineage", ("lineage",), "after", essential=False))
    return tuple(dict.fromkeys(found))


def _read_needs(
    kind: Kind,
    on: str,
    why: str,
    when: tuple[str, ...] = (),
    phase: str = "before",
    essential: bool = True,
) -> list[Need]:
    """
    A read of one resource: its Get, or for a kind without one, its List (and the lookups its list
    request needs), as the hook and the triggers read it.
    """
    if kind.get:
        return [Need(action(kind.get), on, why, when, phase, essential)]
    lookups = [_lookup_need(lookup, why, when, phase, essential) for lookup in kind.lookups]
    listed = _list_resource(kind, kind.list_request)
    return [*lookups, Need(action(str(kind.list)), listed, why, when, phase, essential)]


def _shared_list(kind: Kind) -> Need:
    """The List a triggerer's waits of one kind share (the kind's own list request, as triggers make it)."""
    listed = _list_resource(kind, kind.list_request)
    why = "shared reads in the triggerer (Gets do without it)"
    return Need(action(str(kind.list)), listed, why, ("deferrable",), "after", essential=False)


def _lookup_need(
    lookup: kinds.Lookup, why: str, when: tuple[str, ...], phase: str = "before", essential: bool = True
) -> Need:
    """A lookup's call, on the resource whose ARN its request takes (``GetTrainedModel`` on the model)."""
    arn = next((source for member, source in lookup.request.items() if member.endswith("Arn")), ANY)
    return Need(action(lookup.operation), arn if arn != ARN_MEMBERSHIP else ANY, why, when, phase, essential)


def _list_resource(kind: Kind, listed_by: Mapping[str, str]) -> str:
    """Where a List's resource is: the request member its list request takes it from, or ``*``."""
    for path in AUTHORIZED_ON.get(str(kind.list), ()):
        if path in listed_by:
            return listed_by[path]
    return ANY


@cache
def role_paths(operation: str) -> tuple[str, ...]:
    """The paths of the IAM roles an operation's request may carry (``roleArn`` members)."""
    from airflow_cleanroomsml.validation import has_operation, service_model

    if not has_operation(operation):
        return ()
    found: list[str] = []

    def walk(shape: Any, path: str, seen: tuple[str, ...]) -> None:
        if shape.type_name == "structure" and shape.name not in seen:
            for member, child in shape.members.items():
                here = f"{path}.{member}" if path else member
                if member == "roleArn":
                    found.append(here)
                else:
                    walk(child, here, (*seen, shape.name))
        elif shape.type_name == "list":
            walk(shape.member, f"{path}[]", seen)

    walk(service_model().operation_model(operation).input_shape, "", ())
    return tuple(found)


def _has_operation(operation: str) -> bool:
    from airflow_cleanroomsml.validation import has_operation

    return has_operation(operation)


@cache
def arn_scopes() -> dict[str, bool]:
    """
    Each Clean Rooms ML ARN resource segment, and whether its ARN names a membership: from the ARN
    patterns of the service model, else from whether the resource's Get call takes a membership.
    """
    from airflow_cleanroomsml.validation import service_model

    model = service_model()
    scopes: dict[str, bool] = {}
    for name in model.shape_names:
        pattern = model.shape_for(name).metadata.get("pattern", "")
        match = re.search(r":cleanrooms-ml:.*?\{12\}:(membership/[^/]*/)?([a-z-]+)/", pattern)
        if match:
            scopes[match[2]] = match[1] is not None
    for name in model.operation_names:  # older models lack some patterns: the Get call tells
        if name.startswith("Get") and not name.startswith("GetCollaboration"):
            segment = snake_case(name.removeprefix("Get").replace("ML", "Ml")).replace("_", "-")
            scopes.setdefault(segment, MEMBERSHIP in model.operation_model(name).input_shape.members)
    for kind in _kinds():
        scopes.setdefault(kind.arn_segment, kind.in_membership)
    return scopes


def _kinds() -> list[Kind]:
    return [value for value in vars(kinds).values() if isinstance(value, type(kinds.TRAINED_MODEL))]


def segment_of(path: str) -> str | None:
    """The ARN segment of what a request member names: ``ml-input-channel`` for ``mlInputChannelArn``."""
    member = path.rsplit(".", 1)[-1]
    base = snake_case(member.removesuffix("[]")).replace("_", "-").removesuffix("-arn")
    scopes = arn_scopes()
    for candidate in (base, base.removesuffix("s")):
        if candidate in scopes:
            return candidate
    return None


# -- tasks in DAG files ------------------------------------------------------------------------------


class NotLiteral(NamedTuple):
    """A value known only at run time, and why: a template, an XCom, an argument a mapped task expands."""

    why: str


def _literal(value: Any) -> Any:
    """A value as the DAG file gives it, or :class:`NotLiteral` when it is known only at run time."""
    if isinstance(value, NotLiteral):
        return value
    if isinstance(value, str):
        return NotLiteral("a template") if "{{" in value or "{%" in value else value
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, dict):
        return {key: _literal(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_literal(item) for item in value]
    return NotLiteral("an XCom" if "XComArg" in type(value).__name__ else f"a {type(value).__name__}")


@dataclass
class Task:
    """One task of a DAG file as this module sees it: its class and its arguments as given."""

    dag_id: str
    task_id: str
    cls: type
    arguments: dict[str, Any] = field(default_factory=dict)
    code_names: frozenset[str] = frozenset()

    @property
    def label(self) -> str:
        return f"{self.dag_id}.{self.task_id}"

    def argument(self, name: str) -> Any:
        """An argument, literal or :class:`NotLiteral`; the class's default if the task gives none."""
        if name in self.arguments:
            return _literal(self.arguments[name])
        return _default(self.cls, name)

    def holds(self, condition: str, lineage: bool) -> bool:
        """Whether one of :data:`CONDITIONS` holds for this task (run-time values count as holding)."""
        if condition == "lineage":
            return lineage
        if condition == "reattach":  # action_if_job_exists: its old name
            return "start_new" not in (
                self.argument("action_if_exists"),
                self.argument("action_if_job_exists"),
            )
        name = {"wait": "wait_for_completion"}.get(condition, condition)
        return self.argument(name) is not False


def _default(cls: type, name: str) -> Any:
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        parameter = inspect.signature(init).parameters.get(name)
        if parameter is not None and parameter.default is not inspect.Parameter.empty:
            return parameter.default
    return None


def task_of(dag_id: str, operator: Any) -> Task:
    """A DAG's task as :class:`Task`: plain and mapped operators, and Python callables."""
    cls = getattr(operator, "operator_class", None)
    if hasattr(operator, "expand_input") and isinstance(cls, type):  # a mapped task: what it gives, expands
        arguments = dict(getattr(operator, "partial_kwargs", {}) or {})
        expanded = getattr(getattr(operator, "expand_input", None), "value", {}) or {}
        if isinstance(expanded, dict):  # .expand(name=...): those arguments
            names: Iterable[str] = expanded
        elif isinstance(expanded, list) and all(isinstance(item, dict) for item in expanded):
            names = {name for item in expanded for name in item}  # .expand_kwargs([{...}, ...])
        else:  # .expand_kwargs(an XCom): any argument .partial() does not give (Airflow refuses both)
            names = _argument_names(cls) - set(arguments)
        arguments.update({name: NotLiteral("an argument the mapped task expands") for name in names})
    else:
        cls = type(operator)
        arguments = {
            name: getattr(operator, name) for name in _argument_names(cls) if hasattr(operator, name)
        }
    callable_ = arguments.get("python_callable") or getattr(operator, "python_callable", None)
    return Task(dag_id, operator.task_id, cls, arguments, _code_names(callable_))


def _argument_names(cls: type) -> set[str]:
    names = {"region_name", "action_if_exists", "action_if_job_exists", "wait_for_completion", "deferrable"}
    names.add("cancel_on_kill")
    request_members = getattr(cls, "request_members", ()) or ()
    names.update(snake_case(member) for member in request_members)
    kind = getattr(cls, "kind", None)
    if kind is not None:
        names.update(kind.arguments.values())
    return names


def _code_names(function: Any) -> frozenset[str]:
    """The attribute and global names a Python callable's code uses, nested functions included."""
    code = getattr(getattr(function, "__wrapped__", function), "__code__", None)
    names: set[str] = set()
    stack = [code] if code is not None else []
    while stack:
        current = stack.pop()
        names.update(current.co_names)
        stack.extend(const for const in current.co_consts if inspect.iscode(const))
    return frozenset(names)


@cache
def _api_methods() -> dict[str, str]:
    """The API's operations by their boto3 (and this hook's) method names."""
    from botocore import xform_name

    from airflow_cleanroomsml.validation import service_model

    return {xform_name(name): name for name in service_model().operation_names}


def is_ours(cls: type) -> bool:
    """Whether a task class is this provider's (or derives from one of its classes)."""
    return any(klass.__module__.startswith("airflow_cleanroomsml.") for klass in cls.__mro__)


# -- the policy ----------------------------------------------------------------------------------------


class Grant(NamedTuple):
    """One permission a task needs: an action on a resource (an ARN, a pattern or ``*``)."""

    action: str
    resource: str
    task: str
    why: str
    phase: str
    essential: bool


@dataclass
class Report:
    """What the tasks under a path need: the grants, and notes on what is not scoped to a literal ARN."""

    grants: list[Grant] = field(default_factory=list)
    unscoped: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    """Resources that are not a literal ARN: (task, resource, why) → the actions on it."""

    def note(self, task: Task, need: Need, resource: str, why: str) -> None:
        """Say why a task's need has a pattern (or ``*``) for its resource."""
        actions = self.unscoped.setdefault((task.label, resource, why), [])
        if need.action not in actions:
            actions.append(need.action)

    @property
    def notes(self) -> list[str]:
        """One line for each resource that is not a literal ARN: which task, which actions, and why."""
        return [
            f"{task}: {', '.join(actions)} on {resource}: {why}."
            for (task, resource, why), actions in self.unscoped.items()
        ]

    def policy(self) -> dict[str, Any]:
        """The least-privilege identity policy: one statement per set of actions sharing resources."""
        resources: dict[str, set[str]] = defaultdict(set)
        for grant in self.grants:
            resources[grant.action].add(grant.resource)
        by_resources: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for name, found in resources.items():
            key = (ANY,) if ANY in found else tuple(sorted(_without_subsumed(found)))
            by_resources[key].append(name)
        statements = []
        for key, actions in sorted(by_resources.items(), key=lambda item: (item[0] != (ANY,), item[0])):
            for is_pass_role in (False, True):
                chosen = sorted(name for name in actions if (name == "iam:PassRole") == is_pass_role)
                if not chosen:
                    continue
                statement: dict[str, Any] = {
                    "Effect": "Allow",
                    "Action": chosen if len(chosen) > 1 else chosen[0],
                    "Resource": list(key) if len(key) > 1 else key[0],
                }
                if is_pass_role:
                    statement["Condition"] = {"StringEquals": {"iam:PassedToService": PASSED_TO_SERVICE}}
                statements.append(statement)
        return {"Version": "2012-10-17", "Statement": statements}

    def actions(self, essential_only: bool = False) -> list[str]:
        """Every action granted (only those some task depends on, with ``essential_only``)."""
        return sorted({grant.action for grant in self.grants if grant.essential or not essential_only})


def _without_subsumed(resources: set[str]) -> set[str]:
    """The resources no other one matches as a pattern (``membership/*/x/*`` covers ``membership/m/x/*``)."""
    return {
        resource
        for resource in resources
        if not any(other != resource and _glob(other).fullmatch(resource) for other in resources)
    }


def _glob(pattern: str) -> re.Pattern[str]:
    """IAM's wildcards in a resource: ``*`` any run of characters, ``?`` any one character."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))


def report(tasks: Iterable[Task], lineage: bool) -> Report:
    """What ``tasks`` need: the grants of their active needs, with every resource resolved."""
    result = Report()
    for task in tasks:
        if not is_ours(task.cls):
            _python_calls(task, result)
            continue
        for need in needs_of(task.cls):
            if not all(task.holds(condition, lineage) for condition in need.when):
                continue
            for resource in _resources(task, need, result):
                result.grants.append(
                    Grant(need.action, resource, task.label, need.why, need.phase, need.essential)
                )
    return result


GENERIC_HOOK_METHODS = frozenset({"call", "read", "describe", "list_resources", "cancel", "delete", "wait"})
"""The hook's methods that take an operation or a kind: which calls they make, code does not say."""


def _python_calls(task: Task, result: Report) -> None:
    """
    A Python task's hook calls, found by the API's method names its code uses (``*``: unknown ARNs).
    Calls through the hook's generic methods (``hook.call("GetTrainedModel", ...)``) are not found:
    a note says so.
    """
    generic = sorted(task.code_names & GENERIC_HOOK_METHODS)
    if generic and "CleanRoomsMLHook" in task.code_names:
        why = (
            f"its Python code uses the hook's {', '.join(generic)}, whose calls are known only when it "
            "runs: grant their actions by hand"
        )
        result.note(task, Need("(not derived)", ANY, "Python code"), ANY, why)
    for name in sorted(task.code_names & set(_api_methods())):
        operation = _api_methods()[name]
        result.grants.append(Grant(action(operation), ANY, task.label, "Python code", "before", True))
        for passing, _ in passes_of(operation):  # on *: a Python task's memberships are unknown
            result.grants.append(Grant(passing, ANY, task.label, "Python code", "before", True))
        passes = " (and iam:PassRole if it passes a role)" if role_paths(operation) else ""
        why = f"its Python code calls {name}{passes}; the ARNs it uses are known only when it runs"
        for granted in (action(operation), *(passing for passing, _ in passes_of(operation))):
            result.note(task, Need(granted, ANY, "Python code"), ANY, why)


def _request_value(task: Task, path: str) -> list[Any]:
    """The values at a request member path of a task's arguments: literal, or :class:`NotLiteral`."""
    head = path.split(".")[0].removesuffix("[]")
    return list(_values_at(task.argument(snake_case(head)), path.split(".")[0], path.split(".")[1:]))


def _values_at(value: Any, head: str, rest: list[str]) -> Iterator[Any]:
    """As :func:`~airflow_cleanroomsml.json_safe.values_at`, but a run-time value on the way is yielded."""
    if value is None:
        return
    if isinstance(value, NotLiteral):
        yield value
        return
    items = value if head.endswith("[]") and isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, NotLiteral) or not rest:
            yield item
        elif isinstance(item, dict):
            yield from _values_at(item.get(rest[0].removesuffix("[]")), rest[0], rest[1:])


def _resources(task: Task, need: Need, result: Report) -> list[str]:
    """The resources of one need of a task: literal ARNs, patterns (with a note), or ``*``."""
    if need.on == ANY:
        result.note(task, need, ANY, "the action has no resource types: IAM grants it on * only")
        return [ANY]
    if need.on in ("@membership", "@collaboration"):
        return [_passed_resource(task, need, result)]
    kind: Kind = task.cls.kind  # type: ignore[attr-defined]  # only a kind's needs name one
    if need.on == NEW:
        membership = task.argument(snake_case(MEMBERSHIP)) if kind.in_membership else None
        pattern = _pattern(task, kind.arn_segment, membership, own=True)
        result.note(task, need, pattern, f"the {kind.name} it creates is named at run time")
        return [pattern]
    if need.on == RESOURCE:
        path = kind.arn_member
    elif need.on.startswith("segment:"):
        pattern = _pattern(task, need.on.removeprefix("segment:"), None, own=False)
        result.note(task, need, pattern, f"what {need.why} reads is found at run time")
        return [pattern]
    else:
        path = need.on
    values = _request_value(task, path)
    literal = [value for value in values if isinstance(value, str)]
    unknown = [value for value in values if isinstance(value, NotLiteral)]
    if not literal and not unknown:
        return []  # the request does not carry it: the call does not need it
    resources = list(literal)
    if unknown:
        argument = snake_case(path.split(".")[0].removesuffix("[]"))
        if need.action == "iam:PassRole":
            account = _account(task)
            pattern = f"arn:{_partition(task)}:iam::{account}:role/*" if account != ANY else ANY
        else:
            segment = segment_of(path) or (kind.arn_segment if need.on == RESOURCE else None)
            if segment is None:
                return [ANY]
            membership = task.argument(snake_case(MEMBERSHIP)) if need.on == RESOURCE else None
            pattern = _pattern(task, segment, membership, own=False)
        result.note(task, need, pattern, f"{argument} is {unknown[0].why}")
        resources.append(pattern)
    return resources


def _passed_resource(task: Task, need: Need, result: Report) -> str:
    """
    The AWS Clean Rooms membership (its ARN, in the caller's account) or collaboration (any account:
    its creator's) a task's calls pass; a pattern, with a note, where the DAG does not give it literally.
    """
    partition, region = _partition(task), _region(task)
    if need.on == "@collaboration":
        pattern = f"arn:{partition}:cleanrooms:{region}:{ANY}:collaboration/{ANY}"
        result.note(task, need, pattern, "its collaboration is found at run time")
        return pattern
    membership = _membership(task)
    if isinstance(membership, str):
        arn = f"arn:{partition}:cleanrooms:{region}:{_account(task, membership)}:membership/{membership}"
        if ANY in arn:
            result.note(task, need, arn, "its region or account is known only at run time")
        return arn
    pattern = f"arn:{partition}:cleanrooms:{region}:{_account(task)}:membership/{ANY}"
    result.note(task, need, pattern, f"its membership is {membership.why}")
    return pattern


def _membership(task: Task) -> str | NotLiteral:
    """The membership a task's calls are in: its argument, or the one a literal ARN of it names."""
    name = snake_case(MEMBERSHIP)
    given = task.argument(name) if name in _argument_names(task.cls) else None
    if given is not None:
        return given if isinstance(given, (str, NotLiteral)) else NotLiteral(f"a {type(given).__name__}")
    kind = getattr(task.cls, "kind", None)
    arn = task.argument(kind.arn_member and snake_case(kind.arn_member)) if kind is not None else None
    if isinstance(arn, NotLiteral):
        return arn
    found = re.search(r":membership/([^/]+)/", arn) if isinstance(arn, str) else None
    return found[1] if found else NotLiteral("known only at run time")


def _literal_arns(task: Task) -> list[str]:
    """The Clean Rooms ML ARNs the task gives literally."""
    found: list[str] = []
    for name in _argument_names(task.cls):
        for value in strings_in(task.argument(name)):
            if value.startswith("arn:") and f":{SERVICE}:" in value:
                found.append(value)
    return found


def _region(task: Task) -> str:
    region = task.argument("region_name")
    if isinstance(region, str):
        return region
    arns = _literal_arns(task)
    return arns[0].split(":")[3] if arns else ANY


def _partition(task: Task) -> str:
    arns = _literal_arns(task)
    if arns:
        return arns[0].split(":")[1]
    region = _region(task)
    if region == ANY:
        return ANY
    return region_partition(region)


def _account(task: Task, membership: Any = None) -> str:
    """The account of a literal ARN in the task's membership (the caller's), or ``*``."""
    member_of = f":membership/{membership}/" if isinstance(membership, str) else None
    for arn in _literal_arns(task):
        if member_of is None or member_of in arn:
            return arn.split(":")[4]
    return ANY


def _pattern(task: Task, segment: str, membership: Any, own: bool) -> str:
    """
    The ARNs of a resource type the task may name: in its region; in the account of its membership
    for what it creates (``*`` when unknown); in its membership where the type has one and it is given.
    """
    scoped = arn_scopes().get(segment, False)
    account = _account(task, membership) if own and isinstance(membership, str) else ANY
    scope = ""
    if scoped:
        scope = f"membership/{membership if isinstance(membership, str) else ANY}/"
    return f"arn:{_partition(task)}:{SERVICE}:{_region(task)}:{account}:{scope}{segment}/*"


# -- DAG files -------------------------------------------------------------------------------------


def dag_tasks(paths: Sequence[str], dag_ids: Sequence[str] = ()) -> tuple[list[Task], list[str]]:
    """The tasks of the DAGs in the files under ``paths`` (or only ``dag_ids``), and import errors."""
    tasks: list[Task] = []
    errors: list[str] = [f"{path}: no such file or folder" for path in paths if not Path(path).exists()]
    seen: set[str] = set()
    for name in ("airflow.dag_processing.dagbag", "airflow.models.dagbag"):  # "Filling up the DagBag..."
        logging.getLogger(name).setLevel(logging.WARNING)
    for path in paths:
        if not Path(path).exists():
            continue
        with contextlib.redirect_stdout(sys.stderr):  # what DAG files print is not the policy
            bag = _dag_bag(path)
        errors += [f"{file}: {error}" for file, error in bag.import_errors.items()]
        seen.update(bag.dags)
        for dag_id in sorted(bag.dags):
            if dag_ids and dag_id not in dag_ids:
                continue
            tasks += [task_of(dag_id, operator) for operator in bag.dags[dag_id].tasks]
    errors += [
        f"--dag-id {dag_id}: no such DAG in {', '.join(paths)}" for dag_id in dag_ids if dag_id not in seen
    ]
    return tasks, errors


def _dag_bag(path: str) -> Any:
    """Airflow's DagBag of the files under ``path`` (it moved in Airflow 3.1; no examples)."""
    try:
        from airflow.dag_processing.dagbag import DagBag

        return DagBag(dag_folder=path)
    except ImportError:  # Airflow 2 and 3.0
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]

        return DagBag(dag_folder=path, include_examples=False)  # type: ignore[call-arg]


def policy_for(paths: Sequence[str], dag_ids: Sequence[str] = (), lineage: bool | None = None) -> Report:
    """The report (policy, grants, notes) for the DAG files under ``paths``; raises on import errors."""
    tasks, errors = dag_tasks(paths, dag_ids)
    if errors:
        raise ValueError("No policy: the DAGs asked for could not be read:\n" + "\n".join(errors))
    return report(tasks, lineage_installed() if lineage is None else lineage)


def lineage_installed() -> bool:
    """Whether Airflow's OpenLineage provider is installed (its listener calls the lineage reads)."""
    try:
        return importlib.util.find_spec("airflow.providers.openlineage") is not None
    except ImportError:
        return False


# -- the README's table --------------------------------------------------------------------------------


def public_classes() -> list[type]:
    """The provider's public operator and sensor classes (those its modules export), by name."""
    from airflow_cleanroomsml.operators import cleanroomsml as operators
    from airflow_cleanroomsml.sensors import cleanroomsml as sensors

    found = {
        getattr(module, name)
        for module in (operators, sensors)
        for name in module.__all__
        if isinstance(getattr(module, name), type)
    }
    public = [cls for cls in found if role_of(cls) != "kindless" or bool(getattr(cls, "calls", None))]
    return sorted(public, key=lambda cls: cls.__name__)


def markdown_table() -> str:
    """The table of actions per public class, as the README shows it (generated; a test compares)."""
    lines = [
        "| class | actions (with its default arguments) | more, only when |",
        "|---|---|---|",
    ]
    for cls in public_classes():
        needs = needs_of(cls)
        if not needs:
            continue
        task = Task("", "", cls)
        always: dict[str, None] = {}
        sometimes: dict[str, list[str]] = defaultdict(list)
        for need in needs:
            if need.essential and all(task.holds(condition, lineage=False) for condition in need.when):
                always[need.action] = None
        for need in needs:
            if need.action in always:
                continue
            when = ", ".join(CONDITIONS[condition] for condition in need.when)
            sometimes[need.action].append(f"{when}: {need.why}" if when else need.why)
        shown = ", ".join(f"`{name}`" for name in always)
        more = "; ".join(f"`{name}` ({'; '.join(dict.fromkeys(whys))})" for name, whys in sometimes.items())
        lines.append(f"| `{cls.__name__}` | {shown} | {more} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_cleanroomsml.iam",
        description="Print the least-privilege IAM policy for this provider's tasks in DAG files.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="DAG files, or folders of them")
    parser.add_argument("--dag-id", action="append", default=[], help="only this DAG (repeatable)")
    lineage = parser.add_mutually_exclusive_group()
    lineage.add_argument(
        "--lineage", dest="lineage", action="store_true", default=None,
        help="include the reads lineage makes (default: if the OpenLineage provider is installed here)",
    )  # fmt: skip
    lineage.add_argument("--no-lineage", dest="lineage", action="store_false", help="leave them out")
    parser.add_argument("--table", action="store_true", help="print the README's table of actions per class")
    args = parser.parse_args(argv)
    if args.table:
        print(markdown_table())
        return 0
    if not args.paths:
        parser.error("give at least one PATH (or --table)")
    try:
        found = policy_for(args.paths, args.dag_id, args.lineage)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    print(json.dumps(found.policy(), indent=2))
    if not found.grants:
        print("# No task of this provider's in those DAGs: the policy grants nothing.", file=sys.stderr)
    with_lineage = lineage_installed() if args.lineage is None else args.lineage
    print(
        f"# Lineage reads {'included' if with_lineage else 'left out'} (--lineage / --no-lineage).",
        file=sys.stderr,
    )
    for note in found.notes:
        print(f"# {note}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
