"""Access tokens for the report client: a fixed token, or one obtained and renewed from client
credentials (the unattended case: tokens last about an hour, credentials until deleted).

Secrets and tokens are held in ``Secret`` so no repr, log line or error message can show them.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable
from urllib.parse import urlencode

import requests

from desktop_app.api.errors import (
    ApiError,
    AuthenticationError,
    InvalidResponseError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
)
from desktop_app.api.http import REDIRECT_STATUSES, host_of, user_agent
from desktop_app.api.network import network_error
from desktop_app.api.regions import TOKEN_PATH, Endpoint, normalize_base_url
from desktop_app.api.responses import content_kind, server_error_text, server_said
from desktop_app.api.secret import Secret, redact

log = logging.getLogger(__name__)

DEFAULT_SCOPES: tuple[str, ...] = ("partners_read",)
DEFAULT_LIFETIME = 3600.0  # the documented token lifetime, assumed when expires_in is missing
MAX_RENEW_MARGIN = 60.0  # renew this long before expiry ...
RENEW_MARGIN_FRACTION = 0.1  # ... or this share of a short lifetime, whichever is smaller
TOKEN_BODY_LIMIT = 1024 * 1024


@runtime_checkable
class TokenProvider(Protocol):
    """Where the report client gets its access token. Implementations must be thread-safe."""

    def token(self) -> str:
        """A token to send now; may fetch one (raising ApiError subclasses on failure)."""
        ...

    def renew_after_rejection(self, rejected: str) -> bool:
        """The server answered 401 to ``rejected``; True if a different token can be tried."""
        ...


class StaticTokenProvider:
    """A token the user pasted in: used as is, and nothing can renew it."""

    def __init__(self, access_token: str | Secret) -> None:
        self._token = Secret(access_token)
        if not self._token.reveal().strip():
            raise ValueError("The access token is empty.")

    def token(self) -> str:
        return self._token.reveal()

    def renew_after_rejection(self, rejected: str) -> bool:
        return False

    def __repr__(self) -> str:
        return f"StaticTokenProvider(access_token={self._token!r})"


def _token_url(auth_url: str) -> str:
    base = normalize_base_url(auth_url, what="sign-in (auth) address")
    return base if base.endswith(TOKEN_PATH) else base + TOKEN_PATH


def renew_margin(lifetime: float) -> float:
    return min(MAX_RENEW_MARGIN, RENEW_MARGIN_FRACTION * lifetime)


class ClientCredentialsProvider:
    """Gets tokens from ``POST {auth}/oauth2/token`` and reuses each until shortly before expiry.

    One lock guards the cache, so threads asking at once cause one token request. After a 401,
    the client calls ``renew_after_rejection``: the cached token is dropped only if it is the one
    that was rejected (another thread may already have renewed it).
    """

    def __init__(
        self,
        auth_url: str,
        client_id: str,
        client_secret: str | Secret,
        *,
        scopes: Sequence[str] = DEFAULT_SCOPES,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        timeout: float | tuple[float, float] = (10.0, 30.0),
    ) -> None:
        """``auth_url``: the sign-in base (``https://auth.intronis.com``) or the full token URL."""
        self._token_url = _token_url(auth_url)
        self._client_id = client_id.strip()
        self._secret = Secret(client_secret)
        if not self._client_id or not self._secret.reveal().strip():
            raise ValueError("Both the client ID and the client secret are needed.")
        self._scopes = tuple(scopes)
        self._session = session if session is not None else requests.Session()
        self._owns_session = session is None
        self._clock = clock
        self._timeout = timeout
        self._lock = threading.Lock()
        self._token: Secret | None = None
        self._renew_at = 0.0

    @classmethod
    def for_endpoint(
        cls,
        endpoint: Endpoint,
        client_id: str,
        client_secret: str | Secret,
        **kwargs: object,
    ) -> ClientCredentialsProvider:
        return cls(endpoint.token_url, client_id, client_secret, **kwargs)  # type: ignore[arg-type]

    @property
    def token_url(self) -> str:
        return self._token_url

    def __repr__(self) -> str:
        return (
            f"ClientCredentialsProvider(token_url={self._token_url!r}, "
            f"client_id={self._client_id!r}, client_secret={self._secret!r})"
        )

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                started = self._clock()
                token, lifetime = self._fetch()
                self._token = token
                self._renew_at = started + lifetime - renew_margin(lifetime)
            return self._token.reveal()

    def renew_after_rejection(self, rejected: str) -> bool:
        with self._lock:
            if self._token is not None and hmac.compare_digest(
                self._token.reveal().encode(), rejected.encode()
            ):
                self._token = None  # the next token() call fetches a fresh one
            return True

    # -- the token request --------------------------------------------------------------------

    def _fetch(self) -> tuple[Secret, float]:
        form = urlencode(
            {
                "client_id": self._client_id,
                "client_secret": self._secret.reveal(),
                "grant_type": "none",
                # A space encodes as '+': the documented "scopes joined by +" on the wire.
                "scope": " ".join(self._scopes),
            }
        )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "User-Agent": user_agent(),
        }
        started = time.perf_counter()
        log.debug("POST %s (scope %s)", self._token_url, " ".join(self._scopes))
        failure: ApiError | None = None
        try:
            # Never follow a redirect with the secret in the body.
            response = self._session.post(
                self._token_url,
                data=form,
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,
                stream=True,
            )
        except requests.RequestException as exc:
            log.debug("token request failed: %s", type(exc).__name__)
            connect, read = self._timeouts()
            failure = network_error(
                exc, self._token_url, connect_timeout=connect, read_timeout=read
            )
        if failure is not None:
            # Raised outside the except block so the requests exception (whose .request holds
            # the form body with the secret) is not chained onto what callers see.
            raise failure
        with response:
            body, failure = self._read(response)
        if failure is not None:
            raise failure
        log.debug(
            "token reply HTTP %d, %d bytes in %.3f s",
            response.status_code,
            len(body),
            time.perf_counter() - started,
        )
        return self._interpret(response, body)

    def _timeouts(self) -> tuple[float, float]:
        if isinstance(self._timeout, tuple):
            return self._timeout
        return (self._timeout, self._timeout)

    def _read(self, response: requests.Response) -> tuple[bytes, ApiError | None]:
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(64 * 1024):
                chunks.append(chunk)
                size += len(chunk)
                if size > TOKEN_BODY_LIMIT:
                    return b"", InvalidResponseError(
                        f"The sign-in server {host_of(self._token_url)} sent an oversized reply."
                    )
        except requests.RequestException as exc:
            connect, read = self._timeouts()
            return b"", network_error(
                exc, self._token_url, connect_timeout=connect, read_timeout=read
            )
        return b"".join(chunks), None

    def _interpret(self, response: requests.Response, body: bytes) -> tuple[Secret, float]:
        status = response.status_code
        host = host_of(self._token_url)
        content_type = response.headers.get("Content-Type")
        if status != 200:
            detail = redact(server_error_text(body, content_type), self._secret)
            suffix = server_said(detail)
            if status in (400, 401):
                raise AuthenticationError(
                    f"The client ID or secret was rejected by {host} (HTTP {status}). "
                    f"Check them, or create new client credentials.{suffix}",
                    status=status,
                )
            if status == 403:
                raise PermissionDeniedError(
                    f"{host} refused to issue a token with the scope "
                    f"'{' '.join(self._scopes)}' (HTTP 403).{suffix}",
                    status=status,
                )
            if status in REDIRECT_STATUSES:
                raise InvalidResponseError(
                    f"The sign-in server {host} answered with a redirect (HTTP {status}) instead "
                    "of a token. Check the sign-in address.",
                    status=status,
                )
            if status == 429:
                raise RateLimitedError(
                    f"The sign-in server {host} is rate limiting requests (HTTP 429). "
                    "Try again later.",
                    status=status,
                )
            cls = ServerError if status >= 500 else ApiError
            raise cls(f"The sign-in server {host} answered HTTP {status}.{suffix}", status=status)
        try:
            reply = json.loads(body)
        except ValueError:
            kind = content_kind(content_type)
            what = "an HTML page" if kind == "html" else "something that is not JSON"
            raise InvalidResponseError(
                f"The sign-in server {host} sent {what} instead of a token. "
                "Check the sign-in address."
            ) from None
        token = reply.get("access_token") if isinstance(reply, dict) else None
        if not isinstance(token, str) or not token.strip():
            raise InvalidResponseError(
                f"The sign-in server {host} replied without an access token."
            )
        return Secret(token.strip()), self._lifetime(reply.get("expires_in"))

    @staticmethod
    def _lifetime(value: object) -> float:
        """Seconds the token lasts; ``expires_in`` may be a number or a string of one.

        Missing or unreadable means the documented hour; a 401 triggers renewal anyway.
        """
        if value is None or isinstance(value, bool):
            return DEFAULT_LIFETIME
        try:
            seconds = float(value) if isinstance(value, (int, float, str)) else float("nan")
        except ValueError:
            seconds = float("nan")
        if not math.isfinite(seconds):
            log.debug("unreadable expires_in; assuming %g s", DEFAULT_LIFETIME)
            return DEFAULT_LIFETIME
        return max(0.0, seconds)
