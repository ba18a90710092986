"""The app's log: a rotating file in the platform log folder, with secrets masked on the way out.

Redaction happens in the formatter, on the finished line (message, arguments, traceback and
stack together), so no code path can write a registered secret, an ``OAuth <token>`` header or
a ``client_secret=...`` form field to the file, whatever logged it. Nothing happens at import:
``configure_logging`` sets things up and the returned handle takes them down again.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, TextIO
from urllib.parse import quote, quote_plus

from desktop_app import APP_NAME

LOG_FILE_NAME: Final = "backup-status-monitor.log"
MAX_BYTES: Final = 2 * 1024 * 1024
BACKUP_COUNT: Final = 5
MASK: Final = "***"
FORMAT: Final = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"
MIN_SECRET_LENGTH: Final = 4  # masking shorter strings would mangle ordinary words

_VALUE = r"""[^\s'"&,;}\]]+"""
_PATTERNS: Final = (
    # Authorization header values: "OAuth <token>", "Bearer <token>" (any case, also in reprs).
    re.compile(r"(\b(?:OAuth|Bearer)\s+)" + _VALUE, re.IGNORECASE),
    # An Authorization value in another scheme (or none).
    re.compile(r"""(\bauthorization["']?\s*[:=]\s*["']?)(?!OAuth\b|Bearer\b)""" + _VALUE, re.I),
    # Form fields, query parameters and JSON/dict entries holding a secret.
    re.compile(
        r"""(\b(?:client_secret|access_token|refresh_token|password|api_key)["']?\s*[:=]\s*["']?)"""
        + _VALUE,
        re.IGNORECASE,
    ),
)


def default_log_dir() -> Path:
    """Where the platform keeps per-user logs (``%LOCALAPPDATA%\\...\\Logs``, ``~/Library/Logs``,
    ``~/.local/state/.../log``)."""
    import platformdirs

    return platformdirs.user_log_path(APP_NAME, appauthor=False)


def default_data_dir() -> Path:
    import platformdirs

    return platformdirs.user_data_path(APP_NAME, appauthor=False)


class SecretRedactor:
    """Masks registered secrets (and their URL-encoded forms) and secret-shaped patterns.

    Thread-safe: secrets are registered on the GUI thread while worker threads log.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()

    def add(self, *secrets: str | None) -> None:
        """Register values to mask from now on; ``None`` and very short values are ignored."""
        forms: set[str] = set()
        for secret in secrets:
            if secret is None or len(secret) < MIN_SECRET_LENGTH:
                continue
            forms.update({secret, quote_plus(secret), quote(secret, safe="")})
        with self._lock:
            merged = set(self._secrets) | forms
            # Longest first, so a secret containing another is masked whole.
            self._secrets = tuple(sorted(merged, key=len, reverse=True))

    def redact(self, text: str) -> str:
        for secret in self._secrets:  # the tuple is replaced, never mutated: no lock needed
            if secret in text:
                text = text.replace(secret, MASK)
        for pattern in _PATTERNS:
            text = pattern.sub(rf"\g<1>{MASK}", text)
        return text


class RedactingFormatter(logging.Formatter):
    """Formats the whole record (traceback included), then masks secrets in the result."""

    def __init__(self, redactor: SecretRedactor, fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self.redactor.redact(super().format(record))


@dataclass
class LoggingHandle:
    """What ``configure_logging`` set up; ``close()`` restores the logger as it was."""

    log_dir: Path
    log_file: Path
    debug: bool
    redactor: SecretRedactor
    logger: logging.Logger
    handlers: list[logging.Handler] = field(default_factory=list)
    previous_level: int = logging.WARNING

    def add_secret(self, *secrets: str | None) -> None:
        self.redactor.add(*secrets)

    def close(self) -> None:
        for handler in self.handlers:
            self.logger.removeHandler(handler)
            handler.close()
        self.handlers.clear()
        self.logger.setLevel(self.previous_level)


def configure_logging(
    log_dir: Path,
    debug: bool = False,
    *,
    stream: TextIO | None = None,
    logger: logging.Logger | None = None,
    redactor: SecretRedactor | None = None,
) -> LoggingHandle:
    """Log to ``log_dir/backup-status-monitor.log`` (rotated at 2 MB, 5 kept) and, if given, to
    ``stream``. INFO by default, DEBUG with ``debug``. ``logger`` defaults to the root logger so
    library messages (requests, urllib3) pass through the same redaction."""
    target = logger if logger is not None else logging.getLogger()
    redactor = redactor if redactor is not None else SecretRedactor()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / LOG_FILE_NAME
    level = logging.DEBUG if debug else logging.INFO
    formatter = RedactingFormatter(redactor)
    file_handler = logging.handlers.RotatingFileHandler(
        log_file, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    handlers: list[logging.Handler] = [file_handler]
    if stream is not None:
        handlers.append(logging.StreamHandler(stream))
    handle = LoggingHandle(log_dir, log_file, debug, redactor, target, previous_level=target.level)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.setLevel(level)
        target.addHandler(handler)
        handle.handlers.append(handler)
    target.setLevel(level)
    return handle
