"""The user's settings: one typed, validated schema, stored in any string-keyed mapping.

Qt-free on purpose: the GUI adapts ``QSettings`` to a ``MutableMapping`` and the rules (defaults,
ranges, what counts as valid) live here, where plain unit tests reach them. Loading never fails:
a value that is missing, unreadable or out of range falls back to its default and is logged as a
warning, so a damaged settings file can never stop the app from starting.

Nothing secret belongs here (secrets live in the OS keyring), which is why a proxy address with
a password in it is refused rather than stored.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import requests

from desktop_app.report.diff import DEFAULT_NOTIFY_KINDS, ChangeKind
from desktop_app.report.escalation import EscalationRule
from desktop_app.report.quiet_hours import QuietHours

log = logging.getLogger(__name__)

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


@dataclass(frozen=True, slots=True)
class AppSettings:
    """Every user setting with its default. Build variants with ``dataclasses.replace``."""

    refresh_minutes: int = 15
    stale_hours: int = 26
    history_days: int = 90
    notify_kinds: frozenset[str] = field(default_factory=lambda: frozenset(DEFAULT_NOTIFY_KINDS))
    start_at_login: bool = False
    csv_delimiter: str = ","
    csv_bom: bool = True
    proxy_mode: str = "system"
    proxy_url: str = ""
    trust_mode: str = "system"
    ca_bundle: str = ""
    connect_timeout: int = 10
    read_timeout: int = 60
    fetch_deadline_minutes: int = 5  # a whole fetch, however slowly the bytes come
    time_mode: str = "local"
    ticket_address: str = ""
    escalation_runs: int = 3
    escalation_days: int = 0
    quiet_enabled: bool = False
    quiet_start: str = "22:00"
    quiet_end: str = "07:00"
    quiet_days: frozenset[str] = frozenset(WEEKDAYS)
    # Partners watched besides the signed-in one (same sign-in), and whether every partner's
    # sub-partners are watched too (``api.partner_view``).
    other_partners: tuple[str, ...] = ()
    include_subpartners: bool = False

    @property
    def refresh_seconds(self) -> float:
        return self.refresh_minutes * 60.0

    @property
    def fetch_deadline(self) -> float:
        """Seconds a whole fetch may take (``api.client`` ends it after that)."""
        return self.fetch_deadline_minutes * 60.0

    @property
    def stale_after(self) -> timedelta:
        return timedelta(hours=self.stale_hours)

    @property
    def history_retention(self) -> timedelta:
        return timedelta(days=self.history_days)

    @property
    def notify_change_kinds(self) -> frozenset[ChangeKind]:
        return frozenset(ChangeKind(k) for k in self.notify_kinds)

    @property
    def escalation(self) -> EscalationRule:
        """When a failing set counts as a repeated failure (both 0: never)."""
        return EscalationRule(self.escalation_runs, self.escalation_days)

    @property
    def quiet_hours(self) -> QuietHours:
        """When notifications wait (call on valid settings: the times are checked)."""
        return QuietHours(
            self.quiet_enabled,
            time.fromisoformat(self.quiet_start),
            time.fromisoformat(self.quiet_end),
            frozenset(int(d) for d in self.quiet_days),
        )

    def errors(self) -> dict[str, str]:
        """Field name -> what is wrong with it, in words for a label next to the field."""
        problems: dict[str, str] = {}
        for spec in SCHEMA:
            message = spec.check(getattr(self, spec.name))
            if message:
                problems[spec.name] = message
        for name, message in _cross_field_errors(self).items():
            problems.setdefault(name, message)
        return problems


# --- checks on typed values ------------------------------------------------------------------


def _in_bounds(name: str, unit: str) -> Callable[[object], str | None]:
    bounds = BOUNDS[name]

    def check(value: object) -> str | None:
        if not isinstance(value, int) or isinstance(value, bool):
            return "Must be a whole number."
        if not bounds.low <= value <= bounds.high:
            return f"Must be between {bounds.low} and {bounds.high} {unit}."
        return None

    return check


def _one_of(choices: tuple[str, ...]) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        return None if value in choices else f"Must be one of: {', '.join(choices)}."

    return check


def _is_bool(value: object) -> str | None:
    return None if isinstance(value, bool) else "Must be on or off."


def _known_kinds(value: object) -> str | None:
    if not isinstance(value, frozenset):
        return "Must be a set of notification kinds."
    unknown = sorted(str(v) for v in value if v not in set(ChangeKind))
    return f"Unknown notification kinds: {', '.join(unknown)}." if unknown else None


def _clock_time(value: object) -> str | None:
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        return "Must be a time like 22:00."
    try:
        time.fromisoformat(value)
    except ValueError:
        return "Must be a time like 22:00."
    return None


def _weekdays(value: object) -> str | None:
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


def _cross_field_errors(settings: AppSettings) -> dict[str, str]:
    problems: dict[str, str] = {}
    if settings.proxy_mode == "manual":
        message = proxy_url_problem(settings.proxy_url)
        if message:
            problems["proxy_url"] = message
    if settings.trust_mode == "custom":
        message = ca_bundle_problem(settings.ca_bundle)
        if message:
            problems["ca_bundle"] = message
    return problems


# --- raw store values -> typed values ---------------------------------------------------------


def _parse_int(raw: object) -> int:
    if isinstance(raw, bool):
        raise ValueError("not a number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str):
        return int(raw.strip())
    raise ValueError("not a number")


def _parse_bool(raw: object) -> bool:
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


def _parse_str(raw: object) -> str:
    if isinstance(raw, str):
        return raw
    raise ValueError("not text")


def _parse_kinds(raw: object) -> frozenset[str]:
    """Stored as comma-separated text (``""`` is a valid empty choice); lists are accepted too."""
    if isinstance(raw, str):
        items = [p.strip() for p in raw.split(",")]
    elif isinstance(raw, list | tuple):
        items = [str(p).strip() for p in raw]
    else:
        raise ValueError("not a list")
    return frozenset(p for p in items if p)


def _parse_partners(raw: object) -> tuple[str, ...]:
    """Stored as comma-separated text, in the order given; lists are accepted too."""
    if isinstance(raw, str):
        return partner_names(raw)
    if isinstance(raw, list | tuple):
        return tuple(str(p).strip() for p in raw if str(p).strip())
    raise ValueError("not a list")


def _dump_partners(value: object) -> str:
    assert isinstance(value, tuple)
    return ",".join(value)


def _dump_kinds(value: object) -> str:
    assert isinstance(value, frozenset)
    return ",".join(sorted(str(v) for v in value))


def _dump_plain(value: object) -> object:
    return value


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How one field is stored: its key, raw->typed parsing, typed check, typed->stored."""

    name: str
    key: str
    parse: Callable[[object], Any]
    check: Callable[[object], str | None]
    dump: Callable[[object], object] = _dump_plain


