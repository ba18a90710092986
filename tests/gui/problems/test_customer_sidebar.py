"""The customer sidebar: model checked by qtmodeltester, sorting, selection signals."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt

from desktop_app.report.customers import CustomerCounts
from desktop_app.ui.problems.customer_sidebar import (
    CUSTOMER_ROLE,
    CustomerListModel,
    CustomerSidebar,
    customer_text,
)


def counts(name: str, failures: int = 0, stale: int = 0, warnings: int = 0) -> CustomerCounts:
    worst = "FAILURE" if failures else "WARNING" if warnings else "COMPLETED"
    return CustomerCounts(name, 5, failures, warnings, 0, stale, 0, failures + stale, worst)


CUSTOMERS = [counts("alpha"), counts("bravo", failures=2), counts("charlie", stale=1, warnings=3)]


def test_model_passes_qtmodeltester(qtmodeltester: object) -> None:
    model = CustomerListModel()
    model.set_customers(CUSTOMERS)
    qtmodeltester.check(model)  # type: ignore[attr-defined]


def test_text_names_the_problems() -> None:
    assert customer_text(CUSTOMERS[0]) == "alpha\n5 sets: all fine"
    assert customer_text(CUSTOMERS[2]) == "charlie\n5 sets: 1 stale, 3 warnings"


def test_sorting_by_problems_and_by_name_keeps_selection(qtbot: object) -> None:
    sidebar = CustomerSidebar()
    qtbot.addWidget(sidebar)  # type: ignore[attr-defined]
    sidebar.set_customers(CUSTOMERS)
    model = sidebar.model
    assert [model.customer_at(r).username for r in range(3)] == ["bravo", "charlie", "alpha"]
    index = model.index(model.row_of("alpha") or 0)
    with qtbot.waitSignal(sidebar.customers_selected) as blocker:  # type: ignore[attr-defined]
        sidebar.view.selectionModel().select(index, QItemSelectionModel.SelectionFlag.Select)
    assert blocker.args == [frozenset({"alpha"})]
    sidebar.sort_box.setCurrentIndex(1)  # by name
    assert [model.customer_at(r).username for r in range(3)] == ["alpha", "bravo", "charlie"]
    selected = sidebar.view.selectionModel().selectedRows()
    assert [i.data(CUSTOMER_ROLE).username for i in selected] == ["alpha"]
    assert sidebar.selected_usernames() == {"alpha"}


def test_new_counts_keep_selected_customers_and_clear_resets(qtbot: object) -> None:
    sidebar = CustomerSidebar()
    qtbot.addWidget(sidebar)  # type: ignore[attr-defined]
    sidebar.set_customers(CUSTOMERS)
    model = sidebar.model
    for name in ("bravo", "charlie"):
        index = model.index(model.row_of(name) or 0)
        sidebar.view.selectionModel().select(index, QItemSelectionModel.SelectionFlag.Select)
    assert sidebar.selected_usernames() == {"bravo", "charlie"}
    emitted: list[object] = []
    sidebar.customers_selected.connect(emitted.append)
    sidebar.set_customers([counts("bravo", failures=1), counts("delta")])  # charlie gone
    assert emitted == [frozenset({"bravo"})]
    assert sidebar.clear_button.isEnabled()
    sidebar.clear_button.click()
    assert emitted[-1] == frozenset() and not sidebar.clear_button.isEnabled()
    assert model.data(model.index(0), Qt.ItemDataRole.ToolTipRole).startswith("bravo")
