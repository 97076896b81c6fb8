"""A kind this provider does not ship, declared as a new kind is: waiters, a declaration, thin classes."""

from __future__ import annotations

from pathlib import Path

from airflow_cleanroomsml.kinds import ResourceKind
from airflow_cleanroomsml.operators.base import CleanRoomsMLWaitOperator
from airflow_cleanroomsml.sensors.base import CleanRoomsMLResourceSensor
from airflow_cleanroomsml.testing.kinds import EmulatedKind
from airflow_cleanroomsml.triggers.base import CleanRoomsMLResourceTrigger

# An ML input channel as its collaboration sees it: named by collaboration, not membership.
COLLABORATION_CHANNEL = ResourceKind(
    name="collaboration ML input channel",
    identity=("collaborationIdentifier", "mlInputChannelArn"),
    arn_member="mlInputChannelArn",
    arn_segment="ml-input-channel",
    arn_in_membership=True,
    waiters={"complete": "collaboration_ml_input_channel_complete"},
    get="GetCollaborationMLInputChannel",
    list="ListCollaborationMLInputChannels",
    list_key="collaborationMLInputChannelsList",
    list_request={"collaborationIdentifier": "collaborationIdentifier"},
    waiters_file=Path(__file__).with_name("made_up_kind_waiters.json"),
)
EMULATED = EmulatedKind(COLLABORATION_CHANNEL)


class CollaborationChannelTrigger(CleanRoomsMLResourceTrigger):
    """The kind's trigger for its ``complete`` waiter: what its sensor and operator defer to."""

    kind = COLLABORATION_CHANNEL

    def __init__(self, *, collaboration_identifier: str, ml_input_channel_arn: str, **kwargs) -> None:
        super().__init__(
            collaboration_identifier=collaboration_identifier,
            ml_input_channel_arn=ml_input_channel_arn,
            **kwargs,
        )


class CollaborationChannelSensor(CleanRoomsMLResourceSensor):
    kind = COLLABORATION_CHANNEL


class WaitForCollaborationChannelOperator(CleanRoomsMLWaitOperator):
    kind = COLLABORATION_CHANNEL
