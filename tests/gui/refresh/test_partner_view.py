"""Several partners in one view, in the real app over the demo's partner tree: the Partner
column, the refused partner in the banner, the Partner level of the sidebar, search by
partner, progress and partial views while partners are still fetched, and the last good
report back when such a fetch is cancelled."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop_app.api.client import build_client
from desktop_app.api.regions import custom_endpoint
from desktop_app.demo.faults import Fault, FaultPlan
from desktop_app.demo.partners import standard_tree
from desktop_app.demo.server import DemoServer
from desktop_app.report.partner_groups import PartnerGroup
from desktop_app.report.prepared import ViewPreparer
from desktop_app.storage.settings import AppSettings
from desktop_app.ui.refresh.controller import RefreshController
from desktop_app.ui.refresh.fetcher import FetchFailure, PartialFetch, ReportFetcher
from desktop_app.ui.refresh.partners_fetch import report_fetch
from desktop_app.ui.table.columns import Column
from desktop_app.ui.workers import Workers
from tests.gui.conftest import running_app

ROWS = 40


def test_the_partner_tree_is_one_view(qtbot: QtBot, tmp_path: Path) -> None:
    with running_app(qtbot, tmp_path, rows=ROWS, demo_partners=True, evolve=False) as parts:
        window, model = parts.window, parts.model
        header = window.table.horizontalHeader()
        assert not header.isSectionHidden(Column.PARTNER)
        assert header.visualIndex(Column.PARTNER) == 1  # right after Status
        partners = {row.partner for row in model.visible_rows()}
        # The tree, and the second sign-in's (EMEA) partners named with their region.
        assert partners == {
            "demo-partner", "resell-north", "resell-south", "north-branch",
            "emea-partner (EMEA)", "emea-resell (EMEA)",
        }  # fmt: skip
        # The refused reseller is named; the others show.
        assert window.banner.isVisible()
        assert window.banner.title() == "1 of 7 partners not shown"
        assert "resell-west" in window.banner.message() and "403" in window.banner.message()

        sidebar = parts.problems.sidebar
        groups = [
            sidebar.model.entry_at(r)
            for r in range(sidebar.model.rowCount())
            if isinstance(sidebar.model.entry_at(r), PartnerGroup)
        ]
        names = [g.status.partner for g in groups if isinstance(g, PartnerGroup) and g.status]
        assert names == [
            "demo-partner", "resell-north", "resell-south", "resell-west", "north-branch",
            "emea-partner (EMEA)", "emea-resell (EMEA)",
        ]  # fmt: skip
        west = groups[3]
        assert isinstance(west, PartnerGroup) and not west.customers
        west_row = sidebar.model.row_of_partner("resell-west")
        assert west_row is not None
        assert "refused" in sidebar.model.data(sidebar.model.index(west_row))
        # Selecting a partner shows its customers' sets only.
        south_row = sidebar.model.row_of_partner("resell-south")
        assert south_row is not None
        with qtbot.waitSignal(sidebar.customers_selected) as chosen:
            sidebar.view.setCurrentIndex(sidebar.model.index(south_row))
        assert chosen.args and all(u.startswith("s-") for u in chosen.args[0])
        qtbot.waitUntil(lambda: {row.partner for row in model.visible_rows()} == {"resell-south"})
        sidebar.clear_selection()
        emea_row = sidebar.model.row_of_partner("emea-resell (EMEA)")
        assert emea_row is not None
        with qtbot.waitSignal(sidebar.customers_selected) as chosen:
            sidebar.view.setCurrentIndex(sidebar.model.index(emea_row))
        assert chosen.args and all(u.startswith("eur-") for u in chosen.args[0])
        sidebar.clear_selection()
        # Search finds a partner's sets by its name.
        window.search.setText("north-branch")
        qtbot.waitUntil(lambda: {r.partner for r in model.visible_rows()} == {"north-branch"})


def test_one_partner_has_no_partner_column_or_level(qtbot: QtBot, tmp_path: Path) -> None:
    with running_app(qtbot, tmp_path, rows=ROWS, problems=False) as parts:
        assert parts.window.table.horizontalHeader().isSectionHidden(Column.PARTNER)
        sidebar = parts.problems.sidebar.model
        assert not any(
            isinstance(sidebar.entry_at(r), PartnerGroup) for r in range(sidebar.rowCount())
        )
        assert {row.partner for row in parts.model.visible_rows()} == {None}


def test_partial_views_come_first_and_a_whole_report_is_never_swapped_for_a_part(
    qtbot: QtBot, workers: Workers
) -> None:
    """One partner held back at the first fetch: the others' rows are on screen meanwhile,
    with progress, and a cancel marks them as a part. Once a whole report is on screen, a
    refresh with a partner held back keeps it until the next whole one."""
    faults = FaultPlan()
    settings = AppSettings(include_subpartners=True)
    now = datetime.now(UTC)
    with DemoServer(partners=standard_tree(10), evolve=False, faults=faults) as server:
        client = build_client(
            custom_endpoint(server.base_url),
            server.username,
            client_id=server.client_id,
            client_secret=server.client_secret,
        )
        fetcher = ReportFetcher(
            workers, lambda _cancel: client.fetch_report(), ViewPreparer(lambda: now)
        )
        fetcher.set_staged_fetch(report_fetch(client, lambda: settings))
        refresh = RefreshController(fetcher)
        shown: list[int] = []
        refresh.display_ready.connect(lambda prepared: shown.append(len(prepared.report.rows)))
        progress: list[str] = []
        refresh.progress_changed.connect(progress.append)
        failures: list[FetchFailure] = []
        refresh.refresh_failed.connect(failures.append)

        faults.add(Fault.latency(30.0))  # the first report asked for hangs
        refresh.refresh()
        qtbot.waitUntil(lambda: bool(shown), timeout=15_000)
        assert progress[0] == "0 of 5 partners"
        assert refresh.partial is not None and shown == [len(refresh.partial.rows)] != [0]
        assert refresh.last_report is None and refresh.shown_report is refresh.partial
        with qtbot.waitSignal(fetcher.idle, timeout=5_000):
            refresh.cancel()
        (failure,) = failures
        assert failure.title == "Fetch cancelled" and refresh.is_stale

        with qtbot.waitSignal(refresh.report_ready, timeout=15_000):
            refresh.refresh()
        whole = shown[-1]
        assert whole == 10 * 3 + 5  # root, two resellers, the branch; the west refused
        assert refresh.partial is None and not refresh.is_stale

        faults.add(Fault.latency(30.0))
        partials: list[PartialFetch] = []
        fetcher.progressed.connect(partials.append)
        refresh.refresh()
        qtbot.waitUntil(lambda: len(partials) >= 3, timeout=15_000)
        assert all(p.prepared is None for p in partials)  # not even prepared
        with qtbot.waitSignal(fetcher.idle, timeout=5_000):
            refresh.cancel()
        assert shown[-1] == whole and refresh.shown_report is refresh.last_report
        assert len(failures) == 1  # a cancel with the whole report on screen is no failure
        client.close()
