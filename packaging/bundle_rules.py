"""Which collected files a bundle leaves out: unused Qt plugins, Qt libraries and translations.

PyInstaller's Qt hooks collect every plugin of a plugin *type* that QtGui may use, plus the
libraries those plugins link. This app is a QtWidgets app that draws SVG icons; it needs the
native platform plugin, the offscreen one (self-test, CI), the SVG icon engine and a few image
formats. Everything below is dropped by name. Loaded by the PyInstaller spec (by file path:
``packaging/`` is not a Python package) and by the tests.

Choices worth knowing:
- Qt's own translations go: the app is English only, and half-translated dialogs read worse.
- The GTK3 platform theme goes: it links the build machine's GTK and would drag GTK into the
  bundle. The XDG desktop portal theme stays, so file dialogs are still native on GNOME and KDE.
- Wayland stays (client side, xdg-shell only), so the app is native on Wayland desktops.
- On Linux, shared libraries that only a dropped plugin needed (GTK, cairo, pango...) are
  pruned too: see ``prune_unreferenced``.
- ``opengl32sw.dll`` (20 MB software OpenGL) goes: widgets paint with the raster engine.
- QtNetwork stays (``ui/single_instance.py``); only its TLS and network-information plugins go.
  ``tests/packaging/test_bundle_rules.py`` checks that no excluded module is imported by the app.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable

# Plugin folders the app never uses (embedded Linux input, networking, SQL, printing, QML...).
DROP_PLUGIN_DIRS: frozenset[str] = frozenset(
    {
        "designer",
        "egldeviceintegrations",
        "generic",
        "multimedia",
        "networkinformation",
        "position",
        "printsupport",
        "qmllint",
        "qmlls",
        "qmltooling",
        "renderers",
        "scenegraph",
        "sqldrivers",
        "tls",
        "vectorimageformats",
        "wayland-graphics-integration-server",
    }
)
# Plugin file names (lower case) containing one of these words, per plugin folder.
DROP_PLUGIN_WORDS: dict[str, tuple[str, ...]] = {
    "platforms": ("eglfs", "linuxfb", "minimal", "vnc", "vkkhrdisplay", "direct2d"),
    "imageformats": ("pdf", "tiff", "webp", "tga", "wbmp", "icns"),
    "platforminputcontexts": ("virtualkeyboard",),
    "platformthemes": ("gtk3",),
    # Wayland: xdg-shell is what desktops speak; the rest serve kiosks, cars and compositors.
    "wayland-shell-integration": ("fullscreen-shell", "ivi-shell", "qt-shell", "wl-shell"),
    "wayland-graphics-integration-client": ("-server",),
}
# Qt libraries only the dropped plugins or unused modules need (matched on the file name).
# QtNetwork stays: the single-instance lock talks over QLocalServer/QLocalSocket.
DROP_LIBRARY = re.compile(
    r"(^|/)(lib)?Qt6?(Pdf|Qml\w*|Quick\w*|VirtualKeyboard\w*|EglFS\w*|"
    r"WaylandCompositor\w*|Labs\w*|Designer\w*|Help|Sql|Test|PrintSupport)"
    r"(\.|$)",
)
DROP_FILES: frozenset[str] = frozenset({"opengl32sw.dll"})

# Python modules nobody imports at run time; excluded from the analysis up front.
EXCLUDED_MODULES: tuple[str, ...] = (
    "tkinter",
    "_tkinter",
    "unittest",
    "pydoc",
    "doctest",
    "lib2to3",
    "setuptools",
    "pkg_resources",
    "pip",
    # lxml: the app parses with lxml.etree only.
    "lxml.objectify",
    "lxml.isoschematron",
    "lxml.sax",
    "lxml.builder",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtPdf",
    "PySide6.QtPdfWidgets",
    "PySide6.QtPrintSupport",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtHelp",
    "PySide6.QtDesigner",
    "PySide6.QtUiTools",
    "PySide6.QtConcurrent",
    "PySide6.QtXml",
)


def _parts(dest_name: str) -> list[str]:
    return dest_name.replace("\\", "/").split("/")


def keep(dest_name: str) -> bool:
    """False for a bundle path (as PyInstaller's TOC names it) the app does not need."""
    parts = _parts(dest_name)
    name = parts[-1].lower()
    if name in DROP_FILES:
        return False
    if "translations" in parts[:-1] and name.endswith(".qm"):
        return False
    if "plugins" in parts[:-1]:
        after = parts[parts.index("plugins") + 1 :]
        if len(after) >= 2:
            kind = after[0]
            if kind in DROP_PLUGIN_DIRS:
                return False
            if any(word in name for word in DROP_PLUGIN_WORDS.get(kind, ())):
                return False
    return not any(DROP_LIBRARY.search(part) for part in parts if part.startswith(("lib", "Qt")))


def filter_toc(entries: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The TOC entries (dest_name, source, typecode) worth bundling."""
    return [entry for entry in entries if keep(entry[0])]


Entry = tuple[str, str, str]


def _base(dest_name: str) -> str:
    return _parts(dest_name)[-1]


def _is_root(entry: Entry) -> bool:
    """Loaded by the bootloader or by Python/Qt at run time, not merely linked by others."""
    dest, _src, typecode = entry
    return (
        typecode == "EXTENSION"
        or "plugins" in _parts(dest)[:-1]
        or _base(dest).startswith("libpython")
    )


def prune_unreferenced(
    binaries: Iterable[Entry], needed_of: Callable[[str], Iterable[str]]
) -> list[Entry]:
    """Drop shared libraries that no extension module, plugin or libpython needs.

    ``needed_of(source_path)`` names the libraries a binary links (as file names). PyInstaller
    collects the dependencies of every plugin before the spec can drop the plugin, so a
    dropped GTK theme leaves GTK behind; this removes such orphans (and symlinks to them).
    """
    entries = list(binaries)
    libraries = {_base(e[0]): e for e in entries if e[2] == "BINARY" and not _is_root(e)}
    reachable: set[str] = set()
    pending = [e[1] for e in entries if _is_root(e)]
    while pending:
        for name in needed_of(pending.pop()):
            base = os.path.basename(name)
            if base in libraries and base not in reachable:
                reachable.add(base)
                pending.append(libraries[base][1])
    orphans = set(libraries) - reachable
    return [e for e in entries if _base(e[0]) not in orphans]
