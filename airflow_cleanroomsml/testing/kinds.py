"""
What the emulator needs to serve a kind, besides the kind's own declaration.

An :class:`EmulatedKind` says which call creates one and which statuses it goes through when it
is created, cancelled or deleted. Everything else the emulator takes from the kind
(:class:`~airflow_cleanroomsml.kinds.JobKind`: its calls, identity and ARN form) and from
botocore's service model (routes, request checks, response shapes).
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow_cleanroomsml.kinds import TRAINED_MODEL_INFERENCE_JOB, JobKind

GONE = "GONE"
"""The last step of a deletion script: the resource is no longer found."""


@dataclass(frozen=True)
class EmulatedKind:
    """
    A kind of resource as the emulator serves it.

    :param kind: The kind's declaration.
    :param create: The operation that creates or starts one, if the API has one.
    :param started: The statuses a created one goes through, each for ``step_seconds``.
    :param cancelled: The statuses a cancelled one goes through.
    :param deleted: The statuses a deleted one goes through (:data:`GONE` last, if it disappears).
    """

    kind: JobKind
    create: str | None = None
    started: tuple[str, ...] = ("CREATE_PENDING", "CREATE_IN_PROGRESS", "ACTIVE")
    cancelled: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()

    @property
    def operations(self) -> dict[str, str]:
        """The operations the emulator serves for this kind, by role."""
        calls = {
            "create": self.create,
            "get": self.kind.get,
            "list": self.kind.list,
            "cancel": self.kind.cancel,
            "delete": self.kind.delete,
        }
        return {role: operation for role, operation in calls.items() if operation}


TRAINED_MODEL_INFERENCE_JOBS = EmulatedKind(
    TRAINED_MODEL_INFERENCE_JOB,
    create="StartTrainedModelInferenceJob",
    cancelled=("CANCEL_PENDING", "CANCEL_IN_PROGRESS", "INACTIVE"),
)

EMULATED_KINDS: tuple[EmulatedKind, ...] = (TRAINED_MODEL_INFERENCE_JOBS,)
"""Every kind the emulator serves unless told otherwise."""
