"""
Run the example DAGs end to end through a real Airflow, against the bundled emulator.

No AWS account is needed: the emulator serves Clean Rooms ML on 127.0.0.1 and the ``aws_default``
connection points at it. Each DAG runs with ``dag.test()`` (triggers run in line), in the order a
user's schedule would run them:

1. ``example_cleanroomsml``: start an inference job, wait for it deferred, describe it;
2. ``example_cleanroomsml_wait``: wait, with the deferrable sensor, for a job started outside Airflow;
3. ``example_cleanroomsml_training``: an ML input channel, then a trained model on it;
4. ``example_cleanroomsml_scoring``: the newest ACTIVE model, today's channel, an inference job,
   an export of the model;
5. ``example_cleanroomsml_lookalike``: retrain the audience model, point the configured audience
   model at it, expand a seed audience, export two segment sizes.

For each run the script prints every resource it created or waited for, with the statuses each
went through, and what the tasks passed downstream through XCom. It exits non-zero if a run fails.

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


def register_parents(emulator) -> None:
    """
    Register what the example DAGs name but do not create: in an AWS account these exist before
    the DAGs run, and the emulator, like the service, refuses a request naming one it does not hold.
    """
    if str(EXAMPLE_DAGS) not in sys.path:
        sys.path.insert(0, str(EXAMPLE_DAGS))
    from example_cleanroomsml import ML_INPUT_CHANNEL_ARN, TRAINED_MODEL_ARN
    from example_cleanroomsml_lookalike import CONFIGURED_AUDIENCE_MODEL, TRAINING_DATASET
    from example_cleanroomsml_pipeline import ALGORITHM

    from airflow_cleanroomsml.testing import (
        CONFIGURED_AUDIENCE_MODELS,
        CONFIGURED_MODEL_ALGORITHM_ASSOCIATIONS,
        ML_INPUT_CHANNELS,
        TRAINED_MODELS,
        TRAINING_DATASETS,
    )

    emulator.register(TRAINED_MODELS, ["ACTIVE"], trainedModelArn=TRAINED_MODEL_ARN, name="example-model")
    emulator.register(ML_INPUT_CHANNELS, ["ACTIVE"], mlInputChannelArn=ML_INPUT_CHANNEL_ARN, name="example")
    emulator.register(
        CONFIGURED_MODEL_ALGORITHM_ASSOCIATIONS, configuredModelAlgorithmAssociationArn=ALGORITHM
    )
    emulator.register(TRAINING_DATASETS, trainingDatasetArn=TRAINING_DATASET, name="example-purchases")
    emulator.register(CONFIGURED_AUDIENCE_MODELS, configuredAudienceModelArn=CONFIGURED_AUDIENCE_MODEL)


def _start_job(emulator) -> str:
    """Start an inference job through the real API, as code outside Airflow would."""
    from example_cleanroomsml import ML_INPUT_CHANNEL_ARN, TRAINED_MODEL_ARN

    from airflow_cleanroomsml.hooks.cleanroomsml import CleanRoomsMLHook

    response = CleanRoomsMLHook().conn.start_trained_model_inference_job(
        membershipIdentifier=emulator.membership_id,
        name="example-nightly-scoring",
        trainedModelArn=TRAINED_MODEL_ARN,
        resourceConfig={"instanceType": "ml.m5.xlarge", "instanceCount": 1},
        outputConfiguration={"accept": "text/csv", "members": [{"accountId": emulator.account_id}]},
        dataSource={"mlInputChannelArn": ML_INPUT_CHANNEL_ARN},
        environment={"SCORING_MODE": "batch"},
    )
    return response["trainedModelInferenceJobArn"]


def _xcom_values(dag_run) -> dict[str, object]:
    """Every task's XCom ``return_value`` in a run, from the metadata database, on Airflow 2 or 3."""
    from airflow.utils.session import create_session

    try:
        from airflow.models.xcom import XComModel as XCom
    except ImportError:  # Airflow 2
        from airflow.models.xcom import XCom  # type: ignore[no-redef]

    with create_session() as session:
        rows = session.query(XCom).filter_by(dag_id=dag_run.dag_id, run_id=dag_run.run_id, key="return_value")
        values = {}
        for row in rows:
            try:
                values[row.task_id] = XCom.deserialize_value(row)
            except AttributeError:  # Airflow 2.11: the column holds the decoded JSON value itself
                values[row.task_id] = row.value
            except Exception:  # an XCom backend this script does not know: show that it exists
                values[row.task_id] = "<stored>"
        return values


def _asset_events(dag_run) -> list[tuple[str, dict]]:
    """The Asset (Dataset) events a run's tasks emitted: the asset's URI and the event's extra."""
    from airflow.utils.session import create_session

    try:
        from airflow.models.asset import AssetEvent as Event
    except ImportError:  # Airflow 2
        from airflow.models.dataset import DatasetEvent as Event  # type: ignore[no-redef]

    with create_session() as session:
        events = session.query(Event).filter_by(source_dag_id=dag_run.dag_id, source_run_id=dag_run.run_id)
        return [(str(getattr(event, "uri", "")), dict(event.extra or {})) for event in events]


def _report(title: str, emulator, keys: list[str], dag_run) -> bool:
    state = str(getattr(dag_run.state, "value", dag_run.state))
    print(f"\n=== {title}: DAG run {dag_run.run_id} {state.upper()}")
    for kind, key in emulator.resources():
        if key not in keys:
            continue
        statuses = " -> ".join(status for _, status in emulator.status_history(key))
        print(f"  {kind}: {key}\n    {statuses}")
    print("  Passed downstream (XCom return values):")
    for task_id, value in _xcom_values(dag_run).items():
        print(f"    {task_id}: {json.dumps(value, default=str)}")
    for uri, extra in _asset_events(dag_run):
        print(f"  Asset event {uri}: {json.dumps(extra)}")
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
        from example_cleanroomsml_lookalike import lookalike
        from example_cleanroomsml_pipeline import scoring, training

        register_parents(emulator)

        def run(title: str, dag, **conf) -> bool:
            before = {key for _, key in emulator.resources()}
            dag_run = dag.test(run_conf=conf) if conf else dag.test()
            created = [key for _, key in emulator.resources() if key not in before]
            return _report(title, emulator, created + list(conf.values()), dag_run)

        results = [run("example_cleanroomsml (start, wait deferred, describe)", start_and_wait)]
        emulator.script_next_start(["CREATE_PENDING", "CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "ACTIVE"])
        arn = _start_job(emulator)
        results.append(
            run(
                "example_cleanroomsml_wait (describe, wait deferred, describe)",
                wait_for_existing,
                trained_model_inference_job_arn=arn,
            )
        )
        results.append(run("example_cleanroomsml_training (input channel, trained model)", training))
        results.append(run("example_cleanroomsml_scoring (latest model, channel, scoring, export)", scoring))
        results.append(run("example_cleanroomsml_lookalike (audience model, segment, 2 exports)", lookalike))
        logging.disable(logging.NOTSET)
        print(f"\nAPI calls: {dict(emulator.calls)}")

    ok = all(results)
    print("\nALL DAG RUNS SUCCEEDED" if ok else "\nA DAG RUN FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
