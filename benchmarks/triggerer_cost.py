"""
Triggerer cost: N concurrent waits on one asyncio loop, as Airflow's triggerer runs them.

For each trigger implementation (this provider's, and the baseline in ``baseline_trigger.py``) and
each N, a fresh interpreter starts N jobs on the emulator (running as a separate process, so its
work is not counted), then runs N triggers concurrently with a probe task that sleeps 10 ms and
records how late it wakes. Each job is ACTIVE on its ``--polls``th read, so both
implementations make the same polls however fast they are. Printed per run: peak RSS increment,
CPU-seconds, the longest event-loop stall, wall time to all done, API calls, and every event's
status; then the ratios to the baseline. One JSON line at the end.

    .venv/bin/python benchmarks/triggerer_cost.py [--n 100 1000] [--delay 2] [--polls 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
IMPLEMENTATIONS = {
    "ours": "airflow_cleanroomsml.triggers.cleanroomsml:CleanRoomsMLTrainedModelInferenceJobCompleteTrigger",
    "baseline": "baseline_trigger:BaselineTrainedModelInferenceJobTrigger",
}


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


async def _probe(stop: asyncio.Event, stalls: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.01)
        stalls.append(time.perf_counter() - started - 0.01)


async def _run(triggers: list) -> list[dict]:
    async def first_event(trigger):
        async for event in trigger.run():
            return event.payload
        return {"status": "no event"}

    return await asyncio.gather(*(first_event(trigger) for trigger in triggers))


def one_run(implementation: str, n: int, delay: int, endpoint: str) -> dict:
    """Runs in a fresh interpreter (``--child``): start N jobs, then wait on all of them."""
    import importlib

    import boto3

    sys.path.insert(0, str(HERE))
    module, _, name = IMPLEMENTATIONS[implementation].partition(":")
    trigger_class = getattr(importlib.import_module(module), name)
    membership = "00000000-0000-4000-8000-000000000001"
    client = boto3.client("cleanroomsml", endpoint_url=endpoint, region_name="us-east-1")
    prefix = f"arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/{membership}"
    arns = [
        client.start_trained_model_inference_job(
            membershipIdentifier=membership,
            name=f"bench-{index}",
            trainedModelArn=f"{prefix}/trained-model/m",
            resourceConfig={"instanceType": "ml.m5.xlarge"},
            outputConfiguration={"members": [{"accountId": "123456789012"}]},
            dataSource={"mlInputChannelArn": f"{prefix}/ml-input-channel/c"},
        )["trainedModelInferenceJobArn"]
        for index in range(n)
    ]
    calls_before = json.loads(urllib.request.urlopen(f"{endpoint}/_emulator/calls").read()).get(
        "GetTrainedModelInferenceJob", 0
    )
    triggers = [
        trigger_class(
            trained_model_inference_job_arn=arn,
            membership_identifier=membership,
            waiter_delay=delay,
            waiter_max_attempts=100,
        )
        for arn in arns
    ]

    async def measured() -> tuple[list[dict], list[float]]:
        stop, stalls = asyncio.Event(), []
        probe = asyncio.create_task(_probe(stop, stalls))
        events = await _run(triggers)
        stop.set()
        await probe
        return events, stalls

    rss_before = _rss_kib("VmRSS")
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    events, stalls = asyncio.run(measured())
    wall = time.perf_counter() - started
    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    calls_after = json.loads(urllib.request.urlopen(f"{endpoint}/_emulator/calls").read())[
        "GetTrainedModelInferenceJob"
    ]
    statuses: dict[str, int] = {}
    for event in events:
        statuses[event["status"]] = statuses.get(event["status"], 0) + 1
    return {
        "implementation": implementation,
        "n": n,
        "peak_rss_increment_mib": round((_rss_kib("VmHWM") - rss_before) / 1024, 1),
        "cpu_seconds": round(
            usage_after.ru_utime - usage_before.ru_utime + usage_after.ru_stime - usage_before.ru_stime, 2
        ),
        "longest_stall_ms": round(1000 * max(stalls, default=0.0), 1),
        "wall_seconds": round(wall, 1),
        "api_calls": calls_after - calls_before,
        "events": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000], help="concurrent waits")
    parser.add_argument("--delay", type=int, default=2, help="seconds between polls")
    parser.add_argument("--polls", type=int, default=4, help="polls each job takes to be ACTIVE")
    parser.add_argument(
        "--child", nargs=4, metavar=("IMPL", "N", "DELAY", "ENDPOINT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        implementation, n, delay, endpoint = args.child
        print(json.dumps(one_run(implementation, int(n), int(delay), endpoint)))
        return

    emulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "airflow_cleanroomsml.testing",
            "--port",
            "0",
            "--reads-to-active",
            str(args.polls),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        endpoint = emulator.stdout.readline().rsplit(" ", 1)[-1].strip()
        home = tempfile.mkdtemp(prefix="cleanroomsml-bench-")
        env = {
            **os.environ,
            "AIRFLOW_HOME": home,
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(
                {
                    "conn_type": "aws",
                    "login": "bench",
                    "password": "bench",
                    "extra": {"region_name": "us-east-1", "endpoint_url": endpoint},
                }
            ),
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
        }
        runs = []
        for n in args.n:
            for implementation in IMPLEMENTATIONS:
                output = subprocess.run(
                    [sys.executable, __file__, "--child", implementation, str(n), str(args.delay), endpoint],
                    env=env, capture_output=True, text=True, check=True,
                ).stdout  # fmt: skip
                runs.append(json.loads(output.strip().splitlines()[-1]))
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)

    columns = ("peak_rss_increment_mib", "cpu_seconds", "longest_stall_ms", "wall_seconds", "api_calls")
    print(f"{'implementation':<10} {'N':>5} " + " ".join(f"{column:>22}" for column in columns) + "  events")
    for run in runs:
        print(
            f"{run['implementation']:<10} {run['n']:>5} "
            + " ".join(f"{run[c]:>22}" for c in columns)
            + f"  {run['events']}"
        )
    ratios = {}
    for n in args.n:
        ours, baseline = (
            next(r for r in runs if r["n"] == n and r["implementation"] == i) for i in IMPLEMENTATIONS
        )
        ratios[n] = {c: round(baseline[c] / ours[c], 2) if ours[c] else None for c in columns[:3]}
        print(f"N={n}: baseline / ours: " + ", ".join(f"{c} {v}x" for c, v in ratios[n].items()))
    print(
        "targets at N=1000: >= 5x less peak RSS increment and CPU-seconds, "
        "longest stall < 50 ms, <= 1 call per job per poll"
    )
    print(
        json.dumps(
            {
                "benchmark": "triggerer_cost",
                "delay": args.delay,
                "polls": args.polls,
                "runs": runs,
                "ratios": ratios,
            }
        )
    )


if __name__ == "__main__":
    main()
