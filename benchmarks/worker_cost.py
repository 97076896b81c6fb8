"""
Worker cost of a deferrable wait: API calls and wall time from ``execute`` to the deferral.

Against the bundled emulator, through the real clients: the deferrable sensor on a running job
(one check, then defer), on a job already done (one check, no deferral), and the start operator
(list for an earlier try's job, start, defer). Prints a table and one JSON line.

    .venv/bin/python benchmarks/worker_cost.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="cleanroomsml-bench-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
sys.path.insert(0, str(Path(__file__).resolve().parent))


class _TaskInstance:
    dag_id, task_id, run_id, map_index, try_number = "bench", "task", "run", -1, 1

    def xcom_push(self, key, value):
        pass


def measure(emulator, make_task) -> tuple[int, float, bool]:
    from airflow_cleanroomsml._compat import AirflowException

    try:
        from airflow.sdk.exceptions import TaskDeferred
    except ImportError:
        from airflow.exceptions import TaskDeferred  # type: ignore[no-redef]

    task = make_task()
    emulator.reset_calls()
    started = time.perf_counter()
    deferred = False
    try:
        task.execute({"ti": _TaskInstance()})
    except TaskDeferred:
        deferred = True
    except AirflowException:
        pass
    return sum(emulator.calls.values()), time.perf_counter() - started, deferred


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from airflow_cleanroomsml.operators.cleanroomsml import CleanRoomsMLStartTrainedModelInferenceJobOperator
    from airflow_cleanroomsml.sensors.cleanroomsml import CleanRoomsMLTrainedModelInferenceJobSensor
    from airflow_cleanroomsml.testing import ML_INPUT_CHANNELS, TRAINED_MODELS, CleanRoomsMLEmulator

    results = {}
    with CleanRoomsMLEmulator(step_seconds=3600) as emulator:
        os.environ.update(emulator.airflow_env())
        prefix = f"arn:aws:cleanrooms-ml:us-east-1:123456789012:membership/{emulator.membership_id}"
        emulator.register(TRAINED_MODELS, ["ACTIVE"], trainedModelArn=f"{prefix}/trained-model/m")
        emulator.register(ML_INPUT_CHANNELS, ["ACTIVE"], mlInputChannelArn=f"{prefix}/ml-input-channel/c")
        cases = {
            "sensor, job running": lambda: CleanRoomsMLTrainedModelInferenceJobSensor(
                task_id="wait",
                trained_model_inference_job_arn=emulator.register_job(["CREATE_IN_PROGRESS"]),
                deferrable=True,
            ),
            "sensor, job already ACTIVE": lambda: CleanRoomsMLTrainedModelInferenceJobSensor(
                task_id="wait",
                trained_model_inference_job_arn=emulator.register_job(["ACTIVE"]),
                deferrable=True,
            ),
            "start operator": lambda: CleanRoomsMLStartTrainedModelInferenceJobOperator(
                task_id="start",
                membership_identifier=emulator.membership_id,
                name=f"bench-{time.perf_counter_ns()}",
                trained_model_arn=f"{prefix}/trained-model/m",
                resource_config={"instanceType": "ml.m5.xlarge"},
                output_configuration={"members": [{"accountId": "123456789012"}]},
                data_source={"mlInputChannelArn": f"{prefix}/ml-input-channel/c"},
                deferrable=True,
            ),
        }
        for name, make_task in cases.items():
            runs = [measure(emulator, make_task) for _ in range(args.repeat)]
            results[name] = {
                "api_calls": max(calls for calls, _, _ in runs),
                "median_ms": round(1000 * statistics.median(seconds for _, seconds, _ in runs), 1),
                "deferred": all(deferred for _, _, deferred in runs),
            }
    print(f"{'case':<42} {'API calls':>9} {'median ms':>10} {'deferred':>9}")
    for name, figures in results.items():
        print(
            f"{name:<42} {figures['api_calls']:>9} {figures['median_ms']:>10.1f} {figures['deferred']!s:>9}"
        )
    print(
        "targets: a running job costs <= 1 call and < 1 s to the deferral; a finished one 1 call, no deferral"
    )
    print(json.dumps({"benchmark": "worker_cost", "repeat": args.repeat, "results": results}))


if __name__ == "__main__":
    main()
