"""
Starting a Clean Rooms ML resource: its request, checked and masked; never a second one on a retry.

:class:`CleanRoomsMLStartOperator` creates or starts one from its API request. Its request is the
class's own explicit arguments: a subclass's keyword arguments that this base does not take are the
operation's members in snake_case (:attr:`~CleanRoomsMLStartOperator.request_members`), templated,
and checked against the operation's input shape in the service model after rendering. A retry (or a
rerun) adopts a resource an earlier try made only if it is what this try would make; the values of
secret members are masked on every rendering path.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from airflow.providers.amazon.aws.utils.mixins import aws_template_fields

from airflow_cleanroomsml._compat import AirflowException, default_deferrable, mask_secret
from airflow_cleanroomsml.arguments import ALL_KEYS, key_collection
from airflow_cleanroomsml.json_safe import strings_in, to_json_safe
from airflow_cleanroomsml.judging import holds
from airflow_cleanroomsml.kinds import (
    MEMBERSHIP,
    arn_match,
    arn_region,
    camel_case,
    region_partition,
    snake_case,
)
from airflow_cleanroomsml.operators.base import CleanRoomsMLWaitingOperator, persist_console_link
from airflow_cleanroomsml.resource_tasks import settle_region
from airflow_cleanroomsml.validation import InvalidArgumentError, check_request, service_model

if TYPE_CHECKING:
    from collections.abc import Collection

    from airflow.sdk import Context


RUN_TAG_KEYS = ("airflow:dag-id", "airflow:task-id", "airflow:run-id", "airflow:map-index")
"""Tags a start operator puts on every resource it creates, naming the task instance that did."""
ACTIONS_IF_EXISTS = ("reattach", "fail", "start_new")
"""What ``action_if_exists`` may say to do with a resource an earlier try made."""


UNMADE_ID = "00000000-0000-0000-0000-000000000000"
"""The id of no resource: what :meth:`CleanRoomsMLStartOperator.check_read_allowed` asks for."""

MAX_TAGS = 50
"""Tags AWS allows a resource (the service's documentation; the model's own maximum is 200)."""


def check_tags(tags: Mapping[str, Any]) -> None:
    """
    Refuse user tags AWS would refuse once the provider's run tags are added: keys that are this
    provider's (``airflow:...``) or AWS's (``aws:...``), or more than the resource may carry.
    """
    reserved = sorted(key for key in tags if key in RUN_TAG_KEYS or str(key).lower().startswith("aws:"))
    if reserved:
        raise InvalidArgumentError(
            f"tags={dict(tags)!r} is not valid; expected no keys reserved by this provider "
            f"({', '.join(RUN_TAG_KEYS)}) or by AWS (aws:...): {', '.join(reserved)}."
        )
    room = MAX_TAGS - len(RUN_TAG_KEYS)
    if len(tags) > room:
        raise InvalidArgumentError(
            f"tags has {len(tags)} keys; expected at most {room}: AWS allows {MAX_TAGS} tags a resource, and "
            f"this provider adds {len(RUN_TAG_KEYS)} ({', '.join(RUN_TAG_KEYS)})."
        )


def caller_stacklevel() -> int:
    """The ``stacklevel`` of a warning that names the DAG file's line: the first frame outside Airflow."""
    current = inspect.currentframe()
    frame, level = (current.f_back if current else None), 1  # level 1: who called this (and warns)
    while frame is not None and frame.f_globals.get("__name__", "").partition(".")[0] in (
        "airflow",
        "airflow_cleanroomsml",
    ):
        frame, level = frame.f_back, level + 1
    return level


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
    key). ``action_if_exists`` says what to do with it: ``reattach`` waits on it instead,
    ``fail`` fails the task naming it, ``start_new`` creates another all the same. One of an
    earlier try that failed or was cancelled is never reattached.

    Values of the kind's secret members (``environment``) are registered with Airflow's secrets
    masker as soon as they are rendered, by Airflow's convention: the values of keys Airflow deems
    sensitive (``password``, ``token``, ``secret``... and ``[core] sensitive_var_conn_names``), plus
    the keys named in ``mask_environment_keys`` (``"*"`` for all of them).

    Subclasses set :attr:`kind`, :attr:`operation` and :attr:`region_member`, and take the
    operation's members as explicit keyword arguments: those are the request
    (:attr:`request_members`), templated (``json`` rendered where they are dicts or lists). A
    subclass of a public start operator inherits its request, and what it adds to it.

    :param action_if_exists: ``reattach``, ``fail`` or ``start_new``. (default: ``reattach``)
    :param action_if_job_exists: The name of ``action_if_exists`` until 0.2.0. (deprecated)
    :param cancel_on_kill: Cancel the resource when the task is killed, marked failed or cleared,
        or when the wait gives up (for kinds that can be cancelled). (default: True)
    :param mask_environment_keys: Keys of the secret members whose values are masked besides the
        ones Airflow deems sensitive; ``"*"`` masks them all. (default: none)
    """

    operation: ClassVar[str]
    """The API call that creates or starts one: ``StartTrainedModelInferenceJob``."""
    request_members: ClassVar[tuple[str, ...]] = ()
    """Its request members in the API's camelCase: the subclass's own keyword arguments, in camelCase."""
    region_member: ClassVar[str | None] = None
    """A request member holding an ARN in the region the call belongs to (when ``region_name`` is None)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass that names its operation takes its request as its own arguments: template them."""
        super().__init_subclass__(**kwargs)
        if "operation" not in cls.__dict__:
            return
        if "__init__" not in cls.__dict__:
            raise TypeError(f"{cls.__name__} must take {cls.operation}'s members as explicit arguments.")
        operator = {  # what the generic bases take: the operator's own arguments, not the request's
            name
            for base in CleanRoomsMLStartOperator.__mro__
            if "__init__" in base.__dict__
            for name in inspect.signature(base.__dict__["__init__"]).parameters
        }
        inherited = tuple(map(snake_case, cls.__mro__[1].request_members))  # type: ignore[attr-defined]
        own = inspect.signature(cls.__dict__["__init__"]).parameters
        request = {
            **{name: own.get(name) for name in inherited},
            **{
                name: parameter
                for name, parameter in own.items()
                if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name not in operator
            },
        }
        cls.request_members = tuple(camel_case(name) for name in request)
        if "template_fields" not in cls.__dict__:
            cls.template_fields = aws_template_fields(*request)
        if "template_fields_renderers" not in cls.__dict__:
            cls.template_fields_renderers = {
                **getattr(cls.__mro__[1], "template_fields_renderers", {}),
                **{
                    name: "json"
                    for name, parameter in request.items()
                    if parameter is not None and str(parameter.annotation).startswith(("dict", "list"))
                },
            }

    def __init__(
        self,
        *,
        action_if_exists: str = "reattach",
        action_if_job_exists: str | None = None,
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
        if action_if_job_exists is not None:
            warnings.warn(
                "action_if_job_exists is deprecated (not only jobs are started): use action_if_exists.",
                DeprecationWarning,
                stacklevel=caller_stacklevel(),
            )
            if action_if_exists not in ("reattach", action_if_job_exists):
                raise InvalidArgumentError(
                    f"action_if_job_exists={action_if_job_exists!r} contradicts action_if_exists="
                    f"{action_if_exists!r}; expected action_if_exists alone (the other is its old name)."
                )
            action_if_exists = action_if_job_exists
        if action_if_exists not in ACTIONS_IF_EXISTS:
            raise InvalidArgumentError(
                f"action_if_exists={action_if_exists!r} is not valid; expected one of "
                f"{', '.join(ACTIONS_IF_EXISTS)}."
            )
        self.action_if_exists = action_if_exists
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

    def resolve_region(self) -> None:
        """
        Resolve where this task's calls go, before its hook is made: ``region_name``, or else the
        region of the request's ARN (:attr:`region_member`), or else the connection's.

        :raises InvalidArgumentError: When ``region_name`` contradicts that ARN's region.
        """
        if self.region_member:
            arn = getattr(self, snake_case(self.region_member), None)
            settle_region(self, arn_region(arn), snake_case(self.region_member))

    def build_request(self, identity_tags: Mapping[str, str]) -> dict[str, Any]:
        """The API request from the rendered arguments (None left out), with the identity tags, checked."""
        fields = {member: snake_case(member) for member in self.request_members}
        request = {
            member: getattr(self, name) for member, name in fields.items() if getattr(self, name) is not None
        }
        user_tags = request.get("tags")
        if "tags" in fields and (user_tags is None or isinstance(user_tags, dict)):
            check_tags(user_tags or {})
            request["tags"] = {**(user_tags or {}), **identity_tags}
        check_request(self.operation, request, fields, secret=self.kind.secret_members)
        return request

    def execute(self, context: Context) -> Any:
        ti = context["ti"]
        identity = run_identity_tags(
            ti.dag_id, ti.task_id, ti.run_id, ti.map_index if ti.map_index is not None else -1
        )
        request = self.build_request(identity)
        self.resolve_region()
        earlier = None if self.action_if_exists == "start_new" else self.find_earlier(request, identity)
        if earlier is not None and self.action_if_exists == "fail":
            raise AirflowException(
                f"An earlier try of this task already created {self.kind.name} "
                f"{self.kind.label(earlier)} and it has not failed; action_if_exists='fail' forbids "
                "reattaching to it or creating another."
            )
        if earlier is not None:
            self.log.info(
                "Reattaching to %s %s, created by an earlier try.", self.kind.name, self.kind.label(earlier)
            )
            self.created = earlier
        else:
            if self.wait_for_completion:  # it reads what it makes: make sure it may, first
                self.check_read_allowed(request, listed=self.action_if_exists != "start_new")
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
        """Whether one an earlier try made in ``status`` may still succeed (the ``reattachable`` waiter)."""
        return holds(self.kind, "reattachable", {"status": status})

    def find_earlier(self, request: Mapping[str, Any], identity: Mapping[str, str]) -> dict[str, Any] | None:
        """
        The resource an earlier try of this task instance created that may still succeed, if any.

        It is adopted only if it is what this task would create now: where the call takes tags,
        it carries this task instance's identity tags; and every member of the request is as the
        resource shows it. One of the same name and parent that differs fails the task, naming it
        and the arguments that differ (the service itself refuses a second export of one name).
        """
        if self.kind.lookups:  # its list call needs what only a lookup finds (a collaboration)
            listing = self.hook.list_request(self.kind, self.reference_of(request))
        else:  # the request's members the list call filters on (the membership, a parent...)
            members = service_model().operation_model(self.kind.list).input_shape.members
            listing = {member: request[member] for member in members if member in request}
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

    def check_read_allowed(self, request: Mapping[str, Any], listed: bool) -> None:
        """
        Before the create: fail if the role may not read what this task is about to make, rather
        than make it and fail on its first read (IAM has no dry run for Clean Rooms ML).

        A kind with a Get call is asked for one of its kind that does not exist, in the same
        membership and account: ``AccessDeniedException`` fails the task naming the action, and any
        other answer (``ResourceNotFoundException``) lets it go on. A kind read through its List has
        been read so already when the task looked for an earlier try's (``listed``); else it is
        listed once.

        :raises botocore.exceptions.ClientError: ``AccessDeniedException``, as the service gave it.
        """
        from airflow_cleanroomsml.hooks.cleanroomsml import raised
        from airflow_cleanroomsml.reading import Failure

        kind = self.kind
        if kind.get is None and listed:
            return
        fields = dict(request)
        if kind.get is not None:
            fields[kind.arn_member] = self.unmade_arn(request)
        answer = self.hook.answer(kind, self.reference_of(fields))
        if isinstance(answer, Failure) and answer.code == "AccessDeniedException":
            self.log.error(
                "Nothing started: the role may not read the %s this task would start and wait for "
                "(%s, asked before the start). Grant what the error below names (python -m "
                "airflow_cleanroomsml.iam prints the policy), or start it without waiting "
                "(wait_for_completion=False).",
                kind.name,
                answer.operation,
            )
            raised(answer)

    def unmade_arn(self, request: Mapping[str, Any]) -> str:
        """
        An ARN of the form this task's resource will have (its region, account and membership) that
        no resource has: the nil UUID for its id. The account is that of an ARN in the request in
        the same region and membership, or else the caller's (asked of STS).
        """
        kind = self.kind
        region = self.hook.client.meta.region_name
        membership = request.get(MEMBERSHIP) if kind.in_membership else None
        parsed = [match for value in strings_in(request) if (match := arn_match(value)) is not None]
        mine = [
            match
            for match in parsed
            if match["region"] == region and (membership is None or match["membership"] == membership)
        ]
        account = mine[0]["account"] if mine else self.hook.caller_account() or "000000000000"
        partition = mine[0]["partition"] if mine else region_partition(region)
        scope = f"membership/{membership}/" if membership else ""
        return f"arn:{partition}:cleanrooms-ml:{region}:{account}:{scope}{kind.arn_segment}/{UNMADE_ID}"

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
