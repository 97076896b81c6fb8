"""
The operators every kind's operators are: describe one resource, start one, cancel one, and wait.

- :class:`CleanRoomsMLDescribeOperator` reads one resource and returns its JSON-safe description.
- :class:`CleanRoomsMLWaitingOperator` waits for a resource, in the worker or deferred, with the
  same schedule, judge and events as the sensors and triggers; when the wait gives up it can
  cancel the resource; the final description goes to XCom under the kind's ``xcom_key``.
- :class:`CleanRoomsMLStartOperator` creates or starts one from its API request, checked against
  the service model after rendering, and never a second one when Airflow retries the task.
- :class:`CleanRoomsMLWaitOperator` waits for an existing one, as an operator.
- :class:`CleanRoomsMLCancelOperator` and :class:`CleanRoomsMLDeleteOperator` cancel or delete one,
  and can wait until that is done.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from airflow.providers.amazon.aws.operators.base_aws import AwsBaseOperator
from airflow.providers.amazon.aws.utils.mixins import aws_template_fields

from airflow_cleanroomsml._compat import (
    AirflowException,
    AirflowTaskTimeout,
    default_deferrable,
    import_string,
    mask_secret,
)
from airflow_cleanroomsml.arguments import ALL_KEYS, check_wait, key_collection
from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook
from airflow_cleanroomsml.json_safe import to_json_safe, xcom_description
from airflow_cleanroomsml.kinds import MEMBERSHIP, arn_region, snake_case
from airflow_cleanroomsml.links.cleanroomsml import CleanRoomsMLConsoleLink, CleanRoomsMLMembershipLink
from airflow_cleanroomsml.resource_tasks import ResourceTaskMixin, check_region
from airflow_cleanroomsml.validation import InvalidArgumentError, check_request
from airflow_cleanroomsml.waiting import PollSchedule, execution_deadline, judge

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from airflow.sdk import Context

    from airflow_cleanroomsml.kinds import JobKind
    from airflow_cleanroomsml.waiting import JobEvent

RUN_TAG_KEYS = ("airflow:dag-id", "airflow:task-id", "airflow:run-id", "airflow:map-index")
"""Tags a start operator puts on every resource it creates, naming the task instance that did."""
ACTIONS_IF_JOB_EXISTS = ("reattach", "fail", "start_new")


def run_identity_tags(dag_id: str, task_id: str, run_id: str, map_index: int) -> dict[str, str]:
    """The tags that say which task instance (any try) created a resource: the reattach key."""
    return dict(zip(RUN_TAG_KEYS, (dag_id, task_id, run_id, str(map_index)), strict=True))


def same_value(requested: Any, found: Any) -> bool:
    """
    Whether a value as requested is what a resource shows: dicts key by key (the service may add
    keys, such as defaults), lists item by item, timestamps as instants, anything else equal.
    """
    if isinstance(requested, Mapping):
        return isinstance(found, Mapping) and all(
            key in found and same_value(value, found[key]) for key, value in requested.items()
        )
    if isinstance(requested, (list, tuple)):
        return (
            isinstance(found, (list, tuple))
            and len(found) == len(requested)
            and all(same_value(a, b) for a, b in zip(requested, found, strict=True))
        )
    if isinstance(found, datetime) or isinstance(requested, datetime):
        try:
            return instant(requested) == instant(found)
        except (TypeError, ValueError):
            return False
    return bool(requested == found)


def instant(value: Any) -> datetime:
    """A timestamp as the API takes it (datetime, ISO-8601 string, epoch seconds), as an aware datetime."""
    from botocore.utils import parse_timestamp

    parsed = value if isinstance(value, datetime) else parse_timestamp(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def raise_for_event(event: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """Return a ``success`` event; raise for anything else, so an error event can never end in success."""
    if not event:
        raise AirflowException("The trigger ended without an event; the resource's outcome is unknown.")
    if event.get("status") == "success":
        return event
    raise AirflowException(event.get("message") or f"The wait reported {dict(event)!r}")


def console_links(kind: JobKind) -> tuple[Any, ...]:
    """The extra link a task about this kind gets: its membership's page, or the console's."""
    in_membership = kind.in_membership or MEMBERSHIP in kind.identity
    return (CleanRoomsMLMembershipLink(),) if in_membership else (CleanRoomsMLConsoleLink(),)


def persist_console_link(
    context: Context, operator: Any, kind: JobKind, reference: Mapping[str, Any]
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
        self.exclude_from_xcom = (
            self.kind.secret_members
            if exclude_from_xcom is None
            else key_collection("exclude_from_xcom", exclude_from_xcom)
        )

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
    (retries apply). Subclasses set :attr:`kind` and :attr:`triggers`.

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
    kind: ClassVar[JobKind]
    triggers: ClassVar[Mapping[str, str]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("kind")
        if kind is not None and "operator_extra_links" not in cls.__dict__:
            cls.operator_extra_links = console_links(kind)

    """Import path of the trigger class for each waiter role (imported only when deferring)."""

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
        self.exclude_from_xcom = (
            self.kind.secret_members
            if exclude_from_xcom is None
            else key_collection("exclude_from_xcom", exclude_from_xcom)
        )
        self.waiting_for: dict[str, Any] | None = None
        self.killed_by_trigger = False

    def wait(self, context: Context, reference: Mapping[str, Any], role: str, cancel_on_kill: bool) -> Any:
        """Wait for the resource, in this worker or deferred to the triggerer; return its primary value."""
        schedule = PollSchedule.starting_now(
            self.waiter_delay, self.waiter_max_attempts, execution_deadline(self)
        )
        self.adopt(reference)
        if self.deferrable:
            self.defer(
                trigger=import_string(self.triggers[role])(
                    **self.kind.arguments_of(reference),
                    waiter_delay=self.waiter_delay,
                    waiter_max_attempts=self.waiter_max_attempts,
                    deadline=schedule.deadline,
                    execution_deadline=schedule.execution_deadline,
                    cancel_on_kill=cancel_on_kill,
                    aws_conn_id=self.aws_conn_id,
                    region_name=self._hook_parameters["region_name"],
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
        """Keep the reference of the resource this task waits for (its region is where calls go)."""
        self.waiting_for = dict(reference)

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> Any:
        """
        Finish after the trigger fired: succeed only on a ``success`` event.

        The resource is the one the event names, not the task's arguments read again (on Airflow
        2, ``airflow tasks test`` resumes a task with its templates unrendered).
        """
        if not event or not event.get(self.kind.primary_argument):
            raise AirflowException(f"The trigger ended without naming the {self.kind.name}: {event!r}")
        reference = self.kind.reference(**{name: event.get(name) for name in self.kind.arguments.values()})
        self.adopt(reference)
        if event.get("status") == "execution_timeout":
            self.killed_by_trigger = True  # the trigger did what on_kill would have (cancel, if asked)
        return self.finish(context, reference, event)

    def finish(
        self, context: Context, reference: Mapping[str, Any], event: JobEvent | Mapping[str, Any] | None
    ) -> Any:
        """Push the final description, give up as configured, and return or raise as the event says."""
        event = event or {}
        if event.get("job_status") and not event.get("error_code"):
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


class CleanRoomsMLStartOperator(CleanRoomsMLWaitingOperator):
    """
    Create or start a Clean Rooms ML resource from its API request; optionally wait; return what names it.

    Each request member is a templated snake_case argument; after rendering, the request is checked
    against the operation's input shape in the service model
    (:func:`~airflow_cleanroomsml.validation.check_request`) before any call. The XCom
    ``return_value`` is the new resource's ARN (or its name, for a kind without one).

    **Retries never create a second resource.** Where the call takes tags, every resource created
    here is tagged with the task instance that created it (:data:`RUN_TAG_KEYS`); before creating,
    the operator lists the resources of the same parent and name that are pending or done, and
    looks for one with those tags (where the call takes no tags, the name and parent are the
    key). ``action_if_job_exists`` says what to do with it: ``reattach`` waits on it instead,
    ``fail`` fails the task naming it, ``start_new`` creates another all the same. One of an
    earlier try that failed or was cancelled is never reattached.

    Values of the kind's secret members (``environment``) are registered with Airflow's secrets
    masker as soon as they are rendered, by Airflow's convention: the values of keys Airflow deems
    sensitive (``password``, ``token``, ``secret``... and ``[core] sensitive_var_conn_names``), plus
    the keys named in ``mask_environment_keys`` (``"*"`` for all of them).

    Subclasses set :attr:`kind`, :attr:`triggers`, :attr:`operation`, :attr:`request_members` and
    :attr:`reattach_list_request`.

    :param action_if_job_exists: ``reattach``, ``fail`` or ``start_new``. (default: ``reattach``)
    :param cancel_on_kill: Cancel the resource when the task is killed, marked failed or cleared,
        or when the wait gives up (for kinds that can be cancelled). (default: True)
    :param mask_environment_keys: Keys of the secret members whose values are masked besides the
        ones Airflow deems sensitive; ``"*"`` masks them all. (default: none)
    """

    operation: ClassVar[str]
    """The API call that creates or starts one: ``StartTrainedModelInferenceJob``."""
    request_members: ClassVar[tuple[str, ...]]
    """Its request members in the API's camelCase, each taken from the snake_case argument."""
    reattach_list_request: ClassVar[Mapping[str, str] | None] = None
    """How to list the resources an earlier try may have created: list member ← request member
    (None: the kind's own list request for the resource the request names)."""
    region_member: ClassVar[str | None] = None
    """A request member holding an ARN in the region the call belongs to (when ``region_name`` is None)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        members = cls.__dict__.get("request_members")
        if members is not None and "template_fields" not in cls.__dict__:
            cls.template_fields = aws_template_fields(*map(snake_case, members))

    def __init__(
        self,
        *,
        action_if_job_exists: str = "reattach",
        cancel_on_kill: bool = True,
        mask_environment_keys: Collection[str] | Literal["*"] = (),
        wait_for_completion: bool = True,
        waiter_delay: float = 60,
        waiter_max_attempts: int = 720,
        deferrable: bool = default_deferrable(),
        **kwargs: Any,
    ) -> None:
        arguments = {
            snake_case(member): kwargs.pop(snake_case(member), None) for member in self.request_members
        }
        super().__init__(
            wait_for_completion=wait_for_completion,
            waiter_delay=waiter_delay,
            waiter_max_attempts=waiter_max_attempts,
            deferrable=deferrable,
            **kwargs,
        )
        for name, value in arguments.items():
            setattr(self, name, value)
        if action_if_job_exists not in ACTIONS_IF_JOB_EXISTS:
            raise InvalidArgumentError(
                f"action_if_job_exists={action_if_job_exists!r} is not valid; expected one of "
                f"{', '.join(ACTIONS_IF_JOB_EXISTS)}."
            )
        self.action_if_job_exists = action_if_job_exists
        self.cancel_on_kill = cancel_on_kill
        self.mask_environment_keys = key_collection(
            "mask_environment_keys", mask_environment_keys, allow_all=True
        )
        self.created: dict[str, Any] | None = None

    def _do_render_template_fields(
        self, parent: Any, template_fields: Any, context: Context, jinja_env: Any, seen_oids: set[int]
    ) -> None:
        """
        Render, then register secret values with the masker before anything logs or stores them.

        Every rendering passes here: an ordinary task's (``render_template_fields``) and a mapped
        task's, which Airflow renders through the unmapped operator's ``_do_render_template_fields``.
        """
        super()._do_render_template_fields(parent, template_fields, context, jinja_env, seen_oids)
        if parent is self:
            self.mask_secret_values()

    def mask_secret_values(self) -> None:
        """Register the rendered values of the kind's secret members that are to be masked (see the class)."""
        for member in self.kind.secret_members:
            values = getattr(self, snake_case(member), None)
            if not isinstance(values, dict):
                continue
            mask_secret(values)  # Airflow masks the values of the keys it deems sensitive
            for key, value in values.items():
                if (
                    isinstance(value, str)
                    and value
                    and (self.mask_environment_keys == ALL_KEYS or key in self.mask_environment_keys)
                ):
                    mask_secret(value)

    @property
    def _hook_parameters(self) -> dict[str, Any]:
        parameters = dict(super()._hook_parameters)
        if parameters.get("region_name") is None:
            parameters["region_name"] = self.arn_region()
        return parameters

    def arn_region(self) -> str | None:
        """
        The region this task's calls go to when it names none: the resource's (once created or
        adopted from an event), or else that of the request's ARN (:attr:`region_member`).
        """
        if self.created is not None:
            return self.kind.locate(self.created).region
        return arn_region(getattr(self, snake_case(self.region_member), None)) if self.region_member else None

    def build_request(self, identity_tags: Mapping[str, str]) -> dict[str, Any]:
        """The API request from the rendered arguments (None left out), with the identity tags, checked."""
        fields = {member: snake_case(member) for member in self.request_members}
        request = {
            member: getattr(self, name) for member, name in fields.items() if getattr(self, name) is not None
        }
        user_tags = request.get("tags")
        if "tags" in fields and (user_tags is None or isinstance(user_tags, dict)):
            reserved = sorted(set(user_tags or {}) & set(RUN_TAG_KEYS))
            if reserved:
                raise InvalidArgumentError(
                    f"tags={user_tags!r} is not valid; expected no keys reserved by this provider "
                    f"({', '.join(reserved)})."
                )
            request["tags"] = {**(user_tags or {}), **identity_tags}
        check_request(self.operation, request, fields, secret=self.kind.secret_members)
        if self.region_member:
            check_region(self.region_name, self.arn_region(), snake_case(self.region_member))
        return request

    def execute(self, context: Context) -> Any:
        ti = context["ti"]
        identity = run_identity_tags(
            ti.dag_id, ti.task_id, ti.run_id, ti.map_index if ti.map_index is not None else -1
        )
        request = self.build_request(identity)
        earlier = None if self.action_if_job_exists == "start_new" else self.find_earlier(request, identity)
        if earlier is not None and self.action_if_job_exists == "fail":
            raise AirflowException(
                f"An earlier try of this task already created {self.kind.name} "
                f"{self.kind.label(earlier)} and it has not failed; action_if_job_exists='fail' forbids "
                "reattaching to it or creating another."
            )
        if earlier is not None:
            self.log.info(
                "Reattaching to %s %s, created by an earlier try.", self.kind.name, self.kind.label(earlier)
            )
            self.created = earlier
        else:
            self.created = self.create(request)
        persist_console_link(context, self, self.kind, self.created)
        if not self.wait_for_completion:
            return self.created[self.kind.match_by]
        return self.wait(context, self.created, "complete", self.cancel_on_kill)

    def reference_of(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """A resource's reference, from its request and the create call's response."""
        return self.kind.reference(
            **{snake_case(member): fields.get(member) for member in self.kind.identity}
        )

    def reattachable(self, status: str | None) -> bool:
        """Whether a resource an earlier try created in ``status`` may still succeed: pending or done."""
        verdict = judge(self.kind, self.kind.waiter("complete"), {"status": status})
        return verdict == "success" or status in ("CREATE_PENDING", "CREATE_IN_PROGRESS")

    def find_earlier(self, request: Mapping[str, Any], identity: Mapping[str, str]) -> dict[str, Any] | None:
        """
        The resource an earlier try of this task instance created that may still succeed, if any.

        It is adopted only if it is what this task would create now: where the call takes tags,
        it carries this task instance's identity tags; and every member of the request is as the
        resource shows it. One of the same name and parent that differs fails the task, naming it
        and the arguments that differ (the service itself refuses a second export of one name).
        """
        if self.reattach_list_request is None:
            listing = self.hook.list_request(self.kind, self.reference_of(request))
        else:
            listing = {
                member: request[source]
                for member, source in self.reattach_list_request.items()
                if source in request
            }
        listed = self.hook.list_resources(self.kind, **listing)
        for summary in listed:
            if summary.get("name") != request.get("name") or not self.reattachable(summary.get("status")):
                continue
            reference = self.reference_of({**request, **summary})
            found = summary
            if "tags" in request:  # identity tags tell this task instance's tries from anything else
                found = self.hook.read(self.kind, reference)
                tags = found.get("tags") or {}
                if not all(tags.get(key) == identity[key] for key in RUN_TAG_KEYS):
                    continue
            differ = [
                self.difference(member, value, found[member])
                for member, value in request.items()
                if member in found and not same_value(value, found[member])
            ]
            if differ:
                raise AirflowException(
                    f"{self.kind.title} {self.kind.label(reference)} already exists and is not what this "
                    f"task would make: {'; '.join(differ)}. Give this task another name (templated with the "
                    "run, say), or cancel or delete that one."
                )
            return reference
        return None

    def difference(self, member: str, requested: Any, found: Any) -> str:
        """How a member of an existing resource differs from the request, for a message (secrets unshown)."""
        if member in self.kind.secret_members:
            return f"{snake_case(member)} differs (values not shown)"
        return f"{snake_case(member)} is {to_json_safe(found)!r}, not {to_json_safe(requested)!r}"

    def create(self, request: dict[str, Any]) -> dict[str, Any]:
        """Make the create or start call; return the new resource's reference."""
        client = self.hook.client
        try:
            response = self.hook.call(self.operation, **request)
        except client.exceptions.ConflictException as error:
            raise AirflowException(
                f"AWS Clean Rooms ML refused to create {self.kind.name} {request.get('name')!r} "
                f"({error}). Another one, or a change in progress, conflicts with it: wait for it to finish "
                "or cancel it, then retry the task."
            ) from error
        except client.exceptions.ServiceQuotaExceededException as error:
            raise AirflowException(
                f"AWS Clean Rooms ML refused to create {self.kind.name} {request.get('name')!r}: a "
                f"service quota is reached ({error}). Wait for running ones to finish, or ask for a higher "
                "quota in Service Quotas, then retry the task."
            ) from error
        reference = self.reference_of({**request, **response})
        self.log.info("Started %s %r: %s", self.kind.name, request.get("name"), self.kind.label(reference))
        return reference

    def on_give_up(self, reference: Mapping[str, Any]) -> None:
        if self.cancel_on_kill and self.kind.cancel:
            self.log.warning(
                "The wait gave up; cancelling %s %s.", self.kind.name, self.kind.label(reference)
            )
            self.hook.cancel(self.kind, reference)

    def adopt(self, reference: Mapping[str, Any]) -> None:
        super().adopt(reference)
        self.created = dict(reference)

    def on_kill(self) -> None:
        """Cancel the resource this task created or reattached to, if ``cancel_on_kill``."""
        if self.cancel_on_kill and self.kind.cancel and self.created and not self.killed_by_trigger:
            self.hook.cancel(self.kind, self.created)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """What the task read and made, for OpenLineage: :mod:`airflow_cleanroomsml.lineage`."""
        from airflow_cleanroomsml.lineage import facets_on_complete

        return facets_on_complete(self, task_instance)


class CleanRoomsMLWaitOperator(ResourceTaskMixin, CleanRoomsMLWaitingOperator):
    """
    Wait for an existing Clean Rooms ML resource until its ``complete`` waiter decides, as an operator.

    Unlike the sensor, it pushes the final description to XCom under the kind's ``xcom_key`` and
    fails (retries apply) when the resource fails; it returns what names the resource. Subclasses
    set :attr:`kind` and :attr:`triggers` and pass the kind's identifying arguments through.
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
        self.keep_reference(dict(reference))  # calls go to its region


class CleanRoomsMLActionOperator(CleanRoomsMLWaitOperator):
    """
    Ask for an action on a resource (cancel it, delete it), optionally waiting until it has taken.

    Asking for one that has already happened, or can no longer happen (a job that has finished,
    one already being deleted), is not an error: the task succeeds and says so. Returns what names
    the resource. Subclasses set :attr:`action` (a hook method) and :attr:`waiter_role`.
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
        if not (asked and self.wait_for_completion):
            return reference[self.kind.match_by]
        return self.wait(context, reference, self.waiter_role, cancel_on_kill=False)


class CleanRoomsMLCancelOperator(CleanRoomsMLActionOperator):
    """Cancel a Clean Rooms ML resource; optionally wait until its ``cancelled`` waiter succeeds."""

    action = "cancel"
    waiter_role = "cancelled"


class CleanRoomsMLDeleteOperator(CleanRoomsMLActionOperator):
    """Delete a resource (or its data or output); optionally wait until its ``deleted`` waiter succeeds."""

    action = "delete"
    waiter_role = "deleted"
