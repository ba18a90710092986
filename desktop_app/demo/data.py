"""Deterministic, realistic demo report rows, and a simulation that makes them change.

The demo has to look like a real MSP's report (many customers, their servers and laptops, a few
failures, some running jobs, the odd set that stopped reporting) and it has to scale to a million
rows, so generation works from precomputed pools, shared ``tzinfo`` objects and cheap
``random.Random`` calls, and each simulation tick touches only the rows it changes.

``report_date`` is not described by the documentation beyond being a date-time; here it is the
UTC midnight of the day the set last reported (its run's end, or start while running).
Computer ids are text with leading zeros (``"0012345"``), the documented shape (``"0000"``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from itertools import compress
from typing import NamedTuple

from desktop_app.demo.showcase import showcase_rows
from desktop_app.report.rows import BackupStatusRow
from desktop_app.report.status import ConditionStatus, ConditionType
from desktop_app.runtime.pacing import unpaced

__all__ = ["DemoData", "TickSummary", "generate_rows"]

# tuple.__new__ skips the NamedTuple's Python-level __new__: twice as fast at a million rows.
_new_row = tuple.__new__
_fromtimestamp = datetime.fromtimestamp

Clock = Callable[[], datetime]

_S = ConditionStatus
_T = ConditionType

# The documented mix: about 80% completed, 8% warning, 7% failure, 4% running; the last 1% is
# completed too, or undocumented statuses when those are switched on.
_P_COMPLETED, _P_WARNING, _P_FAILURE, _P_RUNNING = 0.80, 0.08, 0.07, 0.04
_P_FINISHED = _P_COMPLETED + _P_WARNING + _P_FAILURE  # draws below this are finished runs
_P_UNKNOWN_FROM = _P_FINISHED + _P_RUNNING  # draws from here on: the "other" 1%
_P_STALE = 0.01  # sets whose last run ended days ago
_P_OTHER_TZ = 0.15  # computers not in their customer's time zone

_MINUTE, _HOUR, _DAY = 60, 3600, 86400

# Customer usernames are "<first>-<second>", e.g. "acme-dental", "riverside-law".
_FIRST_WORDS_TEXT = """
    acme riverside summit harbor oakwood pinecrest bluewater northstar redrock silverline
    maple cedar lakeside granite meadow highland westfield eastgate sunrise evergreen
    ironwood brightpath keystone lighthouse crescent horizon foxglove willow stonebridge
    clearview goldcoast parkview bayside hilltop coastal prairie valley alpine canyon
    frontier heritage liberty pioneer union capital metro urban village county central
    midtown uptown orchard birch aspen falcon eagle hawk osprey heron beacon anchor compass
    atlas orion apex vertex zenith nova stellar quantum vector matrix copper cobalt emerald
    sapphire ruby amber ivory onyx jade fairway greenfield brookside millbrook springdale
    rosewood elmwood ashford kingston windsor sterling hampton lancaster dover camden salem
    franklin lincoln madison jefferson monroe tri-county first
"""
_FIRST_WORDS = tuple(_FIRST_WORDS_TEXT.split())
_SECOND_WORDS_TEXT = """
    dental law medical clinic accounting cpa realty insurance logistics freight construction
    builders engineering architects design printing media marketing consulting partners
    group holdings capital finance credit-union bank school academy college library church
    ministries foundation charity vet animal-hospital pharmacy labs manufacturing machining
    plastics foods bakery brewing winery farms nursery landscaping plumbing electric hvac
    roofing auto motors tire transport aviation marine hotel resort restaurants catering
    retail outfitters hardware lumber supply distributors wholesale imports travel fitness
    chiropractic orthodontics eye-care hearing home-care senior-living title surveying
    staffing payroll it
