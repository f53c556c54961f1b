"""Domain errors: each carries a machine-readable code and a sentence a person can act on.

Every surface (API, HTML) maps these to a response in one place; services raise them and never
return error values.
"""


class DomainError(Exception):
    status = 422
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class PurposeRequired(DomainError):
    status = 422
    code = "purpose_required"


class TooManyAttempts(DomainError):
    """Past a rate limit: the answer says how many seconds to wait (an HTTP Retry-After)."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
