"""The user's settings: one typed, validated schema, stored in any string-keyed mapping.

Qt-free on purpose: the GUI adapts ``QSettings`` to a ``MutableMapping`` and the rules (defaults,
ranges, what counts as valid) live here and in ``storage.settings_fields`` (each field's parser,
check and limits), where plain unit tests reach them. Loading never fails: a value that is
missing, unreadable or out of range falls back to its default and is logged as a warning, so a
damaged settings file can never stop the app from starting.

Nothing secret belongs here (secrets live in the OS keyring), which is why a proxy address with
a password in it is refused rather than stored.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any, Final

from desktop_app.report.diff import DEFAULT_NOTIFY_KINDS, ChangeKind
from desktop_app.report.escalation import EscalationRule
from desktop_app.report.quiet_hours import QuietHours
from desktop_app.storage.settings_fields import (
    DELIMITER_CHOICES,
    PROXY_MODES,
    TIME_MODES,
    TRUST_MODES,
    WEEKDAYS,
    ca_bundle_problem,
    clock_time,
    dump_kinds,
    dump_partners,
    dump_plain,
    in_bounds,
    is_bool,
    known_kinds,
    known_weekdays,
    one_of,
    other_partners_problem,
    parse_bool,
    parse_int,
    parse_kinds,
    parse_partners,
    parse_str,
    proxy_url_problem,
    ticket_address_problem,
)

log = logging.getLogger(__name__)


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


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How one field is stored: its key, raw->typed parsing, typed check, typed->stored."""

    name: str
    key: str
    parse: Callable[[object], Any]
    check: Callable[[object], str | None]
    dump: Callable[[object], object] = dump_plain


SCHEMA: Final[tuple[FieldSpec, ...]] = (
    FieldSpec(
        "refresh_minutes",
        "refresh/interval_minutes",
        parse_int,
        in_bounds("refresh_minutes", "minutes"),
    ),
    FieldSpec(
        "stale_hours", "report/stale_after_hours", parse_int, in_bounds("stale_hours", "hours")
    ),
    FieldSpec("history_days", "history/keep_days", parse_int, in_bounds("history_days", "days")),
    FieldSpec("notify_kinds", "notify/kinds", parse_kinds, known_kinds, dump_kinds),
    FieldSpec("start_at_login", "general/start_at_login", parse_bool, is_bool),
    # The export controller reads these two keys directly.
    FieldSpec("csv_delimiter", "export/delimiter", parse_str, one_of(DELIMITER_CHOICES)),
    FieldSpec("csv_bom", "export/bom", parse_bool, is_bool),
    FieldSpec("proxy_mode", "network/proxy_mode", parse_str, one_of(PROXY_MODES)),
    FieldSpec("proxy_url", "network/proxy_url", parse_str, lambda v: None),
    FieldSpec("trust_mode", "network/trust", parse_str, one_of(TRUST_MODES)),
    FieldSpec("ca_bundle", "network/ca_bundle", parse_str, lambda v: None),
    FieldSpec(
        "connect_timeout",
        "network/connect_timeout_seconds",
        parse_int,
        in_bounds("connect_timeout", "seconds"),
    ),
    FieldSpec(
        "read_timeout",
        "network/read_timeout_seconds",
        parse_int,
        in_bounds("read_timeout", "seconds"),
    ),
    FieldSpec(
        "fetch_deadline_minutes",
        "network/fetch_deadline_minutes",
        parse_int,
        in_bounds("fetch_deadline_minutes", "minutes"),
    ),
    FieldSpec("time_mode", "display/times", parse_str, one_of(TIME_MODES)),
    FieldSpec("ticket_address", "tickets/address", parse_str, ticket_address_problem),
    FieldSpec(
        "escalation_runs",
        "alerts/escalation_runs",
        parse_int,
        in_bounds("escalation_runs", "failed runs"),
    ),
    FieldSpec(
        "escalation_days",
        "alerts/escalation_days",
        parse_int,
        in_bounds("escalation_days", "days"),
    ),
    FieldSpec("quiet_enabled", "notify/quiet_hours", parse_bool, is_bool),
    FieldSpec("quiet_start", "notify/quiet_start", parse_str, clock_time),
    FieldSpec("quiet_end", "notify/quiet_end", parse_str, clock_time),
    FieldSpec("quiet_days", "notify/quiet_days", parse_kinds, known_weekdays, dump_kinds),
    FieldSpec(
        "other_partners",
        "partners/others",
        parse_partners,
        other_partners_problem,
        dump_partners,
    ),
    FieldSpec("include_subpartners", "partners/include_subpartners", parse_bool, is_bool),
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
    store[_KINDS_OFFERED_KEY] = dump_kinds(frozenset(kind.value for kind in ChangeKind))


# A kind of change added after an admin saved their notification choice is on (when it is on by
# default): their list never had the chance to include it. So a save also lists the kinds it
# offered; a file without that list was saved when only the first six existed.
_KINDS_OFFERED_KEY = "notify/kinds_offered"
_FIRST_KINDS = frozenset(
    {"new_failure", "new_warning", "recovered", "newly_stale", "newly_missing", "fetch_failed"}
)


def _with_kinds_added_since(settings: AppSettings, raw_offered: object) -> AppSettings:
    try:
        offered = _FIRST_KINDS if raw_offered is None else parse_kinds(raw_offered)
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
