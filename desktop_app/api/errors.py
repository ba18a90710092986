"""Typed API errors, each with a message a partner admin understands.

Messages never contain secrets: they are built from status codes, hosts and server text only.
``exit_code`` is what the headless ``export`` command returns for the error.
"""

from __future__ import annotations


class ApiError(Exception):
    """Base of every failure to obtain a report. ``status`` is the HTTP status when there is one."""

    exit_code = 4
    title = "Could not fetch the report"
    cancelled = False  # True only for FetchCancelled: lets callers tell "stopped" from "failed"

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        # Seconds the server asked us to wait (Retry-After) when we gave up; a scheduler may use it.
        self.retry_after = retry_after

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


class FetchCancelled(ApiError):
    """The caller cancelled the fetch (its ``threading.Event`` was set); not a failure to report.

    A subclass of ApiError so one ``except ApiError`` covers every way a fetch ends without a
    report; callers that show errors check for this type first and stay quiet.
    """

    exit_code = 130  # the conventional exit status after an interrupt
    title = "Cancelled"
    cancelled = True


class NotSignedInError(ApiError):
    """No account is set up yet: there is nothing to fetch until the user signs in."""

    exit_code = 3
    title = "Not signed in"

    def __init__(self) -> None:
        super().__init__(
            "No Intronis account is set up. Sign in from the Account menu (Account > Sign in…)."
        )
