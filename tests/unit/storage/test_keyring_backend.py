"""Keyring detection and probing through keyring's real API, with test backends handed in.

No test here calls ``keyring.set_keyring`` or reads the machine's own keyring: every backend is
an instance passed in, so the CI's real Secret Service is never touched (test_secret_service.py
does that on purpose).
"""

from __future__ import annotations

import json
import sys
import uuid

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.errors import InitError, KeyringError, KeyringLocked

from desktop_app.storage.credentials import (
    SERVICE_NAME,
    CredentialStore,
    CredentialStoreError,
    StoredCredentials,
)
from desktop_app.storage.keyring_backend import (
    WINDOWS_BLOB_LIMIT,
    KeyringState,
    ValueTooLongError,
    check_value_fits,
    choose_backend,
    classify_error,
    detect_keyring,
    probe_keyring,
)
from tests.support import MemoryKeyring

SECRET = "probe-test-secret-value"


class RaisingKeyring(MemoryKeyring):
    """Every call fails with the given exception (as locked or refusing keyrings do)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.error


class WinError(OSError):
    def __init__(self, winerror: int, text: str) -> None:
        super().__init__(text)
        self.winerror = winerror


def test_a_working_backend_is_available_and_the_probe_only_reads() -> None:
    backend = MemoryKeyring()
    status = probe_keyring(backend)
    assert status.state is KeyringState.AVAILABLE and status.usable
    assert backend.reads == 1 and backend.values == {}  # nothing written, nothing to clean up
    assert "MemoryKeyring" in status.backend_name


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()])
def test_keyrings_stand_ins_mean_no_backend(backend: KeyringBackend) -> None:
    status = probe_keyring(backend)
    assert status.state is KeyringState.NO_BACKEND and not status.usable
    assert "is not available on this computer" in status.message
    assert "this session only" in status.message
    assert "keyring.backends" not in status.message  # a product name, not a class path


@pytest.mark.parametrize(
    ("error", "state"),
    [
        (KeyringLocked("Failed to unlock the collection!"), KeyringState.LOCKED),
        (InitError("Failed to create the collection: Prompt dismissed."), KeyringState.DENIED),
        (KeyringError("Can't get password from keychain: (-128, 'User canceled')"),
         KeyringState.DENIED),
        (PermissionError("no"), KeyringState.DENIED),
        (WinError(5, "Access is denied."), KeyringState.DENIED),
        (WinError(1312, "A specified logon session does not exist."), KeyringState.NO_BACKEND),
        (InitError("Failed to create the collection: ServiceUnknown."), KeyringState.NO_BACKEND),
        (RuntimeError("something else"), KeyringState.FAILED),
    ],
)  # fmt: skip
def test_failures_are_classified(error: BaseException, state: KeyringState) -> None:
    assert classify_error(error) is state
    status = probe_keyring(RaisingKeyring(error))
    assert status.state is state and not status.usable


def test_the_cause_chain_is_classified() -> None:
    try:
        try:
            raise PermissionError("denied by policy")
        except PermissionError as inner:
            raise KeyringError("wrapped") from inner
    except KeyringError as outer:
        assert classify_error(outer) is KeyringState.DENIED


@pytest.mark.parametrize(
    ("platform", "module", "name"),
    [
        ("win32", "keyring.backends.Windows", "WinVaultKeyring"),
        ("darwin", "keyring.backends.macOS", "Keyring"),
        ("linux", "keyring.backends.SecretService", "Keyring"),
    ],
)
def test_frozen_builds_get_the_platform_backend_explicitly(
    platform: str, module: str, name: str
) -> None:
    backend = choose_backend(frozen=True, platform=platform)
    assert type(backend).__module__ == module and type(backend).__name__ == name


@pytest.mark.skipif(sys.platform == "win32", reason="the Windows backend is viable on Windows")
def test_a_platform_backend_that_cannot_run_here_is_no_backend() -> None:
    # Windows' backend on this Linux machine: its priority says "not viable", found at start.
    backend, status = detect_keyring(frozen=True, platform="win32")
    assert type(backend).__name__ == "WinVaultKeyring"
    assert status.state is KeyringState.NO_BACKEND
    assert status.backend_name == "Windows Credential Manager"


@pytest.mark.skipif(sys.platform != "win32", reason="the real Windows Credential Manager")
def test_windows_credential_manager_is_detected_and_keeps_credentials() -> None:
    """The counterpart on Windows: the same backend is found usable and round-trips a secret
    (under Wine too: it keeps credentials in its own registry-backed store)."""
    backend, status = detect_keyring(frozen=True, platform="win32")
    assert status.state is KeyringState.AVAILABLE, status.message
    assert status.backend_name == "Windows Credential Manager"
    store, user = CredentialStore(backend), f"bsm-test-{uuid.uuid4().hex[:8]}"
    saved = StoredCredentials("c" * 32, SECRET)
    try:
        store.save(user, "api.example.test", saved)
        assert store.load(user, "api.example.test") == saved
    finally:
        assert store.delete(user, "api.example.test")
    assert store.load(user, "api.example.test") is None


def test_windows_credential_size_limit() -> None:
    windows = choose_backend(frozen=True, platform="win32")
    fits = "x" * (WINDOWS_BLOB_LIMIT // 2)  # UTF-16: two bytes a character
    check_value_fits(fits, windows)
    with pytest.raises(ValueTooLongError, match="2562 bytes"):
        check_value_fits(fits + "x", windows)
    check_value_fits(fits * 10, MemoryKeyring())  # other keyrings have no such limit


def test_saving_too_long_a_value_for_windows_is_a_clear_error_without_the_secret() -> None:
    store = CredentialStore(choose_backend(frozen=True, platform="win32"))
    huge = StoredCredentials("cid", SECRET * 100)
    with pytest.raises(CredentialStoreError) as exc:
        store.save("p", "api.intronis.com", huge)
    assert exc.value.kind == "too_long"
    assert "Windows Credential Manager" in str(exc.value)
    assert SECRET not in str(exc.value) and exc.value.__cause__ is None


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (KeyringLocked("locked"), "locked"),
        (PermissionError(SECRET), "denied"),  # even a backend echoing the value leaks nothing
        (RuntimeError(SECRET), "failed"),
    ],
)
def test_credential_store_errors_carry_their_kind(error: BaseException, kind: str) -> None:
    store = CredentialStore(RaisingKeyring(error))
    with pytest.raises(CredentialStoreError) as saved:
        store.save("p", "h", StoredCredentials("cid", SECRET))
    assert saved.value.kind == kind
    assert SECRET not in str(saved.value)
    assert saved.value.__cause__ is None and saved.value.__context__ is None
    with pytest.raises(CredentialStoreError) as loaded:
        store.load("p", "h")
    assert loaded.value.kind == kind


def test_no_backend_save_is_kind_no_backend() -> None:
    with pytest.raises(CredentialStoreError) as exc:
        CredentialStore(fail.Keyring()).save("p", "h", StoredCredentials(access_token=SECRET))
    assert exc.value.kind == "no_backend"


def test_unreadable_entry_is_kind_unreadable() -> None:
    backend = MemoryKeyring()
    backend.values[(SERVICE_NAME, "p@h")] = json.dumps(["not", "ours"])
    with pytest.raises(CredentialStoreError) as exc:
        CredentialStore(backend).load("p", "h")
    assert exc.value.kind == "unreadable"
