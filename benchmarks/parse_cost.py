"""
Parse cost: what importing this provider's sensor and operator modules adds to a DAG file.

Each sample is a fresh interpreter that imports ``airflow`` first (a DAG file always does), then
times the import of the modules under test. The baseline, measured in the same run, is the
Amazon provider's Bedrock sensor module. Prints a table and one JSON line.

    .venv/bin/python benchmarks/parse_cost.py [--samples 9]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CANDIDATES = {
    "airflow_cleanroomsml sensor + operators": [
        "airflow_cleanroomsml.sensors.cleanroomsml",
        "airflow_cleanroomsml.operators.cleanroomsml",
    ],
    "baseline: amazon bedrock sensor": ["airflow.providers.amazon.aws.sensors.bedrock"],
}
PROBE = """
import time, airflow, importlib
started = time.perf_counter()
for name in {modules!r}:
    importlib.import_module(name)
print(time.perf_counter() - started)
"""


def sample(modules: list[str]) -> float:
    output = subprocess.run(
        [sys.executable, "-c", PROBE.format(modules=modules)], capture_output=True, text=True, check=True
    ).stdout
    return float(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--samples", type=int, default=9, help="fresh interpreters per candidate (>= 7)")
    args = parser.parse_args()
    medians: dict[str, float] = {}
    # Interleave the candidates so that machine noise hits both alike.
    samples: dict[str, list[float]] = {name: [] for name in CANDIDATES}
    for _ in range(args.samples):
        for name, modules in CANDIDATES.items():
            samples[name].append(sample(modules))
    for name, values in samples.items():
        medians[name] = statistics.median(values)
    ours, baseline = medians.values()
    print(f"{'import after `import airflow`':<45} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
    for name, values in samples.items():
        print(
            f"{name:<45} {1000 * medians[name]:>10.1f} {1000 * min(values):>8.1f} {1000 * max(values):>8.1f}"
        )
    print(f"ratio (ours / baseline): {ours / baseline:.2f}  (target <= 1.0)")
    print(
        json.dumps(
            {
                "benchmark": "parse_cost",
                "samples": args.samples,
                "ours_ms": round(1000 * ours, 1),
                "baseline_ms": round(1000 * baseline, 1),
                "ratio": round(ours / baseline, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
