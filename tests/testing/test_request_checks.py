"""
Every constraint the service model puts on a request is enforced, for every operation the emulator serves.

The cases are generated from botocore's service model, not listed: for each operation, a request
valid at every depth (optional members included), then, for each member, a request that breaks
one of its constraints (left out when required, another JSON type, too short, too long, outside
its pattern, range or enum, too many or too few items, a union with no member set). Each must be
answered as the service answers it: HTTP 400, ``x-amzn-ErrorType: ValidationException`` and a
message naming the member's path and the constraint.
"""

from __future__ import annotations

import copy
import json
import urllib.error
import urllib.request
from urllib.parse import quote, urlencode

import pytest

from airflow_cleanroomsml.testing import CleanRoomsMLEmulator
from airflow_cleanroomsml.testing.service_model import operation
from tests.testing.model_values import CONSTRAINTS, constraint_wording, valid, violations

SERVED = CleanRoomsMLEmulator().operations


@pytest.fixture(scope="module")
def emulator():
    with CleanRoomsMLEmulator(step_seconds=0.05) as running:
        yield running
        assert not running.internal_errors


def send(emulator, name, request):
    """One call as rest-json puts it on the wire: labels in the path, query parameters, a JSON body."""
    model = operation(name)
    members = model.input_shape.members
    path, query, body = model.http["requestUri"].split("?")[0], [], {}
    for member, value in request.items():
        location = members[member].serialization.get("location")
        if location == "uri":
            path = path.replace("{" + member + "}", quote(str(value), safe=""))
        elif location == "querystring":
            query.extend((member, item) for item in (value if isinstance(value, list) else [value]))
        else:
            body[member] = value
    for member in members:  # a label left out: an empty path segment
        path = path.replace("{" + member + "}", "")
    url = emulator.endpoint_url + path + (f"?{urlencode(query)}" if query else "")
    data = json.dumps(body).encode() if body or model.http["method"] in ("POST", "PUT", "PATCH") else None
    call = urllib.request.Request(url, data=data, method=model.http["method"])
    call.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(call, timeout=10) as response:
            return (
                response.status,
                response.headers.get("x-amzn-ErrorType"),
                json.loads(response.read() or b"{}"),
            )
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("x-amzn-ErrorType"), json.loads(error.read() or b"{}")


def cases(name):
    """(constraint kind, wire path, request, words the message must have), for every member at any depth."""
    shape = operation(name).input_shape
    baseline = valid(shape)
    found = []

    def walk(shape, value, keys, wire, holder_shape):
        text_on_wire = (
            bool(keys) and len(keys) == 1 and shape.serialization.get("location") in ("uri", "querystring")
        )
        if keys and keys[-1] in getattr(holder_shape, "required_members", ()):
            found.append(("required", wire, keys, None, "must not be null"))
        for kind, bad in violations(shape, value, text_on_wire):
            if text_on_wire and kind == "type":
                wording = "must be an integer"
            else:
                wording = constraint_wording(kind, shape, bad)
            found.append((kind, wire, keys, bad, wording))
        if shape.type_name == "structure" and isinstance(value, dict):
            for member, item in value.items():
                walk(
                    shape.members[member],
                    item,
                    (*keys, member),
                    f"{wire}.{member}" if wire else member,
                    shape,
                )
        elif shape.type_name == "list":
            walk(shape.member, value[0], (*keys, 0), f"{wire}.1", shape)
        elif shape.type_name == "map":
            key, item = next(iter(value.items()))
            walk(shape.value, item, (*keys, key), f"{wire}.{key}", shape)

    walk(shape, baseline, (), "", None)
    for kind, wire, keys, bad, wording in found:
        request = copy.deepcopy(baseline)
        holder = request
        for key in keys[:-1]:
            holder = holder[key]
        if kind == "required":
            del holder[keys[-1]]
        elif keys:
            holder[keys[-1]] = bad
        else:
            continue
        yield kind, wire, request, wording
    yield "baseline", "", baseline, ""


@pytest.mark.parametrize("name", SERVED)
def test_every_constraint_of_every_member_is_enforced(emulator, name):
    failures = []
    for kind, wire, request, wording in cases(name):
        status, error, body = send(emulator, name, request)
        message = body.get("message", "")
        if kind == "baseline":
            if status == 400 and "validation error" in message:
                failures.append(f"a valid request was refused: {message}")
            continue
        refused = status == 400 and error == "ValidationException"
        if not refused or f"at '{wire}'" not in message or wording not in message:
            failures.append(f"{kind} of {wire}: answered {status} {error} {message!r}; expected ...{wording}")
    assert not failures, f"{name}:\n" + "\n".join(failures)


def test_the_walk_tries_every_kind_of_constraint():
    """Every case the walk generates is asserted above; together they try every kind of constraint."""
    tried = {kind for name in SERVED for kind, *_ in cases(name)}
    assert tried == {*CONSTRAINTS, "baseline"}
