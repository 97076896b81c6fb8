"""
How every wait for a Clean Rooms ML resource reads, and when it is over.

One policy for the trigger, the sensors and the operators' waits in a worker:

- **One judge.** Each reading (a description, a list summary, or a read's :class:`~airflow_cleanroomsml.
  reading.Failure`) is judged by the kind's waiter (:func:`~airflow_cleanroomsml.judging.judge`).
- **One schedule.** A wait's reads are due at fixed times from its start (:class:`ReadSchedule`):
  read *k* at ``started_at + k * delay``, at most ``max_reads`` of them. Whichever process makes a
  read (a worker, a rescheduled sensor, a triggerer, a triggerer after a restart) counts it
  in the same place of the same schedule, so the budget is counted in real reads, and not-found
  tolerance and timeouts come out the same in every mode.
- **One outcome.** :class:`ResourceWait` turns each read into a final :class:`ResourceEvent` or
  "read again", in one step (:meth:`ResourceWait.record`).
"""

from __future__ import annotations

import logging
import math
import time
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypedDict, cast

from airflow_cleanroomsml._lazy import deprecated_names
from airflow_cleanroomsml.judging import judge
from airflow_cleanroomsml.reading import NOT_FOUND, Failure

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from airflow_cleanroomsml.kinds import ResourceKind
    from airflow_cleanroomsml.reading import Answer

log = logging.getLogger(__name__)

NOT_FOUND_READS_TOLERATED = 3
"""
Reads at the start of a wait that may not find the resource.

Right after a resource is created the service may not find it for a moment (eventual
consistency). A wait's first reads that answer ``ResourceNotFoundException`` are taken to mean
"not visible yet"; a read after these that does not find it fails the wait. The count is of the
wait's reads, whichever process made them, so it is the same in every mode.
"""

EventStatus = Literal["success", "error", "timeout", "execution_timeout"]


class ResourceEvent(TypedDict):
    """
    How a wait ended: what a trigger fires and what a wait in a worker returns.

    Besides these keys, an event names the resource by its kind's identifying arguments, such as
    ``trained_model_inference_job_arn`` and ``membership_identifier``
    (:attr:`~airflow_cleanroomsml.kinds.ResourceKind.arguments`). Events of release 0.2.0 had
    ``job_status`` for ``resource_status`` and no ``error_message``: :func:`last_status` reads both.
    """

    status: EventStatus
    """``success``: the waiter succeeded; ``error``: it failed, or the service refused to answer;
    ``timeout``: the wait's reads or time ran out first; ``execution_timeout``: the task's
    ``execution_timeout`` ran out first (the next read would have come after it)."""
    message: str
    """What happened, naming the resource, its status and ``statusDetails``, or the AWS error."""
    resource_status: str | None
    """The last status read, or None if none could be read."""
    status_details: dict[str, Any] | None
    """The last ``statusDetails`` read."""
    error_code: str | None
    """The AWS error code that ended the wait (``ResourceNotFoundException`` for a resource never
    found, or for one whose deletion the wait succeeded on), or None when the resource's status or
    the wait's bounds did. An event with an error code has no description left to read."""
    error_message: str | None
    """What to say of that error: the service's message, or why a resource not found is given up on."""


def last_status(event: Mapping[str, Any]) -> str | None:
    """The last status a wait read, from an event of this release or of 0.2.0 (``job_status``)."""
    return cast("str | None", event.get("resource_status", event.get("job_status")))


def describe_status(
    kind: ResourceKind, label: str, status: str | None, details: Mapping[str, Any] | None
) -> str:
    """One line saying where a resource stands: what it is, its status and ``statusDetails``."""
    text = f"{kind.title} {label} is {status}"
    details = details or {}
    cause = ", ".join(f"{key}={details[key]!r}" for key in ("statusCode", "message") if details.get(key))
    return f"{text} ({cause})" if cause else text


def execution_deadline(task: Any) -> float | None:
    """
    Unix time the task's ``execution_timeout`` runs out, for a wait that begins now, or None.

    Airflow 3 does not apply ``execution_timeout`` to a task while it is deferred, and Airflow 2
    ends a deferred task at it with a deferral timeout (a sensor timeout, for sensors): a wait
    carries it instead, and ends before it as a worker's timeout would. It is counted from the
    start of the wait, which a task begins as soon as it has made its call (if any): as Airflow
    counts it from the start of ``execute``.

    :param task: The operator or sensor.
    """
    timeout = getattr(task, "execution_timeout", None)
    return time.time() + timeout.total_seconds() if timeout else None


DEADLINE_GRACE_SECONDS = 60.0
"""
Time a wait's deadline allows beyond the reads it plans: for the triggerer to pick a deferred wait
up, and for reads slowed by retries. The reads themselves are counted, so the grace never buys an
extra read; it only keeps a wait's budget from running out before its reads are made.
"""


