"""
One ``ListTrainedModelInferenceJobs`` sweep for the polls that coincide, instead of a Get each.

A triggerer holding a thousand waits on one membership would otherwise make a thousand
``GetTrainedModelInferenceJob`` calls each interval, and parse the thousand responses in a burst
that stalls its event loop for seconds. Here the polls of one membership (through one client) that
fall within a short gathering window share one sweep: a page of up to 100 job summaries is one call
and a fraction of the parsing.

The sweep is only ever a shortcut; the trigger reads a job with ``GetTrainedModelInferenceJob``
whenever the sweep cannot answer for it:

- too few polls coincide (:data:`SWEEP_MIN_JOBS`) for a list page to be cheaper than Gets;
- the job was not in the pages read: paging stops when it has made as many calls as there are
  jobs still missing, so a sweep costs one call per 100 jobs when the polled jobs are among the
  membership's newest, and at worst twice the Gets it replaces when hundreds of other jobs are
  listed before them;
- the job's summary shows a failure: summaries lack ``statusDetails``, and the error must carry them;
- the credentials may not list (``AccessDeniedException``: this sweep stops trying), or the list
  call failed for another non-transient reason.

A sweep that fails transiently (throttling or 5xx after botocore's retries, a connection error)
hands its error to every poll in it: each counts one failed poll and the waits go on, instead of
turning one throttled call into a burst of Gets.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, TypeAlias

from airflow_cleanroomsml.polling import is_transient

if TYPE_CHECKING:
    from collections.abc import Iterable

log = logging.getLogger(__name__)

SWEEP_MIN_JOBS = 3
"""Fewer coinciding polls of a membership than this are read with ``GetTrainedModelInferenceJob``."""
PAGE_SIZE = 100
"""Summaries per ``ListTrainedModelInferenceJobs`` call: the API's maximum."""
MAX_GATHER_SECONDS = 0.5
"""The longest a poll waits for others to join its sweep."""
DELIVERY_CHUNK = 20
"""Polls woken per event-loop iteration when a sweep delivers: wakes a thousand without a stall."""

Reading: TypeAlias = dict[str, Any] | BaseException | None
"""A job's listed ``status`` (with its ARN), the sweep's transient error, or None: read it with Get."""
_Polls: TypeAlias = "dict[str, list[asyncio.Future[Reading]]]"


def gather_seconds(waiter_delay: float) -> float:
    """How long a poll waits for others to join its sweep: a tenth of the interval, at most 0.5 s."""
    return min(MAX_GATHER_SECONDS, waiter_delay / 10)


class MembershipStatusSweep:
    """
    Gathers the polls of one membership's jobs and answers them with shared list sweeps.

    :param client: The aiobotocore ``cleanroomsml`` client the sweep lists with.
    :param membership_identifier: The membership whose jobs it lists.
    """

    def __init__(self, client: Any, membership_identifier: str) -> None:
        self._client = client
        self._membership = membership_identifier
        self._gathering: _Polls | None = None
        self._sweeps: set[asyncio.Task[None]] = set()
        self.list_denied = False

    async def read(self, trained_model_inference_job_arn: str, gather_seconds: float) -> Reading:
        """
        This poll's reading of one job, from the sweep of the polls gathered with it.

        :param trained_model_inference_job_arn: The job's ARN.
        :param gather_seconds: How long a sweep this poll opens waits for other polls to join it.
        :return: The job's listed status (``trainedModelInferenceJobArn`` and ``status``); the
            sweep's transient error (count it as a failed poll); or
            None when the sweep did not answer for this job (read it with Get).
        """
        if self.list_denied:
            return None
        future: asyncio.Future[Reading] = asyncio.get_running_loop().create_future()
        if self._gathering is None:
            self._gathering = {}
            sweep = asyncio.create_task(self._sweep_after(self._gathering, gather_seconds))
            self._sweeps.add(sweep)
            sweep.add_done_callback(self._sweeps.discard)
        self._gathering.setdefault(trained_model_inference_job_arn, []).append(future)
        return await future

    async def close(self) -> None:
        """Stop the sweeps still gathering or running; a poll still waiting is left to Get."""
        for sweep in list(self._sweeps):
            sweep.cancel()
        await asyncio.gather(*self._sweeps, return_exceptions=True)
        if self._gathering is not None:  # its sweep was cancelled before it could start
            _answer(self._gathering.items(), {})
            self._gathering = None

    async def _sweep_after(self, polls: _Polls, gather_seconds: float) -> None:
        readings: dict[str, Reading] = {}
        try:
            await asyncio.sleep(gather_seconds)
            self._gathering = None
            wanted = {arn for arn, futures in polls.items() if not all(future.done() for future in futures)}
            if len(wanted) >= SWEEP_MIN_JOBS:
                readings = await self._sweep(wanted)
            items = list(polls.items())
            for start in range(0, len(items) - DELIVERY_CHUNK, DELIVERY_CHUNK):
                _answer(items[start : start + DELIVERY_CHUNK], readings)
                await asyncio.sleep(0)  # let the polls woken so far run before waking more
        except Exception:
            log.exception("Sweeping membership %s failed; its polls read with Get.", self._membership)
        finally:
            # The last chunk; or, after a bug or a cancellation, every poll still waiting.
            if self._gathering is polls:
                self._gathering = None
            _answer(polls.items(), readings)

    async def _sweep(self, wanted: set[str]) -> dict[str, Reading]:
        from botocore.exceptions import ClientError, HTTPClientError
        from botocore.exceptions import ConnectionError as BotocoreConnectionError

        found: dict[str, Reading] = {}
        pages, token = 0, None
        try:
            while True:
                response = await self._client.list_trained_model_inference_jobs(
                    membershipIdentifier=self._membership,
                    maxResults=PAGE_SIZE,
                    **({"nextToken": token} if token else {}),
                )
                pages += 1
                for summary in response.get("trainedModelInferenceJobs", []):
                    arn = summary.get("trainedModelInferenceJobArn")
                    if arn in wanted:  # only what the waiters judge: see JobPoller.judge_job
                        found[arn] = {"trainedModelInferenceJobArn": arn, "status": summary.get("status")}
                token = response.get("nextToken")
                # Another page only while it could still be cheaper than the Gets of the jobs missing.
                if not token or pages >= len(wanted) - len(found):
                    break
        except (BotocoreConnectionError, HTTPClientError) as error:
            return dict.fromkeys(wanted, error)
        except ClientError as error:
            if is_transient(error.response):
                return dict.fromkeys(wanted, error)
            if error.response.get("Error", {}).get("Code") == "AccessDeniedException":
                self.list_denied = True
            log.warning(
                "Listing the jobs of membership %s failed (%s); reading each job with Get instead.",
                self._membership,
                error,
            )
            return found
        log.debug(
            "Swept membership %s in %d page(s): %d of %d polled jobs listed.",
            self._membership,
            pages,
            len(found),
            len(wanted),
        )
        return found


def _answer(polls: Iterable[tuple[str, list[asyncio.Future[Reading]]]], readings: dict[str, Reading]) -> None:
    for arn, futures in polls:
        for future in futures:
            if not future.done():
                future.set_result(readings.get(arn))
