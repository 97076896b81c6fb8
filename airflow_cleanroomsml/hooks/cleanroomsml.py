"""Hook for AWS Clean Rooms ML."""

from __future__ import annotations

import time
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

from airflow_cleanroomsml import reading
from airflow_cleanroomsml.judging import holds, statuses_judged, waiter_definitions
from airflow_cleanroomsml.kinds import (
    AUDIENCE_EXPORT_JOB,
    AUDIENCE_GENERATION_JOB,
    AUDIENCE_MODEL,
    CONFIGURED_AUDIENCE_MODEL,
    KINDS,
    ML_INPUT_CHANNEL,
    QUESTIONS,
    TRAINED_MODEL,
    TRAINED_MODEL_EXPORT_JOB,
    TRAINED_MODEL_INFERENCE_JOB,
    WAITERS_FILE,
    snake_case,
    validate_membership_id,
)
from airflow_cleanroomsml.reading import Failure
from airflow_cleanroomsml.validation import (
    InvalidArgumentError,
    check_request,
    has_operation,
    require_members,
    service_model,
)
from airflow_cleanroomsml.waiting import ReadSchedule, ResourceWait

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Mapping

    from mypy_boto3_cleanroomsml import CleanRoomsMLClient
    from mypy_boto3_cleanroomsml.type_defs import TrainedModelInferenceJobSummaryTypeDef

    from airflow_cleanroomsml.kinds import ResourceKind
    from airflow_cleanroomsml.reading import Answer, Steps
    from airflow_cleanroomsml.waiting import ResourceEvent

T = TypeVar("T")

TRAINED_MODEL_INFERENCE_JOB_COMPLETE = TRAINED_MODEL_INFERENCE_JOB.waiter("complete")
"""The custom waiter in ``waiters/cleanroomsml.json``: ACTIVE succeeds; the failure statuses fail it."""
TRAINED_MODEL_INFERENCE_JOB_CANCELLED = TRAINED_MODEL_INFERENCE_JOB.waiter("cancelled")
"""The custom waiter in ``waiters/cleanroomsml.json``: INACTIVE succeeds; CANCEL_FAILED or finishing fails."""
WAITERS_PATH = WAITERS_FILE


def raised(outcome: T | Failure, asked: Callable[[], str] | None = None) -> T:
    """
    An outcome of the reading engine, or its failure raised for a user (a ``ClientError``).

    :param outcome: What the steps returned.
    :param asked: Says where the call went, for the message of a resource not found.
    """
    if isinstance(outcome, Failure):
        error = outcome.exception(asked() if asked and outcome.code == reading.NOT_FOUND else None)
        if error is not outcome.error:
            error.__cause__ = outcome.error
        raise error
    return outcome


def sleep_until(due: float) -> None:
    """Sleep until Unix time ``due`` (at once if it has passed)."""
    time.sleep(max(due - time.time(), 0))


def refresh_off_the_loop(credentials: Any) -> None:
    """Make refreshable aiobotocore credentials call their synchronous refresh in a worker thread."""
    import asyncio
    import inspect

    refresh = getattr(credentials, "_refresh_using", None)
    if refresh is None or inspect.iscoroutinefunction(refresh):
        return

    async def refresh_in_a_thread() -> Any:
        return await asyncio.to_thread(refresh)

    credentials._refresh_using = refresh_in_a_thread


