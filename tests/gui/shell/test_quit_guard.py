"""Quit requests reach the app's own quit without an application-wide event filter: such a
filter makes every event of the window a call into Python that waits for the GIL while
workers parse (the stalls ``bench_gui_partners --why`` showed)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QApplication

from desktop_app.ui.shell.quitting import QuitAwareApplication, QuitGuard


class CountingGuard(QuitGuard):
    """Counts the events that pass through its filter."""

    filtered = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        CountingGuard.filtered += 1
        return super().eventFilter(watched, event)


def test_the_app_hands_quit_over_without_filtering_every_event(qapp: QApplication) -> None:
    assert isinstance(qapp, QuitAwareApplication)  # as app.application creates it
    quits: list[None] = []
    guard = CountingGuard(qapp, lambda: quits.append(None))
    try:
        other = QObject()
        for _ in range(100):
            QCoreApplication.sendEvent(other, QEvent(QEvent.Type.User))
        assert CountingGuard.filtered == 0
        QCoreApplication.sendEvent(qapp, QEvent(QEvent.Type.Quit))
        assert quits == [None]
    finally:
        guard.close()
    QCoreApplication.sendEvent(qapp, QEvent(QEvent.Type.User))
    assert quits == [None] and qapp.on_quit is None  # closed: nothing is handed over any more


def test_an_application_made_elsewhere_still_has_its_quit_handed_over() -> None:
    """A plain application (a host embedding the window) gets the filter instead."""
    script = textwrap.dedent(
        """
        from PySide6.QtCore import QCoreApplication, QEvent, QTimer
        from desktop_app.ui.shell.quitting import QuitGuard
        app = QCoreApplication([])
        quits = []
        guard = QuitGuard(app, lambda: quits.append(1))
        QTimer.singleShot(0, app.quit)
        QTimer.singleShot(500, lambda: app.exit(3))
        code = app.exec()
        print(quits, code)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.split() == ["[1]", "3"], done.stderr
