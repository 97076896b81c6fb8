"""
The design's promises, checked: the waiter file is the only judge and covers every status; every
public class has an explicit signature that matches its kind and its operation; the public modules
load a kind's classes only when asked; the old names still work, with a warning.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_cleanroomsml import kinds
from airflow_cleanroomsml.judging import waiter_definitions
from airflow_cleanroomsml.kinds import KINDS, MEMBERSHIP, WAITERS_FILE, camel_case, snake_case
from airflow_cleanroomsml.validation import (
    InvalidArgumentError,
    has_operation,
    require_members,
    service_model,
)

PACKAGE = Path(kinds.__file__).parent
SENSORS = "airflow_cleanroomsml.sensors.cleanroomsml"
TRIGGERS = "airflow_cleanroomsml.triggers.cleanroomsml"
FACES = ("airflow_cleanroomsml.operators.cleanroomsml", SENSORS)


def statuses_of(kind: kinds.ResourceKind) -> list[str]:
    """Every status the service model gives the kind (from its Get's answer, or its list's summaries)."""
    model = service_model()
    if kind.get:
        return list(model.operation_model(kind.get).output_shape.members["status"].enum)
    summaries = model.operation_model(kind.list).output_shape.members[kind.list_key].member
    return list(summaries.members["status"].enum)


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_every_waiter_of_a_kind_names_every_status_of_its_kind(kind):
    for role, name in kind.waiters.items():
        named = {
            acceptor["expected"]
            for acceptor in waiter_definitions(WAITERS_FILE)[name]["acceptors"]
            if acceptor["matcher"] == "path"
        }
        assert named == set(statuses_of(kind)), (role, name, set(statuses_of(kind)) ^ named)


def test_no_status_is_named_in_the_code_outside_the_waiters_and_the_kinds():
    statuses = {status for kind in KINDS for status in statuses_of(kind)}
    allowed = {"kinds.py", "judging.py"}
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.name in allowed or "testing" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in statuses:
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.value}")
    assert not found, found


def public_classes():
    classes = []
    for face in (*FACES, "airflow_cleanroomsml.triggers.cleanroomsml"):
        module = importlib.import_module(face)
        classes += [
            getattr(module, name) for name in module.__all__ if isinstance(getattr(module, name), type)
        ]
    return [cls for cls in classes if "kind" in vars(cls) or hasattr(cls, "operation")]


def keyword_parameters(cls: type) -> dict[str, inspect.Parameter]:
    return {
        name: parameter
        for name, parameter in inspect.signature(cls.__init__).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }


@pytest.mark.parametrize("cls", public_classes(), ids=lambda cls: cls.__name__)
def test_every_public_class_takes_its_kind_s_identifying_arguments_explicitly(cls):
    from airflow_cleanroomsml.operators.starting import CleanRoomsMLStartOperator

    if issubclass(cls, CleanRoomsMLStartOperator):
        return  # named by its request: the next test
    kind, parameters = cls.kind, keyword_parameters(cls)
    for member, argument in kind.arguments.items():
        assert argument in parameters, f"{cls.__name__} does not take {argument} explicitly"
        optional = member in kind.optional_identity or (
            member == MEMBERSHIP and kind.match_by == kind.arn_member
        )
        has_default = parameters[argument].default is not inspect.Parameter.empty
        assert has_default == optional, (cls.__name__, argument)


@pytest.mark.parametrize(
    "cls",
    [cls for cls in public_classes() if hasattr(cls, "operation") and "operation" in vars(cls)],
    ids=lambda cls: cls.__name__,
)
def test_every_start_operator_takes_its_operation_s_members_and_nothing_else(cls):
    shape = service_model().operation_model(cls.operation).input_shape
    expected = set(shape.members) if has_operation(cls.operation) else set()
    taken = set(cls.request_members)
    assert taken == {camel_case(snake_case(member)) for member in taken}
    assert expected <= taken, f"{cls.__name__} lacks {sorted(expected - taken)}"
    for member in taken - expected:  # newer than this botocore (MWAA's pins): named before any call
        with pytest.raises(InvalidArgumentError, match=f"{snake_case(member)}: the installed botocore"):
            require_members(cls.operation, [member], {member: snake_case(member)})
    assert set(map(snake_case, taken)) <= set(cls.template_fields)
    for name in cls.template_fields_renderers:
        assert str(keyword_parameters(cls)[name].annotation).startswith(("dict", "list"))


@pytest.mark.parametrize("face", FACES)
def test_a_public_module_loads_a_kind_s_classes_only_when_asked(face):
    probe = f"""
import importlib, sys
face = importlib.import_module({face!r})
loaded = sorted(name for name in sys.modules if name.startswith("airflow_cleanroomsml."))
assert not [name for name in loaded if name.rsplit(".", 1)[-1] in ("lookalike", "trained_models")], loaded
for name in face.__all__:
    getattr(face, name)
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert out.stdout.strip().endswith("ok"), out.stderr[-2000:]


@pytest.mark.parametrize("face", FACES)
def test_a_public_module_names_the_same_classes_for_readers_and_for_python(face):
    module = importlib.import_module(face)
    tree = ast.parse(Path(module.__file__).read_text())
    typed = {
        alias.name: node.module.rsplit(".", 1)[-1]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module
        and node.module.startswith(module.__package__ + ".")
        for alias in node.names
    }
    assert typed == module._WHERE
    assert sorted(module.__all__) == sorted(module._WHERE)


@pytest.mark.parametrize(
    ("module", "old", "new"),
    [
        ("airflow_cleanroomsml.kinds", "JobKind", "ResourceKind"),
        ("airflow_cleanroomsml.waiting", "JobWait", "ResourceWait"),
        ("airflow_cleanroomsml.waiting", "JobEvent", "ResourceEvent"),
        ("airflow_cleanroomsml.waiting", "PollSchedule", "ReadSchedule"),
        ("airflow_cleanroomsml.sensors.cleanroomsml", "CleanRoomsMLJobSensor", "CleanRoomsMLResourceSensor"),
        (
            "airflow_cleanroomsml.triggers.cleanroomsml",
            "CleanRoomsMLJobTrigger",
            "CleanRoomsMLResourceTrigger",
        ),
        ("airflow_cleanroomsml.operators.cleanroomsml", "ACTIONS_IF_JOB_EXISTS", "ACTIONS_IF_EXISTS"),
    ],
)
def test_the_old_names_still_work_with_a_deprecation_warning(module, old, new):
    loaded = importlib.import_module(module)
    with pytest.warns(DeprecationWarning, match=new):
        value = getattr(loaded, old)
    assert value is getattr(
        importlib.import_module(value.__module__ if isinstance(value, type) else module), new, value
    )
