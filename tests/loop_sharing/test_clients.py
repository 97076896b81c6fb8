from __future__ import annotations

import asyncio

import pytest

from airflow_cleanroomsml.loop_sharing.clients import client_key, shared_client
from airflow_cleanroomsml.loop_sharing.registry import shared_on_loop


class FakeClientFactory:
    """Stands in for the aiobotocore client context: counts creations, entries and exits."""

    def __init__(self, fail: bool = False) -> None:
        self.created = self.entered = self.exited = 0
        self.fail = fail

    def __call__(self):
        self.created += 1
        if self.fail:
            raise RuntimeError("no credentials")
        factory = self

        class Context:
            async def __aenter__(self):
                factory.entered += 1
                await asyncio.sleep(0.01)  # the other users arrive while the client is being made
                return object()

            async def __aexit__(self, *exc_info):
                factory.exited += 1

        return Context()


class FakeHook:
    def __init__(self, factory: FakeClientFactory) -> None:
        self._get_async_conn = factory


async def use(hook, key, hold: float = 0.02):
    async with shared_client(lambda: hook, key) as client:
        await asyncio.sleep(hold)
        return client


def test_users_on_one_loop_share_one_client_closed_after_the_last():
    factory = FakeClientFactory()

    async def main():
        clients = await asyncio.gather(*(use(FakeHook(factory), "k") for _ in range(50)))
        return clients, dict(shared_on_loop(asyncio.get_running_loop()))

    clients, left = asyncio.run(main())
    assert len({id(client) for client in clients}) == 1
    assert (factory.created, factory.entered, factory.exited) == (1, 1, 1)
    assert left == {}, "closed and forgotten once its last user is done"


def test_different_connections_and_different_loops_get_their_own_clients():
    factory = FakeClientFactory()

    async def main():
        return await asyncio.gather(use(FakeHook(factory), "a"), use(FakeHook(factory), "b"))

    first = asyncio.run(main())
    second = asyncio.run(main())
    assert len({id(client) for client in (*first, *second)}) == 4
    assert factory.created == factory.exited == 4


def test_a_failed_creation_reaches_every_waiter_and_is_retried_next_time():
    failing = FakeClientFactory(fail=True)

    async def main():
        return await asyncio.gather(*(use(FakeHook(failing), "k") for _ in range(3)), return_exceptions=True)

    errors = asyncio.run(main())
    assert all(isinstance(error, RuntimeError) for error in errors)
    working = FakeClientFactory()
    asyncio.run(use(FakeHook(working), "k"))
    assert working.created == 1


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (("aws_default", "us-east-1", None, None), ("aws_default", "us-east-1", None, None), True),
        (
            ("aws_default", "us-east-1", None, {"retries": {"mode": "standard"}}),
            ("aws_default", "us-east-1", None, None),
            False,
        ),
        (("aws_default", "us-east-1", None, None), ("aws_default", "eu-west-1", None, None), False),
        (("aws_default", None, False, None), ("other", None, False, None), False),
    ],
)
def test_client_key_tells_interchangeable_clients_apart(a, b, same):
    assert (client_key(*a) == client_key(*b)) is same
