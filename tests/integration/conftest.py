"""The emulator the integration tests share: the plugin's, with the parents their requests name."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.helpers import register_parents

RUN_EXAMPLE = Path(__file__).parents[2] / "example_dags" / "run_example.py"


def register_example_parents(emulator) -> None:
    """What the example DAGs name but do not create, registered as ``run_example.py`` does."""
    spec = importlib.util.spec_from_file_location("run_example", RUN_EXAMPLE)
    run_example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_example)
    run_example.register_parents(emulator)


@pytest.fixture
def cleanroomsml_emulator(cleanroomsml_emulator):
    """
    The plugin's emulator with the trained model, ML input channel, configured model algorithm
    association, training dataset and configured audience model that the tests' operators and DAGs
    (and the example DAGs) name, each ``ACTIVE``: the emulator refuses a request naming a resource it
    does not hold, as the service does.
    """
    register_parents(cleanroomsml_emulator)
    register_example_parents(cleanroomsml_emulator)
    return cleanroomsml_emulator
