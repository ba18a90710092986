"""The installed PySide6 keeps Python's reference counts straight where the app depends on it.

PySide6 6.12.0 loses a reference to True/False on every emit of a bool signal; on Python 3.11
that aborts the process within about a thousand emits (the app emits bool signals on every
refresh). pyproject.toml keeps 6.12 away from 3.11; this fails if a resolver ever disagrees.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    flag = Signal(bool)


def test_emitting_a_bool_signal_keeps_the_refcount_of_true_and_false(qapp: object) -> None:
    emitter = _Emitter()
    received: list[bool] = []
    emitter.flag.connect(received.append)
    for value in (True, False):
        before = sys.getrefcount(value)
        for _ in range(200):
            emitter.flag.emit(value)
        held_by_list = received.count(value) if sys.version_info < (3, 12) else 0
        assert sys.getrefcount(value) - before == held_by_list, value
        received.clear()