"""
_SECOND_WORDS = tuple(_SECOND_WORDS_TEXT.split())

_FILES, _SQL_EXCHANGE, _OTHER = 0, 1, 2  # which data-specific failure conditions fit a set
_SET_KIND: dict[str, int] = {
    "Files and Folders": _FILES,
    "Finance & HR Shares": _FILES,
    "User Profiles": _FILES,
    "System State": _OTHER,
    "Exchange": _SQL_EXCHANGE,
    "Mailbox": _SQL_EXCHANGE,
    "SQL Server": _SQL_EXCHANGE,
    "Hyper-V": _OTHER,
    "VMware": _OTHER,
    "Image": _OTHER,
}

# (name prefix, zero-padded digits, weight, the backup sets such a computer may have)
_ROLES: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("DC", 2, 8, ("System State", "Files and Folders", "Image")),
    ("FS", 2, 8, ("Files and Folders", "Finance & HR Shares", "System State", "Image")),
    ("SQL", 2, 6, ("SQL Server", "System State", "Files and Folders")),
    ("EXCH", 2, 4, ("Exchange", "Mailbox", "System State")),
    ("MAIL", 2, 3, ("Exchange", "Mailbox")),
    ("HV", 2, 5, ("Hyper-V", "Image", "System State")),
    ("ESX", 2, 3, ("VMware", "Image")),
    ("APP", 2, 5, ("Files and Folders", "System State", "Image")),
    ("LT-", 2, 14, ("Files and Folders", "User Profiles", "Image")),
    ("WS-", 3, 14, ("Files and Folders", "User Profiles", "Image")),
)


def _set_combos(pool: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Every run of 1..4 consecutive set names (wrapping): cheap, varied per-computer sets."""
    size = len(pool)
    return tuple(
        tuple(pool[(start + j) % size] for j in range(k))
        for k in range(1, min(4, size) + 1)
        for start in range(size)
    )


# Weighted choices as flat pools (one entry per unit of weight): one random() per pick.
_ROLE_POOL: tuple[tuple[str, int, tuple[tuple[str, ...], ...]], ...] = tuple(
    (role, digits, _set_combos(sets))
    for role, digits, weight, sets in _ROLES
    for _ in range(weight)
)

# Shared tzinfo objects: one per offset for the whole data set. Weighted toward North America.
_OFFSET_MINUTES = (-480, -420, -360, -300, -240, 0, 60, 120, 330, 480, 600)
_OFFSET_WEIGHTS = (16, 5, 10, 30, 3, 8, 10, 4, 5, 3, 6)
_ZONES = tuple(timezone(timedelta(minutes=m)) for m in _OFFSET_MINUTES)
_ZONE_POOL = tuple(z for z, w in zip(_ZONES, _OFFSET_WEIGHTS, strict=True) for _ in range(w))

# Outcomes: (status, condition types). Tuples are shared by every row that has them.
_COMPLETED_TYPES = (_T.COMPLETED,)
_RUNNING_TYPES = (_T.RUNNING,)
# Repeated entries weight the draw: most warnings are plain WARNINGS, most failures ERRORS.
_WARNING_TYPES: tuple[tuple[str, ...], ...] = (
    *((_T.WARNINGS,),) * 6,
    *((_T.CANCELED,),) * 2,
    (_T.WARNINGS, _T.CANCELED),
    (_T.WARNINGS, _T.NO_DATA_DELETED),
)
_FAILURE_COMMON: tuple[tuple[str, ...], ...] = (
    *((_T.ERRORS,),) * 4,
    *((_T.EXCEPTION,),) * 2,
    *((_T.MISSED,),) * 2,
    (_T.ERRORS, _T.EXCEPTION),
)
_FAILURE_TYPES: dict[int, tuple[tuple[str, ...], ...]] = {
    _FILES: (
        *_FAILURE_COMMON,
        (_T.NO_FILE_DATA_BACKED_UP,),
        (_T.ERRORS, _T.NO_FILE_DATA_BACKED_UP),
    ),
    _SQL_EXCHANGE: (
        *_FAILURE_COMMON,
        (_T.NO_EXCHANGE_OR_SQL_DATA_BACKED_UP,),
        (_T.ERRORS, _T.NO_EXCHANGE_OR_SQL_DATA_BACKED_UP),
    ),
    _OTHER: _FAILURE_COMMON,
}
# Undocumented values, only with ``unknown_statuses=True``: the app must show them, not crash.
_UNKNOWN_OUTCOMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("PAUSED", ("PAUSED",)),
    ("SUSPENDED", ("SUSPENDED",)),
    ("QUEUED", ()),
    (_S.WARNING, (_T.WARNINGS, "QUOTA_NEAR_LIMIT")),
)


class TickSummary(NamedTuple):
    """What one ``DemoData.advance`` did: the new tick number and how many sets it touched."""

    tick: int
    changed: int
    stopped: int


