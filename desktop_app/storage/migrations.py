"""The history database schema, as an ordered list of migrations keyed by ``PRAGMA user_version``.

Why ``user_version`` and not a version table: it lives in the database header, costs nothing to
read, and an empty new file reads 0, so "create" is simply "migrate from version 0". Each
migration runs in the same transaction as its ``user_version`` bump, so a crash mid-migration
leaves the previous version intact. Never edit a released migration: append a new one.
"""

from __future__ import annotations

import sqlite3

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "NewerSchemaError", "migrate", "schema_version"]

_V1 = """
CREATE TABLE backup_set (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    computer_id INTEGER NOT NULL,
    backupset_name TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    missing_since INTEGER,
    current_state INTEGER,
    UNIQUE (username, computer_id, backupset_name)
);
CREATE TABLE state (
    set_id INTEGER NOT NULL,
    observed_at INTEGER NOT NULL,
    report_date NUMERIC NOT NULL,
    computer_name TEXT NOT NULL,
    start_ts NUMERIC,
    start_offset INTEGER,
    end_ts NUMERIC,
    end_offset INTEGER,
    condition_status TEXT NOT NULL,
    condition_types TEXT NOT NULL,
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    PRIMARY KEY (set_id, observed_at)
) WITHOUT ROWID;
CREATE TABLE refresh (
    id INTEGER PRIMARY KEY,
    fetched_at REAL NOT NULL,
    row_count INTEGER NOT NULL,
    changed INTEGER NOT NULL
);
"""
"""Version 1: backup sets (``missing_since`` is NULL while a set is in the latest report;
``current_state`` is the ``observed_at`` of its newest state), one ``state`` row per *change*
of a set's content, clustered by set (``WITHOUT ROWID``: a set's history is one range read), and
one ``refresh`` row per recorded report. Times are UTC POSIX seconds (whole seconds as integers,
which SQLite stores in 1 to 6 bytes); ``*_offset`` is the computer's UTC offset in minutes, so a
row's local times are rebuilt exactly; ``condition_types`` are joined by U+001F."""

_V2 = """
CREATE TABLE acknowledgement (
    username TEXT NOT NULL,
    computer_id INTEGER NOT NULL,
    backupset_name TEXT NOT NULL,
    state TEXT NOT NULL,
    note TEXT NOT NULL,
    acknowledged_by TEXT NOT NULL,
    acknowledged_at REAL NOT NULL,
    snooze_until REAL,
    PRIMARY KEY (username, computer_id, backupset_name)
);
"""
"""Version 2: acknowledgements, keyed like a report row (they outlive a set's history rows)."""

_V3 = """
CREATE TABLE backup_set_v3 (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    computer_id TEXT NOT NULL,
    backupset_name TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    missing_since INTEGER,
    current_state INTEGER,
    numeric_id INTEGER NOT NULL DEFAULT 0,
    UNIQUE (username, computer_id, backupset_name)
);
INSERT INTO backup_set_v3 (id, username, computer_id, backupset_name, first_seen, missing_since,
    current_state, numeric_id)
    SELECT id, username, CAST(computer_id AS TEXT), backupset_name, first_seen, missing_since,
        current_state, 1 FROM backup_set;
DROP TABLE backup_set;
ALTER TABLE backup_set_v3 RENAME TO backup_set;
CREATE TABLE state_v3 (
    set_id INTEGER NOT NULL,
    observed_at INTEGER NOT NULL,
    report_date NUMERIC,
    computer_name TEXT,
    start_ts NUMERIC,
    start_offset INTEGER,
    end_ts NUMERIC,
    end_offset INTEGER,
    condition_status TEXT,
    condition_types TEXT,
    errors INTEGER,
    warnings INTEGER,
    PRIMARY KEY (set_id, observed_at)
) WITHOUT ROWID;
INSERT INTO state_v3 SELECT set_id, observed_at, report_date, computer_name, start_ts,
    start_offset, end_ts, end_offset, condition_status, condition_types, errors, warnings
    FROM state;
DROP TABLE state;
ALTER TABLE state_v3 RENAME TO state;
CREATE TABLE acknowledgement_v3 (
    username TEXT NOT NULL,
    computer_id TEXT NOT NULL,
    backupset_name TEXT NOT NULL,
    state TEXT NOT NULL,
    note TEXT NOT NULL,
    acknowledged_by TEXT NOT NULL,
    acknowledged_at REAL NOT NULL,
    snooze_until REAL,
    PRIMARY KEY (username, computer_id, backupset_name)
);
INSERT INTO acknowledgement_v3 SELECT username, CAST(computer_id AS TEXT), backupset_name, state,
    note, acknowledged_by, acknowledged_at, snooze_until FROM acknowledgement;
DROP TABLE acknowledgement;
ALTER TABLE acknowledgement_v3 RENAME TO acknowledgement;
"""
"""Version 3: ``computer_id`` is opaque text (the API documents ``"0000"``, leading zeros and
all; versions 1-2 stored a number). Existing ids become their decimal text and are flagged
``numeric_id = 1``: the first report that names such a set with leading zeros (``"0042"`` for
a stored 42) renames it, history and acknowledgement alike, instead of starting it afresh and
calling the old one missing (``HistoryStore``). Every ``state`` column but the key may now be
NULL: a value the report did not give, or could not be read, is stored as unknown, not
invented. SQLite cannot change a column's type, so the three tables are rebuilt (about a second
per million states, once)."""

