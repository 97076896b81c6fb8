"""
One aiobotocore client per connection and event loop, shared by the triggers that wait with it.

A triggerer holds many waits at once. Built the straightforward way, each trigger creates its own
session, resolves credentials and creates its own client: ~20 ms of CPU and ~0.3 MiB each, and
the first one loads botocore's models on the event loop, stalling every other trigger (upstream
#53359). Here the triggers that share a connection, region, ``verify`` and botocore config on one
event loop share one client, created once (the blocking part in a worker thread), counted by its
users and closed when the last one is done.

Clients are never shared across event loops (see :mod:`~airflow_cleanroomsml.loop_sharing.registry`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import TYPE_CHECKING, Any

from airflow_cleanroomsml.loop_sharing.registry import loop_shared

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook


def client_key(
    aws_conn_id: str | None, region_name: str | None, verify: bool | str | None, botocore_config: dict | None
) -> str:
    """What makes two triggers' clients interchangeable: the hook's parameters."""
    return json.dumps([aws_conn_id, region_name, verify, botocore_config], sort_keys=True, default=str)


def _warm_up(hook: CleanRoomsMLHook) -> Any:
    """The blocking part, for a worker thread: connection, credentials, and botocore's data files."""
    from airflow.providers.amazon.aws.hooks import base_aws
    from botocore.exceptions import DataNotFoundError

    loader = getattr(base_aws, "_loader", None)  # the loader the Amazon hook shares between sessions
    if loader is not None:
        for kind, name in (
            ("service-2", "cleanroomsml"),
            ("endpoint-rule-set-1", "cleanroomsml"),
            ("data", "endpoints"),
            ("data", "partitions"),
            ("data", "sdk-default-configuration"),
        ):
            # Older botocore may lack a file; the client then does without it, as it would anyway.
            with contextlib.suppress(DataNotFoundError):
                loader.load_data(name) if kind == "data" else loader.load_service_model(name, kind)
    # The Amazon hook's own client factory (what ``get_async_conn`` runs), called here, off the loop.
    return hook._get_async_conn()


@contextlib.asynccontextmanager
async def shared_client(make_hook: Callable[[], CleanRoomsMLHook], key: str) -> AsyncIterator[Any]:
    """
    Use the running loop's client for ``key``, creating it on first use.

    :param make_hook: Makes the hook that builds the client, if none exists yet for ``key`` (only
        then: a thousand waits sharing a client need not make a thousand hooks).
    :param key: From :func:`client_key`, for the hook's parameters.
    """

    async def open_client() -> tuple[Any, Any]:
        creator = await asyncio.to_thread(_warm_up, make_hook())
        return creator, await creator.__aenter__()

    async def close_client(opened: tuple[Any, Any]) -> None:
        await opened[0].__aexit__(None, None, None)

    async with loop_shared(("client", key), open_client, close_client) as (_, client):
        yield client