class ReadSchedule(NamedTuple):
    """
    How many reads a wait makes, how far apart, and the time its budget ends.

    The wait's first read is due at ``started_at``, the next ones ``delay`` seconds apart; at most
    ``max_reads`` are made in all, and none after ``deadline``.

    :param started_at: Unix time the wait's first read is due.
    :param delay: Seconds between reads.
    :param max_reads: The most reads the wait makes.
    :param deadline: Unix time the wait's budget ends, whoever is reading then.
    :param execution_deadline: Unix time the task's ``execution_timeout`` runs out, if it has one:
        no read is made at or after it, in the worker or in the triggerer (where Airflow itself
        does not apply ``execution_timeout``).
    """

    started_at: float
    delay: float
    max_reads: int
    deadline: float
    execution_deadline: float | None = None

    @classmethod
    def starting_at(
        cls, started_at: float, delay: float, max_reads: int, execution_deadline: float | None = None
    ) -> ReadSchedule:
        """A schedule whose first read is due at ``started_at`` (its deadline adds the grace)."""
        deadline = started_at + delay * max_reads + DEADLINE_GRACE_SECONDS
        return cls(started_at, delay, max_reads, deadline, execution_deadline)

    @classmethod
    def starting_now(
        cls, delay: float, max_reads: int, execution_deadline: float | None = None
    ) -> ReadSchedule:
        """A schedule whose first read is due now."""
        return cls.starting_at(time.time(), delay, max_reads, execution_deadline)

    @classmethod
    def from_deadline(
        cls, deadline: float, delay: float, max_reads: int, execution_deadline: float | None = None
    ) -> ReadSchedule:
        """The schedule of a wait whose budget ends at ``deadline`` (what triggers serialize)."""
        return cls(
            min(deadline - DEADLINE_GRACE_SECONDS - delay * max_reads, time.time()),
            delay,
            max_reads,
            deadline,
            execution_deadline,
        )

    @property
    def ends_at(self) -> float:
        """Unix time after which no read is made: the deadline, or the execution deadline if earlier."""
        if self.execution_deadline is None:
            return self.deadline
        return min(self.deadline, self.execution_deadline)

    def due(self, read: int) -> float:
        """Unix time read number ``read`` (from 0) is due, as planned when the wait began."""
        return self.started_at + read * self.delay


