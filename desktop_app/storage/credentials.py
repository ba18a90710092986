"""API credentials in the OS keyring, one JSON value per partner account.

Secrets live only in the keyring (Windows Credential Manager, macOS Keychain, Secret Service):
never in settings files, logs or exception text. One JSON value per account keeps client id and
secret together, so they can never get out of step. The keyring backend comes in through the
constructor; ``None`` means the platform default, looked up on first use (not at import).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from desktop_app.storage.keyring_backend import (
    KeyringState,
    ValueTooLongError,
    check_value_fits,
    classify_error,
)

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE_NAME = "Backup Status Monitor"


class CredentialStoreError(Exception):
    """The keyring could not be used, or holds an unreadable value. No secret in the message.

    ``kind`` says which: a ``KeyringState`` value ("no_backend", "locked", "denied", "failed"),
    "too_long" (over Windows Credential Manager's limit) or "unreadable" (not our JSON). Every
    kind but "unreadable" means the keyring cannot keep the secret: offer session-only mode.
    """

    def __init__(self, message: str, *, kind: str = "failed") -> None:
        super().__init__(message)
        self.kind = kind


def account_name(username: str, api_host: str) -> str:
    """The keyring account: the partner username at the API host (NA and EMEA are separate)."""
    return f"{username}@{api_host}"


_KIND_WORDS = {
    KeyringState.NO_BACKEND: "no system keyring is available",
    KeyringState.LOCKED: "the keyring is locked",
    KeyringState.DENIED: "the keyring denied access",
}


def _failure(action: str, account: str, exc: Exception) -> CredentialStoreError:
    """The failure's kind, never its text (a backend could echo the value it was given)."""
    state = classify_error(exc)
    words = _KIND_WORDS.get(state, type(exc).__name__)
    return CredentialStoreError(f"Could not {action} for {account}: {words}", kind=state.value)


def _mask(value: str | None) -> str:
    return "None" if value is None else "'***'"


@dataclass(frozen=True, slots=True)
class StoredCredentials:
    """Either client credentials (preferred: they renew tokens) or a fixed access token.

    ``repr`` masks the secret and the token so a logged object never leaks them.
    """

    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        has_client = bool(self.client_id and self.client_secret)
        if not has_client and not self.access_token:
            raise ValueError("credentials need a client id and secret, or an access token")

    def __repr__(self) -> str:
        return (
            f"StoredCredentials(client_id={self.client_id!r}, "
            f"client_secret={_mask(self.client_secret)}, access_token={_mask(self.access_token)})"
        )

    @property
    def has_client_credentials(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def to_json(self) -> str:
        data = {
            key: value
            for key, value in (
                ("client_id", self.client_id),
                ("client_secret", self.client_secret),
                ("access_token", self.access_token),
            )
            if value
        }
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> StoredCredentials:
        """Raises ValueError (without echoing ``text``) when the value is not ours."""
        try:
            data = json.loads(text)
        except ValueError:
            raise ValueError("the stored value is not JSON") from None
        if not isinstance(data, dict):
            raise ValueError("the stored value is not a JSON object")
        values: dict[str, str | None] = {}
        for key in ("client_id", "client_secret", "access_token"):
            value = data.get(key)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"the stored {key} is not text")
            values[key] = value or None
        return cls(**values)


class CredentialStore:
    """Load, save and delete the credentials of ``username@api_host`` in a keyring backend."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend

    def _keyring(self) -> KeyringBackend:
        if self._backend is None:
            import keyring  # imported lazily: choosing a backend can touch D-Bus or the Keychain

            self._backend = keyring.get_keyring()
        return self._backend

    def load(self, username: str, api_host: str) -> StoredCredentials | None:
        """The stored credentials, or None when there are none."""
        account = account_name(username, api_host)
        try:
            text = self._keyring().get_password(SERVICE_NAME, account)
        except Exception as exc:  # keyring backends raise many kinds (D-Bus, OS, KeyringError)
            raise _failure("read the keyring", account, exc) from exc
        if text is None:
            return None
        try:
            return StoredCredentials.from_json(text)
        except ValueError as exc:
            raise CredentialStoreError(
                f"The keyring entry for {account} is unreadable ({exc}); save the credentials "
                "again",
                kind="unreadable",
            ) from None

    def save(self, username: str, api_host: str, credentials: StoredCredentials) -> None:
        account = account_name(username, api_host)
        value = credentials.to_json()
        try:
            keyring = self._keyring()
            check_value_fits(value, keyring)
            keyring.set_password(SERVICE_NAME, account, value)
        except ValueTooLongError as exc:
            raise CredentialStoreError(
                f"Could not save to the keyring for {account}: {exc}", kind="too_long"
            ) from None
        except Exception as exc:
            failure = _failure("save to the keyring", account, exc)
        else:
            return
        # Raised outside the handler: the backend's own text might echo the value being saved.
        raise failure

    def delete(self, username: str, api_host: str) -> bool:
        """Remove the entry; False when there was none."""
        from keyring.errors import PasswordDeleteError

        account = account_name(username, api_host)
        try:
            self._keyring().delete_password(SERVICE_NAME, account)
        except PasswordDeleteError:
            return False
        except Exception as exc:
            raise _failure("delete from the keyring", account, exc) from exc
        return True
