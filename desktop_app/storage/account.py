"""The saved account: where the API is, whose report, and how to sign in. Never a secret.

Client id, client secret and access token live in the OS keyring (``storage.credentials``),
keyed by ``{username}@{api host}``; this record only says which keyring entry to read. It is kept
in the same string-keyed store as the settings (``QSettings`` in the app, a dict in tests).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import requests

from desktop_app.api.auth import ClientCredentialsProvider, StaticTokenProvider, TokenProvider
from desktop_app.api.client import DEFAULT_DEADLINE, ReportClient
from desktop_app.api.regions import Endpoint, Region, custom_endpoint, endpoint_for_region
from desktop_app.storage.credentials import StoredCredentials, account_name

log = logging.getLogger(__name__)

CUSTOM_REGION: Final = "custom"

KEY_USERNAME: Final = "account/username"
KEY_REGION: Final = "account/region"
KEY_API_URL: Final = "account/api_url"
KEY_AUTH_URL: Final = "account/auth_url"
KEY_METHOD: Final = "account/method"
ACCOUNT_KEYS: Final = (KEY_USERNAME, KEY_REGION, KEY_API_URL, KEY_AUTH_URL, KEY_METHOD)


class AuthMethod(StrEnum):
    """How the app gets access tokens. Values are stored in settings."""

    CLIENT_CREDENTIALS = "client_credentials"  # renews tokens itself: the unattended choice
    ACCESS_TOKEN = "access_token"  # a pasted token; lasts about an hour


@dataclass(frozen=True, slots=True)
class Account:
    """A partner account: ``region`` None means the custom ``api_url`` (and ``auth_url``).

    Raises ValueError with a plain message when the username is empty or a custom URL is unusable.
    """

    username: str
    method: AuthMethod = AuthMethod.CLIENT_CREDENTIALS
    region: Region | None = Region.NORTH_AMERICA
    api_url: str = ""
    auth_url: str = ""

    def __post_init__(self) -> None:
        username = self.username.strip()
        if not username:
            raise ValueError("Enter the partner username.")
        if any(ch.isspace() for ch in username):
            raise ValueError("The partner username cannot contain spaces.")
        object.__setattr__(self, "username", username)
        object.__setattr__(self, "method", AuthMethod(self.method))
        if self.region is None:
            endpoint = custom_endpoint(self.api_url, self.auth_url or None)  # validates both
            object.__setattr__(self, "api_url", endpoint.api_base)
            object.__setattr__(self, "auth_url", self.auth_url.strip() and endpoint.auth_base)
        else:
            object.__setattr__(self, "region", Region(self.region))
            object.__setattr__(self, "api_url", "")
            object.__setattr__(self, "auth_url", "")

    @property
    def endpoint(self) -> Endpoint:
        if self.region is None:
            return custom_endpoint(self.api_url, self.auth_url or None)
        return endpoint_for_region(self.region)

    @property
    def api_host(self) -> str:
        return self.endpoint.api_host

    @property
    def keyring_account(self) -> str:
        """The keyring entry's account name: ``{username}@{api host}``."""
        return account_name(self.username, self.api_host)

    @property
    def region_label(self) -> str:
        return self.region.label if self.region is not None else f"Custom ({self.api_host})"

    def describe(self) -> str:
        """``partner1 — North America (api.intronis.com)``: what the account menu shows."""
        if self.region is None:
            return f"{self.username} — custom server {self.api_host}"
        return f"{self.username} — {self.region.label} ({self.api_host})"


def load_account(store: Mapping[str, object]) -> Account | None:
    """The saved account, or None when there is none or it cannot be used (logged)."""
    username = store.get(KEY_USERNAME)
    if username is None or username == "":
        return None
    region_text = store.get(KEY_REGION, Region.NORTH_AMERICA.value)
    method_text = store.get(KEY_METHOD, AuthMethod.CLIENT_CREDENTIALS.value)
    try:
        if not isinstance(username, str) or not isinstance(region_text, str):
            raise ValueError("not text")
        region = None if region_text == CUSTOM_REGION else Region(region_text)
        return Account(
            username=username,
            method=AuthMethod(str(method_text)),
            region=region,
            api_url=str(store.get(KEY_API_URL, "") or ""),
            auth_url=str(store.get(KEY_AUTH_URL, "") or ""),
        )
    except ValueError as exc:
        log.warning("The saved account cannot be used (%s); asking to sign in again", exc)
        return None


def save_account(account: Account, store: MutableMapping[str, object]) -> None:
    store[KEY_USERNAME] = account.username
    store[KEY_REGION] = account.region.value if account.region is not None else CUSTOM_REGION
    store[KEY_API_URL] = account.api_url
    store[KEY_AUTH_URL] = account.auth_url
    store[KEY_METHOD] = account.method.value


def clear_account(store: MutableMapping[str, object]) -> None:
    for key in ACCOUNT_KEYS:
        store.pop(key, None)


def build_report_client(
    account: Account,
    credentials: StoredCredentials,
    session: requests.Session,
    *,
    connect_timeout: float = 10.0,
    read_timeout: float = 60.0,
    deadline: float = DEFAULT_DEADLINE,
) -> ReportClient:
    """The report client for ``account``, owning ``session`` (closed with the client).

    Client credentials win over a token: they renew themselves, which an unattended app needs.
    """
    endpoint = account.endpoint
    tokens: TokenProvider
    if credentials.client_id and credentials.client_secret:
        tokens = ClientCredentialsProvider.for_endpoint(
            endpoint,
            credentials.client_id,
            credentials.client_secret,
            session=session,
            timeout=(connect_timeout, read_timeout),
        )
    else:
        assert credentials.access_token is not None  # StoredCredentials guarantees one of them
        tokens = StaticTokenProvider(credentials.access_token)
    return ReportClient(
        endpoint,
        account.username,
        tokens,
        session=session,
        owns_session=True,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        deadline=deadline,
    )
