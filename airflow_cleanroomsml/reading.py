"""
One reading engine: how a resource is read, listed, cancelled or deleted, written once for the
worker's boto3 client and the triggerer's aiobotocore client.

Each operation here is a generator of *steps*: it yields the API calls it needs (:class:`Call`), is
sent each call's answer, and returns its outcome. :func:`run` drives the steps with a boto3 client,
:func:`arun` with an aiobotocore client; the logic is the same code for both, so the worker and
the triggerer cannot drift apart.

An answer is the call's response (a dict) or a :class:`Failure`: what a call that failed answered,
after botocore's own retries, as a value, from the call to the judge. Only the public API (the
hook's methods) raises a failure, as botocore's ``ClientError`` with its code and message.

Nothing here names a status: what a status means is the kind's waiters' to say
(:func:`~airflow_cleanroomsml.judging.judge`).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias, TypeVar

from airflow_cleanroomsml.judging import holds
from airflow_cleanroomsml.kinds import ARN_MEMBERSHIP

if TYPE_CHECKING:
    from collections.abc import Mapping

    from airflow_cleanroomsml.kinds import ResourceKind

PAGE_SIZE = 100
"""Summaries per list call: the API's maximum."""
NOT_FOUND = "ResourceNotFoundException"
CONFLICT = "ConflictException"


class Call(NamedTuple):
    """One API call a step needs: the operation (``GetTrainedModel``) and its camelCase request."""

    operation: str
    request: Mapping[str, Any]


class Failure(NamedTuple):
    """
    What a call that failed answered (after botocore's own retries), as a value.

    :param operation: The API operation that failed.
    :param code: The AWS error code (``ThrottlingException``...), or the name of the connection error.
    :param message: The service's message (or the connection error's).
    :param http_status: The HTTP status, or 0 when no answer came (a connection error).
    :param error: The exception the client raised, if any (raised again as it was).
    """

    operation: str
    code: str
    message: str
    http_status: int = 0
    error: BaseException | None = None

    @classmethod
    def of(cls, error: BaseException, operation: str) -> Failure:
        """The failure of a call that raised ``error``: a ``ClientError`` or a connection error."""
        from botocore.exceptions import ClientError

        if isinstance(error, ClientError):
            details = error.response.get("Error", {})
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            code, message = str(details.get("Code", "")), str(details.get("Message", ""))
            return cls(operation, code, message, status, error)
        return cls(operation, type(error).__name__, str(error), 0, error)

    @classmethod
    def not_listed(cls, kind: ResourceKind, label: str) -> Failure:
        """A resource its kind's list call does not show: not found, as the service would say."""
        return cls(kind.list or "List", NOT_FOUND, f"{kind.title} {label} is not listed.", 404)

    @property
    def response(self) -> dict[str, Any]:
        """The error as botocore's response dict: what waiters' error matchers look at."""
        return {
            "Error": {"Code": self.code, "Message": self.message},
            "ResponseMetadata": {"HTTPStatusCode": self.http_status},
        }

    @property
    def transient(self) -> bool:
        """Whether another read may cure it: no answer at all, throttling, or a server error."""
        return (
            self.http_status == 0
            or self.http_status == 429
            or self.http_status >= 500
            or ("Throttl" in self.code)
        )

    def exception(self, asked: str | None = None) -> BaseException:
        """
        The exception to raise for a user: the client's own, or a ``ClientError`` with the code and message.

        :param asked: Where the call went (account, region, connection), added to the message.
        """
        from botocore.exceptions import ClientError

        if self.error is not None and asked is None:
            return self.error
        message = f"{self.message} (asked: {asked})" if asked else self.message
        response = {**self.response, "Error": {"Code": self.code, "Message": message}}
        return ClientError(response, self.operation)  # type: ignore[arg-type]


Answer: TypeAlias = "dict[str, Any] | Failure"
"""What a call, or a read, answered: a response or a summary, or a :class:`Failure`."""
T = TypeVar("T")
Steps: TypeAlias = Generator[Call, Answer, T]


def method_name(operation: str) -> str:
    """The client method of an API operation: ``GetTrainedModel`` → ``get_trained_model``."""
    from botocore import xform_name

    return xform_name(operation)


def run(client: Any, steps: Steps[T]) -> T:
    """Make the calls ``steps`` need with a boto3 client; return the steps' outcome."""
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as BotocoreConnectionError

    try:
        call = next(steps)
        while True:
            answer: Answer
            try:
                answer = dict(getattr(client, method_name(call.operation))(**call.request))
            except (ClientError, BotocoreConnectionError, HTTPClientError) as error:
                answer = Failure.of(error, call.operation)
            call = steps.send(answer)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def arun(client: Any, steps: Steps[T]) -> T:
    """Make the calls ``steps`` need with an aiobotocore client; return the steps' outcome."""
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as BotocoreConnectionError

    try:
        call = next(steps)
        while True:
            answer: Answer
            try:
                answer = dict(await getattr(client, method_name(call.operation))(**call.request))
            except (ClientError, BotocoreConnectionError, HTTPClientError) as error:
                answer = Failure.of(error, call.operation)
            call = steps.send(answer)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


