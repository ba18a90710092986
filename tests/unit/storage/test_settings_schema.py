"""The settings schema: defaults, round trips through a plain dict, validation, and fallbacks."""

from __future__ import annotations

import dataclasses
import logging
import ssl
from datetime import time
from pathlib import Path

import pytest
import requests

from desktop_app.report.diff import DEFAULT_NOTIFY_KINDS, ChangeKind
from desktop_app.report.escalation import EscalationRule
from desktop_app.report.quiet_hours import QuietHours
from desktop_app.storage.account import Account, build_report_client
from desktop_app.storage.credentials import StoredCredentials
from desktop_app.storage.network_session import build_session
from desktop_app.storage.settings import SCHEMA, AppSettings, load_settings, save_settings
from desktop_app.storage.settings_fields import ca_bundle_problem, proxy_url_problem


def test_defaults_match_the_issue() -> None:
    settings = load_settings({})
    assert settings == AppSettings()
    assert settings.refresh_minutes == 15
    assert settings.refresh_seconds == 900.0
    assert settings.stale_hours == 26
    assert settings.stale_after.total_seconds() == 26 * 3600
    assert settings.history_days == 90 and settings.history_retention.days == 90
    assert settings.notify_change_kinds == DEFAULT_NOTIFY_KINDS
    assert settings.csv_delimiter == "," and settings.csv_bom is True
    assert settings.proxy_mode == "system" and settings.trust_mode == "system"
    assert settings.errors() == {}


