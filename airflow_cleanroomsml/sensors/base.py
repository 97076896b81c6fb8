"""
The sensor every kind's sensor is: the same answer for the same situation in every mode.

A wait's reads follow one schedule (:class:`~airflow_cleanroomsml.waiting.PollSchedule`): the first
at once, then one every ``poke_interval`` seconds, the last at or after ``timeout``, whether the
sensor pokes in its worker, is rescheduled between reads, or defers to the triggerer; and every
read is judged by the kind's waiter. How the wait ends is decided once, in :meth:`conclude`, for
every mode:

=====================================  ===========================  =====================
situation                              task (``soft_fail=False``)   ``soft_fail=True``
=====================================  ===========================  =====================
the waiter succeeds                    success                      success
the resource failed (waiter failure)   failed, no retry             skipped
not found after the first 3 reads      failed, retries apply        failed, retries apply
another AWS error (access denied...)   failed, retries apply        failed, retries apply
still pending at ``timeout``           failed (sensor timeout)      skipped
=====================================  ===========================  =====================

``never_fail=True`` skips in every case but success. A failed resource gives ``AirflowFailException``
(a retry would read the same final status); the errors that retries may cure are raised as
botocore's ``ClientError`` (code and message), never as an ``AirflowException``, so Airflow's
own handling of ``soft_fail`` (which differs between poking and resuming from deferral) cannot
turn them into a skip. With ``cancel_on_kill=True`` (off by default: the resource is usually not
the sensor's), a wait that gives up cancels the resource in every mode.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.providers.amazon.aws.sensors.base_aws import AwsBaseSensor
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields

from airflow_cleanroomsml._compat import (
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
    default_deferrable,
    import_string,
    reschedule_count,
)
from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook
from airflow_cleanroomsml.resource_tasks import ResourceTaskMixin
from airflow_cleanroomsml.validation import InvalidArgumentError
from airflow_cleanroomsml.waiting import JobWait, PollSchedule, judge, statuses_judged

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from airflow.sdk import Context

    from airflow_cleanroomsml.waiting import JobEvent, Verdict


def service_error(code: str, message: str, operation: str) -> Exception:
    """An AWS error as botocore raises it: ``ClientError`` with its code and message."""
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


class _StatusesJudged:
    """A class attribute: the statuses the kind's ``complete`` waiter gives one verdict (read lazily)."""

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict

    def __get__(self, instance: object, owner: type[CleanRoomsMLJobSensor]) -> tuple[str, ...]:
        return statuses_judged(owner.kind, owner.kind.waiter("complete"), self.verdict)


