"""History with several partners (schema 5) against real SQLite files: a set's partner follows
attribution without a new or missing set, an absent set is missing only when its partner's
report is whole, and history kept before belongs to the signed-in partner."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import timedelta
from pathlib import Path

from desktop_app.report.rows import BackupStatusRow, PartnerStatus, Report
from desktop_app.storage.acknowledgements import AcknowledgementStore
from desktop_app.storage.history import HistoryStore
from tests.unit.storage.test_history import Clock, clock, released, row

__all__ = ["clock"]  # the fixture, shared with the history tests

ROOT = "msp"


def at(partner: str | None, user: str, cid: str = "1") -> BackupStatusRow:
    return row(user, cid)._replace(partner=partner)


def view(*rows: BackupStatusRow, states: dict[str, str]) -> Report:
    """A report of several partners as ``api.partner_view`` makes it (``states``: each
    watched partner's part, the signed-in one first)."""
    partners = tuple(PartnerStatus(p, None if p == ROOT else ROOT, 0 if p == ROOT else 1, s)
                     for p, s in states.items())  # fmt: skip
    doubt = [p for p, s in states.items() if s != "complete"]
    return Report(rows, incomplete=f"{doubt} in doubt" if doubt else None, partners=partners)


def stored_partners(path: Path) -> dict[str, str | None]:
    with closing(sqlite3.connect(path)) as db:
        return dict(db.execute("SELECT username, partner FROM backup_set").fetchall())


def test_a_set_moving_between_partners_is_neither_new_nor_missing(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "h.sqlite3"
    store = HistoryStore(path, clock=clock)
    try:
        first = {ROOT: "complete", "north": "complete"}
        store.record(view(at("north", "a"), at("north", "b"), states=first))
        # The branch appears: its sets, listed by north before, are the branch's now.
        clock.now += timedelta(minutes=15)
        moved = view(
            at("north", "a"),
            at("branch", "b"),
            states={ROOT: "complete", "north": "complete", "branch": "complete"},
        )
        result = store.record(moved)
        assert (result.new, result.gone, result.changed) == (0, 0, 0)
        assert stored_partners(path) == {"a": "north", "b": "branch"}
        assert store.missing_sets() == []
    finally:
        store.close()
    reopened = HistoryStore(path, clock=clock)  # the partner is read back with the sets
    try:
        clock.now += timedelta(minutes=15)
        gone = view(
            at("north", "a"), states={ROOT: "complete", "north": "complete", "branch": "complete"}
        )
        assert reopened.record(gone).gone == 1
        assert [m.key for m in reopened.missing_sets()] == [("b", "1", "Files")]
    finally:
        reopened.close()


def test_a_refused_or_unwatched_partners_sets_are_not_missing(tmp_path: Path, clock: Clock) -> None:
    store = HistoryStore(tmp_path / "h.sqlite3", clock=clock)
    try:
        everyone = {ROOT: "complete", "west": "complete", "south": "complete"}
        first = view(
            at(ROOT, "r"), at(ROOT, "r2"), at("west", "w"), at("south", "s"), states=everyone
        )
        store.record(first)
        clock.now += timedelta(minutes=15)
        # West refused now, south no longer watched; the root's own report is whole and lacks
        # r2: that one is missing (per partner), west's and south's sets are not.
        result = store.record(view(at(ROOT, "r"), states={ROOT: "complete", "west": "refused"}))
        assert result.gone == 1
        assert [m.key for m in store.missing_sets()] == [("r2", "1", "Files")]
        clock.now += timedelta(minutes=15)
        # West's report is back, whole, without its set: that one is missing now.
        result = store.record(view(at(ROOT, "r"), states={ROOT: "complete", "west": "complete"}))
        assert result.gone == 1
        assert {m.key[0] for m in store.missing_sets()} == {"r2", "w"}
        # A missing set keeps the partner it was last attributed to (the Partner column).
        assert {m.key[0]: m.last_row.partner for m in store.missing_sets()} == {
            "r2": ROOT,
            "w": "west",
        }
    finally:
        store.close()


def test_history_kept_before_belongs_to_the_signed_in_partner(tmp_path: Path, clock: Clock) -> None:
    """A history recorded by a release of the app (schema 2, no partners) migrates to schema
    5 keeping every set; its sets are the signed-in partner's: missing when that partner's
    report is whole and lacks them, kept while it is in doubt; acknowledgements stay."""
    path = released(tmp_path)
    store = HistoryStore(path, clock=clock)
    try:
        assert set(stored_partners(path).values()) == {None}
        acme = [at(ROOT, "acme", "42")._replace(backupset_name=n) for n in ("Files", "SQL")]
        clock.now += timedelta(days=1)
        in_doubt = store.record(view(*acme, states={ROOT: "failed", "north": "complete"}))
        assert in_doubt.gone == 0 and in_doubt.new == 0
        clock.now += timedelta(minutes=15)
        whole = store.record(view(*acme, states={ROOT: "complete", "north": "complete"}))
        assert whole.gone > 0 and whole.new == 0
        missing = {m.key for m in store.missing_sets()}
        assert missing and missing.isdisjoint({("acme", "42", "Files"), ("acme", "42", "SQL")})
        assert ("acme", "42", "SQL") in AcknowledgementStore(store.database).all()
    finally:
        store.close()
    with closing(sqlite3.connect(path)) as db:  # attributed now, by name; the others as they were
        query = (
            "SELECT backupset_name, partner FROM backup_set"
            " WHERE username = 'acme' AND computer_id = '42'"
        )
        owners = dict(db.execute(query).fetchall())
    assert owners == {"Files": ROOT, "SQL": ROOT}


def test_one_partners_own_report_is_recorded_as_before(tmp_path: Path, clock: Clock) -> None:
    store = HistoryStore(tmp_path / "h.sqlite3", clock=clock)
    try:
        store.record(Report((row("a"), row("b"))))
        clock.now += timedelta(minutes=15)
        assert store.record(Report((row("a"),))).gone == 1
    finally:
        store.close()
    assert stored_partners(tmp_path / "h.sqlite3") == {"a": None, "b": None}
