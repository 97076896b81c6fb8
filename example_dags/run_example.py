"""
Run ``example_cleanroomsml`` end to end through a real Airflow, against the bundled emulator.

No AWS account is needed: the emulator serves Clean Rooms ML on 127.0.0.1 and the ``aws_default``
connection points at it. The script starts an inference job through the API, runs the DAG with
``dag.test()`` (the wait defers, and the trigger runs in line), then prints the job's status
transitions and the description the DAG passed downstream through XCom. It exits non-zero if the
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
    """Start an inference job through the real API, as a user's own code or DAG would."""
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--verbose", action="store_true", help="show Airflow's own task logs")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix=f"cleanroomsml-example-airflow-{version('apache-airflow')}-"))
    _configure_airflow(home, args.verbose)
    print(f"Airflow {version('apache-airflow')}, home {home}; migrating its database...", flush=True)
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True)

    from airflow_cleanroomsml.testing import CleanRoomsMLEmulator

    with CleanRoomsMLEmulator(step_seconds=5) as emulator:
        os.environ.update(emulator.airflow_env("aws_default"))
        print(f"Clean Rooms ML emulator on {emulator.endpoint_url}")
        arn = _start_job(emulator)
        print(f"Started trained model inference job {arn}")

        sys.path.insert(0, str(EXAMPLE_DAGS))
        if not args.verbose:
            logging.disable(logging.WARNING)
        from example_cleanroomsml import dag

        dag_run = dag.test(run_conf={"trained_model_inference_job_arn": arn})
        logging.disable(logging.NOTSET)
        state = str(getattr(dag_run.state, "value", dag_run.state))

        print("\nStatus transitions seen by the DAG:")
        for at, status in emulator.status_history(arn):
            print(f"  {at:%H:%M:%S.%f}"[:-3] + f"  {status}")
        print(f"\nAPI calls: {dict(emulator.calls)}")
        print("\nFinal description (XCom of final_description):")
        print(json.dumps(_return_value(dag_run, "final_description"), indent=2))
        print("\nSummary computed downstream (XCom of summarize):")
        print(json.dumps(_return_value(dag_run, "summarize"), indent=2))

    print(f"\nDAG run {dag_run.run_id}: {state.upper()}")
    return 0 if state == "success" else 1


if __name__ == "__main__":
    sys.exit(main())
