"""The icon generator renders every raster size, and the ICO/ICNS containers hold real PNGs."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.packaging.conftest import ROOT, load_script

icons = load_script("resources/generate_icons.py")


def _png_size(data: bytes) -> tuple[int, int]:
    image = QImage.fromData(data, "PNG")
    assert not image.isNull()
    return image.width(), image.height()


def _ico_entries(data: bytes) -> list[tuple[int, bytes]]:
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)
    entries = []
    for i in range(count):
        width, _h, _c, _r, _planes, bpp, size, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * i
        )
        assert bpp == 32
        entries.append((width or 256, data[offset : offset + size]))
    return entries


def _icns_entries(data: bytes) -> dict[bytes, bytes]:
    assert data[:4] == b"icns" and struct.unpack_from(">I", data, 4)[0] == len(data)
    found, pos = {}, 8
    while pos < len(data):
        kind, length = data[pos : pos + 4], struct.unpack_from(">I", data, pos + 4)[0]
        found[kind] = data[pos + 8 : pos + length]
        pos += length
    return found


@pytest.fixture
def generated(qapp: object, tmp_path: Path) -> Path:
    icons.generate(ROOT / "resources" / "icons" / "app.svg", tmp_path)
    return tmp_path


def test_pngs_have_their_sizes_and_are_not_blank(generated: Path) -> None:
    for size in icons.PNG_SIZES:
        image = QImage(str(generated / "png" / f"app-{size}.png"))
        assert (image.width(), image.height()) == (size, size)
        centre = image.pixelColor(size // 2, size // 2)
        assert centre.alpha() == 255  # the shield covers the middle
        assert image.pixelColor(0, 0).alpha() == 0  # and the corners stay transparent


def test_ico_holds_a_png_per_size(generated: Path) -> None:
    entries = _ico_entries((generated / "app.ico").read_bytes())
    assert [size for size, _ in entries] == sorted(icons.ICO_SIZES)
    for size, png in entries:
        assert _png_size(png) == (size, size)


def test_icns_holds_the_retina_set(generated: Path) -> None:
    entries = _icns_entries((generated / "app.icns").read_bytes())
    assert set(entries) == {kind for kind, _ in icons.ICNS_TYPES}
    for kind, size in icons.ICNS_TYPES:
        assert _png_size(entries[kind]) == (size, size)


def test_committed_rasters_are_complete() -> None:
    """The generated files are committed; each is a valid image of the right size."""
    base = ROOT / "resources" / "icons"
    for size in icons.PNG_SIZES:
        assert QImage(str(base / "png" / f"app-{size}.png")).width() == size
    assert [s for s, _ in _ico_entries((base / "app.ico").read_bytes())] == sorted(icons.ICO_SIZES)
    assert set(_icns_entries((base / "app.icns").read_bytes())) == {k for k, _ in icons.ICNS_TYPES}


@pytest.mark.qt_log_ignore("Cannot read file")  # Qt's own complaint about the bad file
def test_rejects_an_invalid_svg(qapp: object, tmp_path: Path) -> None:
    bad = tmp_path / "bad.svg"
    bad.write_text("not svg")
    with pytest.raises(ValueError, match="not a valid SVG"):
        icons.generate(bad, tmp_path / "out")
