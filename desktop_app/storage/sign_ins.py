"""Other sign-ins: partner accounts on other API hosts (an EMEA account beside the North
American one), each with its own credentials in the keyring (``{username}@{api host}``).

The list lives in the account store under ``account/others`` as JSON, never with a secret. A
damaged list or entry costs only itself (logged), never the start. ``OtherSignIns`` turns the
list into what a fetch needs (``api.partner_view.SignInScope``): a client per sign-in, built
from the keyring's credentials (or session-only ones held in memory) and reused between
refreshes while nothing changed, so a client-credentials sign-in does not fetch a new token at
every refresh. It is called from the fetch's worker thread and the GUI thread alike: a lock
guards it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Final

from desktop_app.api.client import ReportClient
from desktop_app.api.partner_view import PartnerScope, SignInScope
from desktop_app.storage.account import Account, load_account, save_account
from desktop_app.storage.credentials import (
    CredentialStore,
    CredentialStoreError,
    StoredCredentials,
)
from desktop_app.storage.settings_fields import other_partners_problem, parse_partners

__all__ = [
    "KEY_OTHERS",
    "MAX_OTHER_SIGN_INS",
    "OtherSignIn",
    "OtherSignIns",
    "load_other_sign_ins",
    "save_other_sign_ins",
]

log = logging.getLogger(__name__)

KEY_OTHERS: Final = "account/others"
MAX_OTHER_SIGN_INS: Final = 5

ClientFactory = Callable[[Account, StoredCredentials], ReportClient]


@dataclass(frozen=True, slots=True)
class OtherSignIn:
    """A sign-in besides the main one: its ``account``, the ``label`` its partners are named
    with when its host is not the main sign-in's (default: the region, or the host), and the
    other ``partners`` it watches beside its own (same host and credentials). Raises
    ValueError for partners that cannot be usernames."""

    account: Account
    label: str = ""
    partners: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        account = self.account
        default = account.region.label if account.region is not None else account.api_host
        object.__setattr__(self, "label", self.label.strip() or default)
        if (problem := other_partners_problem(self.partners)) is not None:
            raise ValueError(problem)

    def describe(self) -> str:
        return self.account.describe()


def load_other_sign_ins(store: Mapping[str, object]) -> tuple[OtherSignIn, ...]:
    """The saved other sign-ins; a damaged list or entry is left out (logged)."""
    raw = store.get(KEY_OTHERS)
    if raw is None or raw == "":
        return ()
    try:
        entries = json.loads(str(raw))
        if not isinstance(entries, list):
            raise ValueError("not a list")
    except ValueError as exc:
        log.warning("The saved other sign-ins cannot be read (%s); none are used", exc)
        return ()
    found: dict[str, OtherSignIn] = {}
    for entry in entries[:MAX_OTHER_SIGN_INS]:
        account = load_account(entry) if isinstance(entry, dict) else None
        if account is None or not isinstance(entry, dict):
            log.warning("A saved other sign-in cannot be used; it is left out")
            continue
        label = str(entry.get("label") or "")
        try:
            sign_in = OtherSignIn(account, label, parse_partners(entry.get("partners", [])))
        except ValueError as exc:  # its own partner still shows
            log.warning("The other partners of a saved sign-in cannot be used (%s)", exc)
            sign_in = OtherSignIn(account, label)
        found.setdefault(account.keyring_account, sign_in)
    return tuple(found.values())


def save_other_sign_ins(
    sign_ins: Sequence[OtherSignIn], store: MutableMapping[str, object]
) -> None:
    entries = []
    for sign_in in sign_ins:
        entry: dict[str, object] = {"label": sign_in.label, "partners": list(sign_in.partners)}
        save_account(sign_in.account, entry)
        entries.append(entry)
    store[KEY_OTHERS] = json.dumps(entries, separators=(",", ":"))


class OtherSignIns:
    """The other sign-ins in effect and a client for each (see the module docstring).

    The lock guards the list and the cache only: the keyring is read outside it (a locked
    keyring or a Keychain prompt must not hold up the GUI thread's changes). A client that is
    replaced is closed at the next fetch's start or at ``close``, not at once: a fetch still
    running may hold it.
    """

    def __init__(
        self,
        credential_store: CredentialStore | None,
        client_factory: ClientFactory,
        *,
        on_credentials: Callable[[StoredCredentials], None] = lambda credentials: None,
    ) -> None:
        """``on_credentials`` sees every secret read, before it is used (log redaction)."""
        self._credential_store = credential_store
        self._factory = client_factory
        self._on_credentials = on_credentials
        self._lock = threading.Lock()
        self._sign_ins: tuple[OtherSignIn, ...] = ()
        self._in_memory: dict[str, StoredCredentials] = {}  # session-only secrets
        self._clients: dict[str, tuple[StoredCredentials, ReportClient]] = {}  # by keyring entry
        self._retired: list[ReportClient] = []  # replaced; closed at the next fetch's start
        self._closed = False

    @property
    def sign_ins(self) -> tuple[OtherSignIn, ...]:
        return self._sign_ins

    def set_sign_ins(self, sign_ins: Sequence[OtherSignIn]) -> None:
        """Use these from the next fetch on; the clients of the others are retired."""
        with self._lock:
            self._sign_ins = tuple(sign_ins)
            accounts = {s.account.keyring_account for s in self._sign_ins}
            for gone in [a for a in self._clients if a not in accounts]:
                self._retired.append(self._clients.pop(gone)[1])
            self._in_memory = {k: v for k, v in self._in_memory.items() if k in accounts}

    def keep_in_memory(self, account: Account, credentials: StoredCredentials | None) -> None:
        """Session-only credentials for ``account`` (``None``: forget them)."""
        with self._lock:
            if credentials is None:
                self._in_memory.pop(account.keyring_account, None)
            else:
                self._in_memory[account.keyring_account] = credentials

    def session_only(self, sign_in: OtherSignIn) -> bool:
        """Whether ``sign_in``'s secret is held in memory only (asked for again next start)."""
        return sign_in.account.keyring_account in self._in_memory

    def reset(self) -> None:
        """Retire every client (e.g. the network settings changed): the next fetch builds
        new ones."""
        with self._lock:
            self._retired.extend(client for _c, client in self._clients.values())
            self._clients = {}

    def close(self) -> None:
        """Close every client; nothing is built after this (the app is quitting)."""
        with self._lock:
            self._closed = True
        self.reset()
        self._close_retired()

    def scopes(self, include_subpartners: bool) -> list[SignInScope]:
        """What a fetch of the other sign-ins needs, now. A sign-in whose secret cannot be
        read, or whose client cannot be made, comes with the reason instead of a client."""
        self._close_retired()
        with self._lock:
            if self._closed:
                return []
            sign_ins, held = self._sign_ins, dict(self._in_memory)
        found = [(s, *self._credentials(s.account, held)) for s in sign_ins]
        return [self._scope(s, c, problem, include_subpartners) for s, c, problem in found]

    def _scope(
        self,
        sign_in: OtherSignIn,
        credentials: StoredCredentials | None,
        problem: str,
        include_subpartners: bool,
    ) -> SignInScope:
        account = sign_in.account
        scope = PartnerScope.of(account.username, sign_in.partners, include_subpartners)
        if credentials is None:
            return SignInScope(scope, account.api_host, sign_in.label, failure=problem)
        with self._lock:
            cached = self._clients.get(account.keyring_account)
            if cached is None or cached[0] != credentials:
                self._on_credentials(credentials)
                try:
                    client = self._factory(account, credentials)
                except Exception:  # a defect costs this sign-in only, and is seen
                    log.exception("The client of another sign-in could not be made")
                    failure = (
                        f"The sign-in {account.keyring_account} could not be used; "
                        "details are in the log file."
                    )
                    return SignInScope(scope, account.api_host, sign_in.label, failure=failure)
                if cached is not None:
                    self._retired.append(cached[1])
                cached = self._clients[account.keyring_account] = (credentials, client)
        return SignInScope(scope, account.api_host, sign_in.label, cached[1])

    def _close_retired(self) -> None:
        with self._lock:
            retired, self._retired = self._retired, []
        for client in retired:
            client.close()

    def _credentials(
        self, account: Account, held: Mapping[str, StoredCredentials]
    ) -> tuple[StoredCredentials | None, str]:
        """``account``'s secret (kept in memory, else from the keyring), or why there is none."""
        if (found := held.get(account.keyring_account)) is not None:
            return found, ""
        where = account.keyring_account
        again = "sign in again (Account > Other sign-ins… > Sign in again…)."
        if self._credential_store is None:
            return None, f"The secret of the sign-in {where} is not available: {again}"
        try:
            credentials = self._credential_store.load(account.username, account.api_host)
        except CredentialStoreError as exc:
            log.warning("Could not read the secret of another sign-in: %s", exc)
            return None, f"{exc}; {again}"
        if credentials is None:
            return None, f"No secret is saved for the sign-in {where}: {again}"
        return credentials, ""
