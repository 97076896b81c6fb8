"""
What the emulator holds: resources, the statuses each goes through, and everything counted.

A resource follows a *script*, a list of statuses it stays in the last of: one status per
``step_seconds`` on the clock, or (``step_seconds=None``) one per read, so a test does not depend
on time. Creating, cancelling and deleting start a kind's scripts
(:class:`~airflow_cleanroomsml.testing.kinds.EmulatedKind`); a test can register a resource with
any script, or script the next one created.
"""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_cleanroomsml.testing.kinds import GONE

if TYPE_CHECKING:
    from collections.abc import Iterable

    from airflow_cleanroomsml.testing.faults import Faults
    from airflow_cleanroomsml.testing.kinds import EmulatedKind


@dataclass
class Step:
    """One status of a script, with the ``statusDetails`` shown with it."""

    status: str
    details: dict[str, str] | None = None


def script(statuses: Iterable[str], details: dict[str, str] | None = None) -> list[Step]:
    """A script of ``statuses``; ``details`` are shown with the last one."""
    steps = [Step(status) for status in statuses]
    if not steps:
        raise ValueError("A script needs at least one status.")
    steps[-1].details = details
    return steps


@dataclass
class Resource:
    """
    One resource the emulator holds: its members, where it lives, and its script.

    Its :attr:`serial` orders resources by creation (newest last) and names it inside the emulator.
    """

    emulated: EmulatedKind
    key: str
    fields: dict[str, Any]
    region: str
    created: float
    script: list[Step]
    step_seconds: float | None
    hidden_reads: int
    serial: int
    script_started: float = 0.0
    reads: int = 0
    updated: float = 0.0
    shown_step: int = -1
    history: list[tuple[float, str]] = field(default_factory=list)

    def current(self, now: float) -> Step:
        """The step it shows at ``now`` (recording it in its history the first time)."""
        if self.step_seconds is None:
            index = max(self.reads - 1, 0)
        else:
            elapsed = now - self.script_started
            index = int(elapsed / self.step_seconds) if self.step_seconds > 0 else len(self.script)
        index = min(index, len(self.script) - 1)
        if index != self.shown_step:
            self.shown_step = index
            self.updated = now
            self.history.append((now, self.script[index].status))
        return self.script[index]

    def status(self, now: float) -> str:
        """The status it shows at ``now``."""
        return self.current(now).status

    def restart_script(self, steps: list[Step], now: float) -> None:
        """Go through ``steps`` from now on (a cancel or a delete)."""
        self.script, self.script_started, self.reads, self.shown_step = steps, now, 0, -1
        if self.step_seconds is None:
            self.reads = 1  # the next read shows the new script's second step
        self.current(now)

    def gone(self, now: float) -> bool:
        """Whether it has been deleted and is no longer found."""
        return self.current(now).status == GONE


@dataclass
class State:
    """Everything the emulator holds and counts; guarded by :attr:`lock`."""

    region: str
    account_id: str
    step_seconds: float
    faults: Faults
    credential_lifetime: float = 3600.0
    reads_to_active: int | None = None
    kinds: tuple[EmulatedKind, ...] = ()
    resources: dict[int, Resource] = field(default_factory=dict)
    serial: int = 0
    calls: Counter[str] = field(default_factory=Counter)
    calls_by_client: Counter[tuple[str, str]] = field(default_factory=Counter)
    total_calls: int = 0
    issued_keys: dict[str, float] = field(default_factory=dict)
    scripted_errors: dict[str, list[str | None]] = field(default_factory=dict)
    next_scripts: dict[str, list[list[Step]]] = field(default_factory=dict)
    internal_errors: list[str] = field(default_factory=list)
    token_key: bytes = field(default_factory=lambda: secrets.token_bytes(16))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, operation: str, client: str) -> int:
        """Count a call; return its number among all calls (for faults on every Nth)."""
        self.calls[operation] += 1
        self.calls_by_client[operation, client] += 1
        self.total_calls += 1
        return self.total_calls

    def scripted_error(self, operation: str) -> str | None:
        """The error code this call of ``operation`` is to answer with (``fail_next``), if any."""
        scripted = self.scripted_errors.get(operation)
        return scripted.pop(0) if scripted else None

    def newest(self, found: Iterable[Resource]) -> Resource | None:
        """The most recently created of ``found``."""
        return max(found, key=lambda resource: resource.serial, default=None)
