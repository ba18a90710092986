"""What the bundle leaves out, the orphan-library pruning, and the Windows version resource."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.packaging.conftest import ROOT, load_script

rules = load_script("packaging/bundle_rules.py")
version_info = load_script("packaging/windows/version_info.py")


@pytest.mark.parametrize(
    "dest",
    [
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/plugins/platforms/qwindows.dll",
        "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        "PySide6/Qt/plugins/imageformats/libqsvg.so",
        "PySide6/plugins/imageformats/qico.dll",
        "PySide6/Qt/plugins/platformthemes/libqxdgdesktopportal.so",
        "PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so",
        "PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
        "PySide6/Qt/lib/libQt6Core.so.6",
        "PySide6/Qt/lib/libQt6Svg.so.6",
        "PySide6/Qt/lib/libQt6Network.so.6",
        "PySide6/Qt6Network.dll",
        "PySide6/QtNetwork.pyd",
        "PySide6/Qt/lib/QtNetwork.framework/Versions/A/QtNetwork",
        "PySide6/Qt6Widgets.dll",
        "PySide6/Qt/lib/QtGui.framework/Versions/A/QtGui",
        "PySide6/QtWidgets.abi3.so",
        "resources/icons/app.svg",
        "lxml/etree.cpython-311-x86_64-linux-gnu.so",
    ],
)
def test_keeps_what_the_app_needs(dest: str) -> None:
    assert rules.keep(dest)


@pytest.mark.parametrize(
    "dest",
    [
        "PySide6/Qt/plugins/platforms/libqvnc.so",
        "PySide6/Qt/plugins/platforms/libqeglfs.so",
        "PySide6/plugins/platforms/qdirect2d.dll",
        "PySide6/Qt/plugins/imageformats/libqpdf.so",
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "PySide6/Qt/plugins/tls/libqopensslbackend.so",
        "PySide6/Qt/plugins/wayland-shell-integration/libivi-shell.so",
        "PySide6/Qt/plugins/wayland-graphics-integration-client/libdmabuf-server.so",
        "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
        "PySide6/Qt/translations/qtbase_de.qm",
        "PySide6/translations/qtbase_fr.qm",
        "PySide6/Qt/lib/libQt6Pdf.so.6",
        "PySide6/Qt/lib/libQt6QuickControls2.so.6",
        "PySide6/Qt/lib/QtQml.framework/Versions/A/QtQml",
        "PySide6/opengl32sw.dll",
    ],
)
def test_drops_what_it_does_not(dest: str) -> None:
    assert not rules.keep(dest)


def test_filter_toc_keeps_entry_tuples_in_order() -> None:
    toc = [
        ("PySide6/Qt/lib/libQt6Core.so.6", "/src/core", "BINARY"),
        ("PySide6/Qt/lib/libQt6Pdf.so.6", "/src/pdf", "BINARY"),
        ("resources/icons/app.svg", "/src/app.svg", "DATA"),
    ]
    assert rules.filter_toc(toc) == [toc[0], toc[2]]


def test_prune_drops_libraries_only_dropped_plugins_needed() -> None:
    toc = [
        ("PySide6/QtGui.abi3.so", "/x/QtGui.abi3.so", "EXTENSION"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "/x/libqxcb.so", "BINARY"),
        ("libpython3.11.so.1.0", "/x/libpython3.11.so.1.0", "BINARY"),
        ("PySide6/Qt/lib/libQt6Gui.so.6", "/x/libQt6Gui.so.6", "BINARY"),
        ("PySide6/Qt/lib/libQt6Core.so.6", "/x/libQt6Core.so.6", "BINARY"),
        ("libicudata.so.73", "/x/libicudata.so.73", "BINARY"),
        ("libxcb-cursor.so.0", "/x/libxcb-cursor.so.0", "BINARY"),
        ("libgtk-3.so.0", "/x/libgtk-3.so.0", "BINARY"),
        ("libcairo.so.2", "/x/libcairo.so.2", "BINARY"),
        ("libgtk-3.so.0", "PySide6/Qt/lib/libgtk-3.so.0", "SYMLINK"),
    ]
    needs = {
        "/x/QtGui.abi3.so": ["libQt6Gui.so.6"],
        "/x/libqxcb.so": ["/usr/lib/libxcb-cursor.so.0", "libQt6Gui.so.6"],
        "/x/libQt6Gui.so.6": ["libQt6Core.so.6"],
        "/x/libQt6Core.so.6": ["libicudata.so.73"],
        "/x/libgtk-3.so.0": ["libcairo.so.2"],  # reachable only from the dropped gtk3 theme
    }
    kept = rules.prune_unreferenced(toc, lambda src: needs.get(src, []))
    assert {dest for dest, _, _ in kept} == {
        "PySide6/QtGui.abi3.so",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "libpython3.11.so.1.0",
        "PySide6/Qt/lib/libQt6Gui.so.6",
        "PySide6/Qt/lib/libQt6Core.so.6",
        "libicudata.so.73",
        "libxcb-cursor.so.0",
    }


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.1.0", (0, 1, 0, 0)),
        ("1.2.3.4", (1, 2, 3, 4)),
        ("2", (2, 0, 0, 0)),
        ("1.2.dev4+g1a2b3c", (1, 2, 0, 0)),
        ("1.2.3.4.5", (1, 2, 3, 4)),
        ("70000.1", (65535, 1, 0, 0)),
        ("0+unknown", (0, 0, 0, 0)),
    ],
)
def test_windows_version_tuple(version: str, expected: tuple[int, int, int, int]) -> None:
    assert version_info.version_tuple(version) == expected


def test_windows_version_info_is_a_valid_expression_with_the_version() -> None:
    text = version_info.version_info_text("1.4.2")
    tree = ast.parse(text, mode="eval")  # PyInstaller eval()s this text
    assert isinstance(tree.body, ast.Call) and ast.unparse(tree.body.func) == "VSVersionInfo"
    assert "filevers=(1, 4, 2, 0)" in text
    assert "StringStruct('ProductVersion', '1.4.2')" in text
    assert "StringStruct('OriginalFilename', 'backup-status.exe')" in text


def _imported_modules(path: Path) -> set[str]:
    """Every module a source file imports, at any depth (also inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_excluded_module_is_imported_by_the_app() -> None:
    """An excluded module the app imports crashes the bundle at run time (QtNetwork did)."""
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((ROOT / "desktop_app").rglob("*.py"))
        for module in sorted(_imported_modules(path))
        if any(
            module == excluded or module.startswith(excluded + ".")
            for excluded in rules.EXCLUDED_MODULES
        )
    ]
    assert not offenders, "\n".join(offenders)
