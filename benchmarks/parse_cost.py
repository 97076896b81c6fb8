"""
Parse cost: what a DAG file pays to import this provider's classes by name, against the Amazon provider's.

A DAG file imports the classes it uses by name: here, one start operator and one sensor
(``from airflow_cleanroomsml.operators.cleanroomsml import CleanRoomsMLStartTrainedModelInferenceJobOperator``
and the inference job's sensor), against the same from Bedrock's modules (its customize-model
operator and sensor); and, for reference, every class of this provider. Each sample is a fresh
interpreter that imports ``airflow`` first (a DAG file always does), then times the imports under
test; then again in interpreters that have also imported the Amazon provider's base classes (which
any AWS DAG file imports), so that what each side adds of its own shows. Both sides run from
bytecode: the Amazon provider's is compiled at install (``uv pip install --compile-bytecode``), and
this package's is compiled here first, since an editable install under ``PYTHONDONTWRITEBYTECODE=1``
would otherwise compile it from source in every sample. Prints a table and one JSON line.

    .venv/bin/python benchmarks/parse_cost.py [--samples 15]
"""

from __future__ import annotations

import argparse
import compileall
import json
import statistics
import subprocess
import sys

OURS = "airflow_cleanroomsml: one start operator + one sensor"
BASELINE = "baseline: bedrock, one operator + one sensor"
CANDIDATES = {
    OURS: [
        ("airflow_cleanroomsml.operators.cleanroomsml", "CleanRoomsMLStartTrainedModelInferenceJobOperator"),
        ("airflow_cleanroomsml.sensors.cleanroomsml", "CleanRoomsMLTrainedModelInferenceJobSensor"),
    ],
    BASELINE: [
        ("airflow.providers.amazon.aws.operators.bedrock", "BedrockCustomizeModelOperator"),
        ("airflow.providers.amazon.aws.sensors.bedrock", "BedrockCustomizeModelCompletedSensor"),
    ],
    "airflow_cleanroomsml: every class (for reference)": [
        ("airflow_cleanroomsml.operators.cleanroomsml", "*"),
        ("airflow_cleanroomsml.sensors.cleanroomsml", "*"),
    ],
}
TARGET = 1.15
"""What ours may cost at most, as a multiple of the baseline's, after the Amazon base classes."""
SHARED_BASES = [
    "airflow.providers.amazon.aws.sensors.base_aws",
    "airflow.providers.amazon.aws.operators.base_aws",
    "airflow.providers.amazon.aws.links.base_aws",
]
"""The Amazon provider's base classes, which any AWS DAG imports (and a DAG processor has loaded)."""
SCENARIOS = {
    "after `import airflow`": ["airflow"],
    "after the Amazon base classes": ["airflow", *SHARED_BASES],
}
PROBE = """
import importlib, time
for name in {preloaded!r}:
    importlib.import_module(name)
started = time.perf_counter()
for module, name in {imports!r}:
    loaded = importlib.import_module(module)
    for each in (loaded.__all__ if name == "*" else [name]):
        getattr(loaded, each)
print(time.perf_counter() - started)
"""


def sample(preloaded: list[str], imports: list[tuple[str, str]]) -> float:
    output = subprocess.run(
        [sys.executable, "-c", PROBE.format(preloaded=preloaded, imports=imports)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--samples", type=int, default=15, help="fresh interpreters per candidate (>= 7)")
    args = parser.parse_args()
    import airflow_cleanroomsml

    compileall.compile_dir(airflow_cleanroomsml.__path__[0], quiet=1)
    results = {}
    for scenario, preloaded in SCENARIOS.items():
        # Interleave the candidates, alternating which goes first, so that noise hits both alike.
        samples: dict[str, list[float]] = {name: [] for name in CANDIDATES}
        for index in range(args.samples):
            order = list(CANDIDATES.items())
            for name, imports in order[::-1] if index % 2 else order:
                samples[name].append(sample(preloaded, imports))
        medians = {name: statistics.median(values) for name, values in samples.items()}
        ours, baseline = medians[OURS], medians[BASELINE]
        print(f"{'import ' + scenario:<50} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
        for name, values in samples.items():
            print(
                f"{name:<50} {1000 * medians[name]:>10.1f} "
                f"{1000 * min(values):>8.1f} {1000 * max(values):>8.1f}"
            )
        print(
            f"ratio (ours / baseline): {ours / baseline:.2f}  (target <= {TARGET} after the base classes)\n"
        )
        results[scenario] = {
            "ours_ms": round(1000 * ours, 1),
            "baseline_ms": round(1000 * baseline, 1),
            "ratio": round(ours / baseline, 3),
            "every_class_ms": round(1000 * medians[list(CANDIDATES)[2]], 1),
        }
    print(json.dumps({"benchmark": "parse_cost", "samples": args.samples, "scenarios": results}))


if __name__ == "__main__":
    main()
