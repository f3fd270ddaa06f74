"""The application's one error type, raised by services and mapped once to HTTP and forms."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A business rule refused an action.

    ``message`` is translated and says what to do next; ``code`` is stable for API clients;
    ``field`` names the input at fault, when there is one; ``extra`` carries details (e.g.
    attempts left, when a block ends). ``status`` is the HTTP status the API answers with.
    """

    status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        field: str | None = None,
        extra: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.extra = extra or {}
        if status is not None:
            self.status = status


class ConflictError(ApplicationError):
    status = 409
