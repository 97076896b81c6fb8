"""
Run the Clean Rooms ML emulator as a process: ``python -m airflow_cleanroomsml.testing --port 8787``.

It prints its endpoint, the Airflow connection that reaches it, and one JSON line for each resource
it registers, then serves until stopped (SIGINT or SIGTERM). Register resources of any kind, and
script the next one an API call creates::

    --resource "TRAINED_MODEL=ACTIVE trainedModelArn=arn:aws:cleanrooms-ml:...:trained-model/m1"
    --resource CONFIGURED_MODEL_ALGORITHM_ASSOCIATION
    --resource 'TRAINED_MODEL_INFERENCE_JOB=CREATE_IN_PROGRESS,CREATE_FAILED
                statusDetails.statusCode=AlgorithmError statusDetails.message="out of memory"'
    --next 'TRAINED_MODEL=CREATE_PENDING,CREATE_FAILED statusDetails.message="no training data"'
    --policy policy.json      # every call must be allowed by this IAM policy, or AccessDeniedException

A spec is ``KIND[=STATUS,STATUS...]`` then ``member=value`` words, quoted as in a shell: the
service's camelCase members (``a.b=value`` for a member of a structure; a value that is JSON is
decoded), ``statusDetails`` (shown with the last status), ``membership`` and ``region``.
"""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airflow_cleanroomsml.testing.emulator import CleanRoomsMLEmulator, Faults
from airflow_cleanroomsml.testing.kinds import GONE, KINDS_BY_NAME, TRAINED_MODEL_INFERENCE_JOBS, EmulatedKind
from airflow_cleanroomsml.testing.policy import Policy
from airflow_cleanroomsml.testing.service_model import has_operation, resource_shape


def statuses_of(emulated: EmulatedKind) -> list[str]:
    """The statuses the installed botocore's model gives a kind (none for a kind without a status)."""
    read = next(
        (name for name in (emulated.kind.get, emulated.kind.list) if name and has_operation(name)), None
    )
    status = resource_shape(read).members.get("status") if read else None  # type: ignore[attr-defined]
    return list(status.enum) if status is not None else []


@dataclass
class Spec:
    """A resource to register, or the next one to script, as the command line describes it."""

    emulated: EmulatedKind
    statuses: list[str] | None
    status_details: dict[str, str] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)


def _value(text: str) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, (dict, list, int, float)) and not isinstance(value, bool) else text


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


def _checked_statuses(emulated: EmulatedKind, text: str) -> list[str]:
    known = [*statuses_of(emulated), GONE]
    statuses = [status.strip() for status in text.split(",") if status.strip()]
    unknown = [status for status in statuses if status not in known]
    if not statuses or unknown:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated statuses of {_article(emulated.name)} {emulated.name} from "
            f"{sorted(known)}, not {text!r}"
        )
    return statuses


def spec(text: str) -> Spec:
    """Parse ``KIND[=STATUS,...] member=value...``."""
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: {error}") from None
    if not words:
        raise argparse.ArgumentTypeError("expected KIND[=STATUS,STATUS...] [member=value ...]")
    name, _, statuses = words[0].partition("=")
    emulated = KINDS_BY_NAME.get(name.upper().replace("-", "_"))
    if emulated is None:
        raise argparse.ArgumentTypeError(f"unknown kind {name!r}; expected one of {sorted(KINDS_BY_NAME)}")
    parsed = Spec(emulated, _checked_statuses(emulated, statuses) if statuses else None)
    members: dict[str, Any] = {}
    for word in words[1:]:
        path, equals, value = word.partition("=")
        if not equals or not path:
            raise argparse.ArgumentTypeError(f"expected member=value, not {word!r}")
        if path in ("membership", "region"):
            parsed.options["membership_id" if path == "membership" else path] = value
            continue
        *outer, member = path.split(".")
        holder = members
        for name in outer:
            holder = holder.setdefault(name, {})
            if not isinstance(holder, dict):
                raise argparse.ArgumentTypeError(f"{name} is given a value and members: {text!r}")
        holder[member] = _value(value)
    details = members.pop("statusDetails", None)
    if details is not None and not isinstance(details, dict):
        raise argparse.ArgumentTypeError(
            f"statusDetails must be a JSON object or given by members, not {details!r}"
        )
    parsed.status_details, parsed.attributes = details, members
    return parsed


