"""The sign-in dialog: region, partner username, and client credentials or a pasted token.

"Test connection" (and "Sign in", which tests first) fetches the real report on the app's
``Workers`` (a lane of its own: a new test supersedes the previous one) and answers in plain
words before anything is saved. Secret fields are masked. The dialog saves
the secret to the keyring itself, because only here can a failed save be answered at once with
the session-only offer; the account record is saved by whoever receives ``result_value``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.api.regions import Region
from desktop_app.report.rows import Report
from desktop_app.storage.account import Account, AuthMethod
from desktop_app.storage.credentials import (
    CredentialStore,
    CredentialStoreError,
    StoredCredentials,
)
from desktop_app.storage.keyring_backend import KeyringStatus
from desktop_app.ui.account.connection_test import (
    ClientFactory,
    ConnectionOutcome,
    SignInDraft,
    SignInResult,
    describe_connection_error,
    fingerprint,
    run_test,
)
from desktop_app.ui.widgets import hint_label
from desktop_app.ui.workers import Job, Workers

log = logging.getLogger(__name__)

USERNAME_HELP = (
    "The partner superadmin username (the partner account the report belongs to), "
    "not an employee's own login."
)
CLIENT_HELP = (
    "Recommended. Access tokens last about an hour; with client credentials the app gets and "
    "renews them itself."
)
TOKEN_HELP = "A pasted token expires after about an hour; you will then be asked for a new one."
_OK_STYLE = "color: #2e7d32;"
_ERROR_STYLE = "color: #c62828;"


class SignInDialog(QDialog):
    """Sign in to a partner account, or (``token_only``) replace an expired pasted token.

    After ``exec()``/``accepted``, ``result_value`` holds the ``SignInResult``.

    Signals:
        tested(bool, str): a connection test ended: success, and the words shown.
    """

    tested = Signal(bool, str)

    def __init__(
        self,
        workers: Workers,
        client_factory: ClientFactory,
        credential_store: CredentialStore | None,
        keyring_status: KeyringStatus,
        *,
        account: Account | None = None,
        credentials: StoredCredentials | None = None,
        token_only: bool = False,
        refuse: Callable[[Account], str | None] = lambda account: None,
        parent: QWidget | None = None,
    ) -> None:
        """``refuse`` says why an account may not be signed in here (checked before its
        secret is saved), or None."""
        super().__init__(parent)
        self._refuse = refuse
        self.setObjectName("signInDialog")
        self._factory = client_factory
        self._store = credential_store if keyring_status.usable else None
        self._keyring_status = keyring_status
        self._token_only = token_only
        self._tested: tuple[Account, str] | None = None  # what the last good test was for
        self._pending: tuple[Account, str] | None = None  # what the running test is for
        self._tested_count: int | None = None
        self._tested_report: Report | None = None
        self._focus_before_test: QWidget | None = None
        self._accept_after_test = False
        self.result_value: SignInResult | None = None
        self._workers = workers
        self._lane = f"sign-in-test-{id(self)}"
        self._test: Job[ConnectionOutcome] | None = None

        self.setWindowTitle("Access token expired" if token_only else "Sign in to Intronis")
        self.setMinimumWidth(560)
        self._build()
        self._fill(account, credentials)
        self._update_region()
        self._update_method()
        self.finished.connect(lambda _r: self._workers.cancel(self._lane))

    # --- construction ---------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        intro = self.intro_label = QLabel(self)
        intro.setWordWrap(True)
        if self._token_only:
            intro.setText(
                "The pasted access token has expired or was refused. Paste a new one; the last "
                "report stays on screen meanwhile."
            )
        else:
            intro.setText(
                "Sign in with your Intronis partner account to see its Backup Status Report."
            )
        layout.addWidget(intro)

        account_box = QGroupBox("Account", self)
        form = QFormLayout(account_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.region_combo = QComboBox(account_box)
        self.region_combo.setObjectName("regionCombo")
        self.region_combo.setAccessibleName("Region")
        self.region_combo.addItem(Region.NORTH_AMERICA.label, Region.NORTH_AMERICA.value)
        self.region_combo.addItem(Region.EMEA.label, Region.EMEA.value)
        self.region_combo.addItem("Custom URL…", "custom")
        self.region_combo.currentIndexChanged.connect(self._update_region)
        form.addRow("&Region:", self.region_combo)
        self.api_url_edit = QLineEdit(account_box)
        self.api_url_edit.setObjectName("apiUrlEdit")
        self.api_url_edit.setAccessibleName("API address")
        self.api_url_edit.setPlaceholderText("https://api.example.com")
        self.auth_url_edit = QLineEdit(account_box)
        self.auth_url_edit.setObjectName("authUrlEdit")
        self.auth_url_edit.setAccessibleName("Sign-in address")
        self.auth_url_edit.setPlaceholderText("optional; default: the API address's origin")
        self._api_url_label = QLabel("API &address:", account_box)
        self._api_url_label.setBuddy(self.api_url_edit)
        self._auth_url_label = QLabel("Sign-in a&ddress:", account_box)
        self._auth_url_label.setBuddy(self.auth_url_edit)
        form.addRow(self._api_url_label, self.api_url_edit)
        form.addRow(self._auth_url_label, self.auth_url_edit)
        self.username_edit = QLineEdit(account_box)
        self.username_edit.setObjectName("usernameEdit")
        self.username_edit.setAccessibleName("Partner username")
        self.username_edit.setToolTip(USERNAME_HELP)
        form.addRow("Partner &username:", self.username_edit)
        form.addRow("", hint_label(USERNAME_HELP, account_box))
        layout.addWidget(account_box)

        method_box = QGroupBox("Sign-in method", self)
        method_layout = QVBoxLayout(method_box)
        self.client_radio = QRadioButton("API &client credentials (recommended)", method_box)
        self.client_radio.setObjectName("clientMethodRadio")
        self.token_radio = QRadioButton("Pasted access &token", method_box)
        self.token_radio.setObjectName("tokenMethodRadio")
        self._method_group = QButtonGroup(self)
        self._method_group.addButton(self.client_radio)
        self._method_group.addButton(self.token_radio)
        self.client_radio.setChecked(True)
        self.client_radio.toggled.connect(self._update_method)
        radios = QHBoxLayout()
        radios.addWidget(self.client_radio)
        radios.addWidget(self.token_radio)
        radios.addStretch(1)
        method_layout.addLayout(radios)

        # Two pages shown one at a time; hidden widgets take no room, so the dialog stays tight.
        client_page = QWidget(method_box)
        client_form = QFormLayout(client_page)
        client_form.setContentsMargins(0, 0, 0, 0)
        self.client_id_edit = QLineEdit(client_page)
        self.client_id_edit.setObjectName("clientIdEdit")
        self.client_id_edit.setAccessibleName("Client ID")
        self.client_secret_edit = _secret_edit(client_page, "clientSecretEdit", "Client secret")
        client_form.addRow("Client &ID:", self.client_id_edit)
        client_form.addRow("Client &secret:", self.client_secret_edit)
        client_form.addRow("", hint_label(CLIENT_HELP, client_page))
        token_page = QWidget(method_box)
        token_form = QFormLayout(token_page)
        token_form.setContentsMargins(0, 0, 0, 0)
        self.token_edit = _secret_edit(token_page, "accessTokenEdit", "Access token")
        token_form.addRow("Access to&ken:", self.token_edit)
        token_form.addRow("", hint_label(TOKEN_HELP, token_page))
        self.client_page, self.token_page = client_page, token_page
        method_layout.addWidget(client_page)
        method_layout.addWidget(token_page)
        layout.addWidget(method_box)
        if self._token_only:
            account_box.setEnabled(False)
            self.client_radio.setEnabled(False)

        self.keyring_notice = QLabel(self._keyring_status.message, self)
        self.keyring_notice.setObjectName("keyringNotice")
        self.keyring_notice.setWordWrap(True)
        self.keyring_notice.setFrameShape(QFrame.Shape.StyledPanel)
        self.keyring_notice.setStyleSheet(
            "QLabel { border: 1px solid #ef6c00; border-left: 5px solid #ef6c00;"
            " border-radius: 4px; padding: 6px; }"
        )
        self.keyring_notice.setVisible(not self._keyring_status.usable)
        layout.addWidget(self.keyring_notice)
        self.session_only_check = QCheckBox(
            "Keep the secret for this session only (ask again at the next start)", self
        )
        self.session_only_check.setObjectName("sessionOnlyCheck")
        # Without a usable keyring session-only is the only way: no box to tick, just the notice.
        self.session_only_check.setChecked(not self._keyring_status.usable)
        self.session_only_check.hide()
        layout.addWidget(self.session_only_check)

        test_row = QHBoxLayout()
        self.test_button = QPushButton("&Test connection", self)
        self.test_button.setObjectName("testButton")
        self.test_button.clicked.connect(self.test_connection)
        self.result_label = QLabel(self)
        self.result_label.setObjectName("resultLabel")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        test_row.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop)
        test_row.addWidget(self.result_label, 1)
        layout.addLayout(test_row)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.sign_in_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.sign_in_button.setObjectName("signInButton")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        # Enter always means "sign in" (which tests first when needed), never Cancel: a button
        # that merely had the focus must not become the default.
        for button in (self.test_button, self.cancel_button):
            button.setAutoDefault(False)
        self.sign_in_button.setAutoDefault(True)
        self.sign_in_button.setDefault(True)
        if self._token_only:
            self.sign_in_button.setText("Use this token")
        elif not self._keyring_status.usable:
            self.sign_in_button.setText("Sign in for this session")
        else:
            self.sign_in_button.setText("Sign in")
        self.buttons.accepted.connect(self.sign_in)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _fill(self, account: Account | None, credentials: StoredCredentials | None) -> None:
        if account is not None:
            index = self.region_combo.findData(
                account.region.value if account.region is not None else "custom"
            )
            self.region_combo.setCurrentIndex(max(0, index))
            self.api_url_edit.setText(account.api_url)
            self.auth_url_edit.setText(account.auth_url)
            self.username_edit.setText(account.username)
            self.token_radio.setChecked(account.method is AuthMethod.ACCESS_TOKEN)
        if self._token_only:
            self.token_radio.setChecked(True)
            self.token_edit.setFocus()
            return
        if credentials is not None:
            self.client_id_edit.setText(credentials.client_id or "")
            self.client_secret_edit.setText(credentials.client_secret or "")
            self.token_edit.setText(credentials.access_token or "")
        (self.username_edit if account is None else self.client_id_edit).setFocus()

    # --- reading the form -----------------------------------------------------------------
    def method(self) -> AuthMethod:
        if self.token_radio.isChecked():
            return AuthMethod.ACCESS_TOKEN
        return AuthMethod.CLIENT_CREDENTIALS

    def account(self) -> Account:
        """The account in the form; ValueError with a plain message when it is incomplete."""
        data = self.region_combo.currentData()
        region = None if data == "custom" else Region(data)
        if region is None and not self.api_url_edit.text().strip():
            raise ValueError("Enter the API address of the custom server.")
        return Account(
            username=self.username_edit.text(),
            method=self.method(),
            region=region,
            api_url=self.api_url_edit.text() if region is None else "",
            auth_url=self.auth_url_edit.text() if region is None else "",
        )

    def credentials(self) -> StoredCredentials:
        if self.method() is AuthMethod.ACCESS_TOKEN:
            token = self.token_edit.text().strip()
            if not token:
                raise ValueError("Paste the access token.")
            return StoredCredentials(access_token=token)
        client_id = self.client_id_edit.text().strip()
        secret = self.client_secret_edit.text().strip()
        if not client_id or not secret:
            raise ValueError("Enter both the client ID and the client secret.")
        return StoredCredentials(client_id=client_id, client_secret=secret)

    def _inputs(self) -> tuple[Account, StoredCredentials] | None:
        try:
            return self.account(), self.credentials()
        except ValueError as exc:
            self._show_result(False, str(exc))
            return None

    # --- actions --------------------------------------------------------------------------
    def test_connection(self) -> None:
        """Fetch the report with the form's values on the worker thread; answer in the label."""
        inputs = self._inputs()
        if inputs is None:
            self._accept_after_test = False
            return
        account, credentials = inputs
        self._tested = None
        self._tested_report = None
        self._pending = (account, fingerprint(credentials))
        self._focus_before_test = self.focusWidget()
        self._set_testing(True)
        self.result_label.setStyleSheet("")
        self.result_label.setText("Testing the connection…")
        self._test = self._workers.submit(
            run_test(self._factory, account, credentials),
            self._on_tested,
            self._on_failed,
            lane=self._lane,
            name="sign-in-test",
        )

    def sign_in(self) -> None:
        """Test first (unless the form was just tested successfully), then save and close."""
        inputs = self._inputs()
        if inputs is None:
            return
        account, credentials = inputs
        if (refusal := self._refuse(account)) is not None:
            self._show_result(False, refusal)
            return
        if self._tested != (account, fingerprint(credentials)):
            self._accept_after_test = True
            self.test_connection()
            return
        session_only = self.session_only_check.isChecked() or self._store is None
        if not session_only:
            assert self._store is not None
            try:
                self._store.save(account.username, account.api_host, credentials)
            except CredentialStoreError as exc:
                self._offer_session_only(str(exc))
                return
        self.result_value = SignInResult(
            account,
            credentials,
            saved=not session_only,
            backup_sets=self._tested_count,
            report=self._tested_report,
        )
        self.accept()

    def is_testing(self) -> bool:
        return self._test is not None

    # --- slots ----------------------------------------------------------------------------
    def _on_tested(self, outcome: ConnectionOutcome) -> None:
        self._test = None
        self._set_testing(False)
        self._show_result(outcome.ok, outcome.text)
        self.tested.emit(outcome.ok, outcome.text)
        if outcome.ok:
            self._tested = self._pending
            self._tested_count = outcome.backup_sets
            self._tested_report = outcome.report
            if self._accept_after_test:
                self._accept_after_test = False
                self.sign_in()
        self._accept_after_test = False

    def _on_failed(self, error: BaseException) -> None:
        self._test = None
        self._set_testing(False)
        if getattr(error, "cancelled", False):
            return
        text = describe_connection_error(error, self.method())
        self._accept_after_test = False
        self._show_result(False, text)
        self.tested.emit(False, text)

    def _show_result(self, ok: bool, text: str) -> None:
        self.result_label.setStyleSheet(_OK_STYLE if ok else _ERROR_STYLE)
        self.result_label.setText(text)

    def _offer_session_only(self, reason: str) -> None:
        self.keyring_notice.setText(
            f"{reason}. You can sign in for this session only: the secret stays in memory and "
            "you will be asked for it again at the next start."
        )
        self.keyring_notice.show()
        self.session_only_check.setVisible(True)
        self.session_only_check.setEnabled(True)
        self.session_only_check.setChecked(True)
        self.sign_in_button.setText("Sign in for this session")

    def _set_testing(self, testing: bool) -> None:
        self.test_button.setEnabled(not testing)
        self.sign_in_button.setEnabled(not testing)
        if not testing:
            # Disabling the focused Test button sent the focus on (to Cancel); bring it back
            # to where the admin was typing, or to "Sign in" after a click on Test.
            before, self._focus_before_test = self._focus_before_test, None
            if before is None or before is self.test_button or not before.isEnabled():
                before = self.sign_in_button
            before.setFocus(Qt.FocusReason.OtherFocusReason)
            self.sign_in_button.setDefault(True)

    # --- the draft ------------------------------------------------------------------------
    def draft(self) -> SignInDraft:
        """What the form holds now (see ``SignInDraft``)."""
        return SignInDraft(
            region=self.region_combo.currentData(),
            api_url=self.api_url_edit.text(),
            auth_url=self.auth_url_edit.text(),
            username=self.username_edit.text(),
            token_method=self.token_radio.isChecked(),
            client_id=self.client_id_edit.text(),
            client_secret=self.client_secret_edit.text(),
            access_token=self.token_edit.text(),
        )

    def restore(self, draft: SignInDraft) -> None:
        """Fill the form with what was typed before (not in token-only mode: that asks for a
        token for the saved account only)."""
        if self._token_only:
            return
        self.region_combo.setCurrentIndex(max(0, self.region_combo.findData(draft.region)))
        self.api_url_edit.setText(draft.api_url)
        self.auth_url_edit.setText(draft.auth_url)
        self.username_edit.setText(draft.username)
        self.token_radio.setChecked(draft.token_method)
        self.client_radio.setChecked(not draft.token_method)
        self.client_id_edit.setText(draft.client_id)
        self.client_secret_edit.setText(draft.client_secret)
        self.token_edit.setText(draft.access_token)

    def _update_region(self) -> None:
        custom = self.region_combo.currentData() == "custom"
        for widget in (self.api_url_edit, self.auth_url_edit):
            widget.setVisible(custom)
        self._api_url_label.setVisible(custom)
        self._auth_url_label.setVisible(custom)

    def _update_method(self) -> None:
        token = self.token_radio.isChecked()
        self.token_page.setVisible(token)
        self.client_page.setVisible(not token)


def _secret_edit(parent: QWidget, name: str, accessible: str) -> QLineEdit:
    """A masked field: the value is never shown, copied out, or offered by input methods."""
    edit = QLineEdit(parent)
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setInputMethodHints(
        Qt.InputMethodHint.ImhHiddenText
        | Qt.InputMethodHint.ImhSensitiveData
        | Qt.InputMethodHint.ImhNoPredictiveText
    )
    return edit
