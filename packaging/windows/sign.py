"""Authenticode-sign Windows files with whatever signs them today: a configurable command.

    python packaging/windows/sign.py FILE [FILE...]

Certificates issued since June 2023 keep their key in hardware or a cloud HSM, so there is no
PFX file to hand to signtool. The signing step is one command line, from the environment:

    WINDOWS_SIGN_COMMAND   run once per file; ``{file}`` is replaced by the quoted path.

Examples (see packaging/README.md): Azure Trusted Signing through signtool's dlib, a key in
Azure Key Vault or Google Cloud KMS through jsign, or signtool with a certificate on a USB
token (``/sha1 <thumbprint>``). After signing, ``signtool verify /pa`` checks each file when
signtool is found (set WINDOWS_SIGN_VERIFY=0 to skip that).

Without a command the files stay unsigned and this says so (forks, pull requests), unless
BSM_REQUIRE_SIGNING=1 (tag builds): then it fails, so nothing unsigned is released.
Inno Setup signs the installer and its uninstaller through the same command (``/S`` option of
ISCC, see the workflow); ``--inno`` prints that option's value.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence

COMMAND_VARIABLE = "WINDOWS_SIGN_COMMAND"
REQUIRE_VARIABLE = "BSM_REQUIRE_SIGNING"


def quote(path: str) -> str:
    """A path as one argument on a Windows command line."""
    return subprocess.list2cmdline([path])


def command_for(template: str, path: str) -> str:
    if "{file}" not in template:
        raise ValueError(f"{COMMAND_VARIABLE} must contain {{file}} where the path goes")
    return template.replace("{file}", quote(path))


def find_signtool() -> str | None:
    """signtool.exe from PATH, else the newest x64 copy in the Windows SDK."""
    found = shutil.which("signtool")
    if found:
        return found
    kits = os.path.expandvars(r"%ProgramFiles(x86)%\Windows Kits\10\bin\*\x64\signtool.exe")
    candidates = sorted(glob.glob(kits), reverse=True)
    return candidates[0] if candidates else None


def sign(files: Sequence[str], environ: Mapping[str, str]) -> int:
    """Sign (and verify) every file; returns the process exit code."""
    template = environ.get(COMMAND_VARIABLE, "").strip()
    if not template:
        if environ.get(REQUIRE_VARIABLE) == "1":
            print(f"Signing required ({REQUIRE_VARIABLE}=1) but {COMMAND_VARIABLE} is not set.")
            return 1
        print(f"Code signing skipped: {COMMAND_VARIABLE} is not set; the files stay unsigned.")
        return 0
    verify = environ.get("WINDOWS_SIGN_VERIFY", "1") != "0"
    signtool = find_signtool() if verify else None
    for path in files:
        if not os.path.isfile(path):
            print(f"Cannot sign {path}: no such file")
            return 1
        # The template is the operator's own command line (their tool, their quoting).
        result = subprocess.run(command_for(template, path), shell=True, check=False)
        if result.returncode != 0:
            print(f"Signing {path} failed (exit {result.returncode})")
            return 1
        if signtool is not None:
            check = subprocess.run([signtool, "verify", "/pa", path], check=False)
            if check.returncode != 0:
                print(f"The signature on {path} does not verify")
                return 1
    print(f"Signed {len(files)} file(s).")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Sign Windows files with $" + COMMAND_VARIABLE)
    parser.add_argument("files", nargs="*")
    parser.add_argument(
        "--inno", action="store_true", help="print the ISCC /S sign-tool value and exit"
    )
    args = parser.parse_args(argv)
    if args.inno:
        # Inno Setup replaces $f with the quoted file; this script does the rest.
        print(f"{quote(sys.executable)} {quote(os.path.abspath(__file__))} $f")
        return 0
    return sign(args.files, os.environ)


if __name__ == "__main__":
    sys.exit(main())
