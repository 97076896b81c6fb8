"""
Triggerer stall through a credential refresh: assume-role credentials renewed while waits run.

An assume-role connection refreshes its credentials with a synchronous STS call, and aiobotocore
makes it on the event loop (upstream #53359): every trigger of the triggerer waits while STS
answers. This provider's hook refreshes them in a worker thread. Against the emulator (a separate
process) with credentials that live ``--lifetime`` seconds and an STS that takes ``--sts-latency``
seconds to answer, N waits run on one loop with a probe task that sleeps 10 ms and records how
late it wakes; the same run with the Amazon hook's own session (refresh on the loop) is the
baseline. Prints a table and one JSON line.

    .venv/bin/python benchmarks/credential_refresh.py [--n 20] [--sts-latency 0.5] [--lifetime 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent


MEMBERSHIP = "00000000-0000-4000-8000-000000000001"
PREFIX = f"arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/{MEMBERSHIP}"
"""Where the trained model and ML input channel every job scores with are registered."""


async def _probe(stop: asyncio.Event, stalls: list[float]) -> None:
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(0.01)
        stalls.append(time.perf_counter() - before - 0.01)


def one_run(implementation: str, n: int, endpoint: str) -> dict:
    """In a fresh interpreter (``--child``): N waits on assumed-role credentials that keep expiring."""
    import boto3
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook
    from airflow_cleanroomsml.triggers.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobCompleteTrigger

    if implementation == "on the loop":  # the Amazon hook's own session: refreshes on the event loop
        CleanRoomsMLHook.get_session = AwsBaseHook.get_session  # type: ignore[method-assign]
    membership = MEMBERSHIP
    prefix = PREFIX
    client = boto3.client("cleanroomsml", endpoint_url=endpoint, region_name="us-east-1")
    arns = [
        client.start_trained_model_inference_job(
            membershipIdentifier=membership,
            name=f"refresh-{index}",
            trainedModelArn=f"{prefix}/trained-model/m",
            resourceConfig={"instanceType": "ml.m5.xlarge"},
            outputConfiguration={"members": [{"accountId": "123456789012"}]},
            dataSource={"mlInputChannelArn": f"{prefix}/ml-input-channel/c"},
        )["trainedModelInferenceJobArn"]
        for index in range(n + 1)
    ]

    async def first_event(arn: str) -> str:
        trigger = CleanRoomsMLTrainedModelInferenceJobCompleteTrigger(
            trained_model_inference_job_arn=arn, waiter_delay=1, waiter_max_attempts=20
        )
        async for event in trigger.run():
            return event.payload["status"]
        return "none"

    async def main() -> tuple[list[str], list[float]]:
        stop, stalls = asyncio.Event(), []
        probe = asyncio.create_task(_probe(stop, stalls))
        events = await asyncio.gather(*(first_event(arn) for arn in arns))
        stop.set()
        await probe
        return list(events), stalls

    # A long-running triggerer has loaded botocore's data files and imported what a wait needs:
    # one wait first, unmeasured, as the first wait of a fresh triggerer.
    asyncio.run(first_event(arns.pop()))
    before = json.loads(urllib.request.urlopen(f"{endpoint}/_emulator/calls").read()).get("AssumeRole", 0)
    events, stalls = asyncio.run(main())
    refreshes = json.loads(urllib.request.urlopen(f"{endpoint}/_emulator/calls").read()).get("AssumeRole", 0)
    statuses: dict[str, int] = {}
    for status in events:
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "implementation": implementation,
        "n": n,
        "longest_stall_ms": round(1000 * max(stalls, default=0.0), 1),
        "refreshes": refreshes - before,
        "events": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--n", type=int, default=20, help="concurrent waits")
    parser.add_argument("--sts-latency", type=float, default=0.5, help="seconds STS takes to answer")
    parser.add_argument("--lifetime", type=float, default=1.0, help="seconds the credentials stay valid")
    parser.add_argument("--child", nargs=3, metavar=("IMPL", "N", "ENDPOINT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        implementation, n, endpoint = args.child
        print(json.dumps(one_run(implementation, int(n), endpoint)))
        return

    emulator = subprocess.Popen(
        [
            sys.executable, "-m", "airflow_cleanroomsml.testing", "--port", "0", "--reads-to-active", "4",
            "--sts-latency", str(args.sts_latency), "--credential-lifetime", str(args.lifetime),
            "--resource", f"TRAINED_MODEL=ACTIVE trainedModelArn={PREFIX}/trained-model/m",
            "--resource", f"ML_INPUT_CHANNEL=ACTIVE mlInputChannelArn={PREFIX}/ml-input-channel/c",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        endpoint = emulator.stdout.readline().rsplit(" ", 1)[-1].strip()
        env = {
            **os.environ,
            "AIRFLOW_HOME": tempfile.mkdtemp(prefix="cleanroomsml-bench-"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(
                {
                    "conn_type": "aws",
                    "login": "bench",
                    "password": "bench",
                    "extra": {
                        "region_name": "us-east-1",
                        "endpoint_url": endpoint,
                        "role_arn": "arn:aws:iam::123456789012:role/bench",
                        "service_config": {"sts": {"endpoint_url": endpoint}},
                    },
                }
            ),
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
        }
        runs = []
        for implementation in ("off the loop", "on the loop"):
            output = subprocess.run(
                [sys.executable, __file__, "--child", implementation, str(args.n), endpoint],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            runs.append(json.loads(output.strip().splitlines()[-1]))
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)

    print(f"{'credentials refreshed':<22} {'N':>4} {'longest stall ms':>17} {'refreshes':>10}  events")
    for run in runs:
        print(
            f"{run['implementation']:<22} {run['n']:>4} {run['longest_stall_ms']:>17} {run['refreshes']:>10}"
            f"  {run['events']}"
        )
    print(f"target: longest event-loop stall < 50 ms through refreshes that take {args.sts_latency} s")
    print(json.dumps({"benchmark": "credential_refresh", "sts_latency": args.sts_latency, "runs": runs}))


if __name__ == "__main__":
    main()
