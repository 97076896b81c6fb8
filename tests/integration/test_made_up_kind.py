"""The recipe for a new kind holds: a kind declared only in the tests is waited for in real DAG runs."""

from __future__ import annotations

import importlib

import pytest

from airflow_cleanroomsml.testing import CleanRoomsMLEmulator
from airflow_cleanroomsml.testing.kinds import EMULATED_KINDS
from tests.integration.made_up_kind import COLLABORATION_CHANNEL, EMULATED

pytestmark = pytest.mark.integration
MEMBERSHIP, COLLABORATION = "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-0000000000cc"
RUNNING = ["CREATE_PENDING", "CREATE_IN_PROGRESS", "ACTIVE"]


@pytest.mark.parametrize("mode", ["poke", "deferrable"])
def test_a_kind_declared_in_the_tests_is_waited_for_by_the_generic_sensor_and_operator(
    mode, airflow_db, monkeypatch
):
    with CleanRoomsMLEmulator(kinds=[*EMULATED_KINDS, EMULATED]) as emulator:
        monkeypatch.setenv(*emulator.airflow_env().popitem())
        sensed, awaited = (
            emulator.register(
                EMULATED, RUNNING, membershipIdentifier=MEMBERSHIP, collaborationIdentifier=COLLABORATION
            )
            for _ in range(2)
        )
        dags = importlib.import_module("tests.integration.dags.made_up_kind_dags")
        dag_run = getattr(dags, f"made_up_kind_{mode}").test(
            run_conf={"collaboration": COLLABORATION, "sensed": sensed, "awaited": awaited}
        )
        assert str(getattr(dag_run.state, "value", dag_run.state)) == "success"
        for arn in (sensed, awaited):
            assert [status for _, status in emulator.status_history(arn)] == RUNNING
        # Three reads each (judged by the test's own waiter JSON), one more for the final XCom.
        assert emulator.calls[COLLABORATION_CHANNEL.get] == 3 + 3 + 1
