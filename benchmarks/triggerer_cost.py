"""
Triggerer cost: N concurrent waits on one asyncio loop, as Airflow's triggerer runs them.

For each trigger implementation (this provider's, and the baseline in ``baseline_trigger.py``) and
each N, a fresh interpreter starts N jobs on the emulator (running as a separate process, so its
work is not counted), collects the setup's garbage, then runs N triggers concurrently (started
one per loop turn, as Airflow's triggerer starts them) with a probe task that sleeps 10 ms and
records how late it wakes. Each job is ACTIVE on its ``--polls``th read (a Get, or a list page
that shows it), so both implementations make the same polls however fast they are. Printed per
run: peak RSS increment, CPU-seconds, the longest event-loop stall, wall time to all done, read
calls (Get and List), and every event's status; then the ratios to the baseline. One JSON line
at the end. Before the N waits, each interpreter runs one wait alone, as the first wait of a
fresh triggerer (botocore loads its data files then): its longest stall is printed apart. So are
CPython's full garbage collections: their pauses scale with the whole process's heap (Airflow,
botocore), and the stall outside them is what the waits themselves cost the loop.

    .venv/bin/python benchmarks/triggerer_cost.py [--n 100 1000] [--delay 2] [--polls 4] [--only ours]
    .venv/bin/python benchmarks/triggerer_cost.py --n 300 --per-membership 5   # the service's quota
"""

from __future__ import annotations

import argparse
import asyncio
import gc
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


READS = ("GetTrainedModelInferenceJob", "ListTrainedModelInferenceJobs")
PREFIX = "arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/00000000-0000-4000-8000-000000000001"
MODEL, CHANNEL = f"{PREFIX}/trained-model/m", f"{PREFIX}/ml-input-channel/c"
PARENTS = [
    "--resource", f"TRAINED_MODEL=ACTIVE trainedModelArn={MODEL}",
    "--resource", f"ML_INPUT_CHANNEL=ACTIVE mlInputChannelArn={CHANNEL}",
]  # fmt: skip
"""The trained model and ML input channel every job scores with, registered in the emulator."""


def _read_calls(endpoint: str) -> dict[str, int]:
    """The emulator's count of each read call so far."""
    counts = json.loads(urllib.request.urlopen(f"{endpoint}/_emulator/calls").read())
    return {operation: counts.get(operation, 0) for operation in READS}


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class _FullCollections:
    """Times CPython's full (generation 2) garbage collections: pauses of the whole heap, not of a wait."""

    def __init__(self) -> None:
        self.pauses: list[tuple[float, float]] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if info["generation"] == 2:
            if phase == "start":
                self._started = time.perf_counter()
            else:
                self.pauses.append((self._started, time.perf_counter()))

    def within(self, start: float, end: float) -> float:
        """Seconds of full collections between ``start`` and ``end``."""
        return sum(max(0.0, min(end, b) - max(start, a)) for a, b in self.pauses)


async def _probe(stop: asyncio.Event, stalls: list[tuple[float, float]]) -> None:
    """Sleep 10 ms again and again; record each wake-up's (start, lateness)."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(0.01)
        stalls.append((started, time.perf_counter() - started - 0.01))


async def _run(triggers: list) -> list[dict]:
    """Start the triggers as Airflow's ``TriggerRunner.create_triggers`` does, one task per loop turn."""

    async def first_event(trigger):
        async for event in trigger.run():
            return event.payload
        return {"status": "no event"}

    tasks = []
    for trigger in triggers:
        tasks.append(asyncio.create_task(first_event(trigger)))
        await asyncio.sleep(0)
    return await asyncio.gather(*tasks)


def _membership(index: int, per_membership: int) -> str:
    """The membership of job ``index``: all in one, or ``per_membership`` to each."""
    group = index // per_membership if per_membership else 0
    return f"00000000-0000-4000-8000-{group + 1:012d}"