SCHEMA: Final[tuple[FieldSpec, ...]] = (
    FieldSpec(
        "refresh_minutes",
        "refresh/interval_minutes",
        _parse_int,
        _in_bounds("refresh_minutes", "minutes"),
    ),
    FieldSpec(
        "stale_hours", "report/stale_after_hours", _parse_int, _in_bounds("stale_hours", "hours")
    ),
    FieldSpec("history_days", "history/keep_days", _parse_int, _in_bounds("history_days", "days")),
    FieldSpec("notify_kinds", "notify/kinds", _parse_kinds, _known_kinds, _dump_kinds),
    FieldSpec("start_at_login", "general/start_at_login", _parse_bool, _is_bool),
    # The export controller reads these two keys directly.
    FieldSpec("csv_delimiter", "export/delimiter", _parse_str, _one_of(DELIMITER_CHOICES)),
    FieldSpec("csv_bom", "export/bom", _parse_bool, _is_bool),
    FieldSpec("proxy_mode", "network/proxy_mode", _parse_str, _one_of(PROXY_MODES)),
    FieldSpec("proxy_url", "network/proxy_url", _parse_str, lambda v: None),
    FieldSpec("trust_mode", "network/trust", _parse_str, _one_of(TRUST_MODES)),
    FieldSpec("ca_bundle", "network/ca_bundle", _parse_str, lambda v: None),
    FieldSpec(
        "connect_timeout",
        "network/connect_timeout_seconds",
        _parse_int,
        _in_bounds("connect_timeout", "seconds"),
    ),
    FieldSpec(
        "read_timeout",
        "network/read_timeout_seconds",
        _parse_int,
        _in_bounds("read_timeout", "seconds"),
    ),
    FieldSpec(
        "fetch_deadline_minutes",
        "network/fetch_deadline_minutes",
        _parse_int,
        _in_bounds("fetch_deadline_minutes", "minutes"),
    ),
    FieldSpec("time_mode", "display/times", _parse_str, _one_of(TIME_MODES)),
    FieldSpec("ticket_address", "tickets/address", _parse_str, ticket_address_problem),
    FieldSpec(
        "escalation_runs",
        "alerts/escalation_runs",
        _parse_int,
        _in_bounds("escalation_runs", "failed runs"),
    ),
    FieldSpec(
        "escalation_days",
        "alerts/escalation_days",
        _parse_int,
        _in_bounds("escalation_days", "days"),
    ),
    FieldSpec("quiet_enabled", "notify/quiet_hours", _parse_bool, _is_bool),
    FieldSpec("quiet_start", "notify/quiet_start", _parse_str, _clock_time),
    FieldSpec("quiet_end", "notify/quiet_end", _parse_str, _clock_time),
    FieldSpec("quiet_days", "notify/quiet_days", _parse_kinds, _weekdays, _dump_kinds),
    FieldSpec(
        "other_partners",
        "partners/others",
        _parse_partners,
        other_partners_problem,
        _dump_partners,
    ),
    FieldSpec("include_subpartners", "partners/include_subpartners", _parse_bool, _is_bool),
)

