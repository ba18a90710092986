"""Small widgets several features build alike."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QWidget

__all__ = ["hint_label"]


def hint_label(text: str, parent: QWidget) -> QLabel:
    """A wrapped explanation under a field, in the palette's quiet placeholder colour."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label
