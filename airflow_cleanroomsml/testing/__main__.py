"""
Run the Clean Rooms ML emulator as a process: ``python -m airflow_cleanroomsml.testing --port 8787``.

It prints its endpoint (and the ARN of each ``--job`` it registers), then serves until stopped.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from airflow_cleanroomsml.testing.emulator import CleanRoomsMLEmulator, Faults
from airflow_cleanroomsml.validation import service_model


def _statuses(value: str) -> list[str]:
    known = set(service_model().shape_for("TrainedModelInferenceJobStatus").enum)  # type: ignore[attr-defined]
    statuses = [status.strip() for status in value.split(",") if status.strip()]
    unknown = [status for status in statuses if status not in known]
    if not statuses or unknown:
        raise argparse.ArgumentTypeError(f"expected comma-separated statuses from {sorted(known)}")
    return statuses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m airflow_cleanroomsml.testing", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one")
    parser.add_argument("--region", default="us-east-1", help="region in the ARNs (default: %(default)s)")
    parser.add_argument("--account-id", default="123456789012", help="account in the ARNs")
    parser.add_argument("--step-seconds", type=float, default=2.0, help="seconds per status of a started job")
    parser.add_argument(
        "--reads-to-active",
        type=int,
        default=None,
        help="started jobs are ACTIVE on their Kth read, not on a clock",
    )
    parser.add_argument("--throttle-every", type=int, default=0, help="throttle every Nth call")
    parser.add_argument("--error-every", type=int, default=0, help="answer every Mth call with HTTP 500")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    parser.add_argument("--not-found-reads", type=int, default=0, help="reads a new job is not found by")
    parser.add_argument("--reset-every", type=int, default=0, help="reset the connection on every Nth call")
    parser.add_argument("--stall-every", type=int, default=0, help="stall every Nth call for --stall-seconds")
    parser.add_argument("--stall-seconds", type=float, default=2.0, help="how long a stalled call waits")
    parser.add_argument("--sts-latency", type=float, default=0.0, help="seconds STS AssumeRole takes")
    parser.add_argument(
        "--credential-lifetime", type=float, default=3600.0, help="seconds assumed-role credentials last"
    )
    parser.add_argument(
        "--job",
        type=_statuses,
        action="append",
        default=[],
        metavar="STATUS,STATUS,...",
        help="register a job going through these statuses, one per read (repeatable)",
    )
    args = parser.parse_args(argv)

    faults = Faults(
        throttle_every=args.throttle_every,
        error_every=args.error_every,
        latency=args.latency,
        not_found_reads=args.not_found_reads,
        reset_every=args.reset_every,
        stall_every=args.stall_every,
        stall_seconds=args.stall_seconds,
        sts_latency=args.sts_latency,
    )
    emulator = CleanRoomsMLEmulator(
        host=args.host,
        port=args.port,
        region=args.region,
        account_id=args.account_id,
        step_seconds=args.step_seconds,
        reads_to_active=args.reads_to_active,
        faults=faults,
        credential_lifetime=args.credential_lifetime,
    )
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    with emulator:
        print(f"Clean Rooms ML emulator listening on {emulator.endpoint_url}", flush=True)
        print(
            f"Airflow connection: AIRFLOW_CONN_AWS_DEFAULT='{emulator.airflow_connection_json()}'", flush=True
        )
        for statuses in args.job:
            print(json.dumps({"job": emulator.register_job(statuses), "statuses": statuses}), flush=True)
        stopped.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
