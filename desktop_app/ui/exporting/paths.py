"""Where exports go and how they are written, shared by every CSV export of the window.

Why shared: the report export and the customer summary should propose the same folder (the one
last saved to) and honour the same delimiter and BOM choices; the keys are those the report
export has always used (``export/folder``, ``export/delimiter``, ``export/bom``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

from desktop_app.storage.settings import load_settings
from desktop_app.ui.settings.dialog import QSettingsStore

__all__ = ["csv_options", "proposed_path", "remember_folder", "with_csv_suffix"]

FOLDER_KEY = "export/folder"


def proposed_path(settings: QSettings, stem: str, today: date | None = None) -> str:
    """``<last export folder or Documents>/<stem>-YYYY-MM-DD.csv``."""
    folder = settings.value(FOLDER_KEY)
    if not isinstance(folder, str) or not folder:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    day = today or date.today()
    return str(Path(folder) / f"{stem}-{day:%Y-%m-%d}.csv")


def with_csv_suffix(path: str) -> Path:
    """The chosen path, with ``.csv`` added when the name has no extension."""
    target = Path(path)
    return target.with_suffix(".csv") if target.suffix == "" else target


def remember_folder(settings: QSettings, target: Path) -> None:
    settings.setValue(FOLDER_KEY, str(target.parent))


def csv_options(settings: QSettings) -> tuple[str, bool]:
    """(delimiter, write a UTF-8 BOM) as the settings schema reads them: a damaged value means
    the default, never an export that fails on an unknown delimiter."""
    chosen = load_settings(QSettingsStore(settings))
    return chosen.csv_delimiter, chosen.csv_bom
