"""Regions and custom endpoints: the documented hosts, and the https-or-loopback rule."""

from __future__ import annotations

import pytest

from desktop_app.api.regions import (
    Endpoint,
    Region,
    custom_endpoint,
    endpoint_for_region,
    is_loopback_host,
)


def test_documented_regions() -> None:
    na = endpoint_for_region(Region.NORTH_AMERICA)
    emea = endpoint_for_region(Region.EMEA)
    assert (na.api_base, na.auth_base) == ("https://api.intronis.com", "https://auth.intronis.com")
    assert (emea.api_base, emea.auth_base) == (
        "https://api.echo.intronis.com",
        "https://auth.echo.intronis.com",
    )
    assert na.token_url == "https://auth.intronis.com/oauth2/token"
    assert emea.api_host == "api.echo.intronis.com"
    assert na.region is Region.NORTH_AMERICA and emea.region is Region.EMEA


def test_region_from_its_stored_value() -> None:
    assert endpoint_for_region("emea") == endpoint_for_region(Region.EMEA)
    assert Region.EMEA.label == "EMEA"
    with pytest.raises(ValueError):
        endpoint_for_region("mars")


def test_custom_endpoint_defaults_auth_to_the_same_origin_and_strips_slashes() -> None:
    ep = custom_endpoint("https://proxy.example.net:8443/intronis///")
    assert ep.api_base == "https://proxy.example.net:8443/intronis"
    assert ep.auth_base == "https://proxy.example.net:8443"
    assert ep.token_url == "https://proxy.example.net:8443/oauth2/token"
    assert ep.api_host == "proxy.example.net:8443"
    assert ep.region is None


def test_custom_auth_url_may_be_the_base_or_the_full_token_url() -> None:
    a = custom_endpoint("https://api.example.net/", "https://login.example.net/")
    b = custom_endpoint("https://api.example.net", "https://login.example.net/oauth2/token")
    assert a == b
    assert a.token_url == "https://login.example.net/oauth2/token"


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080", "http://127.9.8.7", "http://localhost:5000/", "http://[::1]:9000"],
)
def test_plain_http_is_allowed_for_loopback(url: str) -> None:
    ep = custom_endpoint(url)
    assert ep.api_base.startswith("http://")
    assert not ep.api_base.endswith("/")


@pytest.mark.parametrize(
    "url", ["http://api.intronis.com", "http://10.0.0.5:8080", "http://localhost.evil.com"]
)
def test_plain_http_to_another_machine_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="https://"):
        custom_endpoint(url)


def test_plain_http_auth_url_is_refused_even_with_an_https_api() -> None:
    with pytest.raises(ValueError, match=r"sign-in \(auth\) address"):
        custom_endpoint("https://api.example.net", "http://auth.example.net")


def test_endpoint_constructor_validates_too() -> None:
    with pytest.raises(ValueError, match="plain http"):
        Endpoint("http://api.example.net", "https://auth.example.net")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("api.intronis.com", "not a web address"),
        ("ftp://api.intronis.com", "not a web address"),
        ("https://", "not a web address"),
        ("https://user:pw@api.example.net", "user name or password"),
        ("https://api.example.net/?x=1", "'?' or '#'"),
        ("https://api.example.net:99999", "invalid port"),
    ],
)
def test_unusable_addresses_are_explained(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        custom_endpoint(url)


def test_loopback_detection() -> None:
    assert is_loopback_host("LOCALHOST")
    assert is_loopback_host("127.0.0.1") and is_loopback_host("::1") and is_loopback_host("[::1]")
    assert not is_loopback_host("128.0.0.1")
    assert not is_loopback_host("example.com")
