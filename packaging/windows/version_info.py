"""The Windows version resource (Explorer's Details tab) built from the package version.

PyInstaller reads a ``VSVersionInfo(...)`` expression from a text file; the spec writes that
file at build time from the installed package metadata, so the exe, the installer and the
About dialog always agree.
"""

from __future__ import annotations

import re

COMPANY = "Backup Status Monitor"
PRODUCT = "Backup Status Monitor"
DESCRIPTION = "Backup Status Monitor for Barracuda Intronis Backup"
EXE_NAME = "backup-status.exe"


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """The four numbers Windows wants: leading release numbers, missing ones zero.

    "1.2.3" -> (1, 2, 3, 0); "1.2.dev4+g1a2b" -> (1, 2, 0, 0); "2" -> (2, 0, 0, 0).
    """
    match = re.match(r"\d+(\.\d+)*", version.strip())
    numbers = [int(n) for n in match.group(0).split(".")] if match else []
    numbers = [min(n, 65535) for n in numbers[:4]]  # each field is 16 bits
    numbers += [0] * (4 - len(numbers))
    return (numbers[0], numbers[1], numbers[2], numbers[3])


def version_info_text(version: str) -> str:
    """The ``VSVersionInfo`` expression PyInstaller's ``version=`` file holds."""
    numbers = version_tuple(version)
    strings = {
        "CompanyName": COMPANY,
        "FileDescription": DESCRIPTION,
        "FileVersion": version,
        "InternalName": "backup-status",
        "OriginalFilename": EXE_NAME,
        "ProductName": PRODUCT,
        "ProductVersion": version,
    }
    string_structs = ",\n".join(
        f"          StringStruct({key!r}, {value!r})" for key, value in strings.items()
    )
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={numbers!r},
    prodvers={numbers!r},
    mask=0x3f,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0)
  ),
  kids=[
    StringFileInfo([
      StringTable(
        '040904B0',
        [
{string_structs}
        ])
    ]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""
