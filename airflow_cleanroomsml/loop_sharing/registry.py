"""
Objects shared by the triggers running on one event loop, counted by their users.

A triggerer runs all its triggers on one asyncio loop. What they can share (a client, a status
sweep) is opened by the first user, handed to the others while they overlap, and closed when the
last one is done. Nothing is shared across loops (an aiohttp session belongs to the loop that
made it): the registry is keyed by the running loop and forgets a loop when it is collected.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Hashable

T = TypeVar("T")


@dataclass
class _Entry(Generic[T]):
    ready: asyncio.Future[T]
    users: int = 0


_registry: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Hashable, _Entry[Any]]] = (
    weakref.WeakKeyDictionary()
)


def shared_on_loop(loop: asyncio.AbstractEventLoop) -> dict[Hashable, _Entry[Any]]:
    """What is shared on ``loop`` right now, by key (for tests and diagnostics)."""
    return _registry.get(loop, {})


@contextlib.asynccontextmanager
async def loop_shared(
    key: Hashable,
    open_shared: Callable[[], Awaitable[T]],
    close_shared: Callable[[T], Awaitable[None]] | None = None,
) -> AsyncIterator[T]:
    """
    Use the running loop's object for ``key``, opening it if nobody is using one.

    Users that arrive while it is being opened wait for it; if opening fails, they all get the
    error and the next user tries again.

    :param key: What makes two users' objects interchangeable.
    :param open_shared: Opens the object (called once per run of overlapping users).
    :param close_shared: Closes it when its last user is done.
    """
    loop = asyncio.get_running_loop()
    entries = _registry.setdefault(loop, {})
    entry = entries.get(key)
    if entry is None:
        entry = entries[key] = _Entry(ready=loop.create_future())
        entry.users += 1
        try:
            entry.ready.set_result(await open_shared())
        except BaseException as error:
            entries.pop(key, None)
            entry.ready.set_exception(error)
            entry.ready.exception()  # retrieved: the other users see it through the future
            raise
    else:
        entry.users += 1
    try:
        yield await asyncio.shield(entry.ready)
    finally:
        entry.users -= 1
        if entry.users == 0 and entries.get(key) is entry:
            del entries[key]
            if close_shared is not None and entry.ready.done() and not entry.ready.exception():
                await close_shared(entry.ready.result())
