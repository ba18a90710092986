"""Account > Other sign-ins…: partner accounts in other regions (EMEA beside North America)
whose partners the view shows too, each signed in with the sign-in dialog and its own secret in
the keyring. The list is saved with the account (``storage.sign_ins``); a change applies at
once (a refresh)."""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.api.regions import Region
from desktop_app.api.sign_in_trees import qualified_partner
from desktop_app.storage.account import Account
from desktop_app.storage.credentials import CredentialStore, CredentialStoreError
from desktop_app.storage.keyring_backend import KeyringStatus
from desktop_app.storage.settings_fields import other_partners_problem, partner_names
from desktop_app.storage.sign_ins import (
    KEY_OTHERS,
    MAX_OTHER_SIGN_INS,
    OtherSignIn,
    OtherSignIns,
    save_other_sign_ins,
)
from desktop_app.ui.account.connection_test import ClientFactory, SignInResult
from desktop_app.ui.account.sign_in_dialog import SignInDialog
from desktop_app.ui.widgets import confirm, hint_label
from desktop_app.ui.workers import Workers

__all__ = ["OtherSignInsController", "OtherSignInsDialog"]

log = logging.getLogger(__name__)

ADD_INTRO = (
    "Sign in with your partner account in another region (e.g. EMEA). Its partners are shown "
    "beside yours, named with the region; its secret is kept in the system keyring."
)


