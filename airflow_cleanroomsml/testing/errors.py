"""Errors as the service answers them: a code, its HTTP status and a message."""

from __future__ import annotations

from airflow_cleanroomsml.testing.service_model import error_status

_NOT_IN_THE_MODEL = {
    # Errors every AWS service can answer, which its own model does not list.
    "ExpiredTokenException": 403,
    "UnknownOperationException": 404,
}
ERROR_CODES = (
    "AccessDeniedException",
    "ConflictException",
    "ExpiredTokenException",
    "InternalServiceException",
    "ResourceNotFoundException",
    "ServiceQuotaExceededException",
    "ThrottlingException",
    "ValidationException",
)
"""The codes the emulator answers with, and that :meth:`CleanRoomsMLEmulator.fail_next` can inject."""


def http_status(code: str) -> int:
    """The HTTP status of an error code: the service model's, or AWS's for the common ones."""
    status = _NOT_IN_THE_MODEL.get(code) or error_status(code)
    if status is None:
        raise ValueError(f"code={code!r} is not one of {sorted(ERROR_CODES)}")
    return status


class ServiceError(Exception):
    """An error the emulator answers with, as the service would: a code, an HTTP status, a message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status(code)


def validation_error(message: str) -> ServiceError:
    """A ``ValidationException`` (HTTP 400)."""
    return ServiceError("ValidationException", message)


def not_found(message: str) -> ServiceError:
    """A ``ResourceNotFoundException`` (HTTP 404)."""
    return ServiceError("ResourceNotFoundException", message)


def conflict(message: str) -> ServiceError:
    """A ``ConflictException`` (HTTP 409)."""
    return ServiceError("ConflictException", message)
