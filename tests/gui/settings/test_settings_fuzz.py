"""A damaged settings file never stops the app: every key it reads at start, given text, the wrong
type, or truncated bytes, falls back to its default (never a TypeError, never a crash).

The keys are not listed by hand: a first start records every key the app reads (start-up, the
first report, the close-to-tray hint, an export's defaults), so a key added later is fuzzed too.
Then each kind of bad value is written to every one of those keys and the app starts again; a
truncated copy of a real settings file is tried as well.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

import desktop_app.app as app_module
from desktop_app.app import AppOptions, AppParts, build
from tests.support import MemoryKeyring

ROWS = 40
# Offscreen Qt has no tray window and no window manager; it says so, harmlessly.
pytestmark = pytest.mark.qt_log_ignore("systemTrayWindowChanged", "propagateSizeHints")


class RecordingSettings(QSettings):
    """QSettings that remembers which keys were read."""

    read: ClassVar[set[str]] = set()

    def value(self, key: str, *args: Any, **kwargs: Any) -> Any:
        RecordingSettings.read.add(key)
        return super().value(key, *args, **kwargs)


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    RecordingSettings.read = set()
    monkeypatch.setattr(
        app_module,
        "settings_for",
        lambda options: RecordingSettings(str(options.settings_path), QSettings.Format.IniFormat),
    )
    yield RecordingSettings.read


def start(qtbot: QtBot, path: Path, *, demo: bool) -> AppParts:
    options = AppOptions(
        demo=demo,
        demo_rows=ROWS,
        settings_path=path,
        data_dir=path.parent,
        tray=True,  # the close-to-tray hint reads its key
        keyring_backend=None if demo else MemoryKeyring(),
    )
    parts = build(options)
    qtbot.addWidget(parts.window)
    return parts


def use_everything(qtbot: QtBot, parts: AppParts, demo: bool) -> None:
    """What reads settings after start: the first report, an export's defaults, hiding."""
    if demo:
        qtbot.waitUntil(lambda: parts.model.total_rows() > 0, timeout=10_000)
        views = parts.problems
        assert views is not None
        qtbot.waitUntil(
            lambda: views.history.states is not None,
            timeout=10_000,
        )
    parts.exporter.proposed_path()
    assert parts.settings_controller.current().csv_delimiter in (",", ";", "tab")
    assert parts.tray is not None
    parts.window.close()  # hides to the tray, saying so once


def assert_usable(parts: AppParts) -> None:
    """The window came up in a sane state: on screen, columns visible, every pane wide enough."""
    window = parts.window
    screen = QApplication.primaryScreen().availableGeometry()
    assert window.width() >= 400 and window.height() >= 300
    assert screen.intersects(window.frameGeometry())
    header = window.table.horizontalHeader()
    visible = [c for c in range(header.count()) if not header.isSectionHidden(c)]
    assert visible and all(header.sectionSize(c) >= 20 for c in visible)
    if window.isVisible():
        assert all(size > 0 for size in window.splitter.sizes())


@pytest.fixture
def keys_read(qtbot: QtBot, tmp_path: Path, recording: set[str]) -> Callable[[bool], set[str]]:
    def collect(demo: bool) -> set[str]:
        recording.clear()
        parts = start(qtbot, tmp_path / f"record-{demo}" / "s.ini", demo=demo)
        try:
            use_everything(qtbot, parts, demo)
        finally:
            parts.close()
        return set(recording)

    return collect


def _valid_state(parts: AppParts, key: str) -> QByteArray:
    window = parts.window
    states = {
        "window/geometry": window.saveGeometry,
        "window/header": window.table.horizontalHeader().saveState,
        "window/splitter": window.splitter.saveState,
    }
    return states[key]()


BAD_VALUES: dict[str, Callable[[QByteArray | None], object]] = {
    "text": lambda _valid: "truncated settings fi",
    "empty text": lambda _valid: "",
    "number": lambda _valid: 42,
    "negative number": lambda _valid: -1,
    "list": lambda _valid: ["a", "b"],
    "bool": lambda _valid: True,
    "random bytes": lambda _valid: QByteArray(b"\x00\xff\x13\x37garbage\x00"),
    "truncated bytes": lambda valid: (
        QByteArray(bytes(valid)[: len(valid) // 2]) if valid is not None else QByteArray(b"\x00")
    ),
}


@pytest.mark.parametrize("demo", [True, False], ids=["demo", "account"])
@pytest.mark.parametrize("kind", list(BAD_VALUES))
def test_every_key_read_at_start_survives_a_bad_value(
    qtbot: QtBot, tmp_path: Path, keys_read: Callable[[bool], set[str]], kind: str, demo: bool
) -> None:
    keys = keys_read(demo)
    assert {"window/geometry", "window/header", "window/splitter"} <= keys
    good = start(qtbot, tmp_path / "good" / "s.ini", demo=demo)
    valid = {
        k: _valid_state(good, k) for k in ("window/geometry", "window/header", "window/splitter")
    }
    good.close()

    path = tmp_path / "bad" / "s.ini"
    settings = QSettings(str(path), QSettings.Format.IniFormat)
    for key in sorted(keys):
        settings.setValue(key, BAD_VALUES[kind](valid.get(key)))
    settings.sync()
    del settings

    starts_usable(qtbot, path, demo=demo)


def starts_usable(qtbot: QtBot, path: Path, *, demo: bool) -> None:
    """Start with the settings at ``path``: usable, and every later read of a key survives."""
    parts = start(qtbot, path, demo=demo)
    try:
        parts.window.show()
        assert_usable(parts)
        use_everything(qtbot, parts, demo)
    finally:
        parts.close()


@pytest.mark.parametrize("fraction", [0.25, 0.5, 0.75, 0.9])
def test_a_truncated_settings_file_starts_with_what_is_left(
    qtbot: QtBot, tmp_path: Path, fraction: float
) -> None:
    path = tmp_path / "s.ini"
    first = start(qtbot, path, demo=True)
    use_everything(qtbot, first, True)
    first.window.resize(900, 600)
    first.close()
    data = path.read_bytes()
    assert b"geometry=" in data and b"header=" in data and b"splitter=" in data
    path.write_bytes(data[: int(len(data) * fraction)])
    starts_usable(qtbot, path, demo=True)
