"""Several sign-ins' partner trees as one (real HTTP on loopback): the walks run at the same
time, names are qualified per host, and a walk that fails unexpectedly costs its sign-in only."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from desktop_app.api.auth import StaticTokenProvider
from desktop_app.api.client import ReportClient
from desktop_app.api.regions import custom_endpoint
from desktop_app.api.sign_in_trees import SignInSource, walk_sign_ins
from tests.unit.api.test_partner_reports import server

__all__ = ["server"]  # the threaded loopback server fixture, shared

SIGNUPS = re.compile(r"^/v1/partners/([^/]+)/signups$")
WAIT = 5.0


def client_of(server: HTTPServer, username: str) -> ReportClient:
    endpoint = custom_endpoint(server.url_for("/").rstrip("/"))
    return ReportClient(
        endpoint,
        username,
        StaticTokenProvider("tok-trees-0123456789"),
        session=requests.Session(),
        owns_session=True,
        sleep=lambda _s: None,
        max_retries=0,
    )


def signups(children: list[str]) -> bytes:
    items = [{"username": c, "type": "PARTNER"} for c in children]
    return json.dumps({"page": 1, "page_size": 100, "count": len(items), "list": items}).encode()


def test_each_sign_ins_walk_runs_at_the_same_time_and_names_follow_the_host(
    server: HTTPServer,
) -> None:
    """The two roots' lists must be asked for at once to pass the barrier: one after the
    other, the first would wait out the barrier and its list would fail."""
    barrier = threading.Barrier(2, timeout=WAIT)

    def handler(request: Request) -> Response:
        match = SIGNUPS.match(request.path)
        assert match is not None
        root = match.group(1)
        if root in ("na-root", "eu-root"):
            barrier.wait()
            return Response(signups([f"{root}-child"]), content_type="application/json")
        return Response(signups([]), content_type="application/json")

    server.expect_request(SIGNUPS).respond_with_handler(handler)
    with client_of(server, "na-root") as na, client_of(server, "eu-root") as eu:
        walk, route = walk_sign_ins(
            [
                SignInSource(("na-root",), True, "na.example", None, na),
                SignInSource(("eu-root",), True, "eu.example", "EMEA", eu),
                SignInSource(("apac",), True, "ap.example", "APAC", None, "no secret"),
            ],
            None,
        )
    assert walk.problems == () and walk.truncated is None
    assert [(p.username, p.parent, p.depth) for p in walk.tree] == [
        ("na-root", None, 0),
        ("na-root-child", "na-root", 1),
        ("eu-root (EMEA)", None, 0),
        ("eu-root-child (EMEA)", "eu-root (EMEA)", 1),
        ("apac (APAC)", None, 0),
    ]
    assert route["eu-root-child (EMEA)"][1] == "eu-root-child"
    assert route["eu-root-child (EMEA)"][0].host == "eu.example"


class Broken(ReportClient):
    """A client with a defect in its sub-partner list (not an ``ApiError``)."""

    def fetch_signups(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a defect")


def test_a_walk_that_fails_unexpectedly_costs_only_its_sign_in(
    server: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.expect_request(SIGNUPS).respond_with_data(
        signups(["child"]), content_type="application/json"
    )
    endpoint = custom_endpoint(server.url_for("/").rstrip("/"))
    broken = Broken(endpoint, "eu-root", StaticTokenProvider("tok-trees-0123456789"))
    with client_of(server, "na-root") as na, broken:
        walk, _route = walk_sign_ins(
            [
                SignInSource(("na-root",), True, "na.example", None, na),
                SignInSource(("eu-root",), True, "eu.example", "EMEA", broken),
            ],
            None,
        )
    assert [p.username for p in walk.tree] == ["na-root", "child", "eu-root (EMEA)"]
    (problem,) = walk.problems
    assert problem.partner == "eu-root (EMEA)" and "unexpected error" in problem.message
    assert "a defect" in caplog.text
