"""One error family: each carries a message, a machine code and an HTTP status."""

from __future__ import annotations


class TajribaError(Exception):
    """An expected error, shown to the user as it is (never a 500)."""

    status = 400
    code = "invalid"

    def __init__(
        self, message: str, *, code: str | None = None, status: int | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.field = field

    def to_dict(self) -> dict[str, object]:
        error: dict[str, object] = {"code": self.code, "message": self.message}
        if self.field is not None:
            error["field"] = self.field
        return {"error": error}


class Invalid(TajribaError):
    status = 422
    code = "invalid"


class NotFound(TajribaError):
    status = 404
    code = "not_found"


class Forbidden(TajribaError):
    status = 403
    code = "forbidden"


class Unauthorized(TajribaError):
    status = 401
    code = "unauthorized"


class Conflict(TajribaError):
    status = 409
    code = "conflict"


class RetryLater(TajribaError):
    """Refused for now: the answer says when to try again (`Retry-After`)."""

    default_retry_after = 60

    def __init__(self, message: str, *, retry_after: int | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = self.default_retry_after if retry_after is None else retry_after


class TooManyRequests(RetryLater):
    status = 429
    code = "too_many_requests"


class Busy(RetryLater):
    """A store stayed locked past the wait (a long write elsewhere): nothing was done; try again shortly."""

    status = 503
    code = "busy"
    default_retry_after = 5


class ConfigError(TajribaError):
    """Invalid settings: stops start-up with one clear line."""

    status = 500
    code = "config"