def find(kind: ResourceKind, summaries: list[dict[str, Any]], reference: Mapping[str, Any]) -> dict | None:
    """The summary of the resource a reference names, among a list call's summaries."""
    wanted = reference[kind.match_by]
    return next((summary for summary in summaries if summary.get(kind.match_by) == wanted), None)


def list_request(kind: ResourceKind, reference: Mapping[str, Any]) -> Steps[dict[str, Any] | Failure]:
    """The kind's list call's request for a reference, with what its lookups find (``GetTrainedModel``...)."""
    known = {**reference, ARN_MEMBERSHIP: kind.locate(reference).membership_id}
    for lookup in kind.lookups:
        answer = yield Call(lookup.operation, {k: known[v] for k, v in lookup.request.items()})
        if isinstance(answer, Failure):
            return answer
        known.update({k: answer[v] for k, v in lookup.take.items()})
    return {member: known[source] for member, source in kind.list_request.items() if source in known}


def list_page(
    kind: ResourceKind, request: Mapping[str, Any], token: str | None = None, page_size: int = PAGE_SIZE
) -> Steps[Answer]:
    """One page of a kind's list call."""
    if kind.list is None:
        raise ValueError(f"{kind.title}s cannot be listed.")
    paging = {"maxResults": page_size, **({"nextToken": token} if token else {})}
    return (yield Call(kind.list, {**request, **paging}))


def list_all(operation: str, result_key: str, request: Mapping[str, Any]) -> Steps[list[dict] | Failure]:
    """Every item under ``result_key`` of every page of a list call."""
    items: list[dict[str, Any]] = []
    token = None
    while True:
        answer = yield Call(operation, {**request, **({"nextToken": token} if token else {})})
        if isinstance(answer, Failure):
            return answer
        items.extend(answer.get(result_key, []))
        token = answer.get("nextToken")
        if not token:
            return items


def read(
    kind: ResourceKind, reference: Mapping[str, Any], request: Mapping[str, Any] | None = None
) -> Steps[Answer]:
    """
    Read one resource: its description, or for a kind without a Get call, its list summary.

    :param kind: The resource's kind.
    :param reference: Its reference (:meth:`~airflow_cleanroomsml.kinds.ResourceKind.reference`).
    :param request: Its list call's request, if known (else the kind's lookups find it).
    """
    if kind.get is not None:
        return (yield Call(kind.get, reference))
    if request is None:
        looked_up = yield from list_request(kind, reference)
        if isinstance(looked_up, Failure):
            return looked_up
        request = looked_up
    token = None
    while True:
        page = yield from list_page(kind, request, token)
        if isinstance(page, Failure):
            return page
        summary = find(kind, page.get(kind.list_key or "", []), reference)
        if summary is not None:
            return summary
        token = page.get("nextToken")
        if not token:
            return Failure.not_listed(kind, kind.label(reference))


def cancel(kind: ResourceKind, reference: Mapping[str, Any]) -> Steps[bool | Failure]:
    """
    Cancel a resource; one past cancelling (finished, or already being cancelled) is left as it is.

    :return: True if this call asked for the cancellation, False if it was past cancelling, or the
        failure of a call (a conflict over a resource that could still be cancelled included).
    """
    if kind.cancel is None:
        raise ValueError(f"{kind.title}s cannot be cancelled.")
    answer = yield Call(kind.cancel, reference)
    if not isinstance(answer, Failure):
        return True
    if answer.code != CONFLICT:
        return answer
    reading = yield from read(kind, reference)
    if isinstance(reading, Failure) or holds(kind, "cancellable", reading):
        return answer
    return False


def delete(kind: ResourceKind, reference: Mapping[str, Any]) -> Steps[bool | Failure]:
    """
    Delete a resource (or its data or output, as the kind's delete call does); one already deleted,
    being deleted or gone is left as it is.

    :return: True if this call asked for the deletion, False if it was already asked for (or the
        resource is gone), or the failure of a call.
    """
    if kind.delete is None:
        raise ValueError(f"{kind.title}s cannot be deleted.")
    answer = yield Call(kind.delete, reference)
    if not isinstance(answer, Failure):
        return True
    if holds(kind, "already_deleted", answer.response):  # gone
        return False
    if answer.code != CONFLICT:
        return answer
    reading = yield from read(kind, reference)
    found = reading.response if isinstance(reading, Failure) else reading
    if holds(kind, "already_deleted", found):
        return False
    return reading if isinstance(reading, Failure) else answer
