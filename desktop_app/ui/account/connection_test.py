"""What the sign-in dialog tests and produces: the connection test (a real report fetch) and
its outcome in words, the result handed to the account controller, and the typed-in draft.

Qt-free, so the words for each failure are tested without a dialog.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from desktop_app.api.errors import (
    ApiError,
    AuthenticationError,
    InvalidResponseError,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
)
from desktop_app.api.report_source import ReportSource
from desktop_app.report.rows import Report
from desktop_app.storage.account import Account, AuthMethod
from desktop_app.storage.credentials import StoredCredentials
from desktop_app.ui.workers import Token

__all__ = [
    "ClientFactory",
    "ConnectionOutcome",
    "ReportSource",
    "SignInDraft",
    "SignInResult",
    "describe_connection_error",
    "fingerprint",
    "run_test",
]

log = logging.getLogger(__name__)


ClientFactory = Callable[[Account, StoredCredentials], ReportSource]
"""Builds the client for an account (network settings applied); called on the worker thread."""


@dataclass(frozen=True, slots=True)
class SignInResult:
    """What the dialog produced. ``saved`` False means session-only (the secret is in memory).
    ``report`` is the report the connection test downloaded: the app shows it instead of
    downloading it again."""

    account: Account
    credentials: StoredCredentials
    saved: bool
    backup_sets: int | None = None
    report: Report | None = None


@dataclass(frozen=True, slots=True)
class ConnectionOutcome:
    ok: bool
    text: str
    backup_sets: int | None = None
    report: Report | None = None


@dataclass(frozen=True, slots=True)
class SignInDraft:
    """What was typed into the form, kept in memory (never on disk) when the dialog is closed
    without signing in, so opening it again does not make the admin type it all again."""

    region: object
    api_url: str
    auth_url: str
    username: str
    token_method: bool
    client_id: str
    client_secret: str
    access_token: str


def describe_connection_error(error: BaseException, method: AuthMethod) -> str:
    """A failed test in words: what is wrong first, the API's own explanation after."""
    if not isinstance(error, ApiError):
        log.error("Unexpected error while testing the connection", exc_info=error)
        return "Unexpected problem; details are in the log file (Help > Open log folder)."
    message = error.message
    if isinstance(error, AuthenticationError):
        headline = (
            "Access token refused (wrong or expired)"
            if method is AuthMethod.ACCESS_TOKEN
            else "Bad client ID or secret"
        )
    elif isinstance(error, NotFoundError):
        headline = "Wrong partner username"
    elif isinstance(error, PermissionDeniedError):
        # 403 has two causes; only the server's own words (if any) can tell them apart.
        _, said, server_text = message.partition("The server said:")
        server_text = server_text.lower() if said else ""
        if "scope" in server_text:
            headline = "No partners_read scope"
        elif "partner" in server_text:
            headline = "Wrong partner username (not this account's partner)"
        else:
            headline = "Permission denied (partners_read scope or partner username)"
    elif isinstance(error, NetworkError):
        headline = "TLS problem" if "TLS" in message else "Server unreachable"
    elif isinstance(error, InvalidResponseError):
        headline = "Not a Backup Status Report"
    else:
        headline = error.title
    return f"{headline}: {message}"


def run_test(
    factory: ClientFactory, account: Account, credentials: StoredCredentials
) -> Callable[[Token], ConnectionOutcome]:
    def fetch(token: Token) -> ConnectionOutcome:
        try:
            client = factory(account, credentials)
            try:
                report = client.fetch_report(cancel=token.event)
            finally:
                client.close()
        except Exception as exc:
            if getattr(exc, "cancelled", False):
                raise
            return ConnectionOutcome(False, describe_connection_error(exc, account.method))
        count = len(report.rows)
        return ConnectionOutcome(True, f"Connected: {count:,} backup sets", count, report)

    return fetch


def fingerprint(credentials: StoredCredentials) -> str:
    """Tells whether the form changed since the last test without keeping a second copy."""
    return hashlib.sha256(credentials.to_json().encode()).hexdigest()
