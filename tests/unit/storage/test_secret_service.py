"""The real Secret Service (gnome-keyring on a private D-Bus session), through the app's own code.

Skipped unless BSM_SECRET_SERVICE=1: .ci/run sets it after starting gnome-keyring inside
dbus-run-session. Run by hand:
    dbus-run-session -- bash -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets;
        BSM_SECRET_SERVICE=1 python -m pytest tests/unit/test_secret_service.py'
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import closing

import pytest
from keyring.backend import KeyringBackend

from desktop_app.storage.credentials import SERVICE_NAME, CredentialStore, StoredCredentials
from desktop_app.storage.keyring_backend import KeyringState, detect_keyring

pytestmark = [
    pytest.mark.secret_service,
    pytest.mark.skipif(
        os.environ.get("BSM_SECRET_SERVICE") != "1",
        reason="needs gnome-keyring on a D-Bus session (BSM_SECRET_SERVICE=1, see .ci/run)",
    ),
]

HOST = "api.intronis.com"


def items_for(account: str) -> list[bytes]:
    """What the Secret Service itself holds for the account, read without keyring."""
    import secretstorage

    with closing(secretstorage.dbus_init()) as connection:
        collection = secretstorage.get_default_collection(connection)
        found = collection.search_items({"service": SERVICE_NAME, "username": account})
        return [item.get_secret() for item in found]


@pytest.fixture(params=["frozen", "entry_points"])
def backend(request: pytest.FixtureRequest) -> Iterator[KeyringBackend]:
    """Both ways the app picks a backend: explicitly (frozen builds) and keyring's detection."""
    chosen, status = detect_keyring(frozen=request.param == "frozen", platform="linux")
    assert status.state is KeyringState.AVAILABLE, status.message
    assert status.backend_name == "Secret Service (GNOME Keyring)"
    assert chosen is not None
    yield chosen


@pytest.fixture
def username(backend: KeyringBackend) -> Iterator[str]:
    name = f"bsm-test-{uuid.uuid4().hex[:12]}"
    yield name
    CredentialStore(backend).delete(name, HOST)  # no leftovers even when an assertion failed


def test_save_load_delete_round_trip(backend: KeyringBackend, username: str) -> None:
    store = CredentialStore(backend)
    secret = f"secret-{uuid.uuid4().hex}"
    store.save(username, HOST, StoredCredentials("client-1", secret))

    raw = items_for(f"{username}@{HOST}")
    assert len(raw) == 1 and secret.encode() in raw[0]  # really in gnome-keyring
    assert store.load(username, HOST) == StoredCredentials("client-1", secret)
    assert CredentialStore(backend).load(username, "api.echo.intronis.com") is None

    token = f"token-{uuid.uuid4().hex}"
    store.save(username, HOST, StoredCredentials(access_token=token))  # replaces, not adds
    assert len(items_for(f"{username}@{HOST}")) == 1
    loaded = store.load(username, HOST)
    assert loaded is not None and loaded.access_token == token and loaded.client_id is None

    assert store.delete(username, HOST) is True
    assert items_for(f"{username}@{HOST}") == []
    assert store.load(username, HOST) is None
    assert store.delete(username, HOST) is False
