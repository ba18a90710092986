"""The log file: where it goes, levels, rotation, clean teardown, and redaction of secrets."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from desktop_app.logging_setup import (
    BACKUP_COUNT,
    LOG_FILE_NAME,
    SecretRedactor,
    configure_logging,
    default_data_dir,
    default_log_dir,
)

SECRET = "Sup3r/Secret+Value=="
TOKEN = "tok_AbC123xyz789"


@pytest.fixture
def logger() -> logging.Logger:
    """A private logger, so the test neither sees nor changes the root logger's handlers."""
    log = logging.getLogger("bsm-test-logging-setup")
    log.propagate = False
    return log


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_info_by_default_and_debug_with_the_flag(tmp_path: Path, logger: logging.Logger) -> None:
    handle = configure_logging(tmp_path / "logs", logger=logger)
    logger.debug("hidden detail")
    logger.info("visible fact")
    handle.close()
    text = read(tmp_path / "logs" / LOG_FILE_NAME)
    assert "visible fact" in text and "hidden detail" not in text

    handle = configure_logging(tmp_path / "logs", debug=True, logger=logger)
    logger.debug("now shown")
    handle.close()
    assert "now shown" in read(handle.log_file)


def test_close_restores_the_logger(tmp_path: Path, logger: logging.Logger) -> None:
    logger.setLevel(logging.ERROR)
    before = list(logger.handlers)
    handle = configure_logging(tmp_path, debug=True, logger=logger)
    assert logger.level == logging.DEBUG
    assert [h for h in logger.handlers if h not in before] == handle.handlers
    handle.close()
    assert logger.level == logging.ERROR and logger.handlers == before


def test_the_file_rotates(tmp_path: Path, logger: logging.Logger) -> None:
    handle = configure_logging(tmp_path, logger=logger)
    file_handler = handle.handlers[0]
    assert isinstance(file_handler, logging.handlers.RotatingFileHandler)
    file_handler.maxBytes = 2000  # rotate quickly for the test
    for i in range(200):
        logger.info("line %d %s", i, "x" * 40)
    handle.close()
    rotated = sorted(p.name for p in tmp_path.iterdir())
    assert rotated[0] == LOG_FILE_NAME
    assert len(rotated) == 1 + BACKUP_COUNT


def test_registered_secrets_and_secret_patterns_are_masked(
    tmp_path: Path, logger: logging.Logger
) -> None:
    import io

    stream = io.StringIO()
    handle = configure_logging(tmp_path, debug=True, logger=logger, stream=stream)
    handle.add_secret(SECRET, None, "ab")  # None and too-short values are ignored
    logger.info("kept: ab")
    logger.debug("form body client_id=cid&client_secret=%s&scope=partners_read", "form-value-9")
    logger.debug("headers %s", {"Authorization": f"OAuth {TOKEN}", "Accept": "application/json"})
    logger.debug('reply {"access_token": "%s", "expires_in": "3600"}', TOKEN)
    logger.info("the secret is %s, url-encoded %s", SECRET, "Sup3r%2FSecret%2BValue%3D%3D")
    try:
        raise ValueError(f"failed with Bearer {TOKEN} and {SECRET}")
    except ValueError:
        logger.exception("traceback follows")
    handle.close()
    for text in (read(handle.log_file), stream.getvalue()):
        assert SECRET not in text and TOKEN not in text and "form-value-9" not in text
        assert "Sup3r%2FSecret" not in text
        assert "client_secret=***&scope=partners_read" in text
        assert "'OAuth ***'" in text
        assert '"access_token": "***", "expires_in": "3600"' in text
        assert "ValueError: failed with Bearer *** and ***" in text
        assert "kept: ab" in text  # short values were not registered, words stay intact


def test_redactor_masks_longer_secrets_first() -> None:
    redactor = SecretRedactor()
    redactor.add("abcd", "abcdefgh")
    assert redactor.redact("x abcdefgh y abcd") == "x *** y ***"


def test_platform_folders_are_per_user_and_named_after_the_app() -> None:
    assert "Backup Status Monitor" in str(default_log_dir())
    assert "Backup Status Monitor" in str(default_data_dir())
    assert default_log_dir() != default_data_dir()


def test_nothing_is_configured_at_import() -> None:
    import importlib

    import desktop_app.logging_setup as module

    root = logging.getLogger()
    before = list(root.handlers)
    importlib.reload(module)
    assert root.handlers == before