def _policy(path: str) -> dict[str, Any]:
    """``--policy FILE``: an IAM policy document, checked as the emulator will evaluate it."""
    try:
        document = json.loads(Path(path).read_text())
        Policy(document)
    except (OSError, ValueError) as error:
        raise argparse.ArgumentTypeError(f"{path}: {error}") from None
    return dict(document)


def _job(value: str) -> Spec:
    """``--job STATUS,STATUS``: a trained model inference job (kept from earlier releases)."""
    return Spec(TRAINED_MODEL_INFERENCE_JOBS, _checked_statuses(TRAINED_MODEL_INFERENCE_JOBS, value))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m airflow_cleanroomsml.testing",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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
        "--policy",
        type=_policy,
        default=None,
        metavar="FILE",
        help="an IAM policy (JSON) every call must be allowed by; a call it does not allow is answered "
        "AccessDeniedException, as IAM does (python -m airflow_cleanroomsml.iam prints one for DAG files)",
    )
    parser.add_argument(
        "--resource",
        type=spec,
        action="append",
        default=[],
        metavar="'KIND[=STATUS,...] [member=value ...]'",
        help=f"register a resource going through these statuses, one per read (repeatable); KIND is one "
        f"of {', '.join(sorted(KINDS_BY_NAME))}",
    )
    parser.add_argument(
        "--next",
        type=spec,
        action="append",
        default=[],
        metavar="'KIND=STATUS,... [statusDetails=JSON]'",
        help="the next resource of KIND created through the API goes through these statuses (repeatable)",
    )
    parser.add_argument(
        "--job",
        type=_job,
        action="append",
        default=[],
        metavar="STATUS,STATUS,...",
        help="register a trained model inference job going through these statuses, one per read (repeatable)",
    )
    args = parser.parse_args(argv)
    for scripted in args.next:
        if scripted.statuses is None:
            parser.error(
                f"--next {scripted.emulated.name}: expected KIND=STATUS,... (the statuses to script)"
            )

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
        policy=args.policy,
    )
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    with emulator:
        print(f"Clean Rooms ML emulator listening on {emulator.endpoint_url}", flush=True)
        print(
            f"Airflow connection: AIRFLOW_CONN_AWS_DEFAULT='{emulator.airflow_connection_json()}'", flush=True
        )
        for job in args.job:
            print(
                json.dumps({"job": emulator.register_job(job.statuses), "statuses": job.statuses}), flush=True
            )
        for wanted in args.resource:
            key = emulator.register(
                wanted.emulated,
                wanted.statuses,
                status_details=wanted.status_details,
                **wanted.options,
                **wanted.attributes,
            )
            statuses = wanted.statuses or list(wanted.emulated.started)
            print(json.dumps({"kind": wanted.emulated.name, "key": key, "statuses": statuses}), flush=True)
        for scripted in args.next:
            emulator.script_next(
                scripted.emulated, scripted.statuses or [], status_details=scripted.status_details
            )
        if args.policy is not None:
            print("IAM policy enforced: each call it refuses is printed on stderr", flush=True)
        reported = 0
        while not stopped.wait(0.2):  # refusals, as they happen: the process's only other output
            denied = emulator.denied
            for action, resource in denied[reported:]:
                print(json.dumps({"denied": action, "resource": resource}), file=sys.stderr, flush=True)
            reported = len(denied)
    return 0


if __name__ == "__main__":
    sys.exit(main())