def one_run(implementation: str, n: int, delay: int, endpoint: str, per_membership: int = 0) -> dict:
    """Runs in a fresh interpreter (``--child``): start N jobs, then wait on all of them."""
    import importlib

    import boto3

    sys.path.insert(0, str(HERE))
    module, _, name = IMPLEMENTATIONS[implementation].partition(":")
    trigger_class = getattr(importlib.import_module(module), name)
    client = boto3.client("cleanroomsml", endpoint_url=endpoint, region_name="us-east-1")

    def start(index: int) -> str:
        return client.start_trained_model_inference_job(
            membershipIdentifier=_membership(index, per_membership),
            name=f"bench-{index}",
            trainedModelArn=MODEL,
            resourceConfig={"instanceType": "ml.m5.xlarge"},
            outputConfiguration={"members": [{"accountId": "123456789012"}]},
            dataSource={"mlInputChannelArn": CHANNEL},
        )["trainedModelInferenceJobArn"]

    arns = [start(index) for index in range(n + 1)]

    def trigger(arn: str, waiter_delay: int):
        return trigger_class(
            trained_model_inference_job_arn=arn,
            membership_identifier=arn.split("membership/")[1].split("/")[0],
            waiter_delay=waiter_delay,
            waiter_max_attempts=100,
        )

    async def measured(triggers: list) -> tuple[list[dict], list[tuple[float, float]]]:
        stop, stalls = asyncio.Event(), []
        probe = asyncio.create_task(_probe(stop, stalls))
        events = await _run(triggers)
        stop.set()
        await probe
        return events, stalls

    # The process's first wait loads botocore's data (a long-running triggerer has done so long ago);
    # its stall is reported apart, and the N waits are measured in the warmed process.
    _, cold_stalls = asyncio.run(measured([trigger(arns.pop(), 1)]))
    calls_before = _read_calls(endpoint)
    triggers = [trigger(arn, delay) for arn in arns]
    gc.collect()  # the setup's garbage is not charged to the implementation measured
    collections = _FullCollections()
    gc.callbacks.append(collections)
    rss_before = _rss_kib("VmRSS")
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    events, stalls = asyncio.run(measured(triggers))
    wall = time.perf_counter() - started
    gc.callbacks.remove(collections)
    outside_gc = [late - collections.within(start, start + 0.01 + late) for start, late in stalls]
    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    calls_after = _read_calls(endpoint)
    calls = {operation: calls_after[operation] - calls_before[operation] for operation in READS}
    statuses: dict[str, int] = {}
    for event in events:
        statuses[event["status"]] = statuses.get(event["status"], 0) + 1
    return {
        "implementation": implementation,
        "n": n,
        "per_membership": per_membership or n,
        "peak_rss_increment_mib": round((_rss_kib("VmHWM") - rss_before) / 1024, 1),
        "cpu_seconds": round(
            usage_after.ru_utime - usage_before.ru_utime + usage_after.ru_stime - usage_before.ru_stime, 2
        ),
        "longest_stall_ms": round(1000 * max((late for _, late in stalls), default=0.0), 1),
        "stall_outside_gc_ms": round(1000 * max(outside_gc, default=0.0), 1),
        "longest_full_gc_ms": round(1000 * max((b - a for a, b in collections.pauses), default=0.0), 1),
        "first_wait_stall_ms": round(1000 * max((late for _, late in cold_stalls), default=0.0), 1),
        "wall_seconds": round(wall, 1),
        "api_calls": sum(calls.values()),
        "calls": calls,
        "events": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000], help="concurrent waits")
    parser.add_argument("--delay", type=int, default=2, help="seconds between polls")
    parser.add_argument("--polls", type=int, default=4, help="polls each job takes to be ACTIVE")
    parser.add_argument(
        "--per-membership",
        type=int,
        default=0,
        help="jobs per membership (5 is the service's quota of running inference jobs); default: all in one",
    )
    parser.add_argument(
        "--only", choices=sorted(IMPLEMENTATIONS), help="measure one implementation (no ratios)"
    )
    parser.add_argument(
        "--child", nargs=5, metavar=("IMPL", "N", "DELAY", "ENDPOINT", "PER"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        implementation, n, delay, endpoint, per_membership = args.child
        print(json.dumps(one_run(implementation, int(n), int(delay), endpoint, int(per_membership))))
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
            *PARENTS,
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
            for implementation in [args.only] if args.only else IMPLEMENTATIONS:
                output = subprocess.run(
                    [
                        sys.executable, __file__, "--child",
                        implementation, str(n), str(args.delay), endpoint, str(args.per_membership),
                    ],
                    env=env, capture_output=True, text=True, check=True,
                ).stdout  # fmt: skip
                runs.append(json.loads(output.strip().splitlines()[-1]))
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)

    columns = (
        "peak_rss_increment_mib",
        "cpu_seconds",
        "longest_stall_ms",
        "wall_seconds",
        "api_calls",
        "stall_outside_gc_ms",
        "longest_full_gc_ms",
        "first_wait_stall_ms",
    )
    header = " ".join(f"{column:>22}" for column in columns)
    print(f"{'implementation':<10} {'N':>5} {header}  events, calls")
    for run in runs:
        print(
            f"{run['implementation']:<10} {run['n']:>5} "
            + " ".join(f"{run[c]:>22}" for c in columns)
            + f"  {run['events']} {run['calls']}"
        )
    ratios = {}
    for n in [] if args.only else args.n:
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
                "per_membership": args.per_membership or None,
                "runs": runs,
                "ratios": ratios,
            }
        )
    )


if __name__ == "__main__":
    main()