# Cross-field fallbacks: when the dependent field is unusable, the mode goes back to its default.
_MODE_OF = {"proxy_url": "proxy_mode", "ca_bundle": "trust_mode"}


def load_settings(store: Mapping[str, object]) -> AppSettings:
    """The settings in ``store``; each unusable value is replaced by its default and logged."""
    defaults = AppSettings()
    values: dict[str, object] = {}
    for spec in SCHEMA:
        raw = store.get(spec.key)
        if raw is None:
            continue
        try:
            value = spec.parse(raw)
        except (ValueError, TypeError):
            _warn(spec.key, "it cannot be read", getattr(defaults, spec.name))
            continue
        problem = spec.check(value)
        if problem:
            _warn(spec.key, problem.rstrip("."), getattr(defaults, spec.name))
            continue
        values[spec.name] = value
    settings = dataclasses.replace(defaults, **values)  # type: ignore[arg-type]
    if "notify_kinds" in values:
        settings = _with_kinds_added_since(settings, store.get(_KINDS_OFFERED_KEY))
    for name, problem in _cross_field_errors(settings).items():
        mode = _MODE_OF[name]
        _warn(_key_of(mode), f"{name}: {problem.rstrip('.')}", getattr(defaults, mode))
        settings = dataclasses.replace(settings, **{mode: getattr(defaults, mode)})
    return settings


def save_settings(settings: AppSettings, store: MutableMapping[str, object]) -> None:
    """Write every field; raises ValueError (naming the fields) if ``settings`` is invalid."""
    problems = settings.errors()
    if problems:
        raise ValueError(f"invalid settings: {', '.join(sorted(problems))}")
    for spec in SCHEMA:
        store[spec.key] = spec.dump(getattr(settings, spec.name))
    store[_KINDS_OFFERED_KEY] = _dump_kinds(frozenset(kind.value for kind in ChangeKind))


# A kind of change added after an admin saved their notification choice is on (when it is on by
# default): their list never had the chance to include it. So a save also lists the kinds it
# offered; a file without that list was saved when only the first six existed.
_KINDS_OFFERED_KEY = "notify/kinds_offered"
_FIRST_KINDS = frozenset(
    {"new_failure", "new_warning", "recovered", "newly_stale", "newly_missing", "fetch_failed"}
)


def _with_kinds_added_since(settings: AppSettings, raw_offered: object) -> AppSettings:
    try:
        offered = _FIRST_KINDS if raw_offered is None else _parse_kinds(raw_offered)
    except ValueError:
        offered = _FIRST_KINDS
    added = {kind.value for kind in DEFAULT_NOTIFY_KINDS} - offered
    if not added:
        return settings
    return dataclasses.replace(settings, notify_kinds=settings.notify_kinds | added)


def _key_of(name: str) -> str:
    return next(spec.key for spec in SCHEMA if spec.name == name)


def _warn(key: str, reason: str, default: object) -> None:
    # The stored value itself is not logged: it is user data of unknown shape.
    log.warning("Setting %s is unusable (%s); using the default %r", key, reason, default)


# --- the network settings applied to HTTP -----------------------------------------------------


def build_session(settings: AppSettings) -> requests.Session:
    """A ``requests.Session`` with the proxy and certificate trust the settings ask for.

    Trust "system" verifies with the OS trust store through ``truststore`` (what corporate
    TLS-inspecting proxies install their root into); without ``truststore`` it falls back to
    certifi's bundle. "custom" verifies with the chosen PEM file only.
    """
    session = requests.Session()
    if settings.proxy_mode == "manual":
        url = settings.proxy_url.strip()
        url = url if "://" in url else f"http://{url}"
        session.trust_env = False  # environment proxies must not override the chosen one
        session.proxies = {"http": url, "https": url}
    elif settings.proxy_mode == "none":
        session.trust_env = False
    if settings.trust_mode == "custom":
        session.verify = str(Path(settings.ca_bundle.strip()).expanduser())
    else:
        adapter = _truststore_adapter()
        if adapter is not None:
            session.mount("https://", adapter)
    return session


def _truststore_adapter() -> requests.adapters.HTTPAdapter | None:
    try:
        import ssl

        import truststore
    except ImportError:
        log.info("truststore is not installed; verifying certificates with certifi's bundle")
        return None
    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return _ContextAdapter(context)


class _ContextAdapter(requests.adapters.HTTPAdapter):
    """Verifies https with a given SSLContext (requests uses its pool's context when set)."""

    def __init__(self, context: Any) -> None:
        self._context = context
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        kwargs["ssl_context"] = self._context
        return super().proxy_manager_for(proxy, **kwargs)
