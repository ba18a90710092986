"""The saved account: validation, endpoints, keyring naming, store round trip, and the client."""

from __future__ import annotations

import logging

import pytest
import requests

from desktop_app.api.auth import ClientCredentialsProvider, StaticTokenProvider
from desktop_app.api.regions import Region
from desktop_app.demo.server import DemoServer
from desktop_app.storage.account import (
    ACCOUNT_KEYS,
    Account,
    AuthMethod,
    build_report_client,
    clear_account,
    load_account,
    save_account,
)
from desktop_app.storage.credentials import StoredCredentials


def test_region_account_uses_the_documented_hosts() -> None:
    account = Account("  acme-msp ", AuthMethod.CLIENT_CREDENTIALS, Region.EMEA)
    assert account.username == "acme-msp"
    assert account.endpoint.api_base == "https://api.echo.intronis.com"
    assert account.endpoint.token_url == "https://auth.echo.intronis.com/oauth2/token"
    assert account.keyring_account == "acme-msp@api.echo.intronis.com"
    assert account.describe() == "acme-msp — EMEA (api.echo.intronis.com)"


def test_custom_account_normalizes_and_validates_its_urls() -> None:
    account = Account("p", region=None, api_url="http://127.0.0.1:8080/", auth_url="")
    assert account.api_url == "http://127.0.0.1:8080"
    assert account.endpoint.token_url == "http://127.0.0.1:8080/oauth2/token"
    assert account.keyring_account == "p@127.0.0.1:8080"
    assert account.region_label == "Custom (127.0.0.1:8080)"
    with pytest.raises(ValueError, match="plain http"):
        Account("p", region=None, api_url="http://api.example.com")
    with pytest.raises(ValueError, match="not a web address"):
        Account("p", region=None, api_url="")


@pytest.mark.parametrize(("username", "message"), [("", "Enter"), ("two words", "spaces")])
def test_username_is_required_and_has_no_spaces(username: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Account(username)


def test_round_trip_through_a_store_holds_no_secret() -> None:
    store: dict[str, object] = {"other/key": "kept"}
    account = Account(
        "p1",
        AuthMethod.ACCESS_TOKEN,
        region=None,
        api_url="https://api.example.com",
        auth_url="https://login.example.com",
    )
    save_account(account, store)
    assert set(store) == {*ACCOUNT_KEYS, "other/key"}
    assert load_account(store) == account
    as_text = {k: str(v) for k, v in store.items()}
    assert load_account(as_text) == account
    clear_account(store)
    assert store == {"other/key": "kept"}
    assert load_account(store) is None


def test_corrupt_account_is_ignored_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert load_account({"account/username": "p", "account/region": "mars"}) is None
        assert load_account({"account/username": "p", "account/method": "magic"}) is None
    assert caplog.text.count("cannot be used") == 2


def test_client_from_client_credentials_renews_itself_against_the_demo_server() -> None:
    with DemoServer(rows=12) as server:
        account = Account(server.username, region=None, api_url=server.base_url)
        credentials = StoredCredentials(server.client_id, server.client_secret)
        session = requests.Session()
        client = build_report_client(account, credentials, session, read_timeout=7)
        with client:
            assert isinstance(client._tokens, ClientCredentialsProvider)
            assert len(client.fetch_report().rows) == 12
            server.revoke_tokens()  # as if the hour were over: renewed without asking anyone
            assert len(client.fetch_report().rows) == 12
        assert not session.adapters["http://"].poolmanager.pools  # closed with the client


def test_client_from_a_token_uses_it_as_is() -> None:
    with DemoServer(rows=3) as server:
        account = Account(server.username, AuthMethod.ACCESS_TOKEN, None, server.base_url)
        token = server.issue_token()
        with build_report_client(
            account, StoredCredentials(access_token=token), requests.Session()
        ) as client:
            assert isinstance(client._tokens, StaticTokenProvider)
            assert len(client.fetch_report().rows) == 3
