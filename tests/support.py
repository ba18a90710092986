"""What several test packages share: the repository's paths and the one in-memory keyring."""

from __future__ import annotations

from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

ROOT = Path(__file__).resolve().parents[1]
"""The repository (where ``tests`` is a package)."""
REPO_ICONS = ROOT / "resources" / "icons"
UNIT_FIXTURES = ROOT / "tests" / "unit" / "fixtures"


class MemoryKeyring(KeyringBackend):
    """A complete keyring backend kept in a dict; ``reads`` counts the secrets read.

    Priority -1: viable, but never chosen or chained by keyring's own detection (the fail
    backend has 0 and the chainer takes only > 0), so defining it cannot affect other tests.
    """

    priority = -1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.values: dict[tuple[str, str], str] = {}
        self.reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.values[(service, username)]
        except KeyError:
            raise PasswordDeleteError("not found") from None
