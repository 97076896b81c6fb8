"""
Which component made each call to the service: a pass-through HTTP proxy in front of the emulator.

The emulator tells a worker's calls (botocore) from a triggerer's (aiobotocore), but not one worker
or triggerer from another. In the Celery leg every component reaches the service through this
proxy: one endpoint in one connection for all of them, so nothing about the provider's calls
changes. For each connection the proxy finds the process that opened it (the socket's owner, in
``/proc``) and so the component (:meth:`~tests.deployment.cluster.Airflow.component_of`), and it
notes each call: when, which operation, on what, by whom.
"""

from __future__ import annotations

import http.client
import os
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from collections.abc import Callable

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}


@dataclass(frozen=True)
class Call:
    """One call to the service, as it passed through the proxy."""

    at: float
    """Unix time the request arrived."""
    component: str | None
    """The component whose process made it (``worker-a``, ``triggerer-b``), None if not found."""
    operation: str
    """The API operation (``ListTrainedModelInferenceJobs``), or ``METHOD path`` if none matches."""
    path: str
    """The request's path, percent-decoded: it names the membership and the resource."""

    def on(self, *parts: str) -> bool:
        """Whether the call names every one of ``parts`` (a membership id, an ARN) in its path or query."""
        return all(part in self.path for part in parts)


class CallRecorder:
    """
    Forward every request to ``target`` and note who made it; use it as a context manager.

    :param target: The emulator's endpoint URL.
    """

    def __init__(self, target: str) -> None:
        self.target = urlsplit(target)
        self.component_of: Callable[[int], str | None] = lambda pid: None
        """Names the component a process belongs to (set once the deployment exists)."""
        self._calls: list[Call] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._routes = _routes()

    def __enter__(self) -> CallRecorder:
        handler = type("_BoundForwarder", (_Forwarder,), {"recorder": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None, "the recorder is not running"
        return f"http://127.0.0.1:{self._server.server_port}"

    def calls(
        self, *parts: str, operation: str | None = None, by: str | None = None, since: float = 0
    ) -> list[Call]:
        """
        The calls noted so far, oldest first, filtered.

        :param parts: Strings the path must name (a membership id, an ARN).
        :param operation: Only this operation, or those starting with it (``List``, ``Start``).
        :param by: Only this component, or those whose name starts with it (``worker-``).
        :param since: Only calls that arrived at or after this Unix time.
        """
        with self._lock:
            calls = list(self._calls)
        return [
            call
            for call in calls
            if call.at >= since
            and call.on(*parts)
            and (operation is None or call.operation.startswith(operation))
            and (by is None or (call.component or "").startswith(by))
        ]

    def note(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def operation_of(self, method: str, path: str) -> str:
        segments = [part for part in path.split("?")[0].split("/") if part]
        for route_method, template, operation in self._routes:
            if (
                route_method == method
                and len(template) == len(segments)
                and all(
                    part.startswith("{") or part == value
                    for part, value in zip(template, segments, strict=True)
                )
            ):
                return operation
        return f"{method} {path}"

    def owner_of(self, client_port: int) -> str | None:
        """The component whose process holds the client end of a connection to this proxy."""
        assert self._server is not None
        inode = _socket_inode(client_port, self._server.server_port)
        if inode is None:
            return None
        wanted = f"socket:[{inode}]"
        for pid in (int(entry) for entry in os.listdir("/proc") if entry.isdigit()):
            try:
                if any(os.readlink(f"/proc/{pid}/fd/{fd}") == wanted for fd in os.listdir(f"/proc/{pid}/fd")):
                    return self.component_of(pid)
            except OSError:
                continue
        return None


def _socket_inode(local_port: int, remote_port: int) -> str | None:
    """The inode of the TCP socket from ``127.0.0.1:local_port`` to ``remote_port`` (``/proc/net/tcp``)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]  # noqa: SIM115 - a short read
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote = fields[1].rsplit(":", 1)[1], fields[2].rsplit(":", 1)[1]
            if int(local, 16) == local_port and int(remote, 16) == remote_port and fields[9] != "0":
                return fields[9]
    return None


def _routes() -> list[tuple[str, list[str], str]]:
    """Each operation's HTTP method and path template, from botocore's service model."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("cleanroomsml")
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        template = [part for part in http["requestUri"].split("?")[0].split("/") if part]
        routes.append((http["method"], template, name))
    return routes


class _Forwarder(BaseHTTPRequestHandler):
    recorder: CallRecorder
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.component = self.recorder.owner_of(self.client_address[1])
        target = self.recorder.target
        self.upstream = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=60)

    def finish(self) -> None:
        super().finish()
        self.upstream.close()

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = unquote(self.path)
        self.recorder.note(
            Call(time.time(), self.component, self.recorder.operation_of(self.command, self.path), path)
        )
        headers = {key: value for key, value in self.headers.items() if key.lower() not in _HOP_BY_HOP}
        self.upstream.request(self.command, self.path, body=body, headers=headers)
        response = self.upstream.getresponse()
        data = response.read()
        self.send_response(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in _HOP_BY_HOP:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _forward
