"""Errors as the service answers them: a code, its HTTP status and a message."""

from __future__ import annotations

from airflow_cleanroomsml.testing.service_model import error_status

_STATUSES = {
    "AccessDeniedException": 403,
    "ConflictException": 409,
    "ExpiredTokenException": 403,
    "InternalServiceException": 500,
    "ResourceNotFoundException": 404,
    "ServiceQuotaExceededException": 402,
    "ThrottlingException": 429,
    "ValidationException": 400,
}
"""Each code's HTTP status where the model does not say it: ``ExpiredTokenException`` is every AWS
service's and in no service's model, and older botocore models lack this service's throttling and
internal errors."""
ERROR_CODES = tuple(sorted(_STATUSES))
"""The codes the emulator answers with, and that :meth:`CleanRoomsMLEmulator.fail_next` can inject."""
UNKNOWN_OPERATION = "UnknownOperationException"


def http_status(code: str) -> int:
    """The HTTP status of an error code: the service model's, else AWS's."""
    if code == UNKNOWN_OPERATION:
        return 404
    if code not in _STATUSES:
        raise ValueError(f"code={code!r} is not one of {list(ERROR_CODES)}")
    return error_status(code) or _STATUSES[code]


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