class ResourceWait:
    """
    Judge the reads of one wait for one resource, and say when it is over.

    Reads are counted for real: the wait ends after ``max_reads`` of them, however long they took
    to come, or at the deadline. A process's reads keep ``delay`` apart from its first one, which
    is made when the schedule says (the sensor's trigger reads one delay after the sensor's own
    read) or at once if that time has passed; a read due while the last one was still running is
    made at once, those due earlier are skipped (no bursts). Waits that begin together keep
    reading together, so they can share a list call.

    :param kind: The resource's kind.
    :param waiter_name: The waiter that judges each reading (one of ``kind.waiters``).
    :param reference: The resource's reference (its identity members).
    :param schedule: When reads are due, how many, and the deadline.
    :param reads_done: Reads of this wait already made elsewhere (by a worker before it deferred,
        by earlier pokes of a rescheduled sensor). They count against ``max_reads`` and the
        not-found tolerance. A triggerer restart forgets the reads a trigger made, never the
        deadline, which bounds the wait however the reads were counted.
    :param last_status: The status those reads last saw, if any.
    """

    def __init__(
        self,
        kind: ResourceKind,
        waiter_name: str,
        reference: Mapping[str, Any],
        schedule: ReadSchedule,
        reads_done: int = 0,
        last_status: str | None = None,
    ) -> None:
        self.kind = kind
        self.waiter_name = waiter_name
        self.reference = dict(reference)
        self.label = kind.label(reference)
        self.schedule = schedule
        self.reads = reads_done
        self._anchor: float | None = None
        self._slot = 0
        self.status = last_status
        self.details: dict[str, Any] | None = None
        self.ended_by: Literal["timeout", "execution_timeout"] = "timeout"
        """What ended a wait that gave up: its own bounds, or the task's ``execution_timeout``."""

    def next_read_at(self) -> float | None:
        """
        Unix time the next read is due, or None when the wait's reads or time are used up.

        A process's first read for the wait is always made, even past the deadline: a trigger
        resumed after it (the triggerer was down) still says what it finds, which may be success.
        No read is ever made at or after the task's execution deadline (``execution_timeout``).
        """
        now = time.time()
        if self._anchor is None:
            due = max(self.schedule.due(self.reads), now)
            if self._out_of_time(due, first=True):
                return None
            self._anchor = due
            return due
        if self.reads >= self.schedule.max_reads:
            self.ended_by = "timeout"
            return None
        delay = self.schedule.delay
        self._slot = max(self._slot, math.floor((now - self._anchor) / delay) if delay > 0 else 0)
        due = self._anchor + self._slot * delay
        return None if self._out_of_time(max(due, now)) else due

    def _out_of_time(self, when: float, first: bool = False) -> bool:
        """Whether a read at ``when`` would come too late; if so, say which bound ended the wait."""
        execution_deadline = self.schedule.execution_deadline
        if (
            execution_deadline is not None
            and when >= execution_deadline
            and (first or execution_deadline <= self.schedule.deadline)
        ):
            self.ended_by = "execution_timeout"
            return True
        if not first and when >= self.schedule.deadline:
            self.ended_by = "timeout"
            return True
        return False

    def record(self, answer: Answer, asked: Callable[[], str] | None = None) -> ResourceEvent | None:
        """
        Record one read: what it found (a description or a list summary), or its :class:`Failure`.

        :param answer: What the read answered.
        :param asked: Says where the read went (account, region, connection), for a not-found
            message; called only then.
        :return: The final event when the wait is over, None to read again.
        """
        if self._anchor is None:  # read without asking when (a sensor's poke): it starts this process's reads
            self._anchor = time.time()
        self.reads += 1
        self._slot += 1
        if isinstance(answer, Failure):
            return self._failed(answer, asked)
        changed = answer.get("status") != self.status
        # Only what events and messages use: whole descriptions kept by a thousand waits between
        # reads would be long-lived garbage for the collector to walk.
        self.status, self.details = answer.get("status"), answer.get("statusDetails")
        verdict = judge(self.kind, self.waiter_name, answer)
        if verdict == "success":
            return self.event("success", f"{self.kind.title} {self.label} is {self.status}")
        if verdict == "failure":
            return self.event("error", describe_status(self.kind, self.label, self.status, self.details))
        # Transitions at INFO; the same status again at DEBUG: thousands of long waits stay quiet.
        log.log(
            logging.INFO if changed else logging.DEBUG,
            "%s (read %d of %d)",
            describe_status(self.kind, self.label, self.status, self.details),
            self.reads,
            self.schedule.max_reads,
        )
        return self._out_of_reads()

    def _failed(self, failure: Failure, asked: Callable[[], str] | None) -> ResourceEvent | None:
        verdict = judge(self.kind, self.waiter_name, failure.response)  # a waiter may name an error
        if verdict == "success":  # the resource is gone, as the wait wanted: it has no description left
            return self.event("success", f"{self.kind.title} {self.label} is gone ({failure.code})", failure)
        if verdict != "failure" and failure.code == NOT_FOUND:
            if self.reads > NOT_FOUND_READS_TOLERATED:
                message = self.not_found_message(asked() if asked else "")
                return self.event("error", message, failure._replace(message=message))
            log.warning(
                "Read %d: %s %s not found; it may not be visible yet.", self.reads, self.kind.name, self.label
            )
            return self._out_of_reads()
        if verdict != "failure" and failure.transient:
            log.warning(
                "Read %d of %d failed, will read again: %s: %s",
                self.reads,
                self.schedule.max_reads,
                failure.code,
                failure.message,
            )
            return self._out_of_reads()
        return self.event("error", f"{failure.code}: {failure.message}", failure)

    def not_found_message(self, asked: str = "") -> str:
        """The error for a resource still not found after the reads a new one is given to appear."""
        where = f" ({asked})" if asked else ""
        return (
            f"{self.kind.title} {self.label} was not found on read {self.reads} of the wait; "
            f"a new one is given {NOT_FOUND_READS_TOLERATED} reads to appear. Check the ARN, and that the "
            f"account and region asked{where} are the resource's."
        )

    def _out_of_reads(self) -> ResourceEvent | None:
        return self.timeout_event() if self.next_read_at() is None else None

    def timeout_event(self) -> ResourceEvent:
        """
        The event for a wait that ran out of reads or time with the resource still pending.

        Its status is ``execution_timeout`` when the task's ``execution_timeout`` ended it, ``timeout``
        when the wait's own bounds did.
        """
        seen = f"its last status was {self.status}" if self.status else "no status could be read"
        elapsed = max(time.time() - self.schedule.started_at, 0)
        if self.ended_by == "execution_timeout":
            return self.event(
                "execution_timeout",
                f"The task's execution_timeout ran out while waiting for {self.kind.name} {self.label}, "
                f"after {self.reads} reads in {elapsed:.0f}s: {seen}",
            )
        return self.event(
            "timeout",
            f"Gave up waiting for {self.kind.name} {self.label} after {self.reads} reads in {elapsed:.0f}s: "
            f"{seen}",
        )

    def event(self, status: EventStatus, message: str, failure: Failure | None = None) -> ResourceEvent:
        """A final event: outcome, message, the resource, its last status and details, the error if any."""
        event = {
            "status": status,
            "message": message,
            **self.kind.arguments_of(self.reference),
            "resource_status": self.status,
            "status_details": self.details,
            "error_code": failure.code if failure else None,
            "error_message": failure.message if failure else None,
        }
        return cast("ResourceEvent", event)


if not TYPE_CHECKING:  # mypy sees only the new names
    __getattr__ = deprecated_names(
        __name__,
        {
            "JobEvent": "airflow_cleanroomsml.waiting.ResourceEvent",
            "JobWait": "airflow_cleanroomsml.waiting.ResourceWait",
            "PollSchedule": "airflow_cleanroomsml.waiting.ReadSchedule",
            "judge": "airflow_cleanroomsml.judging.judge",
            "statuses_judged": "airflow_cleanroomsml.judging.statuses_judged",
            "waiter_definitions": "airflow_cleanroomsml.judging.waiter_definitions",
            "Verdict": "airflow_cleanroomsml.judging.Verdict",
        },
    )
