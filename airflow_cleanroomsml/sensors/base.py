"""
The sensor every kind's sensor is: the same answer for the same situation in every mode.

A wait's reads follow one schedule (:class:`~airflow_cleanroomsml.waiting.ReadSchedule`): the first
at once, then one every ``poke_interval`` seconds, the last at or after ``timeout``, whether the
sensor pokes in its worker, is rescheduled between reads, or defers to the triggerer; and every
read is judged by the kind's waiter. How the wait ends is decided once, in :meth:`conclude`, for
every mode:

=============================================  ===========================  =====================
situation                                      task (``soft_fail=False``)   ``soft_fail=True``
=============================================  ===========================  =====================
the waiter succeeds                            success                      success
the resource failed (waiter failure)           failed, no retry             skipped
not found after the first 3 reads              failed, retries apply        failed, retries apply
another AWS error (access denied...)           failed, retries apply        failed, retries apply
still pending at ``timeout``                   failed (sensor timeout)      skipped
still pending when ``execution_timeout`` ends  failed, retries apply        failed, retries apply
=============================================  ===========================  =====================

``never_fail=True`` skips in every case but success and ``execution_timeout``. A failed resource
gives ``AirflowFailException`` (a retry would read the same final status); the errors that retries
may cure are raised as botocore's ``ClientError`` (code and message), never as an
``AirflowException``, so Airflow's own handling of ``soft_fail`` (which differs between poking and
resuming from deferral) cannot turn them into a skip. With ``cancel_on_kill=True`` (off by
default: the resource is usually not the sensor's), a wait that gives up cancels the resource in
every mode.

The sensor runs its own read loop in the worker (poke and reschedule mode) rather than Airflow's
poke loop, so that every mode follows the same schedule; it refuses what only Airflow's loop knows
(``exponential_backoff``, ``silent_fail``). ``execution_timeout`` bounds the wait in every mode,
deferred too (where Airflow itself does not apply it): no read is made after it, and the task fails
with ``AirflowTaskTimeout``, which retries apply to, as a worker's own timeout does (Airflow then
calls ``on_kill``, which cancels the resource if ``cancel_on_kill``).
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow.providers.amazon.aws.sensors.base_aws import AwsBaseSensor
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields

from airflow_cleanroomsml._compat import (
    AirflowFailException,
    AirflowRescheduleException,
    AirflowSensorTimeout,
    AirflowSkipException,
    AirflowTaskTimeout,
    default_deferrable,
    reschedule_count,
)
from airflow_cleanroomsml._lazy import deprecated_names
from airflow_cleanroomsml.arguments import check_seconds
from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook, sleep_until
from airflow_cleanroomsml.judging import judge, statuses_judged
from airflow_cleanroomsml.resource_tasks import ResourceTaskMixin
from airflow_cleanroomsml.validation import InvalidArgumentError
from airflow_cleanroomsml.waiting import ReadSchedule, ResourceWait, execution_deadline, last_status

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from airflow.sdk import Context

    from airflow_cleanroomsml.judging import Verdict
    from airflow_cleanroomsml.waiting import ResourceEvent


class _StatusesJudged:
    """A class attribute: the statuses the kind's ``complete`` waiter gives one verdict (read lazily)."""

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict

    def __get__(self, instance: object, owner: type[CleanRoomsMLResourceSensor]) -> tuple[str, ...]:
        return statuses_judged(owner.kind, owner.kind.waiter("complete"), self.verdict)


