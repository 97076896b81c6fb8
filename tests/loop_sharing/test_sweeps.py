from __future__ import annotations

import asyncio

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from airflow_cleanroomsml.kinds import TRAINED_MODEL_INFERENCE_JOB
from airflow_cleanroomsml.loop_sharing.sweeps import SWEEP_MIN_READS, ListSweep, gather_seconds
from airflow_cleanroomsml.reading import PAGE_SIZE, Failure
from tests.helpers import MEMBERSHIP_ID


def arn(index: int) -> str:
    return (
        f"arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/{MEMBERSHIP_ID}"
        f"/trained-model-inference-job/job-{index}"
    )


def client_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": f"{code} text"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "ListTrainedModelInferenceJobs",
    )


class FakeLister:
    """Lists ``count`` jobs (``job-0`` first) in pages, like the service; or raises ``error``."""

    def __init__(self, count: int, error: Exception | None = None) -> None:
        self.count, self.error = count, error
        self.calls: list[dict] = []

    async def list_trained_model_inference_jobs(self, **kwargs):
        self.calls.append(kwargs)
        if self.error is not None:
            raise self.error
        assert kwargs["membershipIdentifier"] == MEMBERSHIP_ID
        start = int(kwargs.get("nextToken", 0))
        end = min(start + kwargs["maxResults"], self.count)
        page = {
            "trainedModelInferenceJobs": [
                {"trainedModelInferenceJobArn": arn(i), "status": "CREATE_IN_PROGRESS", "name": f"job-{i}"}
                for i in range(start, end)
            ]
        }
        if end < self.count:
            page["nextToken"] = str(end)
        return page


def sweep_of(client) -> ListSweep:
    return ListSweep(client, TRAINED_MODEL_INFERENCE_JOB, {"membershipIdentifier": MEMBERSHIP_ID})


def read_together(client, indexes, sweep=None) -> list:
    async def main():
        shared = sweep or sweep_of(client)
        return await asyncio.gather(*(shared.read(arn(i), 0.01) for i in indexes))

    return asyncio.run(main())


def test_polls_gathered_together_share_one_sweep_and_get_only_the_status():
    client = FakeLister(count=50)
    readings = read_together(client, range(10))
    assert len(client.calls) == 1
    assert client.calls[0]["maxResults"] == PAGE_SIZE
    assert readings == [{"status": "CREATE_IN_PROGRESS", "statusDetails": None} for i in range(10)]


def test_too_few_polls_are_left_to_get():
    client = FakeLister(count=50)
    assert read_together(client, range(SWEEP_MIN_READS - 1)) == [None] * (SWEEP_MIN_READS - 1)
    assert client.calls == []


def test_paging_goes_on_while_it_is_cheaper_than_the_gets_left():
    client = FakeLister(count=1000)
    wanted = [250, 260, 270, 280, 290]  # on the third page
    readings = read_together(client, wanted)
    assert readings == [{"status": "CREATE_IN_PROGRESS", "statusDetails": None}] * len(wanted)
    assert [call.get("nextToken") for call in client.calls] == [None, "100", "200"]


def test_paging_stops_when_it_would_cost_more_than_the_gets_left():
    client = FakeLister(count=1000)
    readings = read_together(client, [5, 995, 996, 997])  # one on page 1, three on page 10
    assert readings[0] == {"status": "CREATE_IN_PROGRESS", "statusDetails": None}
    assert readings[1:] == [None, None, None], "not listed in the pages read: Get them"
    assert len(client.calls) == 3, "after 3 pages, 3 Gets are as cheap as another page"


def test_a_job_that_is_not_listed_is_left_to_get():
    client = FakeLister(count=20)
    readings = read_together(client, [1, 2, 3, 999])
    assert readings[-1] is None
    assert len(client.calls) == 1


@pytest.mark.parametrize(
    "error",
    [
        client_error("ThrottlingException", 429),
        client_error("InternalServerException", 500),
        EndpointConnectionError(endpoint_url="http://127.0.0.1:9"),
    ],
    ids=["throttled", "5xx", "unreachable"],
)
def test_a_transient_failure_reaches_every_poll_instead_of_a_burst_of_gets(error):
    client = FakeLister(count=50, error=error)
    readings = read_together(client, range(5))
    assert readings == [Failure.of(error, "ListTrainedModelInferenceJobs")] * 5, "a failure, as a value"
    assert len(client.calls) == 1


def test_access_denied_to_list_makes_later_polls_use_get_without_trying_again():
    client = FakeLister(count=50, error=client_error("AccessDeniedException", 403))

    async def main():
        sweep = sweep_of(client)
        first = await asyncio.gather(*(sweep.read(arn(i), 0.01) for i in range(5)))
        second = await asyncio.gather(*(sweep.read(arn(i), 0.01) for i in range(5)))
        return first, second, sweep.list_denied

    first, second, denied = asyncio.run(main())
    assert first == second == [None] * 5
    assert denied
    assert len(client.calls) == 1


def test_another_client_error_is_left_to_each_poll_s_get():
    client = FakeLister(count=50, error=client_error("ValidationException", 400))
    assert read_together(client, range(5)) == [None] * 5


def test_a_cancelled_poll_does_not_disturb_the_others():
    client = FakeLister(count=50)

    async def main():
        sweep = sweep_of(client)
        polls = [asyncio.create_task(sweep.read(arn(i), 0.05)) for i in range(5)]
        await asyncio.sleep(0.01)
        polls[0].cancel()
        return await asyncio.gather(*polls, return_exceptions=True)

    readings = asyncio.run(main())
    assert isinstance(readings[0], asyncio.CancelledError)
    assert readings[1:] == [{"status": "CREATE_IN_PROGRESS", "statusDetails": None}] * 4


def test_a_sweep_delivers_to_thousands_of_polls():
    client = FakeLister(count=2500)
    readings = read_together(client, range(2500))
    assert all(reading is not None for reading in readings)
    assert len(client.calls) == 25


def test_close_stops_a_sweep_still_gathering_and_its_polls_fall_back_to_get():
    client = FakeLister(count=50)

    async def main():
        sweep = sweep_of(client)
        polls = [asyncio.create_task(sweep.read(arn(i), 10)) for i in range(5)]
        await asyncio.sleep(0)
        await sweep.close()
        return await asyncio.gather(*polls)

    assert asyncio.run(asyncio.wait_for(main(), 5)) == [None] * 5
    assert client.calls == []


def test_a_bug_in_a_sweep_leaves_its_polls_to_get(caplog):
    client = FakeLister(count=50)
    client.list_trained_model_inference_jobs = None  # calling it raises TypeError

    assert read_together(client, range(5)) == [None] * 5
    assert "Sweeping trained model inference jobs" in caplog.text


@pytest.mark.parametrize(("delay", "gather"), [(0, 0), (1, 0.1), (2, 0.2), (30, 0.5), (600, 0.5)])
def test_polls_gather_a_tenth_of_the_interval_at_most_half_a_second(delay, gather):
    assert gather_seconds(delay) == gather