class DemoData:
    """A deterministic, evolving population of backup sets for the demo server.

    The same ``seed``, the same ``now`` values and the same number of ``advance`` calls always
    give the same rows. ``now`` is a callable returning an aware UTC datetime (the wall clock by
    default) or a fixed aware datetime; it is read at creation and by each ``advance`` without
    an explicit time. ``pause`` is called every few dozen rows while generating (a
    ``runtime.pacing.Pacer`` lets a GUI thread in the same process keep the GIL; 100,000
    rows take over a second). ``customer_prefix`` starts every customer username (partners of
    a demo tree have customers of their own). Not thread-safe: the server serialises access.
    """

    def __init__(
        self,
        rows: int = 500,
        *,
        seed: int = 7,
        now: datetime | Clock | None = None,
        unknown_statuses: bool = False,
        pause: Callable[[], None] = unpaced,
        showcase: bool = False,
        customer_prefix: str = "",
    ) -> None:
        if rows < 0:
            raise ValueError("rows must not be negative")
        self._clock: Clock = _as_clock(now)
        self._seed = seed
        self._unknown = unknown_statuses
        self._rng = random.Random(seed)
        self._tick = 0
        self._now_ts = _timestamp(self._clock())
        self._days: dict[int, datetime] = {}
        # Static facts per set, in parallel lists (index = set number).
        self._user: list[str] = []
        self._cid: list[str] = []
        self._cname: list[str] = []
        self._set: list[str] = []
        self._zone: list[timezone] = []
        self._kind: list[int] = []
        self._pause = pause
        self._build_population(rows, customer_prefix)
        self._rows: list[BackupStatusRow] = []
        self._present = bytearray(b"\x01") * rows  # 0 once a set stopped appearing in reports
        self._frozen = bytearray(rows)  # 1 when a set stopped reporting (stale, never changes)
        self._running: dict[int, None] = {}  # insertion-ordered set of running set indices
        self._generate_rows()
        # The rhythm showcase (demo.showcase): fixed rows after the simulated ones.
        self._showcase = showcase_rows(self._clock()) if showcase else ()
        self._snapshot: tuple[BackupStatusRow, ...] | None = None

    @property
    def tick(self) -> int:
        return self._tick

    @property
    def seed(self) -> int:
        return self._seed

    @property
    def now(self) -> datetime:
        """The simulated time of the last tick (aware UTC)."""
        return datetime.fromtimestamp(self._now_ts, UTC)

    def __len__(self) -> int:
        return len(self.rows())

    def rows(self) -> tuple[BackupStatusRow, ...]:
        """The current report rows, in report order (by customer, then computer)."""
        if self._snapshot is None:
            self._snapshot = tuple(compress(self._rows, self._present)) + self._showcase
        return self._snapshot

    def advance(self, now: datetime | None = None) -> TickSummary:
        """Move the simulation one tick: runs finish and start, failures recover, some sets fail.

        Touches about 2% of the sets plus a fifth of the running ones, so a tick at 100,000 rows
        stays in the milliseconds.
        """
        rng = self._rng
        now_ts = max(self._now_ts, _timestamp(now if now is not None else self._clock()))
        self._now_ts = now_ts
        self._tick += 1
        n = len(self._rows)
        changed = stopped = 0
        if n == 0:
            return TickSummary(self._tick, 0, 0)
        # Running jobs finish: a random fifth of them each tick.
        running = list(self._running)
        for i in rng.sample(running, math.ceil(len(running) * 0.2)):
            row = self._rows[i]
            start_ts = _timestamp(row.local_start) if row.local_start is not None else now_ts
            end_ts = max(start_ts + _MINUTE, now_ts - rng.randrange(120))
            self._finish(i, self._draw_finished(rng.random()), start_ts, end_ts)
            changed += 1
        # Other sets run again: most complete, failures tend to recover, some start running.
        frozen, present, rows_ = self._frozen, self._present, self._rows
        for _ in range(max(5, n // 50)):
            i = rng.randrange(n)
            if frozen[i] or not present[i] or i in self._running:
                continue
            if rng.random() < 0.4:
                self._start(i, now_ts - rng.randrange(300))
            else:
                previous = rows_[i].condition_status
                r = rng.random()
                outcome: str
                if previous == _S.FAILURE:  # recoveries outnumber repeats
                    outcome = _S.COMPLETED if r < 0.55 else _S.WARNING if r < 0.65 else _S.FAILURE
                else:
                    outcome = self._draw_finished(r)
                end_ts = now_ts - rng.randrange(120)
                self._finish(i, outcome, end_ts - _duration(rng.random()), end_ts)
            changed += 1
        # A handful stop reporting: half vanish from the report, half keep an old end time.
        for _ in range(n // 10000 + (rng.random() < 0.2)):
            i = rng.randrange(n)
            if frozen[i] or not present[i]:
                continue
            self._running.pop(i, None)
            if rng.random() < 0.5:
                present[i] = 0
            else:
                frozen[i] = 1
                end_ts = now_ts - rng.randrange(3 * _DAY, 10 * _DAY)
                status = rows_[i].condition_status or _S.COMPLETED
                self._finish(i, status, end_ts - _duration(rng.random()), end_ts)
            stopped += 1
        if self._tick == 2:  # 0.2% vanish after the first report, so the demo shows missing
            for i in rng.sample(range(n), n // 500):
                if present[i]:
                    self._running.pop(i, None)
                    present[i] = 0
                    stopped += 1
        self._snapshot = None
        return TickSummary(self._tick, changed, stopped)

    # -- generation ------------------------------------------------------------------------

    def _build_population(self, n: int, customer_prefix: str) -> None:
        """Customers, their computers and backup sets: about 15 sets per customer."""
        rng = self._rng
        rand = rng.random
        names = [f"{a}-{b}" for a in _FIRST_WORDS for b in _SECOND_WORDS]
        rng.shuffle(names)
        used: dict[str, int] = {}
        user_add, cid_add, cname_add = self._user.append, self._cid.append, self._cname.append
        set_add, zone_add, kind_add = self._set.append, self._zone.append, self._kind.append
        zones, n_zones = _ZONE_POOL, len(_ZONE_POOL)
        roles, n_roles = _ROLE_POOL, len(_ROLE_POOL)
        computer_id = 10_000 + int(rand() * 90_000)
        customer = 0
        pause = self._pause
        while len(self._user) < n:
            pause()  # once per customer: about every 15 sets
            base = names[customer % len(names)]
            round_ = customer // len(names)
            username = customer_prefix + (base if round_ == 0 else f"{base}-{round_ + 1}")
            customer += 1
            prefix = base.split("-", 1)[0].upper()
            used.clear()
            home = zones[int(rand() * n_zones)]
            for _ in range(2 + int(rand() * 11)):
                role, digits, combos = roles[int(rand() * n_roles)]
                used[role] = number = used.get(role, 0) + 1
                short = f"{role}{number:0{digits}d}"
                cname = short if rand() < 0.15 else f"{prefix}-{short}"
                zone = home if rand() >= _P_OTHER_TZ else zones[int(rand() * n_zones)]
                computer_id += 1 + int(rand() * 9)
                cid = f"{computer_id:07d}"  # documented as text, leading zeros and all
                for set_name in combos[int(rand() * len(combos))]:
                    user_add(username)
                    cid_add(cid)
                    cname_add(cname)
                    set_add(set_name)
                    zone_add(zone)
                    kind_add(_SET_KIND[set_name])
        for lst in (self._user, self._cid, self._cname, self._set, self._zone, self._kind):
            del lst[n:]

    def _generate_rows(self) -> None:
        rand = self._rng.random
        now_ts = self._now_ts
        rows_add = self._rows.append
        make = self._row
        pause = self._pause
        for i in range(len(self._user)):
            if not i & 31:  # about every 0.4 ms
                pause()
            if rand() < _P_STALE:
                self._frozen[i] = 1
                end_ts = now_ts - 3 * _DAY - int(rand() * 11 * _DAY)
                outcome = self._draw_finished(rand())
                rows_add(make(i, outcome, end_ts - _duration(rand()), end_ts))
                continue
            r = rand()
            if _P_FINISHED <= r < _P_UNKNOWN_FROM:
                start_ts = now_ts - _MINUTE - int(rand() * 3 * _HOUR)
                rows_add(make(i, _S.RUNNING, start_ts, None))
                self._running[i] = None
                continue
            # Daily schedules: the last run ended within the past day, so only the sets that
            # stopped reporting (_P_STALE) look stale against the default 26 h threshold.
            end_ts = now_ts - 5 * _MINUTE - int(rand() * 22 * _HOUR)
            outcome = _S.COMPLETED if r < _P_COMPLETED else self._draw_finished(r)
            rows_add(make(i, outcome, end_ts - _duration(rand()), end_ts))

    # -- outcomes --------------------------------------------------------------------------

    def _draw_finished(self, r: float) -> str:
        """A finished run's status from a uniform draw: the documented mix without RUNNING."""
        if r < _P_COMPLETED:
            return _S.COMPLETED
        if r < _P_COMPLETED + _P_WARNING:
            return _S.WARNING
        if r < _P_FINISHED:
            return _S.FAILURE
        if self._unknown and r >= _P_UNKNOWN_FROM:
            return _UNKNOWN_MARK
        return _S.COMPLETED

    def _row(self, i: int, outcome: str, start_ts: int, end_ts: int | None) -> BackupStatusRow:
        """Build set ``i``'s row for a run with ``outcome`` between the two UTC timestamps."""
        zone = self._zone[i]
        errors = warnings = 0
        if outcome == _S.COMPLETED:
            status: str = _S.COMPLETED
            types: tuple[str, ...] = _COMPLETED_TYPES
        elif outcome == _S.RUNNING:
            status, types = _S.RUNNING, _RUNNING_TYPES
        else:
            rand = self._rng.random
            if outcome == _S.WARNING:
                status, types = _S.WARNING, _WARNING_TYPES[int(rand() * len(_WARNING_TYPES))]
                if _T.WARNINGS in types:
                    warnings = 1 + int(rand() ** 3 * 60)
            elif outcome == _S.FAILURE:
                pool = _FAILURE_TYPES[self._kind[i]]
                status, types = _S.FAILURE, pool[int(rand() * len(pool))]
                if _T.ERRORS in types:
                    errors = 1 + int(rand() ** 3 * 400)
                    warnings = int(rand() ** 4 * 20)
            else:  # an undocumented status (only when switched on)
                status, types = _UNKNOWN_OUTCOMES[int(rand() * len(_UNKNOWN_OUTCOMES))]
                if status == _S.WARNING:
                    warnings = 1 + int(rand() * 10)
        day = (start_ts if end_ts is None else end_ts) // _DAY
        report_date = self._days.get(day)
        if report_date is None:
            report_date = self._days[day] = datetime.fromtimestamp(day * _DAY, UTC)
        return _new_row(
            BackupStatusRow,
            (
                report_date,
                self._user[i],
                self._cid[i],
                self._cname[i],
                self._set[i],
                _fromtimestamp(start_ts, zone),
                None if end_ts is None else _fromtimestamp(end_ts, zone),
                status,
                types,
                errors,
                warnings,
                None,  # the partner: set by whoever fetches the report
            ),
        )

    def _finish(self, i: int, outcome: str, start_ts: int, end_ts: int) -> None:
        self._running.pop(i, None)
        if outcome == _S.RUNNING:
            outcome = _S.COMPLETED
        elif not isinstance(outcome, ConditionStatus):
            outcome = _UNKNOWN_MARK
        self._rows[i] = self._row(i, outcome, start_ts, end_ts)

    def _start(self, i: int, start_ts: int) -> None:
        self._rows[i] = self._row(i, _S.RUNNING, start_ts, None)
        self._running[i] = None


_UNKNOWN_MARK = "\x00unknown"  # internal outcome token: pick one of the undocumented statuses


def generate_rows(
    n: int,
    *,
    seed: int = 7,
    now: datetime | Clock | None = None,
    unknown_statuses: bool = False,
) -> list[BackupStatusRow]:
    """``n`` demo rows (for benchmarks and UI tests): the first tick of a ``DemoData``."""
    return list(DemoData(n, seed=seed, now=now, unknown_statuses=unknown_statuses).rows())


def _duration(r: float) -> int:
    """A run's length in seconds from a uniform draw: mostly minutes, now and then hours."""
    return 60 + int(r**3 * 6 * _HOUR)


def _timestamp(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError("demo times must be timezone-aware")
    return int(value.timestamp())


def _as_clock(now: datetime | Clock | None) -> Clock:
    if now is None:
        return lambda: datetime.now(UTC)
    if isinstance(now, datetime):
        return lambda: now
    return now
