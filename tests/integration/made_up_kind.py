"""A kind this provider does not ship, declared as a new kind is: waiters, a declaration, thin classes."""

from __future__ import annotations

from pathlib import Path

from airflow_cleanroomsml.kinds import JobKind
from airflow_cleanroomsml.operators.base import CleanRoomsMLWaitOperator
from airflow_cleanroomsml.sensors.base import CleanRoomsMLJobSensor
from airflow_cleanroomsml.testing.kinds import EmulatedKind
from airflow_cleanroomsml.triggers.cleanroomsml import CleanRoomsMLJobTrigger

# An ML input channel as its collaboration sees it: named by collaboration, not membership.
COLLABORATION_CHANNEL = JobKind(
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
TRIGGER = f"{__name__}.CollaborationChannelTrigger"


class CollaborationChannelTrigger(CleanRoomsMLJobTrigger):
    kind = COLLABORATION_CHANNEL


class CollaborationChannelSensor(CleanRoomsMLJobSensor):
    kind = COLLABORATION_CHANNEL
    trigger = TRIGGER


class WaitForCollaborationChannelOperator(CleanRoomsMLWaitOperator):
    kind = COLLABORATION_CHANNEL
    triggers = {"complete": TRIGGER}
