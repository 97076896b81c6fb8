"""
Test without AWS: a local Clean Rooms ML emulator and a pytest fixture for DAG tests.

- :class:`CleanRoomsMLEmulator`: the emulator, as a context manager.
- ``python -m airflow_cleanroomsml.testing --port PORT``: the emulator as a process.
- ``pytest_plugins = ["airflow_cleanroomsml.testing.pytest_plugin"]``: the ``cleanroomsml_emulator``
  fixture, with the ``aws_default`` connection pointed at it.
"""

from __future__ import annotations

from airflow_cleanroomsml.testing.emulator import (
    CANCEL,
    GET,
    LIST,
    START,
    CleanRoomsMLEmulator,
    Faults,
)

__all__ = ["CANCEL", "GET", "LIST", "START", "CleanRoomsMLEmulator", "Faults"]
