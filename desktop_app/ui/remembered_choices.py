"""Reading and writing the view choices kept across restarts (toggles, sort order, panes).

Why careful reading: the values come from a file or registry any other version (or a person)
may have written. Anything this version does not recognise means the default, never an error
at start.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QByteArray, QSettings

__all__ = ["read_bool", "read_bytes", "read_choice", "read_text", "write_choice"]


def read_choice(settings: QSettings, key: str, allowed: Iterable[str]) -> frozenset[str]:
    """A remembered set of names, stored as one comma-separated string.

    Why one string: INI files hand a one-item list back as a plain string. A value that is not
    a string means nothing chosen; names not in ``allowed`` are dropped.
    """
    value = settings.value(key)
    if not isinstance(value, str):
        return frozenset()
    known = frozenset(allowed)
    return frozenset(part for part in value.split(",") if part in known)


def write_choice(settings: QSettings, key: str, chosen: Iterable[str]) -> None:
    """Store ``chosen`` unless that is what is stored already.

    Why not always: the filter bars pass here on every report and every states change, and
    each ``setValue`` makes Qt write the whole file back on the GUI thread, behind a lock file
    it ``fdatasync``s: measured 0.3 s of a frozen window on a busy disk (bench_gui_partners).
    """
    text = ",".join(sorted(chosen))
    if settings.value(key) != text:
        settings.setValue(key, text)


def read_bool(settings: QSettings, key: str, default: bool) -> bool:
    """QSettings hands back "true"/"false" from INI files and bools from the registry."""
    value = settings.value(key)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return default


def read_bytes(settings: QSettings, key: str) -> QByteArray | None:
    """A saved Qt state (geometry, header, splitter), or None for anything that is not bytes.

    Only the type is checked here: whether the bytes make sense is for the widget's own
    ``restoreState`` to say, and for the caller to check afterwards (a truncated state can be
    accepted and still leave nonsense behind).
    """
    value = settings.value(key)
    if isinstance(value, bytes | bytearray):
        value = QByteArray(bytes(value))
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def read_text(settings: QSettings, key: str, allowed: Iterable[str], default: str) -> str:
    """A remembered word from ``allowed``; anything else means ``default``."""
    value = settings.value(key)
    return value if isinstance(value, str) and value in frozenset(allowed) else default
