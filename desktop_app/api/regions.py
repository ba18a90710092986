"""Where the Intronis API lives: the two documented regions, or a custom base URL.

Every base URL is checked once, here: https is required, except plain http to a loopback host
(the demo server and tests), so a typo can never send a token over the network in clear text.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

TOKEN_PATH = "/oauth2/token"


class Region(StrEnum):
    """The documented data centres. Values are stable: they are stored in settings."""

    NORTH_AMERICA = "north_america"
    EMEA = "emea"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {Region.NORTH_AMERICA: "North America", Region.EMEA: "EMEA"}


def is_loopback_host(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1: traffic that never leaves this machine."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def normalize_base_url(url: str, *, what: str = "API address") -> str:
    """``url`` without trailing slashes, or ValueError saying plainly what is wrong with it."""
    text = url.strip()
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"The {what} '{text}' is not a web address (expected https://host).")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"The {what} must not contain a user name or password.")
    if parts.query or parts.fragment:
        raise ValueError(f"The {what} '{text}' must not contain '?' or '#' parts.")
    try:
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise ValueError(f"The {what} '{text}' has an invalid port.") from None
    if scheme == "http" and not is_loopback_host(parts.hostname):
        raise ValueError(
            f"The {what} '{text}' uses plain http, which would send credentials unencrypted; "
            "use https:// (plain http is allowed only for this computer: localhost, 127.0.0.1, "
            "::1)."
        )
    path = parts.path.rstrip("/")
    return f"{scheme}://{parts.netloc.lower()}{path}"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """The API base URL and the OAuth (token) base URL, validated and without trailing slashes."""

    api_base: str
    auth_base: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "api_base", normalize_base_url(self.api_base))
        auth = normalize_base_url(self.auth_base, what="sign-in (auth) address")
        if auth.endswith(TOKEN_PATH):  # accept the full token URL as well as its base
            auth = auth[: -len(TOKEN_PATH)]
        object.__setattr__(self, "auth_base", auth)

    @property
    def token_url(self) -> str:
        return f"{self.auth_base}{TOKEN_PATH}"

    @property
    def api_host(self) -> str:
        """``host[:port]`` of the API; names the keyring entry ``{username}@{api_host}``."""
        return urlsplit(self.api_base).netloc

    @property
    def region(self) -> Region | None:
        """The documented region this endpoint is, or None for a custom one."""
        for region, endpoint in _REGION_ENDPOINTS.items():
            if endpoint == self:
                return region
        return None


_REGION_ENDPOINTS: dict[Region, Endpoint] = {
    Region.NORTH_AMERICA: Endpoint("https://api.intronis.com", "https://auth.intronis.com"),
    Region.EMEA: Endpoint("https://api.echo.intronis.com", "https://auth.echo.intronis.com"),
}


def endpoint_for_region(region: Region | str) -> Endpoint:
    """The documented hosts of ``region`` (a Region or its stored value)."""
    return _REGION_ENDPOINTS[Region(region)]


def custom_endpoint(base_url: str, auth_url: str | None = None) -> Endpoint:
    """An endpoint for a non-standard server; tokens come from the API's own origin by default."""
    api_base = normalize_base_url(base_url)
    if auth_url is None or not auth_url.strip():
        parts = urlsplit(api_base)
        auth_url = f"{parts.scheme}://{parts.netloc}"
    return Endpoint(api_base, auth_url)
