"""
The one judge: what a kind's waiters (``waiters/cleanroomsml.json``) say of a reading of a resource.

:func:`judge` applies the acceptors of one waiter, through botocore's own
:class:`~botocore.waiter.WaiterModel`, to a reading: a description, a list summary, or an error
response (a waiter may say that a resource gone is deleted). The waiter file alone says which
statuses succeed, fail or wait on, and answers the questions the code asks about one status (can it
still be cancelled? is it deleted already?) through waiters with those roles
(:data:`~airflow_cleanroomsml.kinds.ROLES`); no status is named in the code.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any, Literal, cast

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from botocore.waiter import AcceptorConfig

    from airflow_cleanroomsml.kinds import ResourceKind

Verdict = Literal["success", "failure", "retry"]


@functools.cache
def waiter_definitions(waiters_file: Path) -> dict[str, dict[str, Any]]:
    """The waiters a botocore-format waiter file declares, by name (read once per process)."""
    return dict(json.loads(waiters_file.read_text())["waiters"])


@functools.cache
def _acceptors(waiters_file: Path, waiter_name: str) -> list[AcceptorConfig]:
    from botocore.waiter import WaiterModel

    model = WaiterModel({"version": 2, "waiters": waiter_definitions(waiters_file)})
    return model.get_waiter(waiter_name).acceptors


def judge(kind: ResourceKind, waiter_name: str, reading: Mapping[str, Any]) -> Verdict:
    """
    What a waiter decides for one reading of a resource: ``success``, ``failure`` or ``retry``.

    The reading may be a description, a list summary (the waiters look only at ``status``), or an
    error response (``{"Error": {"Code": ...}}``). As in botocore's waiter, a reading no acceptor
    matches means wait on.

    :param kind: The resource's kind (where its waiters are declared).
    :param waiter_name: One of ``kind.waiters``.
    :param reading: What a read returned.
    """
    for acceptor in _acceptors(kind.waiters_file, waiter_name):
        if acceptor.matcher_func(reading):
            return cast("Verdict", acceptor.state)
    return "retry"


def statuses_judged(kind: ResourceKind, waiter_name: str, verdict: Verdict) -> tuple[str, ...]:
    """The statuses a waiter names with ``verdict``, in the order of its acceptors."""
    return tuple(
        str(acceptor.expected)
        for acceptor in _acceptors(kind.waiters_file, waiter_name)
        if acceptor.state == verdict and acceptor.matcher == "path" and acceptor.argument == "status"
    )


def holds(kind: ResourceKind, role: str, reading: Mapping[str, Any]) -> bool:
    """Whether the kind's waiter for a question (``cancellable``, ``usable``...) says yes of a reading."""
    return judge(kind, kind.waiter(role), reading) == "success"
