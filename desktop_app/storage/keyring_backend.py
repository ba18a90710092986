"""Which OS keyring to use, and whether it works, decided once at start.

Why at start: a partner admin must learn at sign-in (not after typing a secret and pressing
Save) that this machine has no usable keyring, so the app can offer a session-only mode instead.

Why explicit backends when frozen: keyring finds its backends through package entry points,
which a PyInstaller bundle may lose; the bundle then silently gets "no keyring". A frozen app
therefore instantiates its platform's backend class directly.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

log = logging.getLogger(__name__)

PROBE_SERVICE: Final = "Backup Status Monitor"
PROBE_ACCOUNT: Final = "keyring-probe"  # read only, never written: nothing to clean up
WINDOWS_BLOB_LIMIT: Final = 2560  # CRED_MAX_CREDENTIAL_BLOB_SIZE (bytes); keyring writes UTF-16

# Per platform: (module, class) of the backend a frozen build instantiates, and its name.
PLATFORM_BACKENDS: Final[dict[str, tuple[str, str, str]]] = {
    "win32": ("keyring.backends.Windows", "WinVaultKeyring", "Windows Credential Manager"),
    "darwin": ("keyring.backends.macOS", "Keyring", "macOS Keychain"),
    "linux": ("keyring.backends.SecretService", "Keyring", "Secret Service (GNOME Keyring)"),
}


class KeyringState(StrEnum):
    AVAILABLE = "available"
    NO_BACKEND = "no_backend"  # nothing installed or running to keep secrets
    LOCKED = "locked"  # there, but locked and not unlocked for us
    DENIED = "denied"  # there, but refused us (prompt dismissed, access denied)
    FAILED = "failed"  # there, but failed in some other way


_STATE_WORDS: Final = {
    KeyringState.AVAILABLE: "is ready",
    KeyringState.NO_BACKEND: "is not available on this computer",
    KeyringState.LOCKED: "is locked and could not be unlocked",
    KeyringState.DENIED: "refused access (the request was denied or dismissed)",
    KeyringState.FAILED: "did not work",
}


@dataclass(frozen=True, slots=True)
class KeyringStatus:
    """The outcome of the start-up probe; ``message`` is for the sign-in dialog."""

    state: KeyringState
    backend_name: str
    message: str

    @property
    def usable(self) -> bool:
        return self.state is KeyringState.AVAILABLE


class ValueTooLongError(ValueError):
    """The value does not fit the keyring (Windows Credential Manager's size limit)."""


# --- choosing -------------------------------------------------------------------------------


def _platform_key(platform: str) -> str:
    if platform.startswith("win"):
        return "win32"
    if platform == "darwin":
        return "darwin"
    return "linux"


def platform_backend(platform: str | None = None) -> KeyringBackend:
    """A new instance of ``platform``'s own backend class (not checked for being usable)."""
    import importlib

    module_name, class_name, _label = PLATFORM_BACKENDS[_platform_key(platform or sys.platform)]
    module = importlib.import_module(module_name)
    backend: KeyringBackend = getattr(module, class_name)()
    return backend


def choose_backend(*, frozen: bool | None = None, platform: str | None = None) -> KeyringBackend:
    """The backend the app uses: explicit when frozen, else keyring's own choice (which honours
    the user's keyring configuration and ``PYTHON_KEYRING_BACKEND``)."""
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    if frozen:
        return platform_backend(platform)
    import keyring

    return keyring.get_keyring()


def expected_backend_name(platform: str | None = None) -> str:
    """What the keyring is called on ``platform``: named when there is none to name."""
    return PLATFORM_BACKENDS[_platform_key(platform or sys.platform)][2]


def backend_name(backend: KeyringBackend) -> str:
    """A readable name: the platform's product name for its own backend (or for a stand-in
    meaning "none"), else the class."""
    cls = type(backend)
    if cls.__module__ in ("keyring.backends.fail", "keyring.backends.null"):
        return expected_backend_name()
    for module_name, class_name, label in PLATFORM_BACKENDS.values():
        if cls.__module__ == module_name and cls.__name__ == class_name:
            return label
    name = getattr(backend, "name", None)
    return str(name) if name else f"{cls.__module__}.{cls.__qualname__}"


# --- probing --------------------------------------------------------------------------------


def _has_no_backend(backend: KeyringBackend) -> bool:
    """keyring's stand-ins for "nothing here": fail/null backends, an empty chain, or a backend
    class whose ``priority`` says it cannot run on this machine."""
    module = type(backend).__module__
    if module in ("keyring.backends.fail", "keyring.backends.null"):
        return True
    if module == "keyring.backends.chainer":
        return not list(getattr(backend, "backends", []))
    try:
        priority = type(backend).priority
    except Exception:  # keyring signals "not viable here" by raising from priority
        return True
    return not isinstance(priority, int | float)


def probe_keyring(backend: KeyringBackend) -> KeyringStatus:
    """Read a probe entry that is never written: proves the keyring answers, without writing."""
    name = backend_name(backend)
    if _has_no_backend(backend):
        return _status(KeyringState.NO_BACKEND, name)
    try:
        backend.get_password(PROBE_SERVICE, PROBE_ACCOUNT)
    except Exception as exc:  # backends raise KeyringError, D-Bus, OS and ctypes errors
        state = classify_error(exc)
        log.warning("Keyring probe: %s %s (%s)", name, state.value, type(exc).__name__)
        return _status(state, name)
    return _status(KeyringState.AVAILABLE, name)


def detect_keyring(
    *, frozen: bool | None = None, platform: str | None = None
) -> tuple[KeyringBackend | None, KeyringStatus]:
    """Choose and probe the backend once at start; (None, status) when none could be made."""
    try:
        backend = choose_backend(frozen=frozen, platform=platform)
    except Exception as exc:
        log.warning("No keyring backend could be created (%s)", type(exc).__name__)
        return None, _status(KeyringState.NO_BACKEND, expected_backend_name(platform))
    return backend, probe_keyring(backend)


def _status(state: KeyringState, name: str) -> KeyringStatus:
    if state is KeyringState.AVAILABLE:
        message = f"Secrets are kept in {name}."
    else:
        message = (
            f"The system keyring, {name}, {_STATE_WORDS[state]}, so the secret cannot be saved. "
            "You can still sign in for this session only: the secret stays in memory and you "
            "will be asked for it again at the next start."
        )
    return KeyringStatus(state, name, message)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


_DENIED_MARKERS: Final = (
    "denied",
    "dismissed",
    "-128",  # macOS errSecUserCanceled
    "-25293",  # macOS errSecAuthFailed
)
_NO_BACKEND_MARKERS: Final = (
    "serviceunknown",
    "no such interface",
    "not running",
    "neither running nor activatable",
    "no keyring",
)


def classify_error(exc: BaseException) -> KeyringState:
    """Which kind of failure ``exc`` (from a keyring backend) is. Only types and error codes are
    inspected for the result; nothing of the text is returned."""
    from keyring.errors import InitError, KeyringLocked, NoKeyringError

    for item in _chain(exc):
        if isinstance(item, NoKeyringError):
            return KeyringState.NO_BACKEND
        winerror = getattr(item, "winerror", None)
        if isinstance(item, PermissionError) or winerror == 5:  # ERROR_ACCESS_DENIED
            return KeyringState.DENIED
        if winerror == 1312:  # ERROR_NO_SUCH_LOGON_SESSION: no credential store in this session
            return KeyringState.NO_BACKEND
        text = f"{type(item).__name__} {item}".lower()
        if any(marker in text for marker in _DENIED_MARKERS):
            return KeyringState.DENIED
        if isinstance(item, KeyringLocked) or "locked" in text:
            return KeyringState.LOCKED
        if any(marker in text for marker in _NO_BACKEND_MARKERS):
            return KeyringState.NO_BACKEND
        if isinstance(item, InitError):
            return KeyringState.NO_BACKEND
    return KeyringState.FAILED


# --- limits -------------------------------------------------------------------------------


def is_windows_backend(backend: KeyringBackend) -> bool:
    return type(backend).__module__ == "keyring.backends.Windows"


def check_value_fits(value: str, backend: KeyringBackend) -> None:
    """Raise ValueTooLongError when ``value`` is over the backend's size limit.

    Windows Credential Manager holds at most 2560 bytes per credential and keyring stores text as
    UTF-16, so about 1280 characters fit. Others (Keychain, Secret Service) have no small limit.
    """
    if not is_windows_backend(backend):
        return
    size = len(value.encode("utf-16-le"))
    if size > WINDOWS_BLOB_LIMIT:
        raise ValueTooLongError(
            f"The credentials are too long for Windows Credential Manager ({size} bytes; at most "
            f"{WINDOWS_BLOB_LIMIT} fit)."
        )
