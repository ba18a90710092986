"""All-or-nothing file writing: the target is either the complete new file or left untouched.

The data goes to a temporary file in the target's folder (same file system, so the final rename
is atomic), is flushed and fsynced, then ``os.replace``-d onto the target. Any failure, a cancel
included, removes the temporary file. A half-written export that looks complete is worse than
none: someone would send it on.

Permissions: a file that is replaced keeps its mode; a new one is created as any program of the
user's creates files (``0666`` minus the umask), so under ``umask 077`` a report of every
customer's backups stays private. The temporary file is opened with that mode directly (the
kernel applies the umask), never chmod-ed wider afterwards.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, TypeVar

T = TypeVar("T")

NEW_FILE_MODE = 0o666
"""A new export's mode before the user's umask is applied (as for any file a program saves)."""
_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


class ExportError(Exception):
    """The export could not be written. ``message`` is a complete sentence for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ExportCancelled(ExportError):
    """The caller asked to stop; nothing was written to the target."""

    def __init__(self, message: str = "Export cancelled; the file was not written.") -> None:
        super().__init__(message)


def write_atomically(target: str | os.PathLike[str], write: Callable[[IO[bytes]], T]) -> T:
    """Call ``write(binary_file)`` on a temporary file, then move it onto ``target``.

    Returns what ``write`` returns. OSError (from ``write`` too) becomes ``ExportError`` with a
    user-readable reason; other exceptions propagate unchanged after the cleanup.
    """
    path = Path(target)
    folder = path.parent
    if sys.platform == "win32" and _is_read_only_file(path):
        # Windows would refuse the final replace (Wine would not): refuse before any work.
        raise ExportError(f"Could not replace {path}: {READ_ONLY}")
    tmp_name: str | None = None
    try:
        existing = _existing_mode(path)
        fd, tmp_name = _create_temporary(folder, path.name)
        with open(fd, "wb") as handle:
            result = write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if existing is not None:
            os.chmod(tmp_name, existing)
        _replace(tmp_name, path)
        tmp_name = None
        _fsync_folder(folder)
        return result
    except OSError as exc:
        raise ExportError(f"Could not write {path}: {_reason(exc, path)}.") from exc
    finally:
        if tmp_name is not None:
            _remove_quietly(tmp_name)


READ_ONLY = "the file is read-only. The old file is unchanged."
IN_USE = (
    "another program has it open. If it is open in Excel, close it in Excel and try again. "
    "The old file is unchanged."
)


def _replace(source: str, target: Path, platform: str = sys.platform) -> None:
    """``os.replace``, explaining the Windows refusals a user can fix.

    Windows cannot replace a file another program holds open without delete sharing (Excel
    keeps every CSV it shows open that way), nor a read-only file. The old file stays as it was.
    """
    try:
        os.replace(source, target)
    except PermissionError as exc:
        reason = replace_refusal(target, platform)
        if reason is None:
            raise
        raise ExportError(f"Could not replace {target}: {reason}") from exc


def replace_refusal(target: Path, platform: str = sys.platform) -> str | None:
    """Why Windows refused to replace an existing file ``target``; None when that is not it."""
    if platform != "win32" or not target.is_file():
        return None
    return READ_ONLY if _is_read_only_file(target) else IN_USE


def _is_read_only_file(target: Path) -> bool:
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) and not mode & stat.S_IWRITE


def _reason(exc: OSError, target: Path) -> str:
    """The reason in plain words; Windows' "access denied" / "not found" for a folder in the
    way are named as POSIX names them."""
    if target.is_dir():
        return _REASON_BY_NAME["EISDIR"]
    folder = target.parent
    if exc.errno == errno.ENOENT and folder.exists() and not folder.is_dir():
        return _REASON_BY_NAME["ENOTDIR"]
    return os_error_reason(exc)


def _existing_mode(target: Path) -> int | None:
    """The permissions of the file about to be replaced, or ``None`` for a new file."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return None


def _create_temporary(folder: Path, name: str) -> tuple[int, str]:
    """A new, exclusive ``.<name>.<random>.tmp`` in ``folder``, created ``NEW_FILE_MODE`` minus
    the umask (``tempfile.mkstemp`` would make it 0600 and leave the widening to a chmod)."""
    for _attempt in range(100):
        candidate = str(folder / f".{name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(candidate, _OPEN_FLAGS, NEW_FILE_MODE), candidate
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(folder))


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable on POSIX; Windows cannot open folders, so skip there."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        try:
            os.unlink(path)
        except PermissionError:  # Windows will not delete a read-only file
            os.chmod(path, stat.S_IREAD | stat.S_IWRITE)
            os.unlink(path)


_REASON_BY_NAME = {
    "ENOSPC": "the disk is full",
    "EDQUOT": "the disk quota is exceeded",
    "EACCES": "permission denied",
    "EPERM": "permission denied",
    "EROFS": "the file system is read-only",
    "ENOENT": "the folder does not exist",
    "ENOTDIR": "a part of the path is not a folder",
    "EISDIR": "the target is a folder",
    "EPIPE": "the output was closed",
}
# Looked up by name: not every platform defines every errno constant.
_REASONS: dict[int, str] = {
    getattr(errno, name): text for name, text in _REASON_BY_NAME.items() if hasattr(errno, name)
}


def os_error_reason(exc: OSError) -> str:
    """Plain words for the common causes; the system's own text otherwise."""
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    return exc.strerror or type(exc).__name__
