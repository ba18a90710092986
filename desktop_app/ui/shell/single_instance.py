"""One running app per user: a second launch hands its arguments to the first and exits.

How: a ``QLockFile`` decides who is first (it notices a lock left by a crashed process: the
PID in it is gone), and the first runs a ``QLocalServer``. A later launch fails to take the
lock, connects, sends its argv as one JSON line and waits for "ok". The first instance, on
claiming, removes any socket a crash left behind (``QLocalServer.removeServer``) before it
listens. Both names are keyed by user and by a hash of the settings location, so a test run or
a second profile is a separate "app".

Why a private folder: in the shared temp folder, with a predictable name, anyone could plant a
lock file naming some live process and stop the app from ever starting. The lock and (on Unix)
the socket live in a per-user folder only its owner can write (``private_lock_dir``). And a
lock whose holder does not answer within ``find_primary_ms`` (a planted or orphaned lock whose
PID belongs to another process now) is taken over rather than obeyed: a running instance
always answers.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import stat
import sys
import tempfile
from collections.abc import Sequence
from enum import Enum
from pathlib import Path

from PySide6.QtCore import QByteArray, QDeadlineTimer, QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 1000
REPLY_TIMEOUT_MS = 3000
FIND_PRIMARY_MS = 5000
"""How long a second launch keeps trying to reach a first one that holds the lock but is not
listening yet (it may be starting right now)."""
ACK = b"ok\n"
MAX_MESSAGE = 64 * 1024


def _is_private(folder: Path) -> bool:
    """Ours and closed to everyone else (POSIX); Windows keeps a user's folders private."""
    if sys.platform == "win32":  # (a platform check mypy follows: os.getuid is POSIX-only)
        return folder.is_dir()
    info = folder.stat()
    return (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == os.getuid()
        and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def private_lock_dir(candidates: Sequence[Path] | None = None) -> Path:
    """A folder for the lock and socket that only this user can write.

    Linux: the user's runtime folder (``XDG_RUNTIME_DIR``, 0700 by definition); macOS and
    Windows: the per-user temporary folder; else the app's data folder. Each is created as 0700
    when missing and used only if it is the user's own and closed to others.
    """
    if candidates is None:
        from desktop_app.logging_setup import default_data_dir

        found = []
        runtime = os.environ.get("XDG_RUNTIME_DIR")
        if runtime:
            found.append(Path(runtime) / "backup-status-monitor")
        if sys.platform in ("darwin", "win32"):
            found.append(Path(tempfile.gettempdir()))  # $TMPDIR / %TEMP%: the user's own
        found.append(default_data_dir() / "run")
        candidates = found
    for folder in candidates:
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if _is_private(folder):
                return folder
        except OSError as error:
            log.info("Cannot use %s for the single-instance lock: %s", folder, error)
            continue
        log.warning("Not using %s for the single-instance lock: others can write there", folder)
    raise OSError("no private folder for the single-instance lock")


def instance_key(settings_location: str, user: str | None = None) -> str:
    """A short name, safe for a socket path or a pipe name, unique per user and settings."""
    if user is None:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no login name (some containers): fall back to the uid
            user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    digest = hashlib.sha256(f"{user}\0{settings_location}".encode()).hexdigest()[:16]
    return f"backup-status-monitor-{digest}"


class Claim(Enum):
    PRIMARY = "primary"  # this process is the app
    FORWARDED = "forwarded"  # another instance got our arguments: exit quietly
    UNREACHABLE = "unreachable"  # another instance holds the lock but does not answer


class SingleInstance(QObject):
    """Claim being the one instance, or forward to it.

    Signals:
        message_received(list): the argv list a second launch sent (first instance only).
    """

    message_received = Signal(list)

    def __init__(
        self,
        key: str,
        lock_dir: str | None = None,
        parent: QObject | None = None,
        *,
        find_primary_ms: int = FIND_PRIMARY_MS,
    ) -> None:
        super().__init__(parent)
        folder = lock_dir if lock_dir is not None else str(private_lock_dir())
        # Linux: the socket's full path in the same private folder (a bare name would put it in
        # the shared /tmp; the file name is short, as socket paths are limited to ~100 bytes).
        # macOS puts bare names in the user's own $TMPDIR; Windows pipes are per-user anyway.
        shared_tmp = os.name == "posix" and sys.platform != "darwin"
        self.key = os.path.join(folder, f"{key[-16:]}.sock") if shared_tmp else key
        self.lock_path = os.path.join(folder, f"{key}.lock")
        self._find_primary_ms = find_primary_ms
        self._lock = QLockFile(self.lock_path)
        self._lock.setStaleLockTime(0)  # stale only when its process is gone, never by age
        self._server: QLocalServer | None = None
        self._buffers: dict[QLocalSocket, bytearray] = {}

    def claim(self, argv: Sequence[str]) -> Claim:
        """Become the instance (and listen), or hand ``argv`` to the running one."""
        if self._lock.tryLock(0):
            self._listen()
            return Claim.PRIMARY
        deadline = QDeadlineTimer(self._find_primary_ms)
        while True:
            if self._forward(argv):
                return Claim.FORWARDED
            # The holder may have died since: take over its lock (and its stale socket).
            if self._lock.tryLock(200):
                self._listen()
                return Claim.PRIMARY
            if deadline.hasExpired():
                break
        # Nobody answers for the lock: not an instance of this app (those answer at once),
        # but a lock planted or left behind naming some other live process. Take it over.
        log.warning("The lock %s is held by no answering instance; taking it over", self.lock_path)
        if self._lock.removeStaleLockFile() and self._lock.tryLock(0):
            self._listen()
            return Claim.PRIMARY
        log.warning("Could not take over %s", self.lock_path)
        return Claim.UNREACHABLE

    def server_name(self) -> str:
        """The full socket path (Unix) or pipe name (Windows) while listening."""
        return self._server.fullServerName() if self._server is not None else ""

    def close(self) -> None:
        """Stop listening and give up the lock (at quit)."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for socket in list(self._buffers):
            socket.abort()
        self._buffers.clear()
        if self._lock.isLocked():
            self._lock.unlock()

    # --- first instance ----------------------------------------------------------------------
    def _listen(self) -> None:
        # We hold the lock, so any socket under this name was left by a crashed instance.
        QLocalServer.removeServer(self.key)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.key):
            log.warning("Cannot listen on %s: %s", self.key, server.errorString())
            return
        server.newConnection.connect(self._on_new_connection)
        self._server = server

    def _on_new_connection(self) -> None:
        server = self._server
        while server is not None and server.hasPendingConnections():
            socket = server.nextPendingConnection()
            self._buffers[socket] = bytearray()
            socket.readyRead.connect(lambda s=socket: self._on_ready_read(s))
            socket.disconnected.connect(lambda s=socket: self._drop(s))

    def _on_ready_read(self, socket: QLocalSocket) -> None:
        buffer = self._buffers.get(socket)
        if buffer is None:
            return
        buffer += bytes(socket.readAll().data())
        if len(buffer) > MAX_MESSAGE:
            self._drop(socket)
            return
        if b"\n" not in buffer:
            return
        line = bytes(buffer.split(b"\n", 1)[0])
        try:
            message = json.loads(line)
            argv = [str(a) for a in message["argv"]]
        except (ValueError, KeyError, TypeError):
            log.warning("Ignoring a malformed message from another launch")
            self._drop(socket)
            return
        socket.write(QByteArray(ACK))
        socket.flush()
        self.message_received.emit(argv)
        socket.disconnectFromServer()

    def _drop(self, socket: QLocalSocket) -> None:
        if self._buffers.pop(socket, None) is not None:
            socket.abort()
            socket.deleteLater()

    # --- second instance ---------------------------------------------------------------------
    def _forward(self, argv: Sequence[str]) -> bool:
        socket = QLocalSocket()
        try:
            socket.connectToServer(self.key)
            if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
                return False
            payload = json.dumps({"argv": list(argv)}).encode() + b"\n"
            socket.write(QByteArray(payload))
            if not socket.waitForBytesWritten(REPLY_TIMEOUT_MS):
                return False
            reply = b""
            while not reply.endswith(b"\n") and socket.waitForReadyRead(REPLY_TIMEOUT_MS):
                reply += bytes(socket.readAll().data())
            return reply == ACK
        finally:
            socket.abort()
