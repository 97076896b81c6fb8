"""
The emulator's HTTP server: routes from the service model, and every answer as the service gives it.

Each request is counted, matched to an operation by the ``http`` trait of botocore's service model
(method and path template), given the faults in force, checked
(:mod:`~airflow_cleanroomsml.testing.checks`) and handed to its role's handler
(:mod:`~airflow_cleanroomsml.testing.calls`). Every outcome is an HTTP answer with the service's
status, ``x-amzn-ErrorType`` and message: a handler's unexpected exception is answered
``InternalServiceException`` (HTTP 500) and recorded in ``internal_errors``; only an injected
reset or stall (:class:`~airflow_cleanroomsml.testing.faults.Faults`) breaks a connection.

Two paths are the emulator's own, for tests and tools that run it as a process: ``GET
/_emulator/calls`` (calls by operation, a JSON object) and ``GET /_emulator/resources`` (each
resource's kind, ARN or name, region and status).
"""

from __future__ import annotations

import json
import re
import socket
import struct
import sys
import time
import traceback
import uuid
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from airflow_cleanroomsml.testing import sts
from airflow_cleanroomsml.testing.calls import HANDLERS
from airflow_cleanroomsml.testing.checks import check_request
from airflow_cleanroomsml.testing.errors import UNKNOWN_OPERATION, ServiceError, validation_error
from airflow_cleanroomsml.testing.service_model import Route, operation, route_of

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from airflow_cleanroomsml.testing.kinds import EmulatedKind
    from airflow_cleanroomsml.testing.lifecycle import State

_SIGNED_REGION = re.compile(r"Credential=[^/]+/[^/]+/([^/]+)/")


class Router:
    """Finds the operation a request is for, and its path labels, among the operations served."""

    def __init__(self, operations: Iterable[str]) -> None:
        self._routes: dict[tuple[str, int], list[Route]] = defaultdict(list)
        for name in operations:
            route = route_of(name)
            self._routes[route.method, len(route.segments)].append(route)
        for routes in self._routes.values():  # literal segments win over labels, as in the service
            routes.sort(key=lambda route: sum(part.startswith("{") for part in route.segments))

    def match(self, method: str, segments: list[str]) -> tuple[str, dict[str, str]] | None:
        """The operation and its labels, or None when no operation is served there."""
        for route in self._routes.get((method, len(segments)), ()):
            labels: dict[str, str] = {}
            for part, value in zip(route.segments, segments, strict=True):
                if part.startswith("{"):
                    if value:  # an empty label is a member left out
                        labels[part.strip("{}+")] = value
                elif part != value:
                    break
            else:
                return route.operation, labels
        return None


def query_members(name: str, query: Mapping[str, list[str]]) -> dict[str, Any]:
    """The query string as the operation's members, typed by their shapes."""
    result: dict[str, Any] = {}
    for member, shape in operation(name).input_shape.members.items():
        if shape.serialization.get("location") != "querystring":
            continue
        values = query.get(shape.serialization.get("name", member))
        if values is None:
            continue
        if shape.type_name == "list":
            result[member] = values
        elif shape.type_name in ("integer", "long"):
            try:
                result[member] = int(values[-1])
            except ValueError:
                raise validation_error(
                    f"1 validation error detected: Value '{values[-1][:200]}' at '{member}' failed to "
                    "satisfy constraint: Member must be an integer"
                ) from None
        else:
            result[member] = values[-1]
    return result


class QuietServer(ThreadingHTTPServer):
    """A threading HTTP server that does not print the tracebacks of connections broken on purpose."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Injected resets and stalls break connections on purpose: don't print their tracebacks."""


class Handler(BaseHTTPRequestHandler):
    """Answers one connection's requests; subclassed per emulator with its state, router and operations."""

    state: State
    router: Router
    served: dict[str, tuple[str, EmulatedKind]]
    protocol_version = "HTTP/1.1"
    server_version = "CleanRoomsMLEmulator"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every call on keep-alive connections.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read their own logs
        return

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        try:
            try:
                self._answer(method)
            except ServiceError as error:
                self._send(error.http_status, {"message": error.message}, error=error.code)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            self.close_connection = (
                True  # the client has gone (a stalled call it gave up on): no one to answer
            )
        except Exception:
            # A bug of the emulator: answer as the service answers its own failures, and say so.
            report = traceback.format_exc()
            with self.state.lock:
                self.state.internal_errors.append(report)
            print(f"Clean Rooms ML emulator: internal error answering {method} {self.path}\n{report}",
                  file=sys.stderr, flush=True)  # fmt: skip
            self._send(
                500, {"message": "Internal service error (an emulator bug)"}, "InternalServiceException"
            )

    def _answer(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        segments = [unquote(part) for part in url.path.removeprefix("/").split("/")]
        if method == "GET" and segments[0] == "_emulator":
            self._send(200, self._own(segments[1:]))
            return
        action = sts.sts_action(raw_body) if method == "POST" and segments == [""] else None
        if action:
            self._send_xml(sts.answer(self.state, action))
            return
        matched = self.router.match(method, segments)
        if matched is None:
            raise ServiceError(UNKNOWN_OPERATION, f"No operation is served at {method} {url.path}")
        self._call(*matched, url.query, raw_body)

    def _call(self, name: str, labels: dict[str, str], query: str, raw_body: bytes) -> None:
        state = self.state
        agent = self.headers.get("User-Agent", "")
        client = "aiobotocore" if "aiobotocore" in agent else "botocore" if "Botocore" in agent else "other"
        with state.lock:
            call = state.count(name, client)
            scripted, faults = state.scripted_error(name), state.faults
        if faults.resets(call):
            # SO_LINGER 0 makes close() send a TCP RST: the client sees "connection reset by peer".
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if faults.stalls(call):
            time.sleep(faults.stall_seconds)
        if faults.latency:
            time.sleep(faults.latency)
        if scripted:
            raise ServiceError(scripted, f"Injected {scripted} for {name}.")
        fault = faults.error_for(call)
        if fault:
            raise fault
        authorization = self.headers.get("Authorization", "")
        sts.check_credentials(state, authorization)
        try:
            body = json.loads(raw_body) if raw_body else {}
        except ValueError:
            raise validation_error("The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise validation_error("The request body must be a JSON object.")
        request = {**body, **query_members(name, parse_qs(query, keep_blank_values=True)), **labels}
        check_request(name, request)
        signed = _SIGNED_REGION.search(authorization)
        region = signed[1] if signed else state.region
        role, emulated = self.served[name]
        with state.lock:
            result = HANDLERS[role](state, emulated, name, request, region)
        self._send(200, result)

    def _own(self, path: list[str]) -> Any:
        """The emulator's own paths, for tests and tools that run it as a process."""
        state, now = self.state, time.time()
        with state.lock:
            if path == ["calls"]:
                return dict(state.calls)
            if path == ["resources"]:
                return [
                    {
                        "kind": resource.emulated.name,
                        "key": resource.key,
                        "region": resource.region,
                        "status": resource.status(now),
                    }
                    for resource in state.resources.values()
                ]
        raise ServiceError(UNKNOWN_OPERATION, f"No emulator path /_emulator/{'/'.join(path)}")

    def _send_xml(self, body: str) -> None:
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send(self, status: int, payload: Any, error: str | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if error:
            self.send_header("x-amzn-ErrorType", error)
        self.end_headers()
        self.wfile.write(data)
