"""The adapter that lets the Qt-free schema (``storage.settings``, ``storage.account``) read and
write QSettings."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping

from PySide6.QtCore import QSettings

__all__ = ["QSettingsStore"]


class QSettingsStore(MutableMapping[str, object]):
    """``QSettings`` as the string-keyed mapping that ``storage.settings``/``.account`` use."""

    def __init__(self, settings: QSettings) -> None:
        self.settings = settings

    def __getitem__(self, key: str) -> object:
        if not self.settings.contains(key):
            raise KeyError(key)
        return self.settings.value(key)

    def __setitem__(self, key: str, value: object) -> None:
        self.settings.setValue(key, value)

    def __delitem__(self, key: str) -> None:
        if not self.settings.contains(key):
            raise KeyError(key)
        self.settings.remove(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self.settings.allKeys())

    def __len__(self) -> int:
        return len(self.settings.allKeys())
