"""Other sign-ins: the saved list (never a secret, a damaged entry costs only itself) and the
clients built from the keyring for each fetch (reused while nothing changed)."""

from __future__ import annotations

import json
import logging

import pytest

from desktop_app.api.client import ReportClient, build_client
from desktop_app.api.regions import Region, custom_endpoint
from desktop_app.storage.account import Account, AuthMethod
from desktop_app.storage.credentials import CredentialStore, StoredCredentials
from desktop_app.storage.sign_ins import (
    KEY_OTHERS,
    OtherSignIn,
    OtherSignIns,
    load_other_sign_ins,
    save_other_sign_ins,
)
from tests.support import MemoryKeyring

EMEA = OtherSignIn(Account("msp-eu", region=Region.EMEA))
CUSTOM = OtherSignIn(
    Account("msp-lab", AuthMethod.ACCESS_TOKEN, region=None, api_url="https://lab.example.com"),
    label="Lab",
    partners=("lab-resell1", "lab-resell2"),
)
SECRET = StoredCredentials("id-eu", "s3cret-eu-value")


def test_the_list_round_trips_without_secrets() -> None:
    store: dict[str, object] = {}
    save_other_sign_ins([EMEA, CUSTOM], store)
    assert load_other_sign_ins(store) == (EMEA, CUSTOM)
    assert EMEA.label == "EMEA" and CUSTOM.label == "Lab"
    assert OtherSignIn(CUSTOM.account).label == "lab.example.com"
    assert "secret" not in str(store[KEY_OTHERS]).lower()


