"""The Qt half of ``--self-test``: are the plugins a frozen build needs really there and working?

PyInstaller collects Qt plugins by rules, and a trimmed bundle can lose one without any error
until an icon silently renders blank. Each check here loads or uses the plugin for real, on the
offscreen platform so it runs on a headless CI machine.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QEventLoop,
    QPluginLoader,
    QSize,
    QTimer,
    SignalInstance,
    qVersion,
)
from PySide6.QtGui import QIcon, QImage, QImageReader
from PySide6.QtWidgets import QApplication

from desktop_app.runtime.checks import CheckResult
from desktop_app.ui.icons import STATUS_FILES, IconProvider

# The native platform plugin each OS needs to show a window (file name stem without "lib"/"q").
NATIVE_PLATFORM_PLUGINS: dict[str, str] = {"linux": "xcb", "win32": "windows", "darwin": "cocoa"}
REQUIRED_IMAGE_FORMATS: tuple[str, ...] = ("png", "svg", "ico")
SVG_ICON_ENGINE = "qsvgicon"


def _application() -> QCoreApplication:
    """The running application, or a new offscreen one (a widgets app, so later UI code works)."""
    app = QCoreApplication.instance()
    if app is None:
        app = QApplication(["backup-status", "-platform", "offscreen"])
    return app


def _plugin_files(kind: str, stem: str) -> list[Path]:
    """Plugin files of ``kind`` (a plugins subfolder) whose name contains ``stem``."""
    found: list[Path] = []
    for folder in QCoreApplication.libraryPaths():
        found += sorted(p for p in (Path(folder) / kind).glob(f"*{stem}*") if p.is_file())
    return found


def _platform_key(platform: str) -> str:
    return "linux" if platform.startswith("linux") else platform


def probe_qt(platform: str = sys.platform) -> list[CheckResult]:
    """Platform plugin, image formats, the SVG icon engine, and the app's own icons."""
    app = _application()
    platform_name = app.platformName() if isinstance(app, QApplication) else "none"
    results = [
        CheckResult(
            "Qt platform",
            bool(platform_name),
            f"Qt {qVersion()}, platform '{platform_name}', plugin paths: "
            + ", ".join(QCoreApplication.libraryPaths()),
        )
    ]
    native = NATIVE_PLATFORM_PLUGINS.get(_platform_key(platform))
    if native is not None:
        results.append(_check_plugin_loads("platforms", f"q{native}"))
    supported = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    missing = [f for f in REQUIRED_IMAGE_FORMATS if f not in supported]
    results.append(
        CheckResult(
            "Qt image formats",
            not missing,
            f"missing: {', '.join(missing)}" if missing else ", ".join(REQUIRED_IMAGE_FORMATS),
        )
    )
    results.append(_check_icons())
    return results


def _check_plugin_loads(kind: str, stem: str) -> CheckResult:
    """The plugin file exists and loads, i.e. every library it links is there too.

    Loading does not start the plugin, so the native platform plugin can be checked while
    the app runs offscreen.
    """
    name = f"Qt plugin {kind}/{stem}"
    files = _plugin_files(kind, stem)
    if not files:
        return CheckResult(name, False, f"{kind}/*{stem}* missing")
    loader = QPluginLoader(str(files[0]))
    if not loader.load():
        return CheckResult(name, False, f"{files[0].name} does not load: {loader.errorString()}")
    return CheckResult(name, True, f"{files[0].name} loads")


def _check_icons() -> CheckResult:
    """The SVG icon engine plugin is present, and every status icon renders non-blank."""
    engine = _plugin_files("iconengines", SVG_ICON_ENGINE)
    if not engine:
        return CheckResult("SVG icons", False, f"iconengines/*{SVG_ICON_ENGINE}* missing")
    try:
        icons = IconProvider()
    except FileNotFoundError as exc:
        return CheckResult("SVG icons", False, str(exc))
    blank = [
        name
        for name, icon in [("app", icons.app_icon())]
        + [(key.lower(), icons.status_icon(key)) for key in STATUS_FILES]
        if not _renders(icon)
    ]
    if blank:
        return CheckResult("SVG icons", False, f"render blank: {', '.join(blank)}")
    return CheckResult("SVG icons", True, f"{engine[0].name}; icons from {icons.icon_dir}")


def _renders(icon: QIcon, size: int = 128) -> bool:
    """True when the icon yields a pixmap with at least one visible pixel in its middle row."""
    image = icon.pixmap(QSize(size, size)).toImage().convertToFormat(QImage.Format.Format_ARGB32)
    if image.isNull():
        return False
    y = image.height() // 2
    return any(image.pixelColor(x, y).alpha() > 0 for x in range(image.width()))


def wait_for_any(signals: Sequence[SignalInstance], timeout_ms: int) -> None:
    """Run the event loop until one of ``signals`` is emitted or ``timeout_ms`` passes (the
    demo-window check waits for its first report this way, without importing Qt itself)."""
    loop = QEventLoop()
    for signal in signals:
        signal.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    for signal in signals:
        signal.disconnect(loop.quit)
