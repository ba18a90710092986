"""The account feature put together: the keyring, the client built from the settings in effect,
the controller and its Account menu (outside demo mode)."""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import TYPE_CHECKING

from desktop_app.api.client import ReportClient
from desktop_app.storage.account import Account, build_report_client
from desktop_app.storage.credentials import CredentialStore, StoredCredentials
from desktop_app.storage.keyring_backend import detect_keyring, probe_keyring
from desktop_app.storage.network_session import build_session
from desktop_app.storage.settings import AppSettings
from desktop_app.storage.sign_ins import OtherSignIns, load_other_sign_ins
from desktop_app.ui.account.controller import AccountController
from desktop_app.ui.refresh.controller import RefreshController
from desktop_app.ui.refresh.fetcher import ReportFetcher
from desktop_app.ui.shell.main_window import MainWindow
from desktop_app.ui.workers import Workers

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

__all__ = ["attach_account"]


def attach_account(
    workers: Workers,
    store: MutableMapping[str, object],
    backend: KeyringBackend | None,
    settings: Callable[[], AppSettings],
    fetcher: ReportFetcher,
    refresh: RefreshController,
    window: MainWindow,
    register_secret: Callable[..., None],
) -> AccountController:
    """``backend`` ``None``: the OS keyring, detected now. Clients follow the network settings
    in effect when each is built (``AccountController.reconnect`` after a change)."""
    if backend is not None:
        status = probe_keyring(backend)
    else:
        backend, status = detect_keyring()

    def client_factory(account: Account, credentials: StoredCredentials) -> ReportClient:
        current = settings()
        return build_report_client(
            account,
            credentials,
            build_session(current),
            connect_timeout=current.connect_timeout,
            read_timeout=current.read_timeout,
            deadline=current.fetch_deadline,
        )

    def register(credentials: StoredCredentials) -> None:
        register_secret(credentials.client_secret, credentials.access_token)

    credential_store = CredentialStore(backend) if backend is not None else None
    usable_store = credential_store if status.usable else None
    others = OtherSignIns(usable_store, client_factory, on_credentials=register)
    others.set_sign_ins(load_other_sign_ins(store))
    account = AccountController(
        workers,
        store,
        credential_store,
        status,
        client_factory,
        fetcher,
        refresh,
        window,
        register_secret=register_secret,
        settings=settings,
        others=others,
        parent=window,
    )
    account.fill_menu(window.account_menu)
    return account
