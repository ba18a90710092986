"""The app's icons: status, app, toolbar glyphs, and the tray icon with a failure-count badge.

The SVG sources live in ``resources/icons`` at the top of the repository. ``find_icon_dir``
looks for that folder, first match wins:

1. the directory handed in by the caller (``IconProvider(icon_dir=...)``);
2. the ``BSM_ICON_DIR`` environment variable (from the ``env`` mapping handed in);
3. ``desktop_app/resources/icons`` inside the installed package (where a build step may copy
   them so a wheel carries them; ``pyproject.toml`` already ships ``desktop_app/resources``);
4. ``<parent of the desktop_app package>/resources/icons`` (source checkout, editable install);
5. ``sys._MEIPASS/resources/icons`` when frozen by PyInstaller.

``QIcon(path.svg)`` uses the SVG icon engine plugin shipped with PySide6-Essentials, so every
icon stays sharp at any size and device pixel ratio.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap

import desktop_app

ICON_DIR_ENV = "BSM_ICON_DIR"
STALE = "STALE"
"""Pseudo-status for a backup set whose last run is too old; not a report value."""

STATUS_FILES: dict[str, str] = {
    "FAILURE": "status-failure.svg",
    "WARNING": "status-warning.svg",
    "RUNNING": "status-running.svg",
    "COMPLETED": "status-completed.svg",
    STALE: "status-stale.svg",
    "MISSING": "status-missing.svg",  # a set no longer in the report (not a report value)
    "ACKNOWLEDGED": "status-acknowledged.svg",  # the Acknowledged column (not a report value)
    "UNKNOWN": "status-unknown.svg",
}
ACTION_NAMES: tuple[str, ...] = ("refresh", "export", "search", "settings", "cancel")
APP_FILE = "app.svg"
APP_MONOCHROME_FILE = "app-monochrome.svg"
TRAY_SIZES: tuple[int, ...] = (16, 22, 32, 64)
BADGE_COLOR = QColor("#B3261E")  # darker than the failure red so the badge stands out on it


def icon_dir_candidates(
    explicit: Path | None = None,
    env: Mapping[str, str] | None = None,
    frozen_base: str | None = None,
) -> list[Path]:
    """Every place the icon folder may be, in search order (see the module docstring)."""
    env = os.environ if env is None else env
    if frozen_base is None:
        frozen_base = getattr(sys, "_MEIPASS", None)
    package_dir = Path(desktop_app.__file__).resolve().parent
    found: list[Path] = []
    if explicit is not None:
        found.append(Path(explicit))
    if env.get(ICON_DIR_ENV):
        found.append(Path(env[ICON_DIR_ENV]))
    found.append(package_dir / "resources" / "icons")
    found.append(package_dir.parent / "resources" / "icons")
    if frozen_base:
        found.append(Path(frozen_base) / "resources" / "icons")
    return found


def find_icon_dir(
    explicit: Path | None = None,
    env: Mapping[str, str] | None = None,
    frozen_base: str | None = None,
) -> Path:
    """The first candidate folder that holds the app icon; FileNotFoundError lists all tried."""
    candidates = icon_dir_candidates(explicit, env, frozen_base)
    for folder in candidates:
        if (folder / APP_FILE).is_file():
            return folder
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"Icon folder not found (looked for {APP_FILE} in: {tried})")


def status_key(status: str) -> str:
    """The icon key for a status value; anything undocumented maps to UNKNOWN."""
    key = str(status).upper()
    return key if key in STATUS_FILES else "UNKNOWN"


class IconProvider:
    """Builds and caches every QIcon the UI shows; construct one and hand it to the widgets.

    Needs a QGuiApplication to exist before the first icon is requested.
    """

    def __init__(
        self,
        icon_dir: Path | None = None,
        env: Mapping[str, str] | None = None,
        frozen_base: str | None = None,
    ) -> None:
        self.icon_dir = find_icon_dir(icon_dir, env, frozen_base)
        self._cache: dict[tuple[object, ...], QIcon] = {}

    def path(self, file_name: str) -> Path:
        return self.icon_dir / file_name

    def _svg_icon(self, file_name: str) -> QIcon:
        key = ("svg", file_name)
        icon = self._cache.get(key)
        if icon is None:
            path = self.path(file_name)
            if not path.is_file():
                raise FileNotFoundError(f"Icon file missing: {path}")
            icon = QIcon(str(path))
            self._cache[key] = icon
        return icon

    def status_icon(self, status: str) -> QIcon:
        """FAILURE/WARNING/RUNNING/COMPLETED/STALE/MISSING; others get the unknown icon."""
        return self._svg_icon(STATUS_FILES[status_key(status)])

    def app_icon(self) -> QIcon:
        return self._svg_icon(APP_FILE)

    def app_icon_monochrome(self) -> QIcon:
        """Black on transparent; marked as a mask so macOS treats it as a menu-bar template."""
        key = ("mono",)
        icon = self._cache.get(key)
        if icon is None:
            icon = QIcon(self._svg_icon(APP_MONOCHROME_FILE))
            icon.setIsMask(True)
            self._cache[key] = icon
        return icon

    def action_icon(self, name: str, color: QColor | None = None) -> QIcon:
        """A toolbar glyph by name (see ACTION_NAMES).

        The SVGs are neutral grey; pass the palette's text colour (e.g.
        ``widget.palette().windowText().color()``) to tint the glyph for dark themes.
        """
        if name not in ACTION_NAMES:
            raise KeyError(f"Unknown action icon: {name!r}")
        base = self._svg_icon(f"action-{name}.svg")
        if color is None:
            return base
        key = ("tint", name, color.rgba())
        icon = self._cache.get(key)
        if icon is None:
            icon = QIcon()
            for size in (16, 20, 24, 32, 48, 64):
                icon.addPixmap(_tinted(base.pixmap(QSize(size, size)), color))
            self._cache[key] = icon
        return icon

    def tray_icon(self, worst_state: str, failure_count: int) -> QIcon:
        """The worst state's icon with the failure count in a red badge (none when count <= 0).

        Drawn at the usual tray sizes; large counts read "99+" (or "9+" below 32 px).
        """
        count = max(0, failure_count)
        key = ("tray", status_key(worst_state), min(count, 100))
        icon = self._cache.get(key)
        if icon is None:
            base = self.status_icon(worst_state)
            icon = QIcon()
            for size in TRAY_SIZES:
                icon.addPixmap(_with_badge(base.pixmap(QSize(size, size)), count))
            self._cache[key] = icon
        return icon


def badge_text(count: int, size: int = 32) -> str:
    """The badge label: two digits fit from 32 px up, one below."""
    limit = 99 if size >= 32 else 9
    return f"{limit}+" if count > limit else str(count)


@dataclass(frozen=True, slots=True)
class BadgeLayout:
    """Where a count badge goes on a square icon of ``size`` px, shared by the colour badge and
    the monochrome (macOS template) one so both read the same."""

    text: str
    rect: QRectF  # the pill, in the lower-right corner
    ring: float  # the gap kept around it so it stands off the glyph

    @property
    def radius(self) -> float:
        return self.rect.height() / 2

    def font(self) -> QFont:
        font = QFont()
        font.setBold(True)
        share = 0.78 if len(self.text) == 1 else 0.62
        font.setPixelSize(max(7, round(self.rect.height() * share)))
        return font

    def draw_text(self, painter: QPainter) -> None:
        painter.setFont(self.font())
        painter.drawText(
            self.rect.translated(QPointF(0, 0.5)), Qt.AlignmentFlag.AlignCenter, self.text
        )


def badge_layout(size: int, count: int) -> BadgeLayout:
    text = badge_text(count, size)
    height = max(9.0, size * (0.62 if size < 32 else 0.5))
    width = height if len(text) == 1 else height * (0.55 + 0.32 * len(text))
    rect = QRectF(size - width, size - height, width, height)
    return BadgeLayout(text, rect, max(1.0, size / 22))


def _tinted(pixmap: QPixmap, color: QColor) -> QPixmap:
    """The pixmap's shape filled with one colour (alpha kept)."""
    out = QPixmap(pixmap)
    painter = QPainter(out)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
    painter.fillRect(out.rect(), color)
    painter.end()
    return out


def _with_badge(pixmap: QPixmap, count: int) -> QPixmap:
    """A copy of ``pixmap`` with a count badge in its lower-right corner."""
    out = QPixmap(pixmap)
    if count <= 0:
        return out
    badge = badge_layout(out.width(), count)
    ring = badge.ring
    painter = QPainter(out)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    path = QPainterPath()
    path.addRoundedRect(
        badge.rect.adjusted(ring / 2, ring / 2, -ring / 2, -ring / 2), badge.radius, badge.radius
    )
    painter.setPen(QPen(QColor("white"), ring))
    painter.setBrush(BADGE_COLOR)
    painter.drawPath(path)
    painter.setPen(QColor("white"))
    badge.draw_text(painter)
    painter.end()
    return out
