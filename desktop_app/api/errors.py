"""Typed API errors, each with a message a partner admin understands.

Messages never contain secrets: they are built from status codes, hosts and server text only.
``exit_code`` is what the headless ``export`` command returns for the error.
"""

from __future__ import annotations


class ApiError(Exception):
    """Base of every failure to obtain a report. ``status`` is the HTTP status when there is one."""

    exit_code = 4
    title = "Could not fetch the report"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return self.message


class AuthenticationError(ApiError):
    """401: the token is invalid or expired, or the client credentials were refused."""

    exit_code = 3
    title = "Sign-in failed"


class PermissionDeniedError(ApiError):
    """403: the token lacks the partners_read scope, or the username is another partner's."""

    exit_code = 3
    title = "Permission denied"


class NotFoundError(ApiError):
    """404: most likely a wrong partner username."""

    title = "Not found"


class BadRequestError(ApiError):
    """400: the server's error object explains what it did not accept."""

    title = "Request refused"


class RateLimitedError(ApiError):
    """429 after the retries ran out."""

    title = "Rate limited"


class ServerError(ApiError):
    """5xx (or any unexpected status) after the retries ran out."""

    title = "Server error"


class NetworkError(ApiError):
    """DNS, connection refused, timeout, TLS: nothing usable came back."""

    title = "Network problem"


class InvalidResponseError(ApiError):
    """The server answered, but not with a readable report (bad JSON/XML, HTML page, too large)."""

    exit_code = 5
    title = "Unreadable response"
