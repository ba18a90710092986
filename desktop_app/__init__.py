"""Backup Status Monitor: a desktop monitor for the Intronis partner Backup Status Report."""

from importlib.metadata import PackageNotFoundError, version


def app_version() -> str:
    """The installed distribution's version; read from metadata so frozen builds stay truthful."""
    try:
        return version("backup-status-monitor")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


APP_NAME = "Backup Status Monitor"
