"""Token providers against a real token endpoint on 127.0.0.1 (pytest-httpserver)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from desktop_app.api.auth import (
    ClientCredentialsProvider,
    StaticTokenProvider,
    TokenProvider,
    renew_margin,
)
from desktop_app.api.errors import (
    ApiError,
    AuthenticationError,
    InvalidResponseError,
    NetworkError,
    PermissionDeniedError,
    ServerError,
)
from desktop_app.api.regions import custom_endpoint
from desktop_app.api.secret import Secret, redact

SECRET = "s3cr3t-Client-Secret-value"
CLIENT_ID = "client-42"
TOKEN_PATH = "/oauth2/token"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class TokenServer:
    """Records every token request's form and raw body; answers from a list of replies."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.forms: list[dict[str, str]] = []
        self.bodies: list[bytes] = []
        self.content_types: list[str | None] = []
        self.replies: list[Response] = []
        server.expect_request(TOKEN_PATH, method="POST").respond_with_handler(self._handle)

    def _handle(self, request: Request) -> Response:
        self.bodies.append(request.get_data())
        self.content_types.append(request.headers.get("Content-Type"))
        self.forms.append(dict(request.form))
        if self.replies:
            return self.replies.pop(0)
        n = len(self.forms)
        return Response(
            json.dumps({"access_token": f"token-{n}-abcdef", "expires_in": "3600"}),
            content_type="application/json",
        )

    def reply(
        self, body: object, status: int = 200, content_type: str = "application/json"
    ) -> None:
        text = body if isinstance(body, str) else json.dumps(body)
        self.replies.append(Response(text, status=status, content_type=content_type))

    @property
    def auth_base(self) -> str:
        return self.server.url_for("/").rstrip("/")


@pytest.fixture
def tokens_server(httpserver_ipv4: HTTPServer) -> TokenServer:
    return TokenServer(httpserver_ipv4)


@pytest.fixture
def make_provider(
    tokens_server: TokenServer,
) -> Iterator[Callable[..., ClientCredentialsProvider]]:
    made: list[ClientCredentialsProvider] = []

    def make(**kwargs: object) -> ClientCredentialsProvider:
        provider = ClientCredentialsProvider(
            tokens_server.auth_base,
            CLIENT_ID,
            SECRET,
            **kwargs,  # type: ignore[arg-type]
        )
        made.append(provider)
        return provider

    yield make
    for provider in made:
        provider.close()


def test_token_request_form_fields_are_exact(
    tokens_server: TokenServer, make_provider: Callable[..., ClientCredentialsProvider]
) -> None:
    assert make_provider().token() == "token-1-abcdef"
    assert tokens_server.forms == [
        {
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "grant_type": "none",
            "scope": "partners_read",
        }
    ]
    assert tokens_server.content_types == ["application/x-www-form-urlencoded"]


def test_several_scopes_are_joined_by_plus_on_the_wire(
    tokens_server: TokenServer, make_provider: Callable[..., ClientCredentialsProvider]
) -> None:
    make_provider(scopes=("partners_read", "accounts_read")).token()
    assert b"scope=partners_read+accounts_read" in tokens_server.bodies[0]
    assert tokens_server.forms[0]["scope"] == "partners_read accounts_read"


def test_token_is_cached_until_shortly_before_expiry(
    tokens_server: TokenServer, make_provider: Callable[..., ClientCredentialsProvider]
) -> None:
    clock = FakeClock()
    provider = make_provider(clock=clock)
    assert provider.token() == "token-1-abcdef"
    clock.now += 3600 - 61  # still more than the 60 s margin left
    assert provider.token() == "token-1-abcdef"
    assert len(tokens_server.forms) == 1
    clock.now += 2  # inside the margin now: renew
    assert provider.token() == "token-2-abcdef"
    assert len(tokens_server.forms) == 2


@pytest.mark.parametrize(
    ("expires_in", "lifetime"), [("120", 120.0), (120, 120.0), (90.5, 90.5), (None, 3600.0)]
)
def test_expires_in_as_string_number_or_missing(
    tokens_server: TokenServer,
    make_provider: Callable[..., ClientCredentialsProvider],
    expires_in: object,
    lifetime: float,
) -> None:
    reply: dict[str, object] = {"access_token": "short-lived-token"}
    if expires_in is not None:
        reply["expires_in"] = expires_in
    tokens_server.reply(reply)
    clock = FakeClock()
    provider = make_provider(clock=clock)
    provider.token()
    renew_at = lifetime - renew_margin(lifetime)
    clock.now += renew_at - 0.01
    assert provider.token() == "short-lived-token"
    clock.now += 0.02
    assert provider.token() == "token-2-abcdef"


def test_renew_margin_is_a_minute_or_a_tenth_of_short_lifetimes() -> None:
    assert renew_margin(3600) == 60
    assert renew_margin(100) == pytest.approx(10)


def test_renew_after_rejection_drops_only_the_rejected_token(
    tokens_server: TokenServer, make_provider: Callable[..., ClientCredentialsProvider]
) -> None:
    provider = make_provider()
    first = provider.token()
    assert provider.renew_after_rejection("some-older-token") is True
    assert provider.token() == first  # not the cached one: nothing to renew
    assert provider.renew_after_rejection(first) is True
    assert provider.token() == "token-2-abcdef"
    assert len(tokens_server.forms) == 2


