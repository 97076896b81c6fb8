"""
One list call for the reads that coincide, instead of a Get each.

A triggerer holding a thousand waits on one membership would otherwise make a thousand Get calls
each interval, and parse the thousand responses in a burst that stalls its event loop for
seconds. Here the reads of one kind of resource that share a list request (the same membership,
say) and fall within a short gathering window share one sweep: a page of up to 100 summaries is
one call and a fraction of the parsing. Any kind with a List call can be swept; a summary is
matched to a read by the kind's ``match_by`` member (its ARN, or its name).

For a kind with a Get call, the sweep is only ever a shortcut; the trigger reads a resource with
Get whenever the sweep cannot answer for it:

- too few reads coincide (:data:`SWEEP_MIN_READS`) for a list page to be cheaper than Gets;
- the resource was not in the pages read: paging stops when it has made as many calls as there
  are resources still missing, so a sweep costs one call per 100 resources when the ones read are
  among the newest, and at worst twice the Gets it replaces when hundreds of others come first;
- its summary shows a failure: summaries lack ``statusDetails``, and the error must carry them;
- the credentials may not list (``AccessDeniedException``: this sweep stops trying), or the list
  call failed for another non-transient reason.

For a kind without a Get call (an export job), the list is how it is read: its sweep pages on
until every read is answered, and its summaries carry ``statusDetails``.

A sweep that fails transiently (throttling or 5xx after botocore's retries, a connection error)
hands its error to every read in it: each counts one failed read and the waits go on, instead of
turning one throttled call into a burst of Gets.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, TypeAlias

from airflow_cleanroomsml import reading
from airflow_cleanroomsml.reading import Failure

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from airflow_cleanroomsml.kinds import ResourceKind

log = logging.getLogger(__name__)

SWEEP_MIN_READS = 3
"""Fewer coinciding reads than this, of a kind with a Get call, are left to Get."""
MAX_GATHER_SECONDS = 0.5
"""The longest a read waits for others to join its sweep."""
DELIVERY_CHUNK = 20
"""Reads woken per event-loop iteration when a sweep delivers: wakes a thousand without a stall."""

Reading: TypeAlias = dict[str, Any] | Failure | None
"""A resource's listed ``status`` (and ``statusDetails``), the sweep's transient failure, or None: Get it."""
_Reads: TypeAlias = "dict[Any, list[asyncio.Future[Reading]]]"


def gather_seconds(waiter_delay: float) -> float:
    """How long a read waits for others to join its sweep: a tenth of the interval, at most 0.5 s."""
    return min(MAX_GATHER_SECONDS, waiter_delay / 10)


class ListSweep:
    """
    Gathers the reads of one kind that share a list request, and answers them with shared list calls.

    :param client: The aiobotocore ``cleanroomsml`` client the sweep lists with.
    :param kind: The kind of resource it lists.
    :param list_request: The list call's request (the membership, a parent resource...).
    """

    def __init__(self, client: Any, kind: ResourceKind, list_request: Mapping[str, Any]) -> None:
        self._client = client
        self._kind = kind
        self._request = dict(list_request)
        self._gathering: _Reads | None = None
        self._sweeps: set[asyncio.Task[None]] = set()
        self.list_denied = False

    async def read(self, match: Any, gather_seconds: float) -> Reading:
        """
        This read's answer for one resource, from the sweep of the reads gathered with it.

        :param match: The resource's ``match_by`` value (its ARN, or its name).
        :param gather_seconds: How long a sweep this read opens waits for other reads to join it.
        :return: The resource's listed ``status`` (and ``statusDetails`` where summaries carry them);
            the sweep's transient :class:`~airflow_cleanroomsml.reading.Failure` (count it as a
            failed read); or None when the sweep did not answer for this resource (read it on its own).
        """
        if self.list_denied:
            return None
        future: asyncio.Future[Reading] = asyncio.get_running_loop().create_future()
        if self._gathering is None:
            self._gathering = {}
            sweep = asyncio.create_task(self._sweep_after(self._gathering, gather_seconds))
            self._sweeps.add(sweep)
            sweep.add_done_callback(self._sweeps.discard)
        self._gathering.setdefault(match, []).append(future)
        return await future

    async def close(self) -> None:
        """Stop the sweeps still gathering or running; a read still waiting is left to its own call."""
        for sweep in list(self._sweeps):
            sweep.cancel()
        await asyncio.gather(*self._sweeps, return_exceptions=True)
        if self._gathering is not None:  # its sweep was cancelled before it could start
            _answer(self._gathering.items(), {})
            self._gathering = None

    async def _sweep_after(self, reads: _Reads, gather_seconds: float) -> None:
        readings: dict[Any, Reading] = {}
        try:
            await asyncio.sleep(gather_seconds)
            self._gathering = None
            wanted = {
                match for match, futures in reads.items() if not all(future.done() for future in futures)
            }
            if len(wanted) >= (SWEEP_MIN_READS if self._kind.get else 1):
                readings = await self._sweep(wanted)
            items = list(reads.items())
            for start in range(0, len(items) - DELIVERY_CHUNK, DELIVERY_CHUNK):
                _answer(items[start : start + DELIVERY_CHUNK], readings)
                await asyncio.sleep(0)  # let the reads woken so far run before waking more
        except Exception:
            log.exception("Sweeping %ss %s failed; each is read on its own.", self._kind.name, self._request)
        finally:
            # The last chunk; or, after a bug or a cancellation, every read still waiting.
            if self._gathering is reads:
                self._gathering = None
            _answer(reads.items(), readings)

    async def _sweep(self, wanted: set[Any]) -> dict[Any, Reading]:
        kind, found = self._kind, dict[Any, Reading]()
        pages, token = 0, None
        while True:
            page = await reading.arun(self._client, reading.list_page(kind, self._request, token))
            if isinstance(page, Failure):
                return self._failed(page, wanted, found)
            pages += 1
            for summary in page.get(kind.list_key or "", []):
                match = summary.get(kind.match_by)
                if match in wanted:  # only what the waits judge: see ResourceWait.record
                    found[match] = {
                        "status": summary.get("status"),
                        "statusDetails": summary.get("statusDetails"),
                    }
            token = page.get("nextToken")
            # Another page only while it could still be cheaper than the Gets of those missing.
            if not token or len(found) == len(wanted) or (kind.get and pages >= len(wanted) - len(found)):
                break
        log.debug(
            "Swept %ss %s in %d page(s): %d of %d listed.",
            kind.name,
            self._request,
            pages,
            len(found),
            len(wanted),
        )
        if kind.get is None and not token:  # every page read: what is missing is not there (yet)
            for match in wanted - set(found):
                found[match] = Failure.not_listed(kind, f"{match!r} ({self._request})")
        return found

    def _failed(self, failure: Failure, wanted: set[Any], found: dict[Any, Reading]) -> dict[Any, Reading]:
        """A list call that failed: transiently, every read in the sweep failed; else each reads alone."""
        if failure.transient:
            return dict.fromkeys(wanted, failure)
        if failure.code == "AccessDeniedException":
            self.list_denied = True
        log.warning(
            "Listing %ss %s failed (%s: %s); reading each on its own instead.",
            self._kind.name,
            self._request,
            failure.code,
            failure.message,
        )
        return found


def _answer(
    reads: Iterable[tuple[Any, list[asyncio.Future[Reading]]]], readings: Mapping[Any, Reading]
) -> None:
    for match, futures in reads:
        for future in futures:
            if not future.done():
                future.set_result(readings.get(match))
