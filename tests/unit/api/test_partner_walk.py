"""Walking sub-partners against real HTTP on 127.0.0.1 (pytest-httpserver): paging by links and
by count, depth, cycles and repeats, refusals recorded per partner, bounds, odd values."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from desktop_app.api.auth import StaticTokenProvider
from desktop_app.api.client import ReportClient
from desktop_app.api.errors import FetchCancelled, NotFoundError, PermissionDeniedError
from desktop_app.api.partners import PartnerWalk, walk_partners
from desktop_app.api.regions import custom_endpoint
from desktop_app.report.partner_tree import Partner, PartnerTree

TOKEN = "tok-partners-0123456789"
SIGNUPS = re.compile(r"^/v1/partners/([^/]+)/signups$")


@dataclass
class SignupsApi:
    """Serves ``children`` (partner -> its sub-partners' usernames) as signups pages of at most
    the requested ``page_size``. ``links``: each page but the last has a ``next`` link; without
    them only ``count`` tells that more pages exist. ``refuse``: partner -> HTTP status."""

    children: Mapping[str, Sequence[str]]
    links: bool = True
    relative: bool = False
    refuse: Mapping[str, int] = field(default_factory=dict)
    count_bonus: int = 0  # count promises this many more than exist
    fmt: str = "json"
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    base: str = ""

    def __call__(self, request: Request) -> Response:
        match = SIGNUPS.match(request.path)
        assert match is not None
        partner = unquote(match.group(1))
        query = {k: v[-1] for k, v in parse_qs(request.query_string.decode()).items()}
        self.requests.append((partner, query))
        assert request.headers.get("Authorization") == f"OAuth {TOKEN}"
        assert query.get("type") == "PARTNER"
        if partner in self.refuse:
            body = json.dumps({"error": "forbidden", "message": "not for this token"})
            return Response(body, status=self.refuse[partner], content_type="application/json")
        names = list(self.children.get(partner, ()))
        page, size = int(query.get("page", "1")), int(query.get("page_size", "100"))
        chunk = names[(page - 1) * size : page * size]
        links = []
        if self.links and page * size < len(names):
            href = f"{request.path}?type=PARTNER&page={page + 1}&page_size={size}"
            links.append({"rel": "next", "href": href if self.relative else self.base + href})
        items = [signup(name) for name in chunk]
        count = len(names) + self.count_bonus
        if self.fmt == "xml":
            return Response(xml_page(items, page, size, count, links), content_type="text/xml")
        envelope = {"page": page, "page_size": size, "count": count, "links": links, "list": items}
        return Response(json.dumps(envelope), content_type="application/json")


def signup(name: str) -> dict[str, object]:
    return {
        "username": name,
        "name": f"{name.title()} Admin",
        "company": f"{name.title()} Ltd",
        "type": "PARTNER",
        "usage": {"bytes": 123},
        "link": f"/v1/partners/{name}",
    }


def xml_page(
    items: list[dict[str, object]], page: int, size: int, count: int, links: list[dict[str, str]]
) -> str:
    out = [f'<list page="{page}" page_size="{size}" count="{count}">']
    out += [f'<link rel="{k["rel"]}" href="{k["href"].replace("&", "&amp;")}"/>' for k in links]
    for item in items:
        fields = "".join(f"<{k}>{v}</{k}>" for k, v in item.items() if k != "usage")
        out.append(f"<signup>{fields}</signup>")
    return "".join([*out, "</list>"])


@pytest.fixture
def server(httpserver_ipv4: HTTPServer) -> HTTPServer:
    return httpserver_ipv4


@pytest.fixture
def client(server: HTTPServer) -> Iterator[ReportClient]:
    endpoint = custom_endpoint(server.url_for("/").rstrip("/"))
    with ReportClient(endpoint, "root", StaticTokenProvider(TOKEN), sleep=lambda _s: None) as c:
        yield c


Serve = Callable[..., SignupsApi]


@pytest.fixture
def serve(server: HTTPServer) -> Serve:
    def start(children: Mapping[str, Sequence[str]], **options: object) -> SignupsApi:
        api = SignupsApi(children, **options)  # type: ignore[arg-type]
        api.base = server.url_for("/").rstrip("/")
        server.expect_request(SIGNUPS).respond_with_handler(api)
        return api

    return start


def shape(walk: PartnerWalk) -> list[tuple[str, str | None, int]]:
    return [(p.username, p.parent, p.depth) for p in walk.tree]


@pytest.mark.parametrize("relative", [False, True])
def test_pages_are_followed_by_their_next_links(
    serve: Serve, client: ReportClient, relative: bool
) -> None:
    kids = [f"r{i}" for i in range(7)]
    api = serve({"root": kids, "r3": ["r3a"]}, relative=relative)
    walk = walk_partners(client, ["root"], page_size=3)
    assert shape(walk) == [
        ("root", None, 0),
        *((k, "root", 1) for k in kids),
        ("r3a", "r3", 2),
    ]
    assert walk.complete
    root_requests = [q for p, q in api.requests if p == "root"]
    assert [q["page"] for q in root_requests] == ["1", "2", "3"]
    assert walk.tree.get("r0") == Partner("r0", "R0 Admin", "R0 Ltd", "root", 1)


def test_a_short_page_is_not_the_end_while_count_promises_more(
    serve: Serve, client: ReportClient
) -> None:
    """No links at all: pages are asked for by number until ``count`` is reached."""
    api = serve({"root": ["a", "b", "c", "d", "e"]}, links=False)
    walk = walk_partners(client, ["root"], page_size=2)
    assert [p.username for p in walk.tree] == ["root", "a", "b", "c", "d", "e"]
    assert [q["page"] for p, q in api.requests if p == "root"] == ["1", "2", "3"]
    assert walk.complete


def test_a_count_never_reached_makes_that_list_incomplete(
    serve: Serve, client: ReportClient
) -> None:
    serve({"root": ["a", "b", "c"]}, links=False, count_bonus=4)
    walk = walk_partners(client, ["root"], page_size=2)
    assert [p.username for p in walk.tree] == ["root", "a", "b", "c"]
    problem = walk.problem_of("root")
    assert problem is not None and problem.error is None
    assert problem.incomplete == "the server said it holds 7 but sent 3"
    assert not walk.complete


def test_any_depth_within_the_bound(serve: Serve, client: ReportClient) -> None:
    chain = {f"p{i}": [f"p{i + 1}"] for i in range(6)}
    serve(chain)
    deep = walk_partners(client, ["p0"])
    assert shape(deep)[-1] == ("p6", "p5", 6) and deep.complete
    cut = walk_partners(client, ["p0"], max_depth=3)
    assert [p.username for p in cut.tree] == ["p0", "p1", "p2", "p3"]
    assert cut.truncated == "sub-partners more than 3 levels down were not looked up"


def test_cycles_and_repeats_are_walked_once(serve: Serve, client: ReportClient) -> None:
    api = serve(
        {
            "root": ["a", "b", "a", "root"],  # a repeat, and the root listing itself
            "a": ["c", "root"],  # back to the root: a cycle
            "b": ["c", "d"],  # c has two parents: the first one found keeps it
            "c": ["a", "e"],
            "e": ["c"],
        }
    )
    walk = walk_partners(client, ["root"])
    assert shape(walk) == [
        ("root", None, 0),
        ("a", "root", 1),
        ("b", "root", 1),
        ("c", "a", 2),
        ("d", "b", 2),
        ("e", "c", 3),
    ]
    assert sorted(p for p, _ in api.requests) == ["a", "b", "c", "d", "e", "root"]


def test_a_refused_partner_is_recorded_and_the_walk_goes_on(
    serve: Serve, client: ReportClient
) -> None:
    serve(
        {"root": ["noscope", "gone", "ok"], "ok": ["deep"], "noscope": ["hidden"]},
        refuse={"noscope": 403, "gone": 404},
    )
    walk = walk_partners(client, ["root"])
    assert [p.username for p in walk.tree] == ["root", "noscope", "gone", "ok", "deep"]
    noscope, gone = walk.problem_of("noscope"), walk.problem_of("gone")
    assert noscope is not None and isinstance(noscope.error, PermissionDeniedError)
    assert "sub-partners of partner 'noscope' was denied (HTTP 403)" in noscope.message
    assert gone is not None and isinstance(gone.error, NotFoundError)
    assert "No partner named 'gone'" in gone.message
    assert walk.problem_of("ok") is None and not walk.complete


def test_a_next_link_to_another_server_is_not_followed(
    serve: Serve, client: ReportClient, server: HTTPServer
) -> None:
    api = serve({"root": ["a", "b", "c"]})
    api.base = "http://127.0.0.2:9"  # another origin: its credentials would leave
    walk = walk_partners(client, ["root"], page_size=2)
    assert [p.username for p in walk.tree] == ["root", "a", "b"]
    problem = walk.problem_of("root")
    assert problem is not None and problem.incomplete == (
        "its next page is on another server (127.0.0.2:9)"
    )
    assert len([r for r in server.log if r[0].path.startswith("/v1/partners/root")]) == 1


def test_bounds_on_partners_and_pages(serve: Serve, client: ReportClient) -> None:
    serve({"root": [f"k{i}" for i in range(10)], "k0": ["k0a"]})
    few = walk_partners(client, ["root"], max_partners=4)
    assert [p.username for p in few.tree] == ["root", "k0", "k1", "k2"]
    assert few.truncated == "it has more than 4 partners"
    paged = walk_partners(client, ["root"], page_size=2, max_pages=3)
    assert len(paged.tree) == 1 + 6 + 1  # three pages of the root's list, and k0's child
    problem = paged.problem_of("root")
    assert problem is not None and problem.incomplete == "it has more than 3 pages"


def test_a_root_found_below_another_root_is_placed_there(
    serve: Serve, client: ReportClient
) -> None:
    api = serve({"top": ["mid"], "mid": ["low"], "other": []})
    walk = walk_partners(client, ["mid", "other", "top", "mid "])
    assert shape(walk) == [
        ("other", None, 0),
        ("top", None, 0),
        ("mid", "top", 1),
        ("low", "mid", 2),
    ]
    assert sorted(p for p, _ in api.requests) == ["low", "mid", "other", "top"]


def test_xml_pages_and_odd_values(server: HTTPServer, client: ReportClient) -> None:
    """Sloppy values cost a field (or the one signup that has no username), not the list."""
    odd = (
        '<list page="1" page_size="x" count="5"><signup><username>a</username>'
        "<company>A &amp; Co</company><type>partner</type></signup>"
        "<signup><username> 42 </username><name/></signup>"
        "<signup><name>no username</name><type>PARTNER</type></signup>"
        "<signup><username>acct</username><type>ACCOUNT</type></signup>"
        "<signup><username>root</username></signup></list>"
    )
    server.expect_request("/v1/partners/root/signups").respond_with_data(
        odd, content_type="application/xml"
    )
    server.expect_request(re.compile(r"^/v1/partners/(a|42)/signups$")).respond_with_data(
        '<list count="0"/>', content_type="application/xml"
    )
    endpoint = custom_endpoint(server.url_for("/").rstrip("/"))
    with ReportClient(
        endpoint, "root", StaticTokenProvider(TOKEN), response_format="xml"
    ) as xml_client:
        walk = walk_partners(xml_client, ["root"])
    assert [(p.username, p.company, p.name) for p in walk.tree] == [
        ("root", None, None),
        ("a", "A & Co", None),
        ("42", None, None),
    ]
    problem = walk.problem_of("root")
    assert problem is not None and problem.error is None and problem.incomplete is None
    assert [(p.row, p.field, p.outcome) for p in problem.read_problems] == [
        (3, "username", "left out"),
        (None, "page_size", "read as 5"),
    ]
    assert "2 values could not be read" in problem.message


def test_json_envelope_with_padded_keys_and_text_numbers(
    server: HTTPServer, client: ReportClient
) -> None:
    page = {
        "page ": "1",
        "count": "2",
        "links": [{"rel": "self"}],  # a link without href: left out, recorded
        "list": [{"username ": "a", "company": 7}, {"username": ["b"]}, "c"],
    }
    server.expect_request("/v1/partners/root/signups").respond_with_json(page)
    server.expect_request("/v1/partners/a/signups").respond_with_json({"list": []})
    walk = walk_partners(client, ["root"])
    assert [(p.username, p.company) for p in walk.tree] == [("root", None), ("a", "7")]
    problem = walk.problem_of("root")
    assert problem is not None
    assert [(p.row, p.field) for p in problem.read_problems] == [
        (None, "links"),
        (2, "username"),
        (3, "row"),
    ]
    assert problem.incomplete is None  # more arrived than promised: nothing is missing


def test_a_body_that_is_no_list_is_a_failure_of_that_partner(
    server: HTTPServer, client: ReportClient
) -> None:
    server.expect_request("/v1/partners/root/signups").respond_with_json(
        {"list": [{"username": "a"}]}
    )
    server.expect_request("/v1/partners/a/signups").respond_with_data(
        "<html>login</html>", content_type="application/json"
    )
    walk = walk_partners(client, ["root"])
    assert [p.username for p in walk.tree] == ["root", "a"]
    problem = walk.problem_of("a")
    assert problem is not None and problem.error is not None
    assert "could not be read as a list of sub-partners" in problem.message


def test_cancel_stops_the_walk(serve: Serve, client: ReportClient) -> None:
    cancel = threading.Event()
    cancel.set()
    serve({"root": ["a"]})
    with pytest.raises(FetchCancelled):
        walk_partners(client, ["root"], cancel=cancel)


def test_build_places_roots_in_a_loop_of_roots() -> None:
    listed = {"a": [Partner("b")], "b": [Partner("a")]}
    tree = PartnerTree.build(["a", "b"], listed)
    assert [(p.username, p.parent, p.depth) for p in tree] == [("a", None, 0), ("b", "a", 1)]
    assert PartnerTree.of([" x ", "y", "x", ""]).usernames == ("x", "y")
    with pytest.raises(ValueError, match="once"):
        PartnerTree((Partner("x"), Partner("x")))