def test_round_trip_through_a_string_store(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    chosen = AppSettings(
        refresh_minutes=1,
        stale_hours=48,
        notify_kinds=frozenset({ChangeKind.NEW_WARNING.value}),
        start_at_login=True,
        csv_delimiter="tab",
        csv_bom=False,
        proxy_mode="manual",
        proxy_url="http://proxy.example.com:3128",
        trust_mode="custom",
        ca_bundle=str(bundle),
        connect_timeout=5,
        read_timeout=300,
    )
    store: dict[str, object] = {}
    save_settings(chosen, store)
    assert store["export/delimiter"] == "tab"  # the key the export controller reads
    assert store["notify/kinds"] == "new_warning"
    # QSettings in INI format hands everything back as text.
    as_text = {key: str(value).lower() if isinstance(value, bool) else str(value)
               for key, value in store.items()}  # fmt: skip
    assert load_settings(as_text) == chosen
    assert load_settings(store) == chosen


def test_an_empty_notification_choice_is_kept() -> None:
    store: dict[str, object] = {}
    save_settings(AppSettings(notify_kinds=frozenset()), store)
    assert store["notify/kinds"] == ""
    assert load_settings(store).notify_kinds == frozenset()


def test_a_kind_added_later_is_on_for_choices_saved_before_it() -> None:
    # Saved by a version that offered six kinds: the admin chose failures only. Repeated failures
    # came later and are on by default; the old list never had the chance to include them.
    old = {"notify/kinds": "new_failure"}
    assert load_settings(old).notify_change_kinds == {
        ChangeKind.NEW_FAILURE,
        ChangeKind.REPEATED_FAILURE,
    }


def test_a_kind_turned_off_after_it_was_offered_stays_off() -> None:
    store: dict[str, object] = {}
    save_settings(AppSettings(notify_kinds=frozenset({ChangeKind.NEW_FAILURE.value})), store)
    assert load_settings(store).notify_change_kinds == {ChangeKind.NEW_FAILURE}
    save_settings(AppSettings(notify_kinds=frozenset()), store)
    assert load_settings(store).notify_kinds == frozenset()


@pytest.mark.parametrize(
    ("key", "raw", "field"),
    [
        ("refresh/interval_minutes", "0", "refresh_minutes"),
        ("refresh/interval_minutes", "-5", "refresh_minutes"),
        ("refresh/interval_minutes", "ten", "refresh_minutes"),
        ("refresh/interval_minutes", "99999", "refresh_minutes"),
        ("report/stale_after_hours", "1.5", "stale_hours"),
        ("history/keep_days", "3", "history_days"),
        ("notify/kinds", "new_failure,bogus", "notify_kinds"),
        ("general/start_at_login", "maybe", "start_at_login"),
        ("export/delimiter", "|", "csv_delimiter"),
        ("export/bom", "2", "csv_bom"),
        ("network/proxy_mode", "pac", "proxy_mode"),
        ("network/trust", "none", "trust_mode"),
        ("network/connect_timeout_seconds", "0", "connect_timeout"),
        ("network/read_timeout_seconds", ["x"], "read_timeout"),
        ("network/fetch_deadline_minutes", "0", "fetch_deadline_minutes"),
        ("network/fetch_deadline_minutes", "61", "fetch_deadline_minutes"),
    ],
)
def test_unusable_value_falls_back_to_default_with_a_warning(
    caplog: pytest.LogCaptureFixture, key: str, raw: object, field: str
) -> None:
    good = {"refresh/interval_minutes": "30"} if field != "refresh_minutes" else {}
    with caplog.at_level(logging.WARNING, logger="desktop_app.storage.settings"):
        settings = load_settings({**good, key: raw})
    assert getattr(settings, field) == getattr(AppSettings(), field)
    if good:
        assert settings.refresh_minutes == 30  # the other values are still used
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and key in warnings[0].getMessage()


def test_manual_proxy_without_a_usable_address_falls_back_to_system(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        settings = load_settings({"network/proxy_mode": "manual", "network/proxy_url": ""})
    assert settings.proxy_mode == "system"
    assert "network/proxy_mode" in caplog.text


def test_custom_trust_with_a_missing_bundle_falls_back_to_system(tmp_path: Path) -> None:
    settings = load_settings(
        {"network/trust": "custom", "network/ca_bundle": str(tmp_path / "gone.pem")}
    )
    assert settings.trust_mode == "system"


def test_errors_name_the_field_with_a_message(tmp_path: Path) -> None:
    bad = AppSettings(
        refresh_minutes=0,
        proxy_mode="manual",
        proxy_url="ftp://x",
        trust_mode="custom",
        ca_bundle=str(tmp_path / "missing.pem"),
    )
    errors = bad.errors()
    assert errors["refresh_minutes"] == "Must be between 1 and 1440 minutes."
    assert "must start with" in errors["proxy_url"]
    assert errors["ca_bundle"] == "That file does not exist."
    with pytest.raises(ValueError, match="proxy_url"):
        save_settings(bad, {})


def test_proxy_with_a_password_is_refused_without_echoing_it() -> None:
    message = proxy_url_problem("http://admin:hunter2pw@proxy:8080")
    assert message is not None and "password" in message
    assert "hunter2pw" not in message
    assert proxy_url_problem("proxy.example.com:8080") is None  # scheme defaults to http
    assert proxy_url_problem("http://proxy:notaport") == "The proxy address has an invalid port."
    assert ca_bundle_problem("") == "Choose a CA bundle file (PEM)."


def test_every_schema_key_is_unique() -> None:
    keys = [spec.key for spec in SCHEMA]
    assert len(keys) == len(set(keys))
    assert {spec.name for spec in SCHEMA} == {f.name for f in dataclasses.fields(AppSettings)}


def test_session_applies_a_manual_proxy_and_ignores_the_environment() -> None:
    session = build_session(AppSettings(proxy_mode="manual", proxy_url="proxy.local:3128"))
    with session:
        assert session.proxies == {
            "http": "http://proxy.local:3128",
            "https": "http://proxy.local:3128",
        }
        assert session.trust_env is False
    with build_session(AppSettings(proxy_mode="none")) as direct:
        assert direct.trust_env is False and not direct.proxies
    with build_session(AppSettings()) as system:
        assert system.trust_env is True


def test_session_verifies_with_the_custom_bundle(tmp_path: Path) -> None:
    bundle = tmp_path / "corp.pem"
    bundle.write_text("x")
    with build_session(AppSettings(trust_mode="custom", ca_bundle=str(bundle))) as session:
        assert session.verify == str(bundle)


def test_session_uses_the_os_trust_store_through_truststore() -> None:
    truststore = pytest.importorskip("truststore")
    with build_session(AppSettings()) as session:
        adapter = session.get_adapter("https://api.intronis.com/")
        context = adapter.poolmanager.connection_pool_kw.get("ssl_context")
        assert isinstance(context, truststore.SSLContext)
        assert isinstance(context, ssl.SSLContext)
        assert context.verify_mode == ssl.CERT_REQUIRED


def test_the_fetch_deadline_defaults_to_five_minutes_and_reaches_the_client() -> None:
    assert AppSettings().fetch_deadline == 300.0
    settings = load_settings({"network/fetch_deadline_minutes": "12"})
    assert (settings.fetch_deadline_minutes, settings.fetch_deadline) == (12, 720.0)
    account = Account(username="p1", region=None, api_url="http://127.0.0.1:9")
    credentials = StoredCredentials(access_token="t-123456")
    session = requests.Session()
    client = build_report_client(account, credentials, session, deadline=settings.fetch_deadline)
    with client:
        assert client.deadline == 720.0


def test_time_display_and_ticket_address_are_validated() -> None:
    from desktop_app.storage.settings_fields import ticket_address_problem

    assert AppSettings().time_mode == "local" and AppSettings().ticket_address == ""
    loaded = load_settings(
        {"display/times": "computer", "tickets/address": " help@psa.example.com "}
    )
    assert loaded.time_mode == "computer" and loaded.ticket_address == " help@psa.example.com "
    assert load_settings({"display/times": "moon", "tickets/address": 7}).time_mode == "local"
    assert ticket_address_problem("") is None
    assert ticket_address_problem("support@psa.example.com") is None
    for bad in ("support", "a@b", "two@x.com, three@y.com", "name <a@b.com>", "@x.com"):
        assert ticket_address_problem(bad), bad


def test_quiet_hours_and_escalation_default_off_and_three_runs_and_are_validated(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = load_settings({})
    assert not settings.quiet_hours.enabled and settings.quiet_hours.describe() == "off"
    assert settings.escalation == EscalationRule(runs=3, days=0)
    store: dict[str, object] = {}
    chosen = dataclasses.replace(
        settings,
        quiet_enabled=True,
        quiet_start="21:30",
        quiet_end="06:15",
        quiet_days=frozenset({"0", "4"}),
        escalation_runs=0,
        escalation_days=2,
    )
    save_settings(chosen, store)
    back = load_settings(store)
    assert back == chosen
    assert back.quiet_hours == QuietHours(True, time(21, 30), time(6, 15), frozenset({0, 4}))
    assert back.quiet_hours.describe() == "21:30-06:15, Mon, Fri"
    assert back.escalation.describe() == "failing for 2 days"
    bad = dataclasses.replace(
        chosen, quiet_start="25:00", quiet_days=frozenset({"9"}), escalation_runs=-1
    )
    assert set(bad.errors()) == {"quiet_start", "quiet_days", "escalation_runs"}
    with caplog.at_level(logging.WARNING):
        damaged = load_settings(
            {**store, "notify/quiet_end": "7 o'clock", "alerts/escalation_days": "x"}
        )
    assert damaged.quiet_end == "07:00" and damaged.escalation_days == 0
    assert damaged.quiet_start == "21:30"  # one odd value costs that field only


def test_other_partners_and_sub_partners_round_trip_and_are_validated() -> None:
    from desktop_app.storage.settings_fields import (
        MAX_OTHER_PARTNERS,
        other_partners_problem,
        partner_names,
    )

    assert AppSettings().other_partners == () and AppSettings().include_subpartners is False
    chosen = AppSettings(other_partners=("resell-north", "resell-south"), include_subpartners=True)
    store: dict[str, object] = {}
    save_settings(chosen, store)
    assert store["partners/others"] == "resell-north,resell-south"
    as_text = {key: str(value).lower() if isinstance(value, bool) else str(value)
               for key, value in store.items()}  # fmt: skip
    assert load_settings(as_text) == chosen
    # Typed by a person: commas, semicolons, spaces and blanks all separate names, order kept.
    assert partner_names(" b, a;c  d,,") == ("b", "a", "c", "d")
    assert load_settings({"partners/others": "b; a"}).other_partners == ("b", "a")
    # A damaged value costs this setting only, never the others or the start.
    damaged = load_settings({"partners/others": "a,a", "partners/include_subpartners": "maybe"})
    assert damaged.other_partners == () and damaged.include_subpartners is False
    assert other_partners_problem(("a", "a")) == "Each partner username once."
    assert other_partners_problem(("a/b",))
    assert other_partners_problem(tuple(f"p{i}" for i in range(MAX_OTHER_PARTNERS + 1)))
    assert other_partners_problem(tuple(f"p{i}" for i in range(MAX_OTHER_PARTNERS))) is None
    with pytest.raises(ValueError, match="other_partners"):
        save_settings(AppSettings(other_partners=("a b",)), {})