_V4 = """
CREATE TABLE run (
    set_id INTEGER NOT NULL,
    start_ts INTEGER NOT NULL,
    status TEXT,
    PRIMARY KEY (set_id, start_ts)
) WITHOUT ROWID;
INSERT OR REPLACE INTO run (set_id, start_ts, status)
    SELECT set_id, CAST(start_ts AS INTEGER), condition_status FROM state
    WHERE start_ts IS NOT NULL ORDER BY set_id, observed_at;
CREATE TABLE learned (
    set_id INTEGER PRIMARY KEY,
    interval REAL,
    runs INTEGER,
    last_start REAL,
    allowed_gap REAL,
    changed INTEGER NOT NULL DEFAULT 0,
    streak INTEGER NOT NULL DEFAULT 0,
    streak_since REAL
);
CREATE TABLE rhythm_override (
    username TEXT NOT NULL,
    computer_id TEXT NOT NULL,
    backupset_name TEXT NOT NULL,
    interval REAL,
    PRIMARY KEY (username, computer_id, backupset_name)
);
"""
"""Version 4: one ``run`` row per run of a set (its start, in whole UTC seconds, and the status
it was last seen with), so learning every set's rhythm reads one short, ordered range per set
instead of grouping every state (``storage.runs``); filled from the states already recorded.
``learned`` keeps each set's rhythm and failure streak, relearned only when its runs change.
``rhythm_override`` holds an admin's rhythm for a set (``interval`` seconds; NULL: learning off
for it), keyed like an acknowledgement so it outlives the set's history rows."""

_V5 = """
ALTER TABLE backup_set ADD COLUMN partner TEXT;
"""
"""Version 5: the partner whose report last listed a set (several partners watched:
``report.merge`` attributes each set to one). ``NULL`` means the account's own partner: every
set recorded before, and every set of one partner's own report, so the history kept so far
belongs to the signed-in partner without rewriting a row. A set's identity stays
``(username, computer_id, backupset_name)`` (customer usernames are unique per region): when
attribution moves a set between partners (a sub-partner appears, or is refused and its parent's
copy is kept), its history, acknowledgement and rhythm follow it, and the move is neither a new
set nor a missing one. Acknowledgements and rhythm overrides need no change for the same
reason."""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5)
"""``MIGRATIONS[i]`` takes a database from version ``i`` to ``i + 1``."""

SCHEMA_VERSION = len(MIGRATIONS)


class NewerSchemaError(Exception):
    """The database was written by a newer version of the app; it is left untouched."""


def schema_version(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA user_version").fetchone()[0])


def migrate(connection: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the database to ``target`` one version at a time; returns the starting version.

    The connection must be in autocommit mode (``isolation_level=None``): each step is an
    explicit ``BEGIN IMMEDIATE`` ... ``COMMIT`` around its DDL and the version bump.
    """
    start = schema_version(connection)
    if start > SCHEMA_VERSION:
        raise NewerSchemaError(
            f"The history database has schema version {start}; this app knows up to "
            f"{SCHEMA_VERSION}."
        )
    for version in range(start, target):
        connection.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(MIGRATIONS[version]):
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {version + 1}")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
    return start


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (``executescript`` would commit on its own)."""
    return [s.strip() for s in script.split(";") if s.strip()]
