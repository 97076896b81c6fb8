"""
A pytest fixture for testing DAGs that use this provider, without AWS.

Load it from your ``conftest.py``::

    pytest_plugins = ["airflow_cleanroomsml.testing.pytest_plugin"]

then ask for ``cleanroomsml_emulator``: a running :class:`CleanRoomsMLEmulator` with the
``aws_default`` Airflow connection pointed at it for the duration of the test. Register there what
your DAGs name but do not create (a trained model, a configured model algorithm association...):
the emulator refuses a request naming a resource it does not hold, as AWS does. A test that
leaves the emulator with an internal error (an emulator bug, answered HTTP 500) fails.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from airflow_cleanroomsml.testing.emulator import CleanRoomsMLEmulator

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def cleanroomsml_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[CleanRoomsMLEmulator]:
    """A running emulator (jobs step every 0.2 s) that the ``aws_default`` connection reaches."""
    with CleanRoomsMLEmulator(step_seconds=0.2) as emulator:
        for name, value in emulator.airflow_env("aws_default").items():
            monkeypatch.setenv(name, value)
        yield emulator
        if emulator.internal_errors:
            pytest.fail("The emulator failed answering a call:\n" + "\n".join(emulator.internal_errors))