class CleanRoomsMLResourceSensor(ResourceTaskMixin, AwsBaseSensor[CleanRoomsMLHook]):
    """
    Wait until a Clean Rooms ML resource is ready (its kind's ``complete`` waiter succeeds); fail if it fails.

    A kind's sensor sets :attr:`kind` (it defers to the kind's ``complete`` trigger,
    :func:`~airflow_cleanroomsml.triggers.base.trigger_for`) and passes
    the kind's identifying arguments to this constructor. See the module's table for how each
    situation ends, in every mode.

    Reads are due at once and then every ``poke_interval`` seconds; a resource still pending on
    the first read at or after ``timeout`` seconds ends the wait. Deferred, the sensor reads once
    in the worker and finishes there when the resource is already done; otherwise the trigger
    reads on the same schedule. A resource not found is taken to be not visible yet (eventual
    consistency right after it was created) on the wait's first ``NOT_FOUND_READS_TOLERATED`` (3)
    reads, counted across reschedules and the deferral.

    :param deferrable: Wait in the triggerer instead of a worker slot. Not with
        ``exponential_backoff`` or ``silent_fail``, which only Airflow's poke loop knows.
        (default: ``[operators] default_deferrable``, False unless configured)
    :param cancel_on_kill: Cancel the resource when the wait gives up (``timeout``) and when a user
        kills the task (marks it failed, clears it) while it reads; while deferred, only Airflow
        3.3 and later tell the trigger of a kill. Only for kinds that can be cancelled.
        (default: False: a sensor usually waits for a resource it did not start)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
        If this is ``None`` or empty then the default boto3 behaviour is used.
    :param region_name: AWS region_name. If not specified, the region in the resource's ARN.
    :param verify: Whether or not to verify SSL certificates. See:
        https://boto3.amazonaws.com/v1/documentation/api/latest/reference/core/session.html
    :param botocore_config: Configuration dictionary (key-values) for botocore client. See:
        https://botocore.amazonaws.com/v1/documentation/api/latest/reference/config.html
    """

    aws_hook_class = CleanRoomsMLHook
    ui_color = "#66c3ff"

    template_fields: Sequence[str] = aws_template_fields()
    SUCCESS_STATES = _StatusesJudged("success")
    FAILURE_STATES = _StatusesJudged("failure")
    INTERMEDIATE_STATES = _StatusesJudged("retry")

    def __init__(
        self,
        *,
        deferrable: bool = default_deferrable(),
        cancel_on_kill: bool = False,
        **kwargs: Any,
    ) -> None:
        identity = self.pop_identity(kwargs)
        for name in ("poke_interval", "timeout"):  # before Airflow's own checks, which let NaN through
            value = kwargs.get(name)
            if value is not None:
                check_seconds(
                    name,
                    value.total_seconds() if isinstance(value, timedelta) else value,
                    allow_zero=name == "timeout",
                )
        super().__init__(**kwargs)
        self.keep_identity(identity)
        self.deferrable = deferrable
        self.cancel_on_kill = cancel_on_kill
        for name in ("exponential_backoff", "silent_fail"):
            if getattr(self, name, False):
                raise InvalidArgumentError(
                    f"{name}=True is not valid; expected {name}=False: this sensor reads on one fixed "
                    "schedule (at once, then every poke_interval until timeout) so that poke, reschedule and "
                    f"deferrable mode make the same reads and end the same way, and {name} is Airflow's poke "
                    "loop's, which the sensor does not run. Set poke_interval and timeout instead."
                )
        if cancel_on_kill and self.kind.cancel is None:
            raise InvalidArgumentError(
                f"cancel_on_kill=True is not valid: {self.kind.title}s cannot be cancelled."
            )
        self._wait: ResourceWait | None = None
        self.killed_by_trigger = False

    @property
    def max_reads(self) -> int:
        """Reads the wait makes at most: the first, then one per ``poke_interval`` until ``timeout``."""
        return math.ceil(self.timeout / self.poke_interval) + 1

    def execute(self, context: Context) -> Any:
        self.resolve_reference()
        wait = self._wait_for(context)
        if self.deferrable:
            event = self._read(wait)
            if event is None:
                self._defer(wait)
        else:
            event = self._wait_here(wait)
        return self.conclude(event)

    def _wait_here(self, wait: ResourceWait) -> ResourceEvent:
        """Read until the wait ends, in this worker (the hook's loop, as every wait in a worker)."""
        return self.hook.wait_out(wait, self._pause)

    def _pause(self, due: float) -> None:
        """Before a read: sleep until it is due (poke), or free the slot until then (reschedule)."""
        if self.reschedule and due > time.time():
            raise AirflowRescheduleException(datetime.fromtimestamp(due, UTC))
        sleep_until(due)

    def _defer(self, wait: ResourceWait) -> None:
        from airflow_cleanroomsml.triggers.base import trigger_for  # what a DAG file need not import

        schedule = wait.schedule
        self.defer(
            trigger=trigger_for(self.kind, "complete")(
                **self.kind.arguments_of(wait.reference),
                waiter_delay=self.poke_interval,
                waiter_max_attempts=schedule.max_reads,
                deadline=schedule.deadline,
                execution_deadline=schedule.execution_deadline,
                reads_done=wait.reads,
                last_status=wait.status,
                cancel_on_kill=self.cancel_on_kill,
                aws_conn_id=self.aws_conn_id,
                region_name=self.region_name,
                verify=self.verify,
                botocore_config=self.botocore_config,
            ),
            method_name="execute_complete",
            # A backstop only: the trigger's own deadline fires first and says what it saw.
            timeout=timedelta(seconds=schedule.ends_at - time.time() + self.poke_interval + 60),
        )

    def _wait_for(self, context: Context) -> ResourceWait:
        """
        This wait: in one process (poke, or the read before deferring) its reads so far are kept here;
        a rescheduled sensor counts the reads its earlier pokes made, and its wait (and
        ``execution_timeout``) started when the first of them was due.
        """
        if self._wait is None:
            reads_done = reschedule_count(context) if self.reschedule else 0
            started_at = time.time() - reads_done * self.poke_interval
            if self.reschedule:
                timeout = getattr(self, "execution_timeout", None)
                ends = started_at + timeout.total_seconds() if timeout else None
            else:
                ends = execution_deadline(self)
            schedule = ReadSchedule.starting_at(started_at, self.poke_interval, self.max_reads, ends)
            self._wait = ResourceWait(
                self.kind,
                self.kind.waiter("complete"),
                self.reference or self.resolve_reference(),
                schedule,
                reads_done,
            )
        return self._wait

    def _read(self, wait: ResourceWait) -> ResourceEvent | None:
        return wait.record(self.hook.answer(self.kind, wait.reference), self.hook.asked)

    def poke(self, context: Context) -> bool:
        """One read of the wait: True when it succeeded, False to read again; raises as :meth:`conclude`."""
        self.resolve_reference()
        event = self._read(self._wait_for(context))
        if event is None:
            return False
        self.conclude(event)
        return True

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> None:
        """
        Finish after the trigger fired: succeed only on a ``success`` event.

        The resource is the one the event names (the trigger's), not the task's arguments read
        again: on Airflow 2 ``airflow tasks test`` resumes a task with its templates unrendered.
        """
        if event and event.get(self.kind.primary_argument):
            self.keep_reference(self.kind.reference_from(event))
        else:
            self.resolve_reference()
        # On an execution timeout the trigger did what on_kill would have (cancel, if asked).
        self.killed_by_trigger = (event or {}).get("status") == "execution_timeout"
        self.conclude(event)

    def conclude(self, event: ResourceEvent | dict[str, Any] | None) -> None:
        """
        End the wait as its event says, the same way in every mode: return on success, raise otherwise.

        :param event: How the wait ended (from the trigger, or from a read in this worker).
        """
        status = (event or {}).get("status")
        message = str((event or {}).get("message") or f"The wait ended with {event!r}")
        if status == "success":
            self.log.info("%s", message)
            return
        if status == "execution_timeout":
            # As a worker's own timeout ends a task: retries apply, and Airflow calls on_kill.
            raise AirflowTaskTimeout(message)
        if status == "timeout" and self.cancel_on_kill:
            self.log.warning(
                "The wait gave up; cancelling %s %s.", self.kind.name, self.kind.label(self.reference or {})
            )
            self.hook.cancel(self.kind, self.reference or {})
        error = self._error(status, message, event or {})
        if self.never_fail or (
            self.soft_fail and isinstance(error, (AirflowFailException, AirflowSensorTimeout))
        ):
            reason = "never_fail" if self.never_fail else "soft_fail"
            raise AirflowSkipException(f"{message} (skipped: {reason}=True)") from error
        raise error

    def _error(self, status: str | None, message: str, event: Mapping[str, Any]) -> Exception:
        if status == "timeout":
            return AirflowSensorTimeout(message)
        code = event.get("error_code")
        if code:  # as botocore raises it, so that retries apply and no skip hides it
            from botocore.exceptions import ClientError

            error = {"Code": code, "Message": event.get("error_message") or message}
            return ClientError({"Error": error}, self.kind.get or self.kind.list or "Read")  # type: ignore[typeddict-item]
        if (
            status == "error"
            and judge(self.kind, self.kind.waiter("complete"), {"status": last_status(event)}) == "failure"
        ):
            return AirflowFailException(message)
        return RuntimeError(message)

    def on_kill(self) -> None:
        """Cancel the resource when the task is killed while it reads, if ``cancel_on_kill``."""
        if self.cancel_on_kill and self.reference is not None and not self.killed_by_trigger:
            self.hook.cancel(self.kind, self.reference)


if not TYPE_CHECKING:  # mypy sees only the new names
    __getattr__ = deprecated_names(
        __name__, {"CleanRoomsMLJobSensor": "airflow_cleanroomsml.sensors.base.CleanRoomsMLResourceSensor"}
    )