class OtherSignInsController(QObject):
    """Adds and removes other sign-ins; ``changed`` after each change (the view refetches).

    Signals:
        changed(): the other sign-ins changed.
    """

    changed = Signal()

    def __init__(
        self,
        others: OtherSignIns,
        store: MutableMapping[str, object],
        workers: Workers,
        dialog_factory: ClientFactory,
        credential_store: CredentialStore | None,
        keyring_status: KeyringStatus,
        main_account: Callable[[], Account | None],
        *,
        confirm: Callable[[str, str], bool] | None = None,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.others = others
        self._store = store
        self._workers = workers
        self._factory = dialog_factory
        self._credential_store = credential_store if keyring_status.usable else None
        self._keyring_status = keyring_status
        self._main_account = main_account
        self._confirm = confirm if confirm is not None else self._ask
        self._window = parent
        self.dialog: OtherSignInsDialog | None = None
        self.sign_in_dialog: SignInDialog | None = None

    def open_dialog(self) -> OtherSignInsDialog:
        """The list, window-modal; the one already open is raised."""
        if self.dialog is None:
            self.dialog = OtherSignInsDialog(self, self._window)
            self.dialog.finished.connect(self._forget_dialog)
        self.dialog.open()
        self.dialog.raise_()
        return self.dialog

    def add(
        self, parent: QWidget | None = None, *, again: OtherSignIn | None = None
    ) -> SignInDialog:
        """Open the sign-in dialog for another account; it is added once signed in. With
        ``again``, that sign-in's form (a new secret, an expired token) replaces it in place."""
        if self.sign_in_dialog is not None:
            self.sign_in_dialog.raise_()
            return self.sign_in_dialog
        dialog = SignInDialog(
            self._workers,
            self._factory,
            self._credential_store,
            self._keyring_status,
            account=None if again is None else again.account,
            refuse=self._refusal,
            parent=parent or self._window,
        )
        dialog.setWindowTitle("Add a sign-in" if again is None else "Sign in again")
        main = self._main_account()
        if again is None and main is not None and main.region is not None:
            other = next(r for r in Region if r is not main.region)  # the usual second region
            dialog.region_combo.setCurrentIndex(dialog.region_combo.findData(other.value))
        dialog.intro_label.setText(ADD_INTRO)
        dialog.accepted.connect(lambda: self._added(dialog.result_value, again))
        dialog.finished.connect(lambda _r: setattr(self, "sign_in_dialog", None))
        self.sign_in_dialog = dialog
        dialog.open()
        return dialog

    def remove(self, sign_in: OtherSignIn) -> bool:
        """Remove ``sign_in`` and delete its secret (after asking); False when kept."""
        if not self._confirm(
            "Remove sign-in",
            f"Stop showing the partners of {sign_in.describe()}? Its secret is deleted from "
            "the keyring.",
        ):
            return False
        self._forget_secret(sign_in.account)
        self._save([s for s in self.others.sign_ins if s != sign_in])
        return True

    def _forget_secret(self, account: Account) -> None:
        """Delete ``account``'s secret (keyring and memory), unless the main account uses it."""
        main = self._main_account()
        if self._credential_store is not None and (
            main is None or main.keyring_account != account.keyring_account
        ):
            try:
                self._credential_store.delete(account.username, account.api_host)
            except CredentialStoreError as exc:
                log.warning("Could not delete the removed sign-in's secret: %s", exc)
        self.others.keep_in_memory(account, None)

    def forget_all(self) -> None:
        """Remove every other sign-in and delete their secrets (signing out)."""
        for sign_in in self.others.sign_ins:
            self._forget_secret(sign_in.account)
        self._store.pop(KEY_OTHERS, None)
        self.others.set_sign_ins([])
        self.changed.emit()

    def _refusal(self, account: Account) -> str | None:
        """Why ``account`` cannot be added (checked before its secret is saved: the main
        account's keyring entry must not be overwritten), or None."""
        main = self._main_account()
        if main is not None and main.keyring_account == account.keyring_account:
            return (
                f"{account.describe()} is the account you are signed in with; its partners are "
                "shown already. Settings > Partners adds more partners of this sign-in."
            )
        return None

    def shown_name(self, sign_in: OtherSignIn) -> str:
        """How the view names the sign-in's partner (qualified only on another host)."""
        main = self._main_account()
        same_host = main is not None and main.api_host == sign_in.account.api_host
        return qualified_partner(sign_in.account.username, None if same_host else sign_in.label)

    def _added(self, result: SignInResult | None, replacing: OtherSignIn | None) -> None:
        if result is None:
            return
        account = result.account
        if not result.saved:  # session only: an older saved secret must not be used later
            self._forget_secret(account)
        self.others.keep_in_memory(account, None if result.saved else result.credentials)
        new = (
            OtherSignIn(account)
            if replacing is None
            else OtherSignIn(account, replacing.label, replacing.partners)
        )
        if replacing is not None and replacing.account.keyring_account != account.keyring_account:
            self._forget_secret(replacing.account)  # another account now: no stray secret
        old = {replacing.account.keyring_account} if replacing is not None else set()
        old.add(account.keyring_account)
        listed = list(self.others.sign_ins)
        at = next((i for i, s in enumerate(listed) if s.account.keyring_account in old), None)
        kept = [s for s in listed if s.account.keyring_account not in old]
        kept.insert(len(kept) if at is None else at, new)  # an edited sign-in keeps its place
        self._save(kept)

    def set_partners(self, sign_in: OtherSignIn, partners: tuple[str, ...]) -> None:
        """Watch ``partners`` beside ``sign_in``'s own (validated by the caller)."""
        changed = OtherSignIn(sign_in.account, sign_in.label, partners)
        self._save([changed if s == sign_in else s for s in self.others.sign_ins])

    def _forget_dialog(self, _result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            self.changed.disconnect(dialog.fill)
            dialog.deleteLater()

    def _save(self, sign_ins: list[OtherSignIn]) -> None:
        save_other_sign_ins(sign_ins, self._store)
        self.others.set_sign_ins(sign_ins)
        self.changed.emit()

    def _ask(self, title: str, text: str) -> bool:
        return confirm(self._window, title, text)


class OtherSignInsDialog(QDialog):
    """The other sign-ins, with Add… and Remove."""

    def __init__(self, controller: OtherSignInsController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("otherSignInsDialog")
        self.setWindowTitle("Other sign-ins")
        self.setMinimumWidth(520)
        self._controller = controller
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint_label(
                "Accounts in other regions whose partners are shown beside yours, e.g. "
                "'emea-partner (EMEA)'. Each keeps its own secret in the system keyring and may "
                "watch other partners of its own; 'Include sub-partners' (Settings > Partners) "
                "applies to them too.",
                self,
            )
        )
        self.list = QListWidget(self)
        self.list.setObjectName("otherSignInsList")
        self.list.setAccessibleName("Other sign-ins")
        layout.addWidget(self.list, 1)
        form = QFormLayout()
        self.partners_edit = QLineEdit(self)
        self.partners_edit.setObjectName("otherSignInPartnersEdit")
        self.partners_edit.setPlaceholderText("emea-resell1, emea-resell2")
        self.partners_edit.editingFinished.connect(self._apply_partners)
        form.addRow("Other &partners of this sign-in:", self.partners_edit)
        self.partners_error = QLabel(self)
        self.partners_error.setStyleSheet("color: #c62828;")
        self.partners_error.hide()
        form.addRow("", self.partners_error)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.add_button = QPushButton("&Add…", self)
        self.again_button = QPushButton("Sign in a&gain…", self)
        self.again_button.setToolTip("A new secret or token for the selected sign-in")
        self.remove_button = QPushButton("&Remove", self)
        for button in (self.add_button, self.again_button, self.remove_button):
            button.setAutoDefault(False)  # Enter on a sign-in means "Sign in again" only
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.add_button.clicked.connect(lambda: controller.add(self))
        self.remove_button.clicked.connect(self._remove_selected)
        self.again_button.clicked.connect(self._sign_in_again)
        self.list.itemActivated.connect(lambda _item: self._sign_in_again())
        self.list.currentRowChanged.connect(lambda _row: self._show_selected())
        controller.changed.connect(self.fill)
        self.fill()

    def fill(self) -> None:
        """Show the sign-ins as they are now (the same row stays selected)."""
        row = max(0, self.list.currentRow())
        self.list.clear()
        for sign_in in self._controller.others.sign_ins:
            shown = self._controller.shown_name(sign_in)
            where = " (session only)" if self._controller.others.session_only(sign_in) else ""
            item = QListWidgetItem(f"{sign_in.describe()}{where}\n    partners shown as '{shown}'")
            item.setData(Qt.ItemDataRole.UserRole, sign_in)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(min(row, self.list.count() - 1))
        self._show_selected()

    def _show_selected(self) -> None:
        sign_in = self.selected()
        self.partners_edit.setEnabled(sign_in is not None)
        self.partners_edit.setText("" if sign_in is None else ", ".join(sign_in.partners))
        self.partners_error.hide()
        self._update_buttons()

    def _apply_partners(self) -> None:
        """The typed partners, once they are usernames (else the error says why)."""
        sign_in = self.selected()
        if sign_in is None:
            return
        partners = partner_names(self.partners_edit.text())
        problem = other_partners_problem(partners)
        self.partners_error.setText(problem or "")
        self.partners_error.setVisible(problem is not None)
        if problem is None and partners != sign_in.partners:
            self._controller.set_partners(sign_in, partners)

    def _update_buttons(self) -> None:
        self.add_button.setEnabled(self.list.count() < MAX_OTHER_SIGN_INS)
        self.remove_button.setEnabled(self.selected() is not None)
        self.again_button.setEnabled(self.selected() is not None)

    def selected(self) -> OtherSignIn | None:
        item = self.list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)  # type: ignore[no-any-return]

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Delete removes the selected sign-in, as in a file list."""
        if event.key() == Qt.Key.Key_Delete and self.selected() is not None:
            self._remove_selected()
            return
        super().keyPressEvent(event)

    def _remove_selected(self) -> None:
        if (sign_in := self.selected()) is not None:
            self._controller.remove(sign_in)

    def _sign_in_again(self) -> None:
        if (sign_in := self.selected()) is not None:
            self._controller.add(self, again=sign_in)
