"""CredentialStore against a real (in-memory) keyring backend passed in through the constructor."""

from __future__ import annotations

import json

import pytest
from keyring.errors import KeyringLocked

from desktop_app.storage.credentials import (
    SERVICE_NAME,
    CredentialStore,
    CredentialStoreError,
    StoredCredentials,
    account_name,
)
from tests.support import MemoryKeyring

SECRET = "s3cr3t-value-never-shown"
TOKEN = "tok-value-never-shown"


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("locked")


def test_account_name_is_username_at_host() -> None:
    assert account_name("partner1", "api.intronis.com") == "partner1@api.intronis.com"


def test_save_and_load_client_credentials_as_one_json_value() -> None:
    backend = MemoryKeyring()
    store = CredentialStore(backend)
    store.save("partner1", "api.intronis.com", StoredCredentials("cid", SECRET))
    raw = backend.values[(SERVICE_NAME, "partner1@api.intronis.com")]
    assert json.loads(raw) == {"client_id": "cid", "client_secret": SECRET}
    loaded = store.load("partner1", "api.intronis.com")
    assert loaded == StoredCredentials(client_id="cid", client_secret=SECRET)
    assert loaded is not None and loaded.has_client_credentials
    assert store.load("partner1", "api.echo.intronis.com") is None


def test_token_only_credentials() -> None:
    store = CredentialStore(MemoryKeyring())
    store.save("p", "h", StoredCredentials(access_token=TOKEN))
    loaded = store.load("p", "h")
    assert loaded is not None
    assert loaded.access_token == TOKEN
    assert not loaded.has_client_credentials


def test_repr_masks_secret_and_token() -> None:
    text = repr(StoredCredentials("cid", SECRET, TOKEN))
    assert "cid" in text
    assert SECRET not in text and TOKEN not in text
    assert "***" in text


def test_incomplete_credentials_are_refused() -> None:
    with pytest.raises(ValueError):
        StoredCredentials(client_id="cid")


def test_delete() -> None:
    backend = MemoryKeyring()
    store = CredentialStore(backend)
    store.save("p", "h", StoredCredentials("cid", SECRET))
    assert store.delete("p", "h") is True
    assert store.load("p", "h") is None
    assert store.delete("p", "h") is False


@pytest.mark.parametrize("raw", ["not json", "[1]", '{"client_id": 5, "client_secret": "x"}', "{}"])
def test_unreadable_entry_is_a_clear_error_without_the_value(raw: str) -> None:
    backend = MemoryKeyring()
    backend.values[(SERVICE_NAME, "p@h")] = raw + SECRET if raw == "not json" else raw
    with pytest.raises(CredentialStoreError, match="p@h") as exc:
        CredentialStore(backend).load("p", "h")
    assert SECRET not in str(exc.value)


def test_backend_failure_is_a_credential_store_error() -> None:
    with pytest.raises(CredentialStoreError, match="keyring is locked"):
        CredentialStore(LockedKeyring()).load("p", "h")
