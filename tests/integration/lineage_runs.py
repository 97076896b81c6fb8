"""
Run the example pipelines with Airflow's OpenLineage provider on, writing its events to a file.

Run as a process (``python -m tests.integration.lineage_runs OUT``) with the OpenLineage transport in
the environment: the provider registers its listener when Airflow loads plugins, once per process.
The emulator enforces the policy ``python -m airflow_cleanroomsml.iam --lineage`` prints for the
example files. ``OUT/runs.json`` says how each run ended, what each created and what was refused.
"""

from __future__ import annotations

import json
import os
import sys
from importlib.metadata import version
from pathlib import Path


def main(out: Path) -> None:
    from airflow_cleanroomsml import iam
    from airflow_cleanroomsml.testing import CleanRoomsMLEmulator
    from tests.integration.conftest import register_example_parents
    from tests.integration.least_privilege import EXAMPLE_DAGS

    files = [
        str(EXAMPLE_DAGS / "example_cleanroomsml_pipeline.py"),
        str(EXAMPLE_DAGS / "example_cleanroomsml_lookalike.py"),
        str(Path(__file__).parent / "dags" / "lineage_s3_seed.py"),
    ]
    policy = iam.policy_for(files, lineage=True).policy()
    sys.path.insert(0, os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    from example_cleanroomsml_lookalike import lookalike
    from example_cleanroomsml_pipeline import scoring, training
    from lineage_s3_seed import s3_seed

    if version("apache-airflow").startswith("3.0."):
        # Airflow 3.0's dag.test() does not activate a DAG's assets (a DAG processor does), so a task
        # with an Asset outlet fails before it runs (test_example_dag.py); lineage is not about that.
        training.get_task("train").outlets = []

    runs = []
    with CleanRoomsMLEmulator(step_seconds=0.2, reads_to_active=1, policy=policy) as emulator:
        os.environ.update(emulator.airflow_env("aws_default"))
        register_example_parents(emulator)
        for dag in (training, scoring, lookalike, s3_seed):
            before = emulator.resources()
            dag_run = dag.test()
            created = [resource for resource in emulator.resources() if resource not in before]
            runs.append(
                {
                    "dag_id": dag.dag_id,
                    "state": str(getattr(dag_run.state, "value", dag_run.state)),
                    "created": created,
                }
            )
        (out / "runs.json").write_text(json.dumps({"runs": runs, "denied": emulator.denied}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
