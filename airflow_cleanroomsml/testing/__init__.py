"""
Test without AWS: a local Clean Rooms ML emulator, as strict as the service, and a pytest fixture.

- :class:`CleanRoomsMLEmulator`: the emulator, as a context manager; :class:`Faults` to inject.
- The kinds it serves, to ``register`` or ``script_next``: :data:`TRAINED_MODEL_INFERENCE_JOBS`,
  :data:`ML_INPUT_CHANNELS`, :data:`TRAINED_MODELS`, :data:`TRAINED_MODEL_EXPORT_JOBS`,
  :data:`AUDIENCE_MODELS`, :data:`CONFIGURED_AUDIENCE_MODELS`, :data:`AUDIENCE_GENERATION_JOBS`,
  :data:`AUDIENCE_EXPORT_JOBS`, and the parents no DAG creates: :data:`CONFIGURED_MODEL_ALGORITHMS`,
  :data:`CONFIGURED_MODEL_ALGORITHM_ASSOCIATIONS`, :data:`TRAINING_DATASETS`.
- ``python -m airflow_cleanroomsml.testing --port PORT``: the emulator as a process.
- ``pytest_plugins = ["airflow_cleanroomsml.testing.pytest_plugin"]``: the ``cleanroomsml_emulator``
  fixture, with the ``aws_default`` connection pointed at it.

The public modules are this package, :mod:`~airflow_cleanroomsml.testing.emulator`,
:mod:`~airflow_cleanroomsml.testing.kinds` and :mod:`~airflow_cleanroomsml.testing.pytest_plugin`;
the others are the emulator's parts (see :mod:`~airflow_cleanroomsml.testing.emulator`).
"""

from __future__ import annotations

from airflow_cleanroomsml.testing.emulator import (
    CANCEL,
    GET,
    LIST,
    START,
    CleanRoomsMLEmulator,
    Faults,
    ServiceError,
)
from airflow_cleanroomsml.testing.kinds import (
    AUDIENCE_EXPORT_JOBS,
    AUDIENCE_GENERATION_JOBS,
    AUDIENCE_MODELS,
    CONFIGURED_AUDIENCE_MODELS,
    CONFIGURED_MODEL_ALGORITHM_ASSOCIATIONS,
    CONFIGURED_MODEL_ALGORITHMS,
    EMULATED_KINDS,
    GONE,
    ML_INPUT_CHANNELS,
    TRAINED_MODEL_EXPORT_JOBS,
    TRAINED_MODEL_INFERENCE_JOBS,
    TRAINED_MODELS,
    TRAINING_DATASETS,
    EmulatedKind,
    Reference,
)

__all__ = [
    "AUDIENCE_EXPORT_JOBS",
    "AUDIENCE_GENERATION_JOBS",
    "AUDIENCE_MODELS",
    "CANCEL",
    "CONFIGURED_AUDIENCE_MODELS",
    "CONFIGURED_MODEL_ALGORITHMS",
    "CONFIGURED_MODEL_ALGORITHM_ASSOCIATIONS",
    "EMULATED_KINDS",
    "GET",
    "GONE",
    "LIST",
    "ML_INPUT_CHANNELS",
    "START",
    "TRAINED_MODELS",
    "TRAINED_MODEL_EXPORT_JOBS",
    "TRAINED_MODEL_INFERENCE_JOBS",
    "TRAINING_DATASETS",
    "CleanRoomsMLEmulator",
    "EmulatedKind",
    "Faults",
    "Reference",
    "ServiceError",
]