def test_concurrent_callers_cause_one_token_request(
    tokens_server: TokenServer, make_provider: Callable[..., ClientCredentialsProvider]
) -> None:
    provider = make_provider()
    start = threading.Barrier(8)
    results: list[str] = []

    def ask() -> None:
        start.wait()
        results.append(provider.token())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["token-1-abcdef"] * 8
    assert len(tokens_server.forms) == 1


@pytest.mark.parametrize("status", [400, 401])
def test_rejected_credentials(
    tokens_server: TokenServer,
    make_provider: Callable[..., ClientCredentialsProvider],
    status: int,
) -> None:
    # A server that echoes the secret back must not get it into the message.
    tokens_server.reply({"error": "invalid_client", "client_secret": SECRET}, status=status)
    with pytest.raises(AuthenticationError) as info:
        make_provider().token()
    assert "The client ID or secret was rejected" in str(info.value)
    assert info.value.status == status
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)


def test_scope_refused_is_permission_denied(
    tokens_server: TokenServer, make_provider: Callable[..., ClientCredentialsProvider]
) -> None:
    tokens_server.reply({"error": "invalid_scope"}, status=403)
    with pytest.raises(PermissionDeniedError, match="partners_read"):
        make_provider().token()


def test_server_failure_on_the_token_endpoint(
    tokens_server: TokenServer, make_provider: Callable[..., ClientCredentialsProvider]
) -> None:
    tokens_server.reply("<html><title>Bad Gateway</title></html>", 502, "text/html")
    with pytest.raises(ServerError, match=r"HTTP 502.*Bad Gateway"):
        make_provider().token()


def test_redirects_are_not_followed_with_the_secret(
    tokens_server: TokenServer, make_provider: Callable[..., ClientCredentialsProvider]
) -> None:
    tokens_server.replies.append(
        Response("", status=307, headers={"Location": "http://127.0.0.1:9/steal"})
    )
    with pytest.raises(InvalidResponseError, match="redirect"):
        make_provider().token()
    assert len(tokens_server.forms) == 1


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        ("<html><body>Sign in</body></html>", "text/html", "HTML page"),
        ("{not json", "application/json", "not JSON"),
        ({"token_type": "x"}, "application/json", "without an access token"),
        ({"access_token": ""}, "application/json", "without an access token"),
        (["access_token"], "application/json", "without an access token"),
    ],
)
def test_unreadable_token_replies(
    tokens_server: TokenServer,
    make_provider: Callable[..., ClientCredentialsProvider],
    body: object,
    content_type: str,
    message: str,
) -> None:
    tokens_server.reply(body, 200, content_type)
    with pytest.raises(InvalidResponseError, match=message):
        make_provider().token()


def test_unreachable_token_endpoint_is_a_network_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider = ClientCredentialsProvider(f"http://127.0.0.1:{port}", CLIENT_ID, SECRET)
    try:
        with pytest.raises(NetworkError, match="refused") as info:
            provider.token()
    finally:
        provider.close()
    # The requests exception (which holds the form body) is not chained onto ours.
    assert info.value.__cause__ is None and info.value.__context__ is None


def test_provider_reprs_hide_secrets(
    tokens_server: TokenServer, make_provider: Callable[..., ClientCredentialsProvider]
) -> None:
    provider = make_provider()
    token = provider.token()
    for text in (repr(provider), str(provider)):
        assert SECRET not in text and token not in text
        assert CLIENT_ID in text
    static = StaticTokenProvider("static-token-value")
    assert "static-token-value" not in repr(static) and "static-token-value" not in str(static)


def test_static_provider_cannot_renew() -> None:
    static = StaticTokenProvider(Secret("abc-token"))
    assert static.token() == "abc-token"
    assert static.renew_after_rejection("abc-token") is False
    assert isinstance(static, TokenProvider)
    with pytest.raises(ValueError):
        StaticTokenProvider("  ")


def test_provider_needs_both_credentials() -> None:
    with pytest.raises(ValueError, match="client ID and the client secret"):
        ClientCredentialsProvider("https://auth.example.net", CLIENT_ID, "")
    with pytest.raises(ValueError, match="https"):
        ClientCredentialsProvider("http://auth.example.net", CLIENT_ID, SECRET)


def test_for_endpoint_uses_the_endpoint_token_url() -> None:
    ep = custom_endpoint("https://api.example.net", "https://login.example.net")
    provider = ClientCredentialsProvider.for_endpoint(ep, CLIENT_ID, SECRET)
    try:
        assert provider.token_url == "https://login.example.net/oauth2/token"
    finally:
        provider.close()


def test_secret_wrapper_masks_and_redacts() -> None:
    secret = Secret("hunter2-long")
    assert repr(secret) == "Secret('***')" and str(secret) == "***" and f"{secret}" == "***"
    assert secret.reveal() == "hunter2-long"
    assert redact("x hunter2-long y", secret, None) == "x *** y"
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(secret)
    assert isinstance(AuthenticationError("x"), ApiError)
