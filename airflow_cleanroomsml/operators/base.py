"""
The operators every kind's operators are (but starting one): describe, wait for, cancel or delete one.

- :class:`CleanRoomsMLDescribeOperator` reads one resource and returns its JSON-safe description.
- :class:`CleanRoomsMLWaitingOperator` waits for a resource, in the worker or deferred, with the
  same schedule, judge and events as the sensors and triggers; when the wait gives up it can
  cancel the resource; the final description goes to XCom under the kind's ``xcom_key``.
- :class:`CleanRoomsMLWaitOperator` waits for an existing one, as an operator.
- :class:`CleanRoomsMLCancelOperator` and :class:`CleanRoomsMLDeleteOperator` cancel or delete one,
  and can wait until that is done.

Starting one (and reattaching, and masking what its request carries) is
:mod:`~airflow_cleanroomsml.operators.starting`'s.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from airflow.providers.amazon.aws.operators.base_aws import AwsBaseOperator

from airflow_cleanroomsml._compat import AirflowException, AirflowTaskTimeout, default_deferrable
from airflow_cleanroomsml._lazy import deprecated_names
from airflow_cleanroomsml.arguments import check_wait, key_collection
from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook
from airflow_cleanroomsml.json_safe import xcom_description
from airflow_cleanroomsml.judging import judge
from airflow_cleanroomsml.kinds import MEMBERSHIP, snake_case
from airflow_cleanroomsml.links.cleanroomsml import CleanRoomsMLConsoleLink, CleanRoomsMLMembershipLink
from airflow_cleanroomsml.reading import Failure
from airflow_cleanroomsml.resource_tasks import ResourceTaskMixin, settle_region
from airflow_cleanroomsml.waiting import ReadSchedule, execution_deadline, last_status

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from airflow.sdk import Context

    from airflow_cleanroomsml.kinds import ResourceKind
    from airflow_cleanroomsml.waiting import ResourceEvent


def xcom_exclusions(kind: ResourceKind, exclude_from_xcom: Any) -> tuple[str, ...] | str:
    """The description fields a task leaves out of XCom: those given, or the kind's secret members."""
    if exclude_from_xcom is None:
        return kind.secret_members
    return key_collection("exclude_from_xcom", exclude_from_xcom)


