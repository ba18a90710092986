"""Small HTTP facts shared by the token provider and the report client."""

from __future__ import annotations

from urllib.parse import urlsplit

from desktop_app import app_version

DEFAULT_PORTS = {"http": 80, "https": 443}
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def user_agent() -> str:
    return f"BackupStatusMonitor/{app_version()}"


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) with the default port filled in: what credentials are bound to."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or DEFAULT_PORTS.get(scheme, 0)
    return (scheme, (parts.hostname or "").lower(), port)


def host_of(url: str) -> str:
    """``host[:port]`` for messages."""
    return urlsplit(url).netloc or url