class CleanRoomsMLHook(AwsBaseHook):
    """
    Interact with AWS Clean Rooms ML through a boto3 ``cleanroomsml`` client.

    Takes the same arguments as :class:`~airflow.providers.amazon.aws.hooks.base_aws.AwsBaseHook`
    (``aws_conn_id``, ``region_name``, ``verify``, ``config``). An ``endpoint_url`` in the
    connection's extra (or ``service_config.cleanroomsml.endpoint_url``) is used by both the
    synchronous and the asynchronous client: that is how VPC endpoints and the bundled emulator
    are reached.

    Every kind of resource (:mod:`airflow_cleanroomsml.kinds`) is read, listed, cancelled, deleted
    and waited for by the same methods here (``read``, ``describe``, ``list_resources``, ``cancel``,
    ``delete``, ``wait``), which run the reading engine's steps (:mod:`~airflow_cleanroomsml.reading`)
    with this hook's client, in the region of the resource's ARN; the triggerer runs the same steps
    with its shared aiobotocore client (``aread``, ``alist_page``, ``acancel`` do it for a caller
    of its own). The named methods (``get_trained_model_inference_job``...) are the API's calls for
    one kind, each taking the call's members as snake_case arguments.

    .. seealso::
        - https://boto3.amazonaws.com/v1/documentation/api/latest/reference/services/cleanroomsml.html
        - :class:`airflow.providers.amazon.aws.hooks.base_aws.AwsBaseHook`
    """

    conn_type = "aws_cleanroomsml"
    hook_name = "AWS Clean Rooms ML"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["client_type"] = "cleanroomsml"
        super().__init__(*args, **kwargs)
        self._looked_up: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._regional: dict[str, CleanRoomsMLHook] = {}

    @cached_property
    def waiter_path(self) -> os.PathLike[str] | None:
        """This package's custom waiters; the Amazon hook would only look inside its own package."""
        return WAITERS_FILE

    def get_session(self, region_name: str | None = None, deferrable: bool = False) -> Any:
        """
        The Amazon hook's session; for an asynchronous client, one whose credentials refresh off the loop.

        An assume-role connection refreshes its credentials with a synchronous STS call, which
        aiobotocore makes on the event loop: every wait in the triggerer stalls while STS answers
        (upstream #53359). Here the refresh runs in a worker thread, and the loop goes on.
        """
        session = super().get_session(region_name=region_name, deferrable=deferrable)
        if deferrable:
            refresh_off_the_loop(getattr(session, "_credentials", None))
        return session

    @property
    def client(self) -> CleanRoomsMLClient:
        """The cached boto3 ``cleanroomsml`` client (``conn``, typed)."""
        return self.conn

    def get_waiter(self, waiter_name: str, *args: Any, **kwargs: Any) -> Any:
        """
        A botocore waiter of this package's (``waiters/cleanroomsml.json``), or of botocore's.

        Only waits on a Get call's answer are handed out: the export jobs' waiters judge list
        summaries, which a botocore waiter cannot pick out of a List answer (wait for those with
        :meth:`wait` or the kind's sensor), and the waiters that answer a question about one status
        (``cancellable``, ``already_deleted``, ``reattachable``, ``usable``) are not waits.
        """
        questions = {name for kind in KINDS for role, name in kind.waiters.items() if role in QUESTIONS}
        if waiter_name in questions:
            raise ValueError(
                f"{waiter_name!r} answers a question about one status, it is not a wait; expected a waiter "
                "of the roles complete, cancelled or deleted (judge a reading with judging.holds instead)."
            )
        config = waiter_definitions(WAITERS_FILE).get(waiter_name)
        if config is not None and not config["operation"].startswith("Get"):
            raise ValueError(
                f"{waiter_name!r} judges {config['operation']} summaries, which a botocore waiter cannot "
                "pick out of a list answer; expected a waiter of a Get call. Wait with CleanRoomsMLHook.wait "
                "or the kind's sensor instead."
            )
        return super().get_waiter(waiter_name, *args, **kwargs)

    @staticmethod
    def _apply_parameters_value(
        config: dict[str, Any], waiter_name: str, parameters: dict[str, str] | None
    ) -> dict[str, Any]:
        """
        The Amazon hook's rendering of templated acceptor arguments, for acceptors that have one.

        Its own reads ``argument`` of every acceptor and fails on error matchers, which have none
        (botocore's waiter model has ``ResourceNotFoundException`` end a wait for a deletion so).
        """
        waiter = config["waiters"][waiter_name]
        with_argument = [acceptor for acceptor in waiter["acceptors"] if "argument" in acceptor]
        # It renders the acceptors it is given in place: those are the config's own.
        AwsBaseHook._apply_parameters_value(
            {"waiters": {waiter_name: {**waiter, "acceptors": with_argument}}}, waiter_name, parameters
        )
        return config

    def in_region(self, region: str) -> CleanRoomsMLHook:
        """
        This hook, or one like it (same connection and settings) whose calls go to ``region``.

        A regional service cannot see another region's resources: calls about a resource go to the
        region in its ARN. A hook given an explicit ``region_name`` that contradicts it refuses.

        :raises InvalidArgumentError: When the hook's ``region_name`` is another region.
        """
        named = self._region_name  # the hook's own argument; the connection's region may be any
        if named is not None and named != region:
            raise InvalidArgumentError(
                f"region_name={named!r} contradicts the resource's region {region!r} (in its "
                f"ARN); expected {region!r}, or no region_name."
            )
        if self.region_name == region:
            return self
        if region not in self._regional:
            self._regional[region] = type(self)(
                aws_conn_id=self.aws_conn_id, region_name=region, verify=self.verify, config=self.config
            )
        return self._regional[region]

    def located(self, kind: ResourceKind, reference: Mapping[str, Any]) -> CleanRoomsMLHook:
        """The hook whose calls reach a resource: one for the region in its ARN (:meth:`in_region`)."""
        return self.in_region(kind.locate(reference).region)

    def asked(self) -> str:
        """
        Where this hook's calls go, for a not-found message: account, region and connection.

        The account is asked of STS (one call, on the failure path only); if STS cannot be reached,
        the message does without it.
        """
        where = f"region {self.client.meta.region_name}, connection {self.aws_conn_id!r}"
        account = self.caller_account()
        return where if account is None else f"account {account}, {where}"

    def caller_account(self) -> str | None:
        """
        The account this hook's credentials are of, asked of STS (``GetCallerIdentity``, which needs
        no permission); None if STS cannot be reached.
        """
        from botocore.config import Config

        try:
            sts = self.get_session(self.client.meta.region_name).client(
                "sts",
                endpoint_url=self.conn_config.get_service_endpoint_url("sts"),
                verify=self.verify,
                config=Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=5),
            )
            return str(sts.get_caller_identity()["Account"])
        except Exception:  # only a message or a check is at stake: the caller does without it
            return None

    # -- any kind ------------------------------------------------------------------------------

    def call(self, operation: str, **request: Any) -> dict[str, Any]:
        """
        Make one API call by its operation name (``GetTrainedModel``) with a camelCase request.

        A call or a request member the installed botocore does not know yet fails with an error
        that names the botocore version, not an ``AttributeError``.
        """
        require_members(operation, list(request), {member: snake_case(member) for member in request})
        return dict(getattr(self.client, reading.method_name(operation))(**request))

    def call_api(self, operation: str, **arguments: Any) -> dict[str, Any]:
        """
        Make one API call with its members as snake_case arguments; arguments left as None are left out.

        The request is checked against the operation's input shape in the service model before the
        call (:func:`~airflow_cleanroomsml.validation.check_request`): bad input is named, not sent.
        """
        members = (
            service_model().operation_model(operation).input_shape.members if has_operation(operation) else {}
        )
        by_argument = {snake_case(member): member for member in members}
        unknown = sorted(set(arguments) - set(by_argument))
        if unknown and members:
            raise TypeError(f"{operation} takes {sorted(by_argument)}, not {unknown}.")
        request = {
            by_argument.get(name, name): value for name, value in arguments.items() if value is not None
        }
        check_request(operation, request, {member: snake_case(member) for member in request})
        return self.call(operation, **request)

    def run(self, steps: Steps[T]) -> T:
        """Make the calls that steps of the reading engine (:mod:`~airflow_cleanroomsml.reading`) need."""
        return reading.run(self.client, steps)

    def read(self, kind: ResourceKind, reference: Mapping[str, Any]) -> dict[str, Any]:
        """
        Read one resource: its description, or for a kind without a Get call, its list summary.

        The call goes to the region in the resource's ARN (:meth:`located`).

        :param kind: The resource's kind.
        :param reference: Its reference (:meth:`~airflow_cleanroomsml.kinds.ResourceKind.reference`).
        :raises botocore.exceptions.ClientError: ``ResourceNotFoundException`` when it is not found
            (or not listed).
        """
        return raised(self.answer(kind, reference))

    def answer(self, kind: ResourceKind, reference: Mapping[str, Any]) -> Answer:
        """
        One read of a resource, as the reading engine answers it: a reading, or its :class:`Failure`
        (the failure of a lookup its list call needs included, as in the triggerer).
        """
        hook = self.located(kind, reference)
        request = hook.looked_up(kind, reference) if kind.get is None else None
        if isinstance(request, Failure):
            return request
        return hook.run(reading.read(kind, reference, request))

    def describe(self, kind: ResourceKind, reference: Mapping[str, Any]) -> dict[str, Any]:
        """
        Read one resource for a user (the ``get_*`` methods, describe operators).

        As :meth:`read`, but a resource not found fails with a message that says where it was
        looked for: the account, the region and the connection.
        """
        hook = self.located(kind, reference)
        return raised(hook.answer(kind, reference), hook.asked)

    def list_request(self, kind: ResourceKind, reference: Mapping[str, Any]) -> dict[str, Any]:
        """The list call's request for a reference, with what the kind's lookups find (cached)."""
        return raised(self.looked_up(kind, reference))

    def looked_up(self, kind: ResourceKind, reference: Mapping[str, Any]) -> dict[str, Any] | Failure:
        """:meth:`list_request`, or the failure of a lookup it needs (a success is kept for later reads)."""
        key = (kind.name, *sorted(reference.items()))
        if key not in self._looked_up:
            found = self.located(kind, reference).run(reading.list_request(kind, reference))
            if isinstance(found, Failure):
                return found
            self._looked_up[key] = found
        return self._looked_up[key]

    def list_resources(self, kind: ResourceKind, **request: Any) -> list[dict[str, Any]]:
        """
        Every summary a kind's list call returns for ``request`` (all pages).

        :param kind: The kind to list.
        :param request: The list call's request in the API's camelCase (filters, parent).
        """
        if kind.list is None or kind.list_key is None:
            raise ValueError(f"{kind.title}s cannot be listed.")
        return self.paginate(kind.list, kind.list_key, **request)

    def paginate(self, operation: str, result_key: str, **request: Any) -> list[dict[str, Any]]:
        """Every item under ``result_key`` of every page of a list call."""
        require_members(operation, list(request), {member: snake_case(member) for member in request})
        return raised(self.run(reading.list_all(operation, result_key, request)))

    def cancel(self, kind: ResourceKind, reference: Mapping[str, Any]) -> bool:
        """
        Cancel a resource; one that has already finished, or is already being cancelled, is left as it is.

        :return: True if this call asked for the cancellation, False if it was past cancelling.
        :raises botocore.exceptions.ClientError: For any other failure (a resource not found says
            where it was looked for).
        """
        hook = self.located(kind, reference)
        asked = raised(hook.run(reading.cancel(kind, reference)), hook.asked)
        label = kind.label(reference)
        if asked:
            self.log.info("Asked to cancel %s %s.", kind.name, label)
        else:
            self.log.info("%s %s is past cancelling: nothing to cancel.", kind.title, label)
        return asked

    def delete(self, kind: ResourceKind, reference: Mapping[str, Any]) -> bool:
        """
        Delete a resource (or its data or output, as the kind's delete call does).

        One already deleted, being deleted or gone is left as it is.

        :return: True if this call asked for the deletion, False if it was already asked for.
        """
        hook = self.located(kind, reference)
        asked = raised(hook.run(reading.delete(kind, reference)))
        label = kind.label(reference)
        if asked:
            self.log.info("Asked to delete %s %s.", kind.name, label)
        else:
            self.log.info("%s %s is deleted, being deleted or gone: nothing to delete.", kind.title, label)
        return asked

    @staticmethod
    def can_cancel(kind: ResourceKind, status: str | None) -> bool:
        """Whether a resource in ``status`` can still be cancelled (its kind's ``cancellable`` waiter)."""
        return holds(kind, "cancellable", {"status": status})

    def wait(
        self,
        kind: ResourceKind,
        reference: Mapping[str, Any],
        waiter_name: str,
        schedule: ReadSchedule,
        reads_done: int = 0,
    ) -> ResourceEvent:
        """
        Read a resource in this process until its waiter decides, or the schedule's reads or time run out.

        The same policy as the trigger's (:class:`~airflow_cleanroomsml.waiting.ResourceWait`).

        :param kind: The resource's kind.
        :param reference: Its reference.
        :param waiter_name: Which of the kind's waiters judges each reading.
        :param schedule: When reads are due, and how many.
        :param reads_done: Reads of this wait already made.
        :return: The final event: ``status`` is ``success``, ``error``, ``timeout`` or ``execution_timeout``.
        """
        return self.wait_out(ResourceWait(kind, waiter_name, reference, schedule, reads_done))

    def wait_out(self, wait: ResourceWait, pause: Callable[[float], None] | None = None) -> ResourceEvent:
        """
        Read until a wait ends, in this process: what every wait in a worker runs.

        :param wait: The wait (its kind, resource, waiter and schedule, and the reads made so far).
        :param pause: Called with the Unix time the next read is due, before it: sleeps until then by
            default (a rescheduled sensor raises Airflow's reschedule instead).
        :return: The final event: ``status`` is ``success``, ``error``, ``timeout`` or ``execution_timeout``.
        """
        from airflow_cleanroomsml._compat import AirflowTaskTimeout

        hook = self.located(wait.kind, wait.reference)
        try:
            while True:
                due = wait.next_read_at()
                if due is None:
                    return wait.timeout_event()
                (pause or sleep_until)(due)
                event = wait.record(hook.answer(wait.kind, wait.reference), hook.asked)
                if event is not None:
                    return event
        except AirflowTaskTimeout:  # the task's own alarm rang during the last read its timeout allowed
            wait.ended_by = "execution_timeout"
            return wait.timeout_event()

    # -- any kind, asynchronously, with an aiobotocore client (the same engine) -----------------------

    @staticmethod
    async def aread(
        client: Any, kind: ResourceKind, reference: Mapping[str, Any], list_request: Mapping[str, Any]
    ) -> dict[str, Any]:
        """
        Read one resource with an aiobotocore client: its description, or its list summary.

        :param client: The aiobotocore ``cleanroomsml`` client.
        :param kind: The resource's kind.
        :param reference: Its reference.
        :param list_request: Its list call's request (from :meth:`alist_request`), for a kind
            without a Get call.
        """
        return raised(await reading.arun(client, reading.read(kind, reference, list_request)))

    @staticmethod
    async def alist_request(client: Any, kind: ResourceKind, reference: Mapping[str, Any]) -> dict[str, Any]:
        """The list call's request for a reference, with what the kind's lookups find."""
        return raised(await reading.arun(client, reading.list_request(kind, reference)))

    @staticmethod
    async def alist_page(
        client: Any,
        kind: ResourceKind,
        request: Mapping[str, Any],
        token: str | None = None,
        page_size: int = reading.PAGE_SIZE,
    ) -> dict[str, Any]:
        """One page of a kind's list call (``page_size`` summaries at most; 100 is the API's maximum)."""
        return raised(await reading.arun(client, reading.list_page(kind, request, token, page_size)))

    @staticmethod
    async def acancel(client: Any, kind: ResourceKind, reference: Mapping[str, Any]) -> bool:
        """
        Cancel a resource with an aiobotocore client; one past cancelling is left as it is.

        As :meth:`cancel` (the same steps): a conflict over a resource that could still be cancelled
        is raised.

        :return: True if this call asked for the cancellation, False if it was past cancelling.
        """
        return raised(await reading.arun(client, reading.cancel(kind, reference)))

    # -- ML input channels -----------------------------------------------------------------------

    def create_ml_input_channel(self, **arguments: Any) -> dict[str, Any]:
        """``CreateMLInputChannel`` with its members as snake_case arguments; returns the channel's ARN."""
        return self.call_api("CreateMLInputChannel", **arguments)

    def get_ml_input_channel(
        self, ml_input_channel_arn: str, membership_identifier: str | None = None
    ) -> dict[str, Any]:
        """``GetMLInputChannel``; the membership defaults to the ARN's."""
        return self.describe(
            ML_INPUT_CHANNEL,
            ML_INPUT_CHANNEL.reference(
                ml_input_channel_arn=ml_input_channel_arn, membership_identifier=membership_identifier
            ),
        )

    def list_ml_input_channels(self, membership_identifier: str) -> list[dict[str, Any]]:
        """``ListMLInputChannels``: every page of a membership's channels."""
        return self.list_resources(
            ML_INPUT_CHANNEL, membershipIdentifier=validate_membership_id(membership_identifier)
        )

    def delete_ml_input_channel_data(
        self, ml_input_channel_arn: str, membership_identifier: str | None = None
    ) -> bool:
        """
        ``DeleteMLInputChannelData``: delete the data a channel's query produced.

        Data already deleted or being deleted is left as it is.

        :return: True if this call asked for the deletion, False if it was already asked for.
        """
        reference = ML_INPUT_CHANNEL.reference(
            ml_input_channel_arn=ml_input_channel_arn, membership_identifier=membership_identifier
        )
        return self.delete(ML_INPUT_CHANNEL, reference)

    # -- trained models ------------------------------------------------------------------------

    def create_trained_model(self, **arguments: Any) -> dict[str, Any]:
        """``CreateTrainedModel`` with its members as snake_case arguments; returns the ARN and version."""
        return self.call_api("CreateTrainedModel", **arguments)

    def get_trained_model(
        self,
        trained_model_arn: str,
        membership_identifier: str | None = None,
        version_identifier: str | None = None,
    ) -> dict[str, Any]:
        """``GetTrainedModel``: one version (``version_identifier``, needs botocore 1.39.1), or the model."""
        return self.describe(
            TRAINED_MODEL, self._trained_model(trained_model_arn, membership_identifier, version_identifier)
        )

    def cancel_trained_model(
        self,
        trained_model_arn: str,
        membership_identifier: str | None = None,
        version_identifier: str | None = None,
    ) -> bool:
        """``CancelTrainedModel``; one past cancelling is left as it is. True if this call asked for it."""
        return self.cancel(
            TRAINED_MODEL, self._trained_model(trained_model_arn, membership_identifier, version_identifier)
        )

    def delete_trained_model_output(
        self,
        trained_model_arn: str,
        membership_identifier: str | None = None,
        version_identifier: str | None = None,
    ) -> bool:
        """
        ``DeleteTrainedModelOutput``: delete the artifacts a training produced.

        Output already deleted or being deleted is left as it is.

        :return: True if this call asked for the deletion, False if it was already asked for.
        """
        return self.delete(
            TRAINED_MODEL, self._trained_model(trained_model_arn, membership_identifier, version_identifier)
        )

    def list_trained_models(self, membership_identifier: str) -> list[dict[str, Any]]:
        """``ListTrainedModels``: every page of a membership's trained models."""
        return self.list_resources(
            TRAINED_MODEL, membershipIdentifier=validate_membership_id(membership_identifier)
        )

    def list_trained_model_versions(
        self, trained_model_arn: str, membership_identifier: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """``ListTrainedModelVersions`` (botocore 1.39.1 and later): every page of one model's versions."""
        reference = self._trained_model(trained_model_arn, membership_identifier, None)
        return self.paginate(
            "ListTrainedModelVersions", "trainedModels", **reference, **({"status": status} if status else {})
        )

    def latest_active_trained_model(self, membership_identifier: str, name: str) -> dict[str, Any]:
        """
        The newest usable (``ACTIVE``) version of the membership's trained model called ``name``.

        Usable is what the trained model's ``usable`` waiter says.

        Versions are listed with ``ListTrainedModelVersions`` where botocore has it (1.39.1), and
        the models themselves otherwise.

        :return: Its summary: ``trainedModelArn``, ``versionIdentifier`` (where botocore knows
            versions), ``name``, ``status``, ``createTime``...
        :raises ValueError: When no trained model of that name is ``ACTIVE``.
        """
        usable = statuses_judged(TRAINED_MODEL, TRAINED_MODEL.waiter("usable"), "success")
        named = [
            model for model in self.list_trained_models(membership_identifier) if model.get("name") == name
        ]
        candidates = [model for model in named if holds(TRAINED_MODEL, "usable", model)]
        if has_operation("ListTrainedModelVersions"):
            status = usable[0] if len(usable) == 1 else None  # the list call filters by one status
            candidates = [
                version
                for arn in dict.fromkeys(model["trainedModelArn"] for model in named)
                for version in self.list_trained_model_versions(arn, membership_identifier, status=status)
                if holds(TRAINED_MODEL, "usable", version)
            ]
        if not candidates:
            raise ValueError(
                f"No trained model named {name!r} is {' or '.join(usable)} in membership "
                f"{membership_identifier} ({len(named)} of that name in other statuses; "
                f"asked: {self.asked()})."
            )
        return max(candidates, key=lambda model: model["createTime"])

    @staticmethod
    def _trained_model(arn: str, membership: str | None, version: str | None) -> dict[str, Any]:
        return TRAINED_MODEL.reference(
            trained_model_arn=arn, membership_identifier=membership, version_identifier=version
        )

    # -- trained model export jobs ---------------------------------------------------------------

    def start_trained_model_export_job(self, **arguments: Any) -> None:
        """``StartTrainedModelExportJob`` with its members as snake_case arguments (it returns nothing)."""
        self.call_api("StartTrainedModelExportJob", **arguments)

    def get_trained_model_export_job(
        self,
        membership_identifier: str,
        trained_model_arn: str,
        name: str,
        trained_model_version_identifier: str | None = None,
    ) -> dict[str, Any]:
        """An export job's summary, found by name with ``ListCollaborationTrainedModelExportJobs``."""
        reference = TRAINED_MODEL_EXPORT_JOB.reference(
            membership_identifier=membership_identifier,
            trained_model_arn=trained_model_arn,
            name=name,
            trained_model_version_identifier=trained_model_version_identifier,
        )
        return self.describe(TRAINED_MODEL_EXPORT_JOB, reference)

    # -- lookalike: audience models, generation and export jobs ----------------------------------

    def create_audience_model(self, **arguments: Any) -> dict[str, Any]:
        """``CreateAudienceModel`` with its members as snake_case arguments; returns the model's ARN."""
        return self.call_api("CreateAudienceModel", **arguments)

    def get_audience_model(self, audience_model_arn: str) -> dict[str, Any]:
        """``GetAudienceModel``."""
        return self.describe(AUDIENCE_MODEL, AUDIENCE_MODEL.reference(audience_model_arn=audience_model_arn))

    def list_audience_models(self) -> list[dict[str, Any]]:
        """``ListAudienceModels``: every page of the account's audience models."""
        return self.list_resources(AUDIENCE_MODEL)

    def delete_audience_model(self, audience_model_arn: str) -> bool:
        """``DeleteAudienceModel``; one already gone or being deleted is left as it is."""
        return self.delete(AUDIENCE_MODEL, AUDIENCE_MODEL.reference(audience_model_arn=audience_model_arn))

    def get_configured_audience_model(self, configured_audience_model_arn: str) -> dict[str, Any]:
        """``GetConfiguredAudienceModel``: configuration (which audience model a collaboration uses)."""
        return self.describe(
            CONFIGURED_AUDIENCE_MODEL,
            CONFIGURED_AUDIENCE_MODEL.reference(configured_audience_model_arn=configured_audience_model_arn),
        )

    def update_configured_audience_model(self, **arguments: Any) -> dict[str, Any]:
        """``UpdateConfiguredAudienceModel`` with its members as snake_case arguments (a retrained model)."""
        return self.call_api("UpdateConfiguredAudienceModel", **arguments)

    def start_audience_generation_job(self, **arguments: Any) -> dict[str, Any]:
        """``StartAudienceGenerationJob`` with its members as snake_case arguments; returns the job's ARN."""
        return self.call_api("StartAudienceGenerationJob", **arguments)

    def get_audience_generation_job(self, audience_generation_job_arn: str) -> dict[str, Any]:
        """``GetAudienceGenerationJob``."""
        return self.describe(
            AUDIENCE_GENERATION_JOB,
            AUDIENCE_GENERATION_JOB.reference(audience_generation_job_arn=audience_generation_job_arn),
        )

    def list_audience_generation_jobs(self, **filters: Any) -> list[dict[str, Any]]:
        """``ListAudienceGenerationJobs`` (``configured_audience_model_arn``, ``collaboration_id``)."""
        members = {
            "configured_audience_model_arn": "configuredAudienceModelArn",
            "collaboration_id": "collaborationId",
        }
        return self.list_resources(
            AUDIENCE_GENERATION_JOB, **{members[k]: v for k, v in filters.items() if v}
        )

    def delete_audience_generation_job(self, audience_generation_job_arn: str) -> bool:
        """``DeleteAudienceGenerationJob``; one already gone or being deleted is left as it is."""
        return self.delete(
            AUDIENCE_GENERATION_JOB,
            AUDIENCE_GENERATION_JOB.reference(audience_generation_job_arn=audience_generation_job_arn),
        )

    def start_audience_export_job(self, **arguments: Any) -> None:
        """``StartAudienceExportJob`` with its members as snake_case arguments (it returns nothing)."""
        self.call_api("StartAudienceExportJob", **arguments)

    def get_audience_export_job(self, audience_generation_job_arn: str, name: str) -> dict[str, Any]:
        """An audience export job's summary, found by name with ``ListAudienceExportJobs``."""
        reference = AUDIENCE_EXPORT_JOB.reference(
            audience_generation_job_arn=audience_generation_job_arn, name=name
        )
        return self.describe(AUDIENCE_EXPORT_JOB, reference)

    # -- trained model inference jobs -------------------------------------------------------------

    def get_trained_model_inference_job(
        self, trained_model_inference_job_arn: str, membership_identifier: str | None = None
    ) -> dict[str, Any]:
        """
        Describe a trained model inference job (``GetTrainedModelInferenceJob``).

        :param trained_model_inference_job_arn: The job's ARN.
        :param membership_identifier: The id of the membership that holds the job; taken from the
            ARN when omitted, and checked against it when given.
        :return: The response, with boto3's ``datetime`` values and ``ResponseMetadata``.
        """
        return self.describe(
            TRAINED_MODEL_INFERENCE_JOB,
            TRAINED_MODEL_INFERENCE_JOB.reference(
                trained_model_inference_job_arn=trained_model_inference_job_arn,
                membership_identifier=membership_identifier,
            ),
        )

    def start_trained_model_inference_job(self, **arguments: Any) -> dict[str, Any]:
        """
        ``StartTrainedModelInferenceJob`` with its members as snake_case arguments; returns the job's ARN.

        :param arguments: ``membership_identifier``, ``name``, ``trained_model_arn``... (the
            operator's arguments); those left as None are left out.
        :return: The response: ``{"trainedModelInferenceJobArn": ...}``.
        """
        return self.call_api("StartTrainedModelInferenceJob", **arguments)

    def cancel_trained_model_inference_job(
        self, trained_model_inference_job_arn: str, membership_identifier: str | None = None
    ) -> bool:
        """
        Cancel a trained model inference job (``CancelTrainedModelInferenceJob``).

        A job that has already finished, or is already being cancelled, is left as it is.

        :param trained_model_inference_job_arn: The job's ARN.
        :param membership_identifier: The membership holding the job (default: the one in the ARN).
        :return: True if this call asked for the cancellation, False if the job was past cancelling.
        """
        return self.cancel(
            TRAINED_MODEL_INFERENCE_JOB,
            TRAINED_MODEL_INFERENCE_JOB.reference(
                trained_model_inference_job_arn=trained_model_inference_job_arn,
                membership_identifier=membership_identifier,
            ),
        )

    def list_trained_model_inference_jobs(
        self,
        membership_identifier: str,
        trained_model_arn: str | None = None,
        trained_model_version_identifier: str | None = None,
    ) -> list[TrainedModelInferenceJobSummaryTypeDef]:
        """
        List a membership's trained model inference jobs, newest first (every page).

        :param membership_identifier: The membership to list.
        :param trained_model_arn: Only jobs of this trained model.
        :param trained_model_version_identifier: Only jobs of this version of the trained model.
        """
        filters = {
            key: value
            for key, value in (
                ("trainedModelArn", trained_model_arn),
                ("trainedModelVersionIdentifier", trained_model_version_identifier),
            )
            if value
        }
        jobs = self.list_resources(
            TRAINED_MODEL_INFERENCE_JOB,
            membershipIdentifier=validate_membership_id(membership_identifier),
            **filters,
        )
        newest_first = sorted(jobs, key=lambda job: job["createTime"], reverse=True)
        return newest_first  # type: ignore[return-value]  # the list call's summaries

    def wait_for_trained_model_inference_job(
        self,
        trained_model_inference_job_arn: str,
        *,
        waiter_name: str = TRAINED_MODEL_INFERENCE_JOB_COMPLETE,
        waiter_delay: float = 30,
        waiter_max_attempts: int = 120,
        deadline: float | None = None,
    ) -> ResourceEvent:
        """
        Read a job in this process until the waiter decides, or the reads or time run out.

        :param trained_model_inference_job_arn: The job's ARN.
        :param waiter_name: Which custom waiter judges each read.
        :param waiter_delay: Seconds between reads.
        :param waiter_max_attempts: The most reads to make.
        :param deadline: Unix time after which no read is made
            (default: ``waiter_delay * waiter_max_attempts`` seconds from now).
        :return: The final event: ``status`` is ``success``, ``error`` or ``timeout``.
        """
        reference = TRAINED_MODEL_INFERENCE_JOB.reference(
            trained_model_inference_job_arn=trained_model_inference_job_arn
        )
        if deadline is None:
            schedule = ReadSchedule.starting_now(waiter_delay, waiter_max_attempts)
        else:
            schedule = ReadSchedule.from_deadline(deadline, waiter_delay, waiter_max_attempts)
        return self.wait(TRAINED_MODEL_INFERENCE_JOB, reference, waiter_name, schedule)
