"""The SVG icons and IconProvider: files parse, icons render with the right colours and shapes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lxml import etree
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QIcon, QImage
from PySide6.QtSvg import QSvgRenderer

from desktop_app.ui.icons import (
    ACTION_NAMES,
    APP_FILE,
    APP_MONOCHROME_FILE,
    BADGE_COLOR,
    ICON_DIR_ENV,
    STATUS_FILES,
    TRAY_SIZES,
    IconProvider,
    badge_text,
    find_icon_dir,
    icon_dir_candidates,
    status_key,
)
from tests.support import REPO_ICONS

ALL_FILES = [
    *STATUS_FILES.values(),
    APP_FILE,
    APP_MONOCHROME_FILE,
    *(f"action-{n}.svg" for n in ACTION_NAMES),
]
# Expected hue ranges (degrees) of each status icon's coloured pixels.
HUES = {
    "FAILURE": (345, 375),  # red wraps around 0
    "WARNING": (32, 52),
    "RUNNING": (200, 228),
    "COMPLETED": (125, 155),
    "STALE": (250, 280),
}


@pytest.fixture
def icons(qapp: object) -> IconProvider:
    return IconProvider(icon_dir=REPO_ICONS)


def render(icon: QIcon, size: int = 32) -> QImage:
    image = icon.pixmap(QSize(size, size)).toImage()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def pixels(image: QImage) -> list[QColor]:
    return [image.pixelColor(x, y) for y in range(image.height()) for x in range(image.width())]


def saturated_hues(image: QImage) -> list[int]:
    """Hues of opaque, clearly coloured pixels (white glyphs and grey are left out)."""
    hues = []
    for c in pixels(image):
        if c.alpha() > 200 and c.hsvSaturation() > 90 and c.value() > 60:
            hue = c.hsvHue()
            hues.append(hue + 360 if hue < 30 else hue)  # keep red in one range
    return hues


def fill_mask(image: QImage) -> list[bool]:
    """Where the icon's dominant (most common opaque) colour is: the icon's shape."""
    counts: dict[int, int] = {}
    for c in pixels(image):
        if c.alpha() == 255:
            counts[c.rgb()] = counts.get(c.rgb(), 0) + 1
    dominant = max(counts, key=counts.__getitem__)
    return [c.alpha() == 255 and c.rgb() == dominant for c in pixels(image)]


@pytest.mark.parametrize("file_name", ALL_FILES)
def test_every_svg_exists_and_parses(file_name: str) -> None:
    path = REPO_ICONS / file_name
    assert path.is_file()
    root = etree.parse(str(path)).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox")
    assert QSvgRenderer(str(path)).isValid()


@pytest.mark.parametrize("status", list(HUES))
def test_status_icon_renders_with_its_hue(icons: IconProvider, status: str) -> None:
    icon = icons.status_icon(status)
    assert not icon.isNull()
    image = render(icon)
    assert image.size() == QSize(32, 32)
    hues = saturated_hues(image)
    assert len(hues) > 32 * 32 * 0.3, "most of the icon should be its status colour"
    low, high = HUES[status]
    inside = sum(low <= h <= high for h in hues)
    assert inside / len(hues) > 0.9


def test_unknown_icon_is_grey(icons: IconProvider) -> None:
    image = render(icons.status_icon("UNKNOWN"))
    opaque = [c for c in pixels(image) if c.alpha() > 200]
    assert len(opaque) > 32 * 32 * 0.5
    assert sum(c.hsvSaturation() < 40 for c in opaque) / len(opaque) > 0.95


@pytest.mark.parametrize("value", ["PAUSED", "", "something else", "Unknown"])
def test_undocumented_status_gets_the_unknown_icon(icons: IconProvider, value: str) -> None:
    assert status_key(value) == "UNKNOWN"
    assert render(icons.status_icon(value)) == render(icons.status_icon("UNKNOWN"))
    assert render(icons.status_icon(value)) != render(icons.status_icon("FAILURE"))


def test_documented_statuses_map_to_themselves() -> None:
    for status in ("FAILURE", "WARNING", "RUNNING", "COMPLETED", "STALE"):
        assert status_key(status) == status


def test_status_icons_differ_in_shape_not_only_colour(icons: IconProvider) -> None:
    masks = {status: fill_mask(render(icons.status_icon(status))) for status in STATUS_FILES}
    names = list(masks)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            differing = sum(a != b for a, b in zip(masks[first], masks[second], strict=True))
            assert differing > 20, f"{first} and {second} have almost the same shape"


def test_icons_are_cached(icons: IconProvider) -> None:
    assert icons.status_icon("FAILURE").cacheKey() == icons.status_icon("FAILURE").cacheKey()
    assert icons.tray_icon("FAILURE", 2).cacheKey() == icons.tray_icon("FAILURE", 2).cacheKey()


def test_icons_are_sharp_at_large_sizes(icons: IconProvider) -> None:
    image = render(icons.app_icon(), 256)
    assert image.size() == QSize(256, 256)
    # A crisp vector render has a clean white check in the middle of the shield.
    white = [c for c in pixels(image) if c.alpha() == 255 and c.lightness() > 250]
    assert len(white) > 500


def test_app_icon_is_blue_with_a_white_check(icons: IconProvider) -> None:
    image = render(icons.app_icon(), 64)
    hues = saturated_hues(image)
    assert len(hues) > 64 * 64 * 0.3
    assert sum(200 <= h <= 225 for h in hues) / len(hues) > 0.9
    assert any(c.alpha() == 255 and c.lightness() > 250 for c in pixels(image))


def test_monochrome_app_icon_is_black_on_transparent(icons: IconProvider) -> None:
    icon = icons.app_icon_monochrome()
    assert icon.isMask()
    image = render(icon, 64)
    colours = pixels(image)
    opaque = [c for c in colours if c.alpha() > 128]
    assert len(opaque) > 64 * 64 * 0.3
    assert all(c.red() < 40 and c.green() < 40 and c.blue() < 40 for c in opaque)
    assert sum(c.alpha() == 0 for c in colours) > 64 * 64 * 0.2
    # The check is cut out of the shield: a point on the check stroke is transparent.
    assert image.pixelColor(28, 40).alpha() == 0
    assert image.pixelColor(20, 20).alpha() == 255


@pytest.mark.parametrize("name", ACTION_NAMES)
def test_action_icons_render_and_tint(icons: IconProvider, name: str) -> None:
    icon = icons.action_icon(name)
    assert not icon.isNull()
    assert any(c.alpha() > 200 for c in pixels(render(icon, 24)))
    tinted = render(icons.action_icon(name, QColor("#00C000")), 24)
    opaque = [c for c in pixels(tinted) if c.alpha() > 200]
    assert opaque
    assert all(c.green() > 150 and c.red() < 40 and c.blue() < 40 for c in opaque)


def test_unknown_action_name_is_an_error(icons: IconProvider) -> None:
    with pytest.raises(KeyError, match="nope"):
        icons.action_icon("nope")


def test_tray_icon_without_failures_is_the_plain_state_icon(icons: IconProvider) -> None:
    assert render(icons.tray_icon("COMPLETED", 0)) == render(icons.status_icon("COMPLETED"))
    assert render(icons.tray_icon("COMPLETED", -3)) == render(icons.status_icon("COMPLETED"))


def test_tray_icon_badge_changes_the_lower_right_corner(icons: IconProvider) -> None:
    plain = render(icons.status_icon("WARNING"))
    tray_icon = icons.tray_icon("WARNING", 3)
    assert {s.width() for s in tray_icon.availableSizes()} >= set(TRAY_SIZES)
    badged = render(tray_icon)
    assert badged.size() == QSize(32, 32)
    # The top-left quarter is untouched; the badge corner holds badge red and white text.
    for y in range(12):
        for x in range(12):
            assert badged.pixelColor(x, y) == plain.pixelColor(x, y)
    corner = [badged.pixelColor(x, y) for y in range(18, 32) for x in range(18, 32)]
    changed = sum(
        badged.pixelColor(x, y) != plain.pixelColor(x, y)
        for y in range(18, 32)
        for x in range(18, 32)
    )
    assert changed > 50
    assert any(c.rgb() == BADGE_COLOR.rgb() for c in corner)
    assert any(c.lightness() > 240 and c.alpha() == 255 for c in corner)


def test_tray_icon_differs_by_count_and_size(icons: IconProvider) -> None:
    assert render(icons.tray_icon("FAILURE", 3)) != render(icons.tray_icon("FAILURE", 12))
    for size in TRAY_SIZES:
        image = render(icons.tray_icon("FAILURE", 5), size)
        assert image.size() == QSize(size, size)
        assert image != render(icons.status_icon("FAILURE"), size)


def test_badge_text_fits_the_size() -> None:
    assert badge_text(5) == "5"
    assert badge_text(42) == "42"
    assert badge_text(150) == "99+"
    assert badge_text(9, 16) == "9"
    assert badge_text(12, 16) == "9+"
    assert badge_text(12, 22) == "9+"


def test_icon_dir_search_order(tmp_path: Path) -> None:
    explicit = tmp_path / "explicit"
    from_env = tmp_path / "env"
    frozen = tmp_path / "frozen"
    found = icon_dir_candidates(explicit, {ICON_DIR_ENV: str(from_env)}, str(frozen))
    assert found[0] == explicit
    assert found[1] == from_env
    assert REPO_ICONS in found
    assert found[-1] == frozen / "resources" / "icons"
    assert found.index(REPO_ICONS) < found.index(frozen / "resources" / "icons")


def test_find_icon_dir_prefers_explicit_then_env(tmp_path: Path) -> None:
    explicit = tmp_path / "explicit"
    from_env = tmp_path / "env"
    shutil.copytree(REPO_ICONS, explicit)
    shutil.copytree(REPO_ICONS, from_env)
    env = {ICON_DIR_ENV: str(from_env)}
    assert find_icon_dir(explicit, env) == explicit
    assert find_icon_dir(None, env) == from_env
    # A folder without the icons is skipped, not trusted.
    assert find_icon_dir(tmp_path / "empty", {}) == REPO_ICONS


def test_provider_uses_a_given_folder(qapp: object, tmp_path: Path) -> None:
    folder = tmp_path / "icons"
    shutil.copytree(REPO_ICONS, folder)
    provider = IconProvider(icon_dir=folder, env={})
    assert provider.icon_dir == folder
    assert not provider.status_icon("RUNNING").isNull()
    (folder / STATUS_FILES["RUNNING"]).unlink()
    with pytest.raises(FileNotFoundError, match="status-running"):
        IconProvider(icon_dir=folder, env={}).status_icon("RUNNING")
