"""Where exports go and how they are written, shared by every CSV export of the window.

Why shared: the report export and the customer summary propose the same folder (the one last
saved to), kept under the key the report export has always used (``export/folder``). The
delimiter and BOM are settings like any other (``AppSettings``, read once by the settings
controller and handed to each export).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

__all__ = ["proposed_path", "remember_folder", "with_csv_suffix"]

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
