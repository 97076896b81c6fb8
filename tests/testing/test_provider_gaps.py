"""
What the strict emulator showed of the provider: requests its own checks let through and AWS refuses.

The tags the documentation forbids (more than 50 a resource, ``aws:`` keys) reached AWS, which
refused the start after the reattach List call; the provider now refuses them itself, before any
call (bad input gets a clear error naming the argument).
"""

from __future__ import annotations

import pytest

from airflow_cleanroomsml.operators.cleanroomsml import CleanRoomsMLStartTrainedModelInferenceJobOperator
from airflow_cleanroomsml.validation import InvalidArgumentError
from tests.helpers import PARENTS, register_parents

pytestmark = pytest.mark.integration


class TaskInstance:
    dag_id, task_id, run_id, map_index, try_number = "dag", "start", "run", -1, 1

    def xcom_push(self, key, value):
        pass


@pytest.mark.parametrize(
    "tags",
    [{f"team-{index}": "ml" for index in range(47)}, {"aws:team": "ml"}],
    ids=["47-user-tags-and-4-run-tags", "reserved-prefix"],
)
def test_tags_aws_refuses_are_refused_before_any_call(cleanroomsml_emulator, tags):
    register_parents(cleanroomsml_emulator)
    operator = CleanRoomsMLStartTrainedModelInferenceJobOperator(
        task_id="start",
        membership_identifier=cleanroomsml_emulator.membership_id,
        name="scoring",
        trained_model_arn=PARENTS["TRAINED_MODELS"],
        resource_config={"instanceType": "ml.m5.xlarge", "instanceCount": 1},
        output_configuration={"members": [{"accountId": "123456789012"}]},
        data_source={"mlInputChannelArn": PARENTS["ML_INPUT_CHANNELS"]},
        tags=tags,
        wait_for_completion=False,
    )
    try:
        with pytest.raises(InvalidArgumentError, match="tags"):
            operator.execute({"ti": TaskInstance()})
    finally:
        assert cleanroomsml_emulator.calls["StartTrainedModelInferenceJob"] == 0
