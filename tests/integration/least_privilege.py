"""The least-privilege policy ``python -m airflow_cleanroomsml.iam`` prints for the example DAG files."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

from airflow_cleanroomsml import iam

EXAMPLE_DAGS = Path(__file__).parents[2] / "example_dags"


@cache
def printed(file: str, dag_id: str | None = None) -> iam.Report:
    """What the command finds for an example DAG file (or one DAG of it), as it prints it by default."""
    return iam.policy_for([str(EXAMPLE_DAGS / file)], [dag_id] if dag_id else [])


def least_privilege(file: str, dag_id: str | None = None) -> dict[str, Any]:
    """The policy the command prints for an example DAG file (or one DAG of it)."""
    return printed(file, dag_id).policy()


def without(policy: dict[str, Any], removed: str) -> dict[str, Any]:
    """A policy with one action taken out of every statement (statements left empty are dropped)."""
    kept = []
    for statement in copy.deepcopy(policy)["Statement"]:
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        actions = [action for action in actions if action != removed]
        if actions:
            kept.append({**statement, "Action": actions})
    return {**policy, "Statement": kept}
