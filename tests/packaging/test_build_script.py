"""packaging/build.py: which PyInstaller warnings fail the build, and where the executables are."""

from __future__ import annotations

from tests.packaging.conftest import load_script

build = load_script("packaging/build.py")

WARN = """
This file lists modules PyInstaller was not able to find.

missing module named winreg - imported by platform (delayed, optional), desktop_app.storage.autostart (conditional)
excluded module named lxml.sax - imported by lxml (top-level)
excluded module named PySide6.QtNetwork - imported by desktop_app.ui.single_instance (top-level), desktop_app.app (delayed)
missing module named nosuchdep - imported by desktop_app.api.client (top-level), requests (optional)
missing module named optionaldep - imported by desktop_app.report.parse (optional)
missing module named desktop_appish - imported by other (top-level)
"""  # noqa: E501  (PyInstaller's own line format)


def test_import_problems_name_the_excluded_and_missing_modules_the_app_imports() -> None:
    assert build.import_problems(WARN) == [
        "excluded module PySide6.QtNetwork imported by desktop_app.ui.single_instance "
        "(top-level), desktop_app.app (delayed)",
        "missing module nosuchdep imported by desktop_app.api.client (top-level)",
    ]


def test_platform_specific_optional_and_third_party_imports_are_not_problems() -> None:
    lines = [x for x in WARN.splitlines() if "QtNetwork" not in x and "nosuchdep" not in x]
    assert build.import_problems("\n".join(lines)) == []
