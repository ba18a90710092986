"""Which account the app fetches for: start-up sign-in, the Account menu, session-only mode, and
the expired pasted token.

The account record lives in QSettings (through a mapping), the secret in the keyring, or only in
memory in session-only mode (no usable keyring, or the user chose it): a banner then says the
secret will be asked for again at the next start. Dialogs open window-modal without blocking, so
a 401 on a pasted token asks for a new one while the last report stays on screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, MutableMapping

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMenu, QWidget

from desktop_app.api.report_source import ReportSource
from desktop_app.report.rows import Report
from desktop_app.storage.account import (
    Account,
    AuthMethod,
    clear_account,
    load_account,
    save_account,
)
from desktop_app.storage.credentials import (
    CredentialStore,
    CredentialStoreError,
    StoredCredentials,
)
from desktop_app.storage.keyring_backend import KeyringStatus
from desktop_app.storage.settings import AppSettings
from desktop_app.storage.sign_ins import OtherSignIns
from desktop_app.ui.account.connection_test import ClientFactory, SignInDraft, SignInResult
from desktop_app.ui.account.other_sign_ins import OtherSignInsController
from desktop_app.ui.account.sign_in_dialog import SignInDialog
from desktop_app.ui.refresh.controller import RefreshController
from desktop_app.ui.refresh.fetcher import FetchFailure, ReportFetcher, not_signed_in
from desktop_app.ui.refresh.partners_fetch import partner_scope, report_fetch
from desktop_app.ui.shell.main_window import MainWindow
from desktop_app.ui.widgets import confirm
from desktop_app.ui.workers import Workers

log = logging.getLogger(__name__)

SESSION_ONLY_TEXT = (
    "Session only: your secret is kept in memory, not in the system keyring. "
    "You will be asked for it again at the next start."
)


class SessionOnlyBanner(QFrame):
    """The visible reminder that the secret will not survive a restart."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessionOnlyBanner")
        self.setAccessibleName("Session-only sign-in notice")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(SESSION_ONLY_TEXT, self)
        self.label.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.label, 1)
        self.setStyleSheet(
            "#sessionOnlyBanner { border: 1px solid #ef6c00; border-left: 5px solid #ef6c00;"
            " border-radius: 4px; }"
        )
        self.hide()


