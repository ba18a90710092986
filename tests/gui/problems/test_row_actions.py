"""Acting on rows in the real app: the context menu, acknowledging the whole selection, ticket
text, e-mail to the ticket address, a set's history and "Filter to this customer"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from PySide6.QtCore import QDate, QItemSelectionModel, QLocale, QUrl
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

import desktop_app.app as app_module
from desktop_app.app import AppParts
from desktop_app.report.derived import FAILURE
from desktop_app.report.rows import RowKey
from desktop_app.storage.settings import AppSettings
from desktop_app.ui.acknowledgements.acknowledge_dialog import (
    AcknowledgeDialog,
    Problem,
    describe_problems,
    locale_date_format,
)
from desktop_app.ui.problems.row_actions import RowActions
from desktop_app.ui.problems.ticket_text import TicketSet, ticket_subject, ticket_text
from desktop_app.ui.table.columns import Column
from tests.gui.conftest import make_row, running_app

NOW = datetime.now(UTC).replace(microsecond=0)
pytestmark = pytest.mark.qt_log_ignore("systemTrayWindowChanged", "does not support raise")


@pytest.fixture
def parts(qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppParts]:
    monkeypatch.setattr(app_module, "utc_now", lambda: NOW)
    with running_app(qtbot, tmp_path, rows=300) as built:
        yield built


def actions_of(parts: AppParts) -> RowActions:
    assert parts.row_actions is not None
    return parts.row_actions


def failing_keys(parts: AppParts, n: int) -> list[RowKey]:
    views = parts.problems
    assert views is not None and views.history.states.derived is not None
    problems = views.history.states.derived.problems
    return sorted(
        k
        for k, s in problems.items()
        if s == FAILURE and k not in views.history.states.derived.missing
    )[:n]


def select(parts: AppParts, keys: list[RowKey]) -> None:
    window = parts.window
    window.clear_filters()
    selection = window.table.selectionModel()
    selection.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for key in keys:
        row = parts.model.view_row_of_key(key)
        assert row is not None
        selection.select(parts.model.index(row, 0), flags)
    first = parts.model.view_row_of_key(keys[0])
    assert first is not None
    selection.setCurrentIndex(
        parts.model.index(first, 0), QItemSelectionModel.SelectionFlag.NoUpdate
    )


def test_the_context_menu_offers_every_action_for_the_selection(parts: AppParts) -> None:
    keys = failing_keys(parts, 1)
    select(parts, keys)
    menu = actions_of(parts).menu()
    texts = [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]
    assert texts == [
        "Acknowledge the problem…",
        "Remove acknowledgement",
        "Copy rows",
        "Copy as ticket text",
        "E-mail to ticket address (set it in Settings)",
        "Show history…",
        f"Filter to customer {keys[0][0]}",
    ]
    enabled = {a.text().replace("&", ""): a.isEnabled() for a in menu.actions()}
    assert enabled["Acknowledge the problem…"]
    assert not enabled["Remove acknowledgement"]  # nothing acknowledged yet
    assert not enabled["E-mail to ticket address (set it in Settings)"]


def test_ctrl_k_acknowledges_every_selected_problem_with_one_note(
    parts: AppParts, qtbot: QtBot
) -> None:
    views = parts.problems
    assert views is not None
    keys = failing_keys(parts, 5)
    fine = next(
        r.key for r in parts.model.visible_rows() if views.history.problem_of(r.key) is None
    )
    select(parts, [*keys, fine])
    texts = [a.text() for a in actions_of(parts).menu().actions()]
    assert "&Acknowledge 5 problems…" in texts  # the six selected: five with a problem
    asked: list[list[Problem]] = []

    def ask(problems: list[Problem], _parent: object) -> tuple[str, None]:
        asked.append(list(problems))
        return "Known: storage migration this week", None

    views.ask = ask
    views.acknowledge_action.trigger()
    qtbot.waitUntil(
        lambda: (
            views.history.states.derived is not None
            and set(keys) <= views.history.states.derived.acknowledged.keys()
        ),
        timeout=10_000,
    )
    assert {p.key for p in asked[0]} == set(keys)  # the set without a problem is left alone
    assert all(
        p.computer == parts.model.row_at(parts.model.view_row_of_key(p.key)).computer_name
        for p in asked[0]
    )  # type: ignore[arg-type]
    derived = views.history.states.derived
    assert derived is not None and set(keys) <= derived.acknowledged.keys()
    for key in keys:
        row = parts.model.view_row_of_key(key)
        assert row is not None
        assert parts.model.index(row, Column.ACKNOWLEDGED).data() == derived.acknowledged[key].by
    assert (
        "1 selected set without a problem left alone" in parts.window.statusBar().currentMessage()
    )

    menu = actions_of(parts).menu()  # now they can be un-acknowledged from the menu
    remove = next(
        a for a in menu.actions() if a.text().replace("&", "") == "Remove acknowledgement"
    )
    assert remove.isEnabled()


def test_the_dialog_speaks_plainly_and_uses_the_locale_for_dates(qtbot: QtBot) -> None:
    one = Problem(("monroe-law", "57156", "Image"), FAILURE, "MONROE-FS01")
    assert describe_problems([one]) == (
        "The backup set “Image” on MONROE-FS01 (customer monroe-law) is failing."
    )
    many = [
        one,
        Problem(("monroe-law", "2", "Files"), "STALE", "MONROE-LT02"),
        Problem(("acme", "3", "SQL"), FAILURE, "SQL01"),
    ]
    assert describe_problems(many) == (
        "3 backup sets of 2 customers have problems: 2 failing, 1 stale. One note covers them all."
    )
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    try:
        assert locale_date_format() == "dd.MM.yyyy"
        dialog = AcknowledgeDialog([one])
        qtbot.addWidget(dialog)
        dialog.snooze_date.setDate(QDate(2026, 12, 8))
        assert dialog.snooze_date.text() == "08.12.2026"  # not "8 12 2026"
        assert "57156" not in dialog.intro.text() and "MONROE-FS01" in dialog.intro.text()
        hint = dialog.note.fontMetrics().horizontalAdvance(dialog.note.placeholderText())
        dialog.show()
        assert dialog.note.width() > hint  # the hint is not cut off
        title = dialog.fontMetrics().horizontalAdvance(dialog.windowTitle())
        assert dialog.width() > title + 100  # room for the title beside the window buttons
        QLocale.setDefault(QLocale.c())  # an unconfigured system: ISO, not "8 12 2026"
        assert locale_date_format() == "yyyy-MM-dd"
    finally:
        QLocale.setDefault(previous)
    assert date(2026, 12, 8)  # (the chosen day runs through its end: see snooze_end)


def test_copy_as_ticket_text_and_e_mail_to_the_ticket_address(
    parts: AppParts, qtbot: QtBot
) -> None:
    keys = failing_keys(parts, 2)
    select(parts, keys)
    actions = actions_of(parts)
    actions.copy_ticket_text()
    text = QGuiApplication.clipboard().text()
    blocks = text.strip().split("\n\n")
    assert len(blocks) == 2
    found = set()
    for block in blocks:
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        computer_id = lines["Computer"].rsplit("(ID ", 1)[1].rstrip(")")
        found.add((lines["Customer"], computer_id, lines["Backup set"]))
        assert lines["Status"] == "Failure"
        assert "Failing since" in lines and "Last successful backup" in lines
        assert lines["Conditions"]
    assert found == {(k[0], str(k[1]), k[2]) for k in keys}

    opened: list[QUrl] = []
    actions._open_url = lambda url: opened.append(url) or True  # type: ignore[method-assign]
    assert not actions.email_ticket()  # no address yet
    assert "Settings" in parts.window.statusBar().currentMessage()
    settings = parts.settings_controller
    assert settings is not None
    settings.apply(AppSettings(ticket_address="tickets@psa.example.com"))
    menu = actions.menu()
    email = next(a for a in menu.actions() if "tickets@psa.example.com" in a.text())
    assert email.isEnabled()
    assert actions.email_ticket()
    (url,) = opened
    parts_of = urlsplit(url.toString(QUrl.ComponentFormattingOption.FullyEncoded))
    assert parts_of.scheme == "mailto" and parts_of.path == "tickets@psa.example.com"
    query = parse_qs(parts_of.query)
    assert query["subject"] == [
        "Backup problems: 2 backup sets ("
        + ("1 customer)" if keys[0][0] == keys[1][0] else "2 customers)")
    ]
    assert unquote(query["body"][0]).strip() == text.strip()


def test_show_history_and_filter_to_this_customer(parts: AppParts, qtbot: QtBot) -> None:
    (key,) = failing_keys(parts, 1)
    select(parts, [key])
    actions = actions_of(parts)
    dialog = actions.show_history()
    assert dialog is not None and dialog.isVisible()
    runs = dialog.run_texts()
    assert runs and runs[0][0] == "Failure"  # the newest run first
    dialog.close()

    actions.filter_to_customer()
    shown = {parts.model.row_at(i).key[0] for i in range(parts.model.rows_shown())}
    assert shown == {key[0]}
    assert f"customer {key[0]}" in parts.window.filter_label.text()
    parts.window.show_all_button.click()
    assert parts.model.rows_shown() == parts.model.total_rows()


def test_ticket_text_names_values_that_could_not_be_read(qtbot: QtBot) -> None:
    """Issue 12's unknown fields in issue 13's ticket text: said as unknown, never "None"."""
    odd = make_row(condition_types=("FAILED",))._replace(
        username=None, computer_id=None, condition_types=None, local_end=None
    )
    item = TicketSet(odd, "", None)
    text, subject = ticket_text([item]), ticket_subject([item])
    assert "None" not in text and "None" not in subject
    assert "Customer: unknown" in text and "(ID unknown)" in text
    assert "Conditions: unknown" in text and "Status: unknown" in text
    assert "Last run ended: unknown" in text  # not read; it is not running
    assert subject == "Backup status unknown: unknown / PC-1 / Files"
