"""The demo app end to end: ``main()`` runs it in the existing QApplication and returns on quit;
the GUI thread keeps ticking while a report is fetched and prepared."""

from __future__ import annotations

import gc
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QStandardPaths, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_app.__main__ import main
from desktop_app.app import AppOptions, build
from desktop_app.runtime.pacing import GUI_SWITCH_INTERVAL
from desktop_app.ui.shell.main_window import MainWindow
from tests.benchmarks.bench_gui_fetch import GapProbe
from tests.gui.conftest import running_app

# The offscreen platform cannot raise windows; it says so, harmlessly.
OFFSCREEN_NOISE = pytest.mark.qt_log_ignore("This plugin does not support raise")


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings, logs, history and autostart all under ``tmp_path``, never the real home."""
    home = tmp_path / "home"
    home.mkdir()
    for name, sub in (
        ("HOME", ""),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CACHE_HOME", ".cache"),
    ):
        monkeypatch.setenv(name, str(home / sub))
    original = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.GenericConfigLocation
    )
    fmt, scope = QSettings.Format.NativeFormat, QSettings.Scope.UserScope
    QSettings.setPath(fmt, scope, str(home / ".config"))
    yield home
    QSettings.setPath(fmt, scope, original)


def demo_windows() -> list[MainWindow]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]


@OFFSCREEN_NOISE
def test_main_runs_the_demo_in_the_existing_application_and_returns_on_quit(
    qtbot: QtBot, isolated_home: Path
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = set(demo_windows())
    seen: list[int] = []

    def quit_once_populated() -> None:
        new = [w for w in demo_windows() if w not in before]
        rows = new[0].table.model().rowCount() if new else 0
        if rows:
            seen.append(rows)
            poll.stop()  # quit exactly once: a second, late quit would end later event loops
            app.quit()

    poll = QTimer()
    poll.setInterval(20)
    poll.timeout.connect(quit_once_populated)
    poll.start()
    try:
        code = main(["--demo", "--demo-rows", "300"])
    finally:
        poll.stop()
    assert code == 0
    assert seen and 250 <= seen[0] <= 350  # the demo data drifts by a few rows per tick
    assert QApplication.instance() is app  # the existing application was reused
    new = [w for w in demo_windows() if w not in before]
    assert len(new) == 1
    assert "Demo" in new[0].windowTitle()
    settings = list((isolated_home / ".config").rglob("*.conf"))
    assert settings, "the window state was saved in the (isolated) user settings"
    for window in new:
        window.hide()
        window.deleteLater()
    # Leave the shared application as found: quitting left a quit pending that would make
    # every later event loop (qtbot.wait*, in other tests) return at once. A short run of the
    # application's own loop takes it, and the deferred deletes, off the queue.
    QTimer.singleShot(0, app.quit)
    app.exec()
    gc.collect()
    assert not any(t.name == "demo-server" for t in threading.enumerate())


def test_gui_thread_keeps_ticking_while_a_report_is_fetched(qtbot: QtBot, tmp_path: Path) -> None:
    """The probe the benchmark uses runs here on a small report: it must tick throughout (its
    figures are printed by tests/benchmarks/bench_gui_fetch.py, not asserted)."""
    probe = GapProbe()
    probe.start()
    parts = build(
        AppOptions(demo=True, demo_rows=2000, settings_path=tmp_path / "s.ini", tray=False)
    )
    qtbot.addWidget(parts.window)
    try:
        qtbot.waitUntil(lambda: parts.model.total_rows() > 0, timeout=10_000)
        with qtbot.waitSignal(parts.refresh.report_ready, timeout=10_000):
            parts.window.refresh_action.trigger()
        probe.stop()
    finally:
        parts.close()
    assert len(probe.ticks) > 3
    assert probe.max_gap_ms() > 0 and probe.p99_gap_ms() <= probe.max_gap_ms()
    assert parts.model.total_rows() > 1900


def test_the_built_app_has_busy_workers_hand_the_gil_over_within_a_millisecond(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Python's 5 ms switch interval is how long each call from Qt into Python may wait for a
    busy worker; the app shortens it for the whole process (runtime.pacing)."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)  # Python's default, whatever earlier tests did
    try:
        with running_app(qtbot, tmp_path, rows=50, problems=False):
            assert sys.getswitchinterval() == pytest.approx(GUI_SWITCH_INTERVAL)
    finally:
        sys.setswitchinterval(before)
