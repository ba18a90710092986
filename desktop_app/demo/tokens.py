"""The demo server's tokens: ``POST /oauth2/token`` with the documented form fields, tokens that
expire after ``lifetime`` seconds on ``clock``, and the ``Authorization: OAuth <token>`` check."""

from __future__ import annotations

import hmac
import json
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

from desktop_app.demo.wire import Response, error

__all__ = ["REPORT_SCOPE", "Token", "TokenDesk"]

REPORT_SCOPE = "partners_read"


@dataclass(frozen=True, slots=True)
class Token:
    issued_at: float
    scopes: frozenset[str]


class TokenDesk:
    """Issues and checks the tokens of one client (``client_id``/``client_secret``).
    Thread-safe: handler threads ask at the same time."""

    def __init__(
        self, client_id: str, client_secret: str, lifetime: int, clock: Callable[[], float]
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.lifetime = lifetime
        self._clock = clock
        self._tokens: dict[str, Token] = {}
        self._lock = threading.Lock()

    def issue(self, scopes: tuple[str, ...] = (REPORT_SCOPE,)) -> str:
        """A valid access token straight from Python, as if obtained from /oauth2/token."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = Token(self._clock(), frozenset(scopes))
        return token

    def revoke_all(self) -> None:
        with self._lock:
            self._tokens.clear()

    def grant(self, body: bytes, issue: Callable[[tuple[str, ...]], str]) -> Response:
        """The answer to a token request whose form is ``body``; ``issue`` makes the token
        (``DemoServer.issue_token``, which tests may watch)."""
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        missing = [
            f for f in ("client_id", "client_secret", "grant_type", "scope") if not form.get(f)
        ]
        if missing:
            return error(400, "invalid_request", f"Missing form field(s): {', '.join(missing)}")
        if form["grant_type"] != "none":
            return error(400, "unsupported_grant_type", "grant_type must be 'none'")
        id_ok = hmac.compare_digest(form["client_id"].encode(), self.client_id.encode())
        secret_ok = hmac.compare_digest(form["client_secret"].encode(), self.client_secret.encode())
        if not (id_ok and secret_ok):
            return error(401, "invalid_client", "Unknown client_id or wrong client_secret")
        scopes = tuple(s for s in re.split(r"[+\s,]+", form["scope"]) if s)
        if not scopes or not all(re.fullmatch(r"[a-z_]+", s) for s in scopes):
            return error(400, "invalid_scope", "scope must list scope names joined by '+'")
        token = issue(scopes)
        payload = {"access_token": token, "expires_in": str(self.lifetime)}
        return Response(200, json.dumps(payload).encode(), headers=[("Cache-Control", "no-store")])

    def authorize(self, headers: Mapping[str, str]) -> Response | Token:
        """The token a request's ``Authorization`` header holds, or the 401 refusing it."""
        value = headers.get("Authorization", "").strip()
        challenge = [("WWW-Authenticate", 'OAuth realm="intronis-demo"')]
        if not value:
            return error(401, "unauthorized", "Missing Authorization header", challenge)
        scheme, _, token = value.partition(" ")
        if scheme.lower() != "oauth" or not token.strip():
            return error(401, "unauthorized", "Use 'Authorization: OAuth <token>'", challenge)
        token = token.strip()
        with self._lock:
            info = self._tokens.get(token)
            if info is not None and self._clock() - info.issued_at >= self.lifetime:
                del self._tokens[token]
                return error(401, "invalid_token", "The access token has expired", challenge)
        if info is None:
            return error(401, "invalid_token", "The access token is not valid", challenge)
        return info