class CleanRoomsMLJobSensor(ResourceTaskMixin, AwsBaseSensor[CleanRoomsMLHook]):
    """
    Wait until a Clean Rooms ML resource is ready (its kind's ``complete`` waiter succeeds); fail if it fails.

    A kind's sensor sets :attr:`kind` and :attr:`trigger` (the classpath of its trigger) and passes
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
    trigger: ClassVar[str]
    """Import path of the kind's trigger class (imported only when the sensor defers)."""
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
        super().__init__(**kwargs)
        self.keep_identity(identity)
        self.deferrable = deferrable
        self.cancel_on_kill = cancel_on_kill
        if self.poke_interval <= 0:
            raise InvalidArgumentError(
                f"poke_interval={self.poke_interval!r} is not valid; expected seconds > 0 (every wait "
                "reads at most once per poke_interval)."
            )
        for name in ("exponential_backoff", "silent_fail"):
            if deferrable and getattr(self, name, False):
                raise InvalidArgumentError(
                    f"{name}=True is not valid with deferrable=True; {name} is Airflow's poke loop's, which "
                    "a deferred wait does not run: set deferrable=False to use it."
                )
        if cancel_on_kill and self.kind.cancel is None:
            raise InvalidArgumentError(
                f"cancel_on_kill=True is not valid: {self.kind.title}s cannot be cancelled."
            )
        self._wait: JobWait | None = None
        self._concluded = False

    @property
    def max_polls(self) -> int:
        """Reads the wait makes at most: the first, then one per ``poke_interval`` until ``timeout``."""
        return math.ceil(self.timeout / self.poke_interval) + 1

    def execute(self, context: Context) -> Any:
        self.resolve_reference()
        if not self.deferrable:
            try:
                return super().execute(context)
            except (AirflowSensorTimeout, AirflowSkipException) as error:
                # Airflow's own clock ran out before the wait's last read: conclude it as ours.
                if self._concluded or not str(error).startswith("Sensor has timed out"):
                    raise
                self.conclude(self._wait_for(context).timeout_event())
        event = self._read_once(context)
        if event is not None:
            return self.conclude(event)
        schedule = self._wait_for(context).schedule
        self.defer(
            trigger=self._trigger_class()(
                **self.kind.arguments_of(self.reference or {}),
                waiter_delay=self.poke_interval,
                waiter_max_attempts=schedule.max_polls,
                deadline=schedule.deadline,
                polls_done=1,
                cancel_on_kill=self.cancel_on_kill,
                aws_conn_id=self.aws_conn_id,
                region_name=self.resolved_region,
                verify=self.verify,
                botocore_config=self.botocore_config,
            ),
            method_name="execute_complete",
            # A backstop only: the trigger's own deadline fires first and says what it saw.
            timeout=timedelta(seconds=schedule.deadline - time.time() + self.poke_interval + 60),
        )

    def _trigger_class(self) -> type:
        return import_string(self.trigger)

    def _wait_for(self, context: Context) -> JobWait:
        """
        This wait: in one process (poke, or the read before deferring) its reads so far are kept here;
        a rescheduled sensor counts the reads its earlier pokes made."""
        if self._wait is None:
            reads_done = reschedule_count(context) if self.reschedule else 0
            schedule = PollSchedule.starting_at(
                time.time() - reads_done * self.poke_interval, self.poke_interval, self.max_polls
            )
            self._wait = JobWait(
                self.kind,
                self.kind.waiter("complete"),
                self.reference or self.resolve_reference(),
                schedule,
                reads_done,
            )
        return self._wait

    def _read_once(self, context: Context) -> JobEvent | None:
        from botocore.exceptions import ClientError, HTTPClientError
        from botocore.exceptions import ConnectionError as BotocoreConnectionError

        wait = self._wait_for(context)
        try:
            return wait.record(self.hook.read(self.kind, wait.reference))
        except (ClientError, BotocoreConnectionError, HTTPClientError) as error:
            return wait.record_error(error, self.hook.asked)

    def poke(self, context: Context) -> bool:
        event = self._read_once(context)
        if event is None:
            return False
        self.conclude(event)
        return True

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> None:
        """Finish after the trigger fired: succeed only on a ``success`` event."""
        self.resolve_reference()
        self.conclude(event)

    def conclude(self, event: JobEvent | dict[str, Any] | None) -> None:
        """
        End the wait as its event says, the same way in every mode: return on success, raise otherwise.

        :param event: How the wait ended (from the trigger, or from a read in this worker).
        """
        self._concluded = True
        status = (event or {}).get("status")
        message = str((event or {}).get("message") or f"The wait ended with {event!r}")
        if status == "success":
            self.log.info("%s", message)
            return
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
        if code:
            text = message.removeprefix(f"{code}: ")
            return service_error(code, text, self.kind.get or self.kind.list or "Read")
        if (
            status == "error"
            and judge(self.kind, self.kind.waiter("complete"), {"status": event.get("job_status")})
            == "failure"
        ):
            return AirflowFailException(message)
        return RuntimeError(message)

    def on_kill(self) -> None:
        """Cancel the resource when the task is killed while it reads, if ``cancel_on_kill``."""
        if self.cancel_on_kill and self.reference is not None:
            self.hook.cancel(self.kind, self.reference)
