"""
Run the example DAGs end to end through a real Airflow, against the bundled emulator.

No AWS account is needed: the emulator serves Clean Rooms ML on 127.0.0.1 and the ``aws_default``
connection points at it. ``example_cleanroomsml`` starts a job and waits for it deferred;
``example_cleanroomsml_wait`` waits, with the deferrable sensor, for a job this script starts
through the API. Each runs with ``dag.test()`` (the trigger runs in line). The script prints each
job's status transitions and what the DAGs passed downstream through XCom, and exits non-zero if a
run fails.

    python example_dags/run_example.py [--verbose]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

EXAMPLE_DAGS = Path(__file__).resolve().parent


def _configure_airflow(home: Path, verbose: bool) -> None:
    """Point Airflow at a private home and this folder; must run before Airflow is imported."""
    os.environ.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(EXAMPLE_DAGS),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO" if verbose else "ERROR",
            "CLEANROOMSML_EXAMPLE_POLL_SECONDS": "1",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )


def _start_job(emulator) -> str:
    """Start an inference job through the real API, as code outside Airflow would."""
    from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook

    account, region, membership = "123456789012", emulator.region, emulator.membership_id
    prefix = f"arn:aws:cleanrooms-ml:{region}:{account}:membership/{membership}"
    response = CleanRoomsMLHook().conn.start_trained_model_inference_job(
        membershipIdentifier=membership,
        name="example-nightly-scoring",
        trainedModelArn=f"{prefix}/trained-model/0d9e8f7a-1b2c-4d3e-8f4a-5b6c7d8e9f0a",
        resourceConfig={"instanceType": "ml.m5.xlarge", "instanceCount": 1},
        outputConfiguration={"accept": "text/csv", "members": [{"accountId": account}]},
        dataSource={"mlInputChannelArn": f"{prefix}/ml-input-channel/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"},
        environment={"SCORING_MODE": "batch"},
    )
    return response["trainedModelInferenceJobArn"]


def _return_value(dag_run, task_id: str):
    """Read a task's XCom ``return_value`` from the metadata database, on Airflow 2 or 3."""
    try:
        from airflow.models.xcom import XComModel
    except ImportError:  # Airflow 2
        from airflow.models.xcom import XCom

        return XCom.get_one(run_id=dag_run.run_id, dag_id=dag_run.dag_id, task_id=task_id, key="return_value")
    from airflow.utils.session import create_session

    with create_session() as session:
        query = XComModel.get_many(
            run_id=dag_run.run_id, dag_ids=dag_run.dag_id, task_ids=task_id, key="return_value"
        )
        row = query.first() if hasattr(query, "first") else session.scalars(query).first()
        return XComModel.deserialize_value(row) if row is not None else None


def _report(title: str, emulator, arn: str, dag_run) -> bool:
    state = str(getattr(dag_run.state, "value", dag_run.state))
    print(f"\n=== {title}: DAG run {dag_run.run_id} {state.upper()}")
    print(f"Job {arn}")
    print("Status transitions seen:")
    for at, status in emulator.status_history(arn):
        print(f"  {at:%H:%M:%S.%f}"[:-3] + f"  {status}")
    return state == "success"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--verbose", action="store_true", help="show Airflow's own task logs")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix=f"cleanroomsml-example-airflow-{version('apache-airflow')}-"))
    _configure_airflow(home, args.verbose)
    print(f"Airflow {version('apache-airflow')}, home {home}; migrating its database...", flush=True)
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True)

    from airflow_cleanroomsml.testing import CleanRoomsMLEmulator

    with CleanRoomsMLEmulator(step_seconds=2) as emulator:
        os.environ.update(emulator.airflow_env("aws_default"))
        print(f"Clean Rooms ML emulator on {emulator.endpoint_url}")
        sys.path.insert(0, str(EXAMPLE_DAGS))
        if not args.verbose:
            logging.disable(logging.WARNING)
        from example_cleanroomsml import start_and_wait, wait_for_existing

        # 1. The DAG starts the job itself and waits for it, deferred.
        run = start_and_wait.test()
        arn = _return_value(run, "start_job")
        ok = (
            _report("example_cleanroomsml (start, wait deferred, describe)", emulator, arn, run)
            if arn
            else False
        )
        print("Summary computed downstream (XCom of summarize):")
        print(json.dumps(_return_value(run, "summarize"), indent=2))

        # 2. A job started elsewhere; the DAG waits for it with the deferrable sensor.
        emulator.script_next_start(["CREATE_PENDING", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "ACTIVE"])
        arn = _start_job(emulator)
        run = wait_for_existing.test(run_conf={"trained_model_inference_job_arn": arn})
        ok = (
            _report("example_cleanroomsml_wait (describe, wait deferred, describe)", emulator, arn, run)
            and ok
        )
        print("Final description (XCom of describe_after):")
        print(json.dumps(_return_value(run, "describe_after"), indent=2))
        logging.disable(logging.NOTSET)
        print(f"\nAPI calls: {dict(emulator.calls)}")

    print("\nALL DAG RUNS SUCCEEDED" if ok else "\nA DAG RUN FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