@pytest.mark.parametrize("raw", ["{not json", '{"a": 1}', "17"])
def test_a_damaged_list_is_none_and_logged(raw: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert load_other_sign_ins({KEY_OTHERS: raw}) == ()
    assert "cannot be read" in caplog.text


def test_partners_that_cannot_be_usernames_are_refused_and_cost_only_themselves(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(ValueError, match="Not a partner username"):
        OtherSignIn(EMEA.account, partners=("a/b",))
    store: dict[str, object] = {}
    save_other_sign_ins([CUSTOM], store)
    entries = json.loads(str(store[KEY_OTHERS]))
    entries[0]["partners"] = ["twice", "twice"]
    store[KEY_OTHERS] = json.dumps(entries)
    with caplog.at_level(logging.WARNING):
        (loaded,) = load_other_sign_ins(store)
    assert loaded.account == CUSTOM.account and loaded.partners == ()
    assert "Each partner username once" in caplog.text


def test_a_damaged_entry_costs_only_itself() -> None:
    store: dict[str, object] = {}
    save_other_sign_ins([EMEA, CUSTOM], store)
    entries = json.loads(str(store[KEY_OTHERS]))
    entries.insert(1, {"account/username": "x y"})  # spaces: not a username
    entries.insert(1, "nonsense")
    entries.append(entries[0])  # a repeat
    store[KEY_OTHERS] = json.dumps(entries)
    assert load_other_sign_ins(store) == (EMEA, CUSTOM)


class Factory:
    """Builds real clients (not connected until used) and remembers what it built and which
    it closed."""

    def __init__(self) -> None:
        self.built: list[ReportClient] = []
        self.closed: list[ReportClient] = []

    def __call__(self, account: Account, credentials: StoredCredentials) -> ReportClient:
        client = build_client(
            custom_endpoint("http://127.0.0.1:9"),
            account.username,
            client_id=credentials.client_id,
            client_secret=credentials.client_secret,
        )
        self.built.append(client)
        close = client.close

        def closing() -> None:
            self.closed.append(client)
            close()

        client.close = closing  # type: ignore[method-assign]
        return client


def test_clients_come_from_the_keyring_and_are_reused() -> None:
    keyring = MemoryKeyring()
    store = CredentialStore(keyring)
    store.save("msp-eu", EMEA.account.api_host, SECRET)
    seen: list[StoredCredentials] = []
    factory = Factory()
    others = OtherSignIns(store, factory, on_credentials=seen.append)
    others.set_sign_ins([EMEA])
    (first,) = others.scopes(include_subpartners=True)
    (again,) = others.scopes(include_subpartners=False)
    assert first.client is again.client is factory.built[0]
    assert (first.host, first.label, first.failure) == (EMEA.account.api_host, "EMEA", None)
    assert first.scope.usernames == ("msp-eu",) and first.scope.include_subpartners
    # Its other partners join its scope; its client stays the same.
    others.set_sign_ins([OtherSignIn(EMEA.account, partners=("eu-resell",))])
    (wider,) = others.scopes(include_subpartners=False)
    assert wider.scope.usernames == ("msp-eu", "eu-resell") and wider.client is first.client
    assert not again.scope.include_subpartners
    assert seen == [SECRET]  # registered for redaction before first use
    # New credentials (the sign-in added again): a new client.
    store.save("msp-eu", EMEA.account.api_host, StoredCredentials("id-eu", "new-secret"))
    (renewed,) = others.scopes(include_subpartners=False)
    assert renewed.client is factory.built[1]


def test_a_sign_in_without_its_secret_says_so_without_a_client() -> None:
    others = OtherSignIns(CredentialStore(MemoryKeyring()), Factory())
    others.set_sign_ins([EMEA])
    (scope,) = others.scopes(include_subpartners=False)
    assert scope.client is None
    assert scope.failure == (
        f"No secret is saved for the sign-in msp-eu@{EMEA.account.api_host}: sign in again "
        "(Account > Other sign-ins… > Sign in again…)."
    )


def test_session_only_secrets_are_held_in_memory_and_forgotten_with_the_sign_in() -> None:
    keyring = MemoryKeyring()
    factory = Factory()
    others = OtherSignIns(CredentialStore(keyring), factory)
    others.set_sign_ins([EMEA])
    others.keep_in_memory(EMEA.account, SECRET)
    (scope,) = others.scopes(include_subpartners=False)
    assert scope.client is factory.built[0] and keyring.values == {}
    others.set_sign_ins([])
    assert others.scopes(include_subpartners=False) == []
    others.set_sign_ins([EMEA])  # back, but its in-memory secret went with it
    (scope,) = others.scopes(include_subpartners=False)
    assert scope.client is None


def test_a_replaced_client_is_closed_at_the_next_fetch_not_under_a_running_one() -> None:
    store = CredentialStore(MemoryKeyring())
    store.save("msp-eu", EMEA.account.api_host, SECRET)
    factory = Factory()
    others = OtherSignIns(store, factory)
    others.set_sign_ins([EMEA])
    (first,) = others.scopes(include_subpartners=False)
    others.reset()  # e.g. new network settings while a fetch still uses ``first.client``
    others.set_sign_ins([])
    assert factory.closed == []
    assert others.scopes(include_subpartners=False) == []  # the next fetch
    assert factory.closed == [first.client]


def test_nothing_is_built_after_close_and_everything_is_closed() -> None:
    store = CredentialStore(MemoryKeyring())
    store.save("msp-eu", EMEA.account.api_host, SECRET)
    factory = Factory()
    others = OtherSignIns(store, factory)
    others.set_sign_ins([EMEA])
    (scope,) = others.scopes(include_subpartners=False)
    others.close()
    assert factory.closed == [scope.client]
    assert others.scopes(include_subpartners=False) == []  # a late fetch thread at quit
    assert len(factory.built) == 1


def test_a_client_that_cannot_be_made_costs_only_its_sign_in(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = CredentialStore(MemoryKeyring())
    store.save("msp-eu", EMEA.account.api_host, SECRET)

    def broken(account: Account, credentials: StoredCredentials) -> ReportClient:
        raise RuntimeError("a defect")

    others = OtherSignIns(store, broken)
    others.set_sign_ins([EMEA])
    with caplog.at_level(logging.ERROR):
        (scope,) = others.scopes(include_subpartners=False)
    assert scope.client is None and "could not be used" in (scope.failure or "")
    assert "a defect" in caplog.text  # the traceback went to the log