class AccountController(QObject):
    """Owns the active account and its credentials, and points the fetcher at them.

    Signals:
        account_activated(Account): this account is fetched from now on.
        signed_out(): the account and its secret are gone; nothing is fetched.
    """

    account_activated = Signal(Account)
    signed_out = Signal()

    def __init__(
        self,
        workers: Workers,
        store: MutableMapping[str, object],
        credential_store: CredentialStore | None,
        keyring_status: KeyringStatus,
        client_factory: ClientFactory,
        fetcher: ReportFetcher,
        refresh: RefreshController,
        window: MainWindow,
        *,
        register_secret: Callable[..., None] = lambda *secrets: None,
        confirm: Callable[[str, str], bool] | None = None,
        settings: Callable[[], AppSettings] = AppSettings,
        others: OtherSignIns,
        parent: QObject | None = None,
    ) -> None:
        """``settings``: the settings in effect (which partners a refresh fetches);
        ``others``: the other sign-ins whose partners are fetched too."""
        super().__init__(parent)
        self._settings = settings
        self.others = others
        self._workers = workers
        self._store = store
        self._credential_store = credential_store if keyring_status.usable else None
        self.keyring_status = keyring_status
        log.info("Keyring: %s, %s", keyring_status.backend_name, keyring_status.state.value)
        self._base_factory = client_factory
        self._fetcher = fetcher
        self._refresh = refresh
        self._window = window
        self._register_secret = register_secret
        self._confirm = confirm if confirm is not None else self._ask
        self.account: Account | None = None
        self._credentials: StoredCredentials | None = None
        self.session_only = False
        self._client: ReportSource | None = None
        self.dialog: SignInDialog | None = None
        self._draft: SignInDraft | None = None  # typed into a dialog closed without signing in

        self.banner = SessionOnlyBanner(window)
        window.add_notice(self.banner)
        self.status_action = QAction("Not signed in", self)
        self.status_action.setEnabled(False)
        self.edit_action = QAction("&Sign in…", self)
        self.edit_action.triggered.connect(self.edit_account)
        self.sign_out_action = QAction("Sign &out", self)
        self.sign_out_action.triggered.connect(self.sign_out)
        self.other_sign_ins = OtherSignInsController(
            others,
            store,
            workers,
            self._dialog_factory,
            credential_store,
            keyring_status,
            lambda: self.account,
            parent=window,
        )
        self.other_sign_ins.changed.connect(self._refetch)
        self.others_action = QAction("Other si&gn-ins…", self)
        self.others_action.triggered.connect(self.other_sign_ins.open_dialog)
        refresh.refresh_failed.connect(self._on_refresh_failed)
        refresh.report_ready.connect(self._on_report)
        fetcher.set_fetch_function(not_signed_in)
        self._update_actions()

    def fill_menu(self, menu: QMenu) -> None:
        menu.addAction(self.status_action)
        menu.addSeparator()
        menu.addAction(self.edit_action)
        menu.addAction(self.others_action)
        menu.addAction(self.sign_out_action)

    @property
    def signed_in(self) -> bool:
        return self.account is not None and self._credentials is not None

    # --- start ----------------------------------------------------------------------------
    def start(self) -> bool:
        """Use the saved account if its secret can be read; else open the sign-in dialog.

        Returns True when the app is signed in right away (a fetch can start).
        """
        account = load_account(self._store)
        if account is None:
            self.show_sign_in()
            return False
        credentials: StoredCredentials | None = None
        problem = ""
        if self._credential_store is not None:
            try:
                credentials = self._credential_store.load(account.username, account.api_host)
            except CredentialStoreError as exc:
                problem = str(exc)
                log.warning("Could not read the saved secret: %s", exc)
        if credentials is None:
            self.account = account  # shown in the menu while the dialog asks for the secret
            self._update_actions()
            self.show_sign_in(account, message=problem)
            return False
        self._activate(account, credentials, saved=True)
        return True

    # --- actions --------------------------------------------------------------------------
    def edit_account(self) -> None:
        self.show_sign_in(self.account, self._credentials)

    def show_sign_in(
        self,
        account: Account | None = None,
        credentials: StoredCredentials | None = None,
        *,
        token_only: bool = False,
        message: str = "",
    ) -> SignInDialog:
        """Open the sign-in dialog window-modal (non-blocking); reuse one that is open."""
        if self.dialog is not None:
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog
        dialog = SignInDialog(
            self._workers,
            self._dialog_factory,
            self._credential_store,
            self.keyring_status,
            account=account,
            credentials=credentials,
            token_only=token_only,
            parent=self._window,
        )
        if self._draft is not None:
            dialog.restore(self._draft)
        if message:
            dialog.result_label.setText(message)
        dialog.accepted.connect(lambda: self._on_signed_in(dialog.result_value))
        dialog.rejected.connect(lambda: setattr(self, "_draft", dialog.draft()))
        dialog.finished.connect(self._forget_dialog)
        self.dialog = dialog
        dialog.open()
        return dialog

    def sign_out(self) -> None:
        """Delete the keyring entry and the saved account, and clear the table."""
        account = self.account
        if account is None:
            return
        others = len(self.others.sign_ins)
        also = (
            f" The {others} other sign-in{'s' if others > 1 else ''} (Account > Other "
            "sign-ins…) are removed too, with their secrets."
            if others
            else ""
        )
        if not self._confirm(
            "Sign out",
            f"Sign out of {account.describe()}? The saved secret is deleted from the keyring."
            + also,
        ):
            return
        self.other_sign_ins.forget_all()  # the next account must not inherit them
        if self._credential_store is not None:
            try:
                self._credential_store.delete(account.username, account.api_host)
            except CredentialStoreError as exc:
                self._window.show_failure("Sign-out incomplete", str(exc))
        clear_account(self._store)
        self._fetcher.cancel()
        self._fetcher.set_fetch_function(not_signed_in)
        self._close_client()
        self.account = None
        self._credentials = None
        self.session_only = False
        self._refresh.clear()
        self._update_actions()
        self.signed_out.emit()

    def reconnect(self) -> None:
        """Rebuild the clients (e.g. new network settings) and fetch again."""
        self.others.reset()
        if self.account is not None and self._credentials is not None:
            self._activate(self.account, self._credentials, saved=not self.session_only)

    def _refetch(self) -> None:
        """The other sign-ins changed: show the view they make now."""
        if self.signed_in:
            self._refresh.refresh()

    # --- internals ------------------------------------------------------------------------
    def _dialog_factory(self, account: Account, credentials: StoredCredentials) -> ReportSource:
        # Registered before the first request, so nothing the test logs can contain them.
        self._register_secret(credentials.client_secret, credentials.access_token)
        return self._base_factory(account, credentials)

    def _on_signed_in(self, result: SignInResult | None) -> None:
        if result is None:
            return
        old = self.account
        if (
            old is not None
            and self._credential_store is not None
            and old.keyring_account != result.account.keyring_account
        ):
            try:  # another account replaces this one: its secret must not linger
                self._credential_store.delete(old.username, old.api_host)
            except CredentialStoreError as exc:
                log.warning("Could not delete the previous account's secret: %s", exc)
        if not result.saved and self._credential_store is not None:
            try:  # session only was chosen: an older saved secret must not be used next time
                self._credential_store.delete(result.account.username, result.account.api_host)
            except CredentialStoreError as exc:
                log.warning("Could not delete the older saved secret: %s", exc)
        # The account itself (no secret) is kept either way: next time the form is filled in.
        save_account(result.account, self._store)
        self._draft = None
        self._activate(result.account, result.credentials, saved=result.saved, report=result.report)

    def _activate(
        self,
        account: Account,
        credentials: StoredCredentials,
        *,
        saved: bool,
        report: Report | None = None,
    ) -> None:
        """Fetch for this account from now on; ``report`` (just downloaded by the sign-in test)
        is shown as this account's first report instead of downloading it again (unless
        several partners are watched: then it is only the first partner's)."""
        self._register_secret(credentials.client_secret, credentials.access_token)
        self.account = account
        self._credentials = credentials
        self.session_only = not saved
        self._close_client()
        client = self._base_factory(account, credentials)
        self._client = client

        others = self.others
        fetch = report_fetch(
            client,
            self._settings,
            others=lambda now: others.scopes(now.include_subpartners),
            pause=self._fetcher.pause,
        )
        self._fetcher.set_staged_fetch(fetch)
        self._update_actions()
        self.account_activated.emit(account)
        several = partner_scope(account.username, self._settings()).several or others.sign_ins
        if report is not None and not several:
            self._fetcher.deliver(report)
        else:
            self._refresh.refresh()

    def _close_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def close(self) -> None:
        self._close_client()
        self.others.close()

    def _on_refresh_failed(self, failure: FetchFailure) -> None:
        """A pasted token that the server refuses (401) cannot be renewed: ask for a new one.

        The last report stays on screen (stale) meanwhile. Client credentials renew by
        themselves inside the client, so a 401 reaching here for them is a real problem that
        the banner already explains.
        """
        account = self.account
        if (
            account is not None
            and account.method is AuthMethod.ACCESS_TOKEN
            and failure.status == 401
            and self.dialog is None
        ):
            self.show_sign_in(account, token_only=True)

    def _on_report(self, report: Report) -> None:
        """In a view of several partners a refused token is a refused part, not a failed
        refresh: the signed-in partner's part refused with 401 asks for a new token too."""
        account = self.account
        if account is None or account.method is not AuthMethod.ACCESS_TOKEN:
            return
        mine = next((p for p in report.partners if p.partner == account.username), None)
        if mine is not None and mine.http_status == 401 and self.dialog is None:
            self.show_sign_in(account, token_only=True)

    def _forget_dialog(self, _result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def _update_actions(self) -> None:
        account = self.account
        if account is None:
            self.status_action.setText("Not signed in")
        else:
            mode = " (session only)" if self.session_only else ""
            self.status_action.setText(f"Signed in: {account.describe()}{mode}")
        self.edit_action.setText("&Edit account…" if account is not None else "&Sign in…")
        self.others_action.setEnabled(account is not None)
        self.sign_out_action.setEnabled(account is not None)
        self.banner.setVisible(self.session_only and account is not None)

    def _ask(self, title: str, text: str) -> bool:
        return confirm(self._window, title, text)