def raise_for_event(event: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """Return a ``success`` event; raise for anything else, so an error event can never end in success."""
    if not event:
        raise AirflowException("The trigger ended without an event; the resource's outcome is unknown.")
    if event.get("status") == "success":
        return event
    raise AirflowException(event.get("message") or f"The wait reported {dict(event)!r}")


def console_links(kind: ResourceKind) -> tuple[Any, ...]:
    """The extra link a task about this kind gets: its membership's page, or the console's."""
    in_membership = kind.in_membership or MEMBERSHIP in kind.identity
    return (CleanRoomsMLMembershipLink(),) if in_membership else (CleanRoomsMLConsoleLink(),)


def persist_console_link(
    context: Context, operator: Any, kind: ResourceKind, reference: Mapping[str, Any]
) -> None:
    """Give the task its link: the resource's membership in the Clean Rooms console, or the console."""
    located = kind.locate(reference)
    membership = reference.get(MEMBERSHIP) or located.membership_id
    if membership is None:
        CleanRoomsMLConsoleLink.persist(
            context=context, operator=operator, region_name=located.region, aws_partition=located.partition
        )
        return
    CleanRoomsMLMembershipLink.persist(
        context=context,
        operator=operator,
        region_name=located.region,
        aws_partition=located.partition,
        membership_id=membership,
    )


class CleanRoomsMLDescribeOperator(ResourceTaskMixin, AwsBaseOperator[CleanRoomsMLHook]):
    """
    Describe one Clean Rooms ML resource and return the description as XCom ``return_value``.

    The value is JSON-safe: timestamps are ISO-8601 strings with a timezone, and botocore's
    ``ResponseMetadata`` is left out, so downstream tasks can read ``ti.xcom_pull(task_ids=...)["status"]``
    or template on it. The task log gets one line (name, status, resource); the kind's secret
    members (an ``environment``) are never logged, and are left out of XCom by default.

    :param exclude_from_xcom: Top-level fields of the description to leave out of the XCom value.
        (default: the kind's secret members, such as ``("environment",)``; pass ``()`` to keep them)
    :param aws_conn_id: The Airflow connection used for AWS credentials.
    :param region_name: AWS region_name (default: the region in the resource's ARN).
    :param verify: Whether or not to verify SSL certificates.
    :param botocore_config: Configuration dictionary (key-values) for botocore client.
    """

    aws_hook_class = CleanRoomsMLHook
    ui_color = "#66c3ff"

    def __init__(self, *, exclude_from_xcom: Sequence[str] | None = None, **kwargs: Any) -> None:
        identity = self.pop_identity(kwargs)
        super().__init__(**kwargs)
        self.keep_identity(identity)
        self.exclude_from_xcom = xcom_exclusions(self.kind, exclude_from_xcom)

    def execute(self, context: Context) -> dict[str, Any]:
        reference = self.resolve_reference()
        description = self.hook.describe(self.kind, reference)
        self.log.info(
            "%s %r is %s: %s",
            self.kind.title,
            description.get("name"),
            description.get("status"),
            self.kind.label(reference),
        )
        return xcom_description(description, self.exclude_from_xcom)


class CleanRoomsMLWaitingOperator(AwsBaseOperator[CleanRoomsMLHook]):
    """
    What operators that can wait for a resource share: the wait, in the worker or deferred, and its end.

    Reads are due at once and then every ``waiter_delay`` seconds, ``waiter_max_attempts`` of them
    at most, and judged by the kind's waiter; the final JSON-safe description is pushed to XCom
    under the kind's ``xcom_key`` (``trained_model_inference_job``) whether the resource succeeded
    or failed. A success returns; a failure, an AWS error or a wait that gave up fails the task
    (retries apply). Subclasses set :attr:`kind`; a deferred wait defers to the kind's trigger for
    the waiter's role (:func:`~airflow_cleanroomsml.triggers.base.trigger_for`).

    :param wait_for_completion: Wait for the resource.
    :param waiter_delay: Seconds between reads (more than 0; fractions are honoured in the worker
        and the triggerer alike).
    :param waiter_max_attempts: The most reads; the wait gives up after about
        ``waiter_delay * waiter_max_attempts`` seconds.
    :param deferrable: Wait in the triggerer instead of a worker slot.
    :param exclude_from_xcom: Top-level fields of the description to leave out of XCom.
        (default: the kind's secret members)
    """

    aws_hook_class = CleanRoomsMLHook
    operator_extra_links = (CleanRoomsMLMembershipLink(),)
    ui_color = "#66c3ff"
    kind: ClassVar[ResourceKind]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("kind")
        if kind is not None and "operator_extra_links" not in cls.__dict__:
            cls.operator_extra_links = console_links(kind)

    def __init__(
        self,
        *,
        wait_for_completion: bool,
        waiter_delay: float,
        waiter_max_attempts: int,
        deferrable: bool,
        exclude_from_xcom: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_wait("waiter_delay", waiter_delay, "waiter_max_attempts", waiter_max_attempts)
        self.wait_for_completion = wait_for_completion
        self.waiter_delay = waiter_delay
        self.waiter_max_attempts = waiter_max_attempts
        self.deferrable = deferrable
        self.exclude_from_xcom = xcom_exclusions(self.kind, exclude_from_xcom)
        self.waiting_for: dict[str, Any] | None = None
        self.killed_by_trigger = False

    def wait(self, context: Context, reference: Mapping[str, Any], role: str, cancel_on_kill: bool) -> Any:
        """Wait for the resource, in this worker or deferred to the triggerer; return its primary value."""
        schedule = ReadSchedule.starting_now(
            self.waiter_delay, self.waiter_max_attempts, execution_deadline(self)
        )
        self.adopt(reference)
        if self.deferrable:
            from airflow_cleanroomsml.triggers.base import trigger_for  # what a DAG file need not import

            self.defer(
                trigger=trigger_for(self.kind, role)(
                    **self.kind.arguments_of(reference),
                    waiter_delay=self.waiter_delay,
                    waiter_max_attempts=self.waiter_max_attempts,
                    deadline=schedule.deadline,
                    execution_deadline=schedule.execution_deadline,
                    cancel_on_kill=cancel_on_kill,
                    aws_conn_id=self.aws_conn_id,
                    region_name=self.region_name,
                    verify=self.verify,
                    botocore_config=self.botocore_config,
                ),
                method_name="execute_complete",
                # A backstop only: the trigger's own deadline fires first and says what it saw.
                timeout=timedelta(seconds=schedule.ends_at - time.time() + self.waiter_delay + 60),
            )
        return self.finish(
            context, reference, self.hook.wait(self.kind, reference, self.kind.waiter(role), schedule)
        )

    def adopt(self, reference: Mapping[str, Any]) -> None:
        """
        Keep the reference of the resource this task waits for, and resolve where calls go: its
        region (a ``region_name`` that contradicts it is refused). Call it before the hook is
        first used for the resource.
        """
        settle_region(self, self.kind.locate(reference).region, snake_case(self.kind.arn_member))
        self.waiting_for = dict(reference)

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> Any:
        """
        Finish after the trigger fired: succeed only on a ``success`` event.

        The resource is the one the event names, not the task's arguments read again (on Airflow
        2, ``airflow tasks test`` resumes a task with its templates unrendered).
        """
        if not event or not event.get(self.kind.primary_argument):
            raise AirflowException(f"The trigger ended without naming the {self.kind.name}: {event!r}")
        reference = self.kind.reference_from(event)
        self.adopt(reference)
        if event.get("status") == "execution_timeout":
            self.killed_by_trigger = True  # the trigger did what on_kill would have (cancel, if asked)
        return self.finish(context, reference, event)

    def finish(
        self, context: Context, reference: Mapping[str, Any], event: ResourceEvent | Mapping[str, Any] | None
    ) -> Any:
        """Push the final description, give up as configured, and return or raise as the event says."""
        event = event or {}
        if last_status(event) and not event.get("error_code"):
            # A resource that ended the wait on an error answer (gone, not found) has no description.
            context["ti"].xcom_push(
                key=self.kind.xcom_key,
                value=xcom_description(self.hook.read(self.kind, reference), self.exclude_from_xcom),
            )
        if event.get("status") == "timeout":
            self.on_give_up(reference)
        if event.get("status") == "execution_timeout":
            # As a worker's own timeout ends a task: retries apply, and Airflow calls on_kill.
            raise AirflowTaskTimeout(event.get("message"))
        self.log.info("%s", raise_for_event(event).get("message"))
        self.describe_outlet_events(context, reference)
        return reference[self.kind.match_by]

    def describe_outlet_events(self, context: Context, reference: Mapping[str, Any]) -> None:
        """
        Say which resource is ready in the events of the task's outlets (Assets; Datasets on Airflow 2).

        A DAG scheduled on the outlet finds the resource's identifying arguments
        (``trained_model_arn``, ``version_identifier``...) in the triggering event's ``extra``.
        """
        outlet_events = context.get("outlet_events")
        if outlet_events is None:
            return
        for outlet in getattr(self, "outlets", None) or ():
            outlet_events[outlet].extra.update(self.kind.arguments_of(reference))

    def on_give_up(self, reference: Mapping[str, Any]) -> None:
        """What to do with a resource still pending when the wait gives up (nothing, by default)."""


class CleanRoomsMLWaitOperator(ResourceTaskMixin, CleanRoomsMLWaitingOperator):
    """
    Wait for an existing Clean Rooms ML resource until its ``complete`` waiter decides, as an operator.

    Unlike the sensor, it pushes the final description to XCom under the kind's ``xcom_key`` and
    fails (retries apply) when the resource fails; it returns what names the resource. Subclasses
    set :attr:`kind` and pass the kind's identifying arguments through.
    """

    def __init__(
        self,
        *,
        wait_for_completion: bool = True,
        waiter_delay: float = 60,
        waiter_max_attempts: int = 720,
        deferrable: bool = default_deferrable(),
        **kwargs: Any,
    ) -> None:
        identity = self.pop_identity(kwargs)
        super().__init__(
            wait_for_completion=wait_for_completion,
            waiter_delay=waiter_delay,
            waiter_max_attempts=waiter_max_attempts,
            deferrable=deferrable,
            **kwargs,
        )
        self.keep_identity(identity)

    def execute(self, context: Context) -> Any:
        reference = self.resolve_reference()
        persist_console_link(context, self, self.kind, reference)
        if not self.wait_for_completion:
            return reference[self.kind.match_by]
        return self.wait(context, reference, "complete", cancel_on_kill=False)

    def adopt(self, reference: Mapping[str, Any]) -> None:
        super().adopt(reference)
        self.reference = dict(reference)


class CleanRoomsMLActionOperator(CleanRoomsMLWaitOperator):
    """
    Ask for an action on a resource (cancel it, delete it), optionally waiting until it has taken.

    Asking for one that has already happened, or can no longer happen (a job that has finished), is
    not an error: the task succeeds and says so. One already under way (being cancelled or deleted,
    asked for by an earlier try or by anyone) is waited for when ``wait_for_completion`` is set, so
    that the task ends when the action has taken. Returns what names the resource. Subclasses set
    :attr:`action` (a hook method) and :attr:`waiter_role`.
    """

    action: ClassVar[Literal["cancel", "delete"]]
    waiter_role: ClassVar[str]

    def __init__(
        self,
        *,
        wait_for_completion: bool = False,
        waiter_delay: float = 30,
        waiter_max_attempts: int = 60,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            wait_for_completion=wait_for_completion,
            waiter_delay=waiter_delay,
            waiter_max_attempts=waiter_max_attempts,
            **kwargs,
        )

    def execute(self, context: Context) -> Any:
        reference = self.resolve_reference()
        persist_console_link(context, self, self.kind, reference)
        asked = getattr(self.hook, self.action)(self.kind, reference)
        if not self.wait_for_completion or not (asked or self.under_way(reference)):
            return reference[self.kind.match_by]
        return self.wait(context, reference, self.waiter_role, cancel_on_kill=False)

    def under_way(self, reference: Mapping[str, Any]) -> bool:
        """Whether an action asked for before (by an earlier try, or anyone) is still under way."""
        answer = self.hook.answer(self.kind, reference)
        reading = answer.response if isinstance(answer, Failure) else answer
        return judge(self.kind, self.kind.waiter(self.waiter_role), reading) == "retry"


class CleanRoomsMLCancelOperator(CleanRoomsMLActionOperator):
    """Cancel a Clean Rooms ML resource; optionally wait until its ``cancelled`` waiter succeeds."""

    action = "cancel"
    waiter_role = "cancelled"


class CleanRoomsMLDeleteOperator(CleanRoomsMLActionOperator):
    """Delete a resource (or its data or output); optionally wait until its ``deleted`` waiter succeeds."""

    action = "delete"
    waiter_role = "deleted"


if not TYPE_CHECKING:  # mypy sees only the new names
    __getattr__ = deprecated_names(
        __name__,
        {
            "CleanRoomsMLStartOperator": "airflow_cleanroomsml.operators.starting.CleanRoomsMLStartOperator",
            "RUN_TAG_KEYS": "airflow_cleanroomsml.operators.starting.RUN_TAG_KEYS",
            "ACTIONS_IF_JOB_EXISTS": "airflow_cleanroomsml.operators.starting.ACTIONS_IF_EXISTS",
            "run_identity_tags": "airflow_cleanroomsml.operators.starting.run_identity_tags",
            "same_value": "airflow_cleanroomsml.operators.starting.same_value",
        },
    )
