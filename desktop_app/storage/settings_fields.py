"""How each settings field is read, checked and written, and the limits it is checked against.

Split from ``storage.settings`` (which assembles these into the schema and loads and saves it) so
the per-field rules (ranges, choices, parsers of stored text, the checks whose messages the
Settings dialog shows under a field) read as one list, apart from the load/save machinery.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from desktop_app.report.diff import ChangeKind

DELIMITER_CHOICES: Final = (",", ";", "tab")  # what export.csv_writer.resolve_delimiter accepts
PROXY_MODES: Final = ("system", "manual", "none")
TRUST_MODES: Final = ("system", "custom")
PROXY_SCHEMES: Final = ("http", "https", "socks5", "socks5h")
MAX_OTHER_PARTNERS: Final = 50  # partner usernames watched besides the signed-in one
TIME_MODES: Final = ("local", "computer")
"""Report times in the admin's own zone, or on each backup computer's clock (``ui.time_format``)."""


@dataclass(frozen=True, slots=True)
class Bounds:
    low: int
    high: int


BOUNDS: Final[dict[str, Bounds]] = {
    "refresh_minutes": Bounds(1, 24 * 60),
    "stale_hours": Bounds(1, 30 * 24),
    "history_days": Bounds(7, 10 * 366),
    "connect_timeout": Bounds(1, 120),
    "read_timeout": Bounds(5, 600),
    "fetch_deadline_minutes": Bounds(1, 60),
    "escalation_runs": Bounds(0, 50),  # 0: not by runs
    "escalation_days": Bounds(0, 60),  # 0: not by days
}
WEEKDAYS: Final = ("0", "1", "2", "3", "4", "5", "6")  # Monday first, as datetime.weekday()


# --- checks on typed values ------------------------------------------------------------------


def in_bounds(name: str, unit: str) -> Callable[[object], str | None]:
    bounds = BOUNDS[name]

    def check(value: object) -> str | None:
        if not isinstance(value, int) or isinstance(value, bool):
            return "Must be a whole number."
        if not bounds.low <= value <= bounds.high:
            return f"Must be between {bounds.low} and {bounds.high} {unit}."
        return None

    return check


def one_of(choices: tuple[str, ...]) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        return None if value in choices else f"Must be one of: {', '.join(choices)}."

    return check


def is_bool(value: object) -> str | None:
    return None if isinstance(value, bool) else "Must be on or off."


def known_kinds(value: object) -> str | None:
    if not isinstance(value, frozenset):
        return "Must be a set of notification kinds."
    unknown = sorted(str(v) for v in value if v not in set(ChangeKind))
    return f"Unknown notification kinds: {', '.join(unknown)}." if unknown else None


def clock_time(value: object) -> str | None:
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        return "Must be a time like 22:00."
    try:
        time.fromisoformat(value)
    except ValueError:
        return "Must be a time like 22:00."
    return None


def known_weekdays(value: object) -> str | None:
    if not isinstance(value, frozenset) or not value <= frozenset(WEEKDAYS):
        return "Must be days of the week."
    return None


def partner_names(text: str) -> tuple[str, ...]:
    """Partner usernames typed as one text: separated by commas, semicolons or white space."""
    for separator in ",;":
        text = text.replace(separator, " ")
    return tuple(text.split())


def other_partners_problem(value: object) -> str | None:
    """Why ``value`` cannot be the partners watched besides the signed-in one, or None."""
    if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
        return "Must be a list of partner usernames."
    if len(value) > MAX_OTHER_PARTNERS:
        return f"At most {MAX_OTHER_PARTNERS} partner usernames."
    odd = [v for v in value if not v or any(c.isspace() or c in ",;/?#%" for c in v)]
    if odd:
        return f"Not a partner username: {odd[0]!r}. Separate usernames with commas."
    if len(set(value)) != len(value):
        return "Each partner username once."
    return None


def ticket_address_problem(value: object) -> str | None:
    """Why ``value`` cannot be the ticket e-mail address (empty means "none set"), or None."""
    if not isinstance(value, str):
        return "Must be text."
    text = value.strip()
    if not text:
        return None
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() or c in '<>,;"' for c in text):
        return "Enter one e-mail address, e.g. support@psa.example.com."
    return None


def proxy_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be used as a proxy address, or None. Never echoes the address."""
    text = url.strip()
    if not text:
        return "Enter the proxy address, e.g. http://proxy.example.com:8080."
    parts = urlsplit(text if "://" in text else f"http://{text}")
    if parts.scheme.lower() not in PROXY_SCHEMES:
        return f"The proxy address must start with {', '.join(s + '://' for s in PROXY_SCHEMES)}."
    if not parts.hostname:
        return "The proxy address has no host name."
    if parts.username is not None or parts.password is not None:
        return (
            "Leave the user name and password out of the proxy address: settings are stored "
            "in plain text."
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return "The proxy address has an invalid port."
    return None


def ca_bundle_problem(path: str) -> str | None:
    """Why ``path`` cannot be used as a CA bundle (PEM file), or None."""
    text = path.strip()
    if not text:
        return "Choose a CA bundle file (PEM)."
    candidate = Path(text).expanduser()
    if not candidate.is_file():
        return "That file does not exist."
    return None


# --- raw store values -> typed values, and back ------------------------------------------------


def parse_int(raw: object) -> int:
    if isinstance(raw, bool):
        raise ValueError("not a number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str):
        return int(raw.strip())
    raise ValueError("not a number")


def parse_bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in ("true", "1", "yes", "on"):
            return True
        if text in ("false", "0", "no", "off"):
            return False
    raise ValueError("not true or false")


def parse_str(raw: object) -> str:
    if isinstance(raw, str):
        return raw
    raise ValueError("not text")


def parse_kinds(raw: object) -> frozenset[str]:
    """Stored as comma-separated text (``""`` is a valid empty choice); lists are accepted too."""
    if isinstance(raw, str):
        items = [p.strip() for p in raw.split(",")]
    elif isinstance(raw, list | tuple):
        items = [str(p).strip() for p in raw]
    else:
        raise ValueError("not a list")
    return frozenset(p for p in items if p)


def parse_partners(raw: object) -> tuple[str, ...]:
    """Stored as comma-separated text, in the order given; lists are accepted too."""
    if isinstance(raw, str):
        return partner_names(raw)
    if isinstance(raw, list | tuple):
        return tuple(str(p).strip() for p in raw if str(p).strip())
    raise ValueError("not a list")


def dump_partners(value: object) -> str:
    assert isinstance(value, tuple)
    return ",".join(value)


def dump_kinds(value: object) -> str:
    assert isinstance(value, frozenset)
    return ",".join(sorted(str(v) for v in value))


def dump_plain(value: object) -> object:
    return value
