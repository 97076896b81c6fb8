"""Faults to inject: throttling, server errors, latency, eventual consistency, resets and stalls."""

from __future__ import annotations

from dataclasses import dataclass

from airflow_cleanroomsml.testing.errors import ServiceError


@dataclass
class Faults:
    """
    Faults to inject, counted over every call the emulator receives (all operations together).

    May be changed while the emulator runs.

    :param throttle_every: Answer every Nth call with ``ThrottlingException`` (HTTP 429); 0 for never.
    :param error_every: Answer every Mth call with ``InternalServiceException`` (HTTP 500); 0 for never.
    :param latency: Seconds added before every answer.
    :param not_found_reads: A new resource is not found (``ResourceNotFoundException``) by its first
        K reads, and not listed until then, as with eventual consistency after it is created.
    :param reset_every: Reset the connection (TCP RST, no answer) on every Nth call; 0 for never.
    :param stall_every: Answer every Nth call only after ``stall_seconds``, so a client with a
        shorter ``read_timeout`` times out; 0 for never.
    :param stall_seconds: How long a stalled call waits before answering.
    :param sts_latency: Seconds STS takes to answer (a slow credential refresh).
    """

    throttle_every: int = 0
    error_every: int = 0
    latency: float = 0.0
    not_found_reads: int = 0
    reset_every: int = 0
    stall_every: int = 0
    stall_seconds: float = 2.0
    sts_latency: float = 0.0

    def error_for(self, call: int) -> ServiceError | None:
        """The error the ``call``-th call (counting from 1) is answered with, if any."""
        if self.throttle_every and call % self.throttle_every == 0:
            return ServiceError("ThrottlingException", "Rate exceeded")
        if self.error_every and call % self.error_every == 0:
            return ServiceError("InternalServiceException", "Internal service error")
        return None

    def resets(self, call: int) -> bool:
        """Whether the ``call``-th call's connection is reset instead of answered."""
        return bool(self.reset_every) and call % self.reset_every == 0

    def stalls(self, call: int) -> bool:
        """Whether the ``call``-th call is answered only after ``stall_seconds``."""
        return bool(self.stall_every) and call % self.stall_every == 0
