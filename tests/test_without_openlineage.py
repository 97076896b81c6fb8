"""Without Airflow's OpenLineage provider (or the OpenLineage client), the provider imports and runs."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).parents[1]

SCRIPT = textwrap.dedent(
    """
    import importlib, importlib.abc, json, os, sys

    BLOCKED = ("openlineage", "airflow.providers.openlineage")

    class WithoutOpenLineage(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if any(name == blocked or name.startswith(blocked + ".") for blocked in BLOCKED):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, WithoutOpenLineage())

    # Nor are they installed distributions: Airflow finds providers by their distributions' entry points.
    import importlib.metadata
    import importlib_metadata

    def without_openlineage(distributions):
        def filtered(**selection):
            found = distributions(**selection)
            return (dist for dist in found if "openlineage" not in dist.metadata["Name"].lower())
        return filtered

    for module in (importlib.metadata, importlib_metadata):
        module.distributions = without_openlineage(module.distributions)

    from airflow_cleanroomsml import iam, lineage
    from airflow_cleanroomsml.hooks import cleanroomsml as hooks
    from airflow_cleanroomsml.operators import cleanroomsml as operators
    from airflow_cleanroomsml.sensors import cleanroomsml as sensors
    from airflow_cleanroomsml.triggers import cleanroomsml as triggers
    from airflow_cleanroomsml.testing import ML_INPUT_CHANNELS, TRAINED_MODELS, CleanRoomsMLEmulator

    class TaskInstance:
        dag_id, task_id, run_id, map_index = "no_lineage", "score", "manual__1", -1
        pushed = {}

        def xcom_push(self, key, value):
            self.pushed[key] = value

    with CleanRoomsMLEmulator(step_seconds=0.1) as emulator:
        os.environ.update(emulator.airflow_env("aws_default"))
        prefix = f"arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/{emulator.membership_id}"
        model = emulator.register(TRAINED_MODELS, ["ACTIVE"], trainedModelArn=f"{prefix}/trained-model/m")
        channel = emulator.register(
            ML_INPUT_CHANNELS, ["ACTIVE"], mlInputChannelArn=f"{prefix}/ml-input-channel/c"
        )
        operator = operators.CleanRoomsMLStartTrainedModelInferenceJobOperator(
            task_id="score",
            membership_identifier=emulator.membership_id,
            name="scoring",
            trained_model_arn=model,
            resource_config={"instanceType": "ml.m5.xlarge", "instanceCount": 1},
            output_configuration={"members": [{"accountId": "123456789012"}]},
            data_source={"mlInputChannelArn": channel},
            waiter_delay=0.1,
            waiter_max_attempts=50,
            deferrable=False,
        )
        ti = TaskInstance()
        arn = operator.execute({"ti": ti})
        print(json.dumps({
            "status": ti.pushed["trained_model_inference_job"]["status"],
            "arn": arn,
            "lineage_installed": iam.lineage_installed(),
            "inputs": [list(named) for named in lineage.lineage_of(
                operator.operation, operator.kind, lineage.request_of(operator), operator.created, None
            )[0]],
            "imported": sorted(name for name in sys.modules if name.split(".")[0] == "openlineage"
                               or name.startswith("airflow.providers.openlineage")),
        }))
    """
)


def test_the_provider_imports_and_runs_a_task_without_openlineage():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, result.stderr[-5000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["status"] == "ACTIVE"
    assert "/trained-model-inference-job/" in report["arn"]
    assert report["lineage_installed"] is False
    assert len(report["inputs"]) == 2, (
        "what a task read is known without OpenLineage; only the event needs it"
    )
    assert report["imported"] == []
