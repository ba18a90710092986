"""The tray icon's monochrome variant: a macOS menu-bar template drawn from the status icons.

A template image may only use alpha: the status icon's coloured shape becomes opaque black with
its glyph cut out, and the failure badge is drawn the same way (black pill, digits cut out).
macOS then draws it so it follows the light or dark menu bar.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPainterPath, QPixmap

from desktop_app.ui.icons import TRAY_SIZES, badge_layout

__all__ = ["monochrome_tray_icon"]


def _knock_out_glyph(pixmap: QPixmap) -> QImage:
    """Black where the icon's main colour is, transparent where its glyph is.

    The status icons are a coloured shape with a contrasting glyph; a template image may only
    use alpha, so the shape becomes opaque black and the glyph is cut out of it.
    """
    image = pixmap.toImage().convertToFormat(QImage.Format.Format_ARGB32)
    width, height = image.width(), image.height()
    histogram: dict[int, int] = {}
    for y in range(height):
        for x in range(width):
            argb = image.pixel(x, y)
            if (argb >> 24) & 0xFF == 0xFF:
                histogram[argb & 0xFFFFFF] = histogram.get(argb & 0xFFFFFF, 0) + 1
    fill = max(histogram, key=histogram.__getitem__) if histogram else 0
    fr, fg, fb = (fill >> 16) & 0xFF, (fill >> 8) & 0xFF, fill & 0xFF
    out = QImage(width, height, QImage.Format.Format_ARGB32)
    out.fill(0)
    for y in range(height):
        for x in range(width):
            argb = image.pixel(x, y)
            alpha = (argb >> 24) & 0xFF
            if not alpha:
                continue
            distance = max(
                abs(((argb >> 16) & 0xFF) - fr),
                abs(((argb >> 8) & 0xFF) - fg),
                abs((argb & 0xFF) - fb),
            )
            keep = max(0.0, 1.0 - distance / 96.0)
            out.setPixel(x, y, (round(alpha * keep) << 24))
    return out


def _mono_badge(image: QImage, count: int) -> QImage:
    """Cut a ring, draw a black pill, cut the digits out of it: a badge made of alpha only."""
    if count <= 0:
        return image
    badge = badge_layout(image.width(), count)
    ring, radius = badge.ring, badge.radius
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    outer = QPainterPath()
    outer.addRoundedRect(badge.rect.adjusted(-ring, -ring, 0, 0), radius + ring, radius + ring)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
    painter.fillPath(outer, QColor("black"))
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
    pill = QPainterPath()
    pill.addRoundedRect(badge.rect, radius, radius)
    painter.fillPath(pill, QColor("black"))
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
    badge.draw_text(painter)
    painter.end()
    return image


def monochrome_tray_icon(status_icon: QIcon, failure_count: int) -> QIcon:
    """Black-on-transparent tray icon with a cut-out glyph and badge, marked as a mask (macOS
    then draws it as a menu-bar template that follows the light or dark bar)."""
    icon = QIcon()
    for size in TRAY_SIZES:
        image = _knock_out_glyph(status_icon.pixmap(QSize(size, size)))
        icon.addPixmap(QPixmap.fromImage(_mono_badge(image, failure_count)))
    icon.setIsMask(True)
    return icon
