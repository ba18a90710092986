"""Small widgets several features build alike."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

__all__ = ["confirm", "hint_label"]


def hint_label(text: str, parent: QWidget) -> QLabel:
    """A wrapped explanation under a field, in the palette's quiet placeholder colour."""
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def confirm(parent: QWidget, title: str, text: str) -> bool:
    """Ask before something that cannot be undone; Cancel is the default (Enter keeps all)."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes
