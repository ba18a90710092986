"""The demo's partner tree: partners with their own customers and reports, sub-partner lists.

Opt-in (``DemoServer(partners=...)``, ``python -m desktop_app.demo --partners``): without it the
demo is the single partner it always was. ``standard_tree`` models what an MSP with resellers
looks like: a parent, three resellers, a branch one level further down whose accounts its
reseller's report lists as well (a set reported twice, attributed to the branch), and a
reseller the token may not read (403, no scope). ``flat_tree`` is one parent with many
resellers, for benchmarks. Sub-partner lists are served in pages of at most
``SIGNUPS_PAGE_SIZE``, each but the last with a ``next`` link.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode
from xml.sax.saxutils import escape, quoteattr

__all__ = ["SIGNUPS_PAGE_SIZE", "DemoPartner", "flat_tree", "signups_body", "standard_tree"]

SIGNUPS_PAGE_SIZE = 2  # small, so that even the standard tree's lists come in pages


@dataclass(frozen=True, slots=True)
class DemoPartner:
    """One partner of the demo tree: its ``rows`` backup sets belong to customers whose names
    start with ``prefix`` (customer usernames are unique across partners, as Echo's are).
    ``refusal``: the HTTP status (403 or 404) its report and its sub-partner list get.
    ``in_parent_report``: its parent's report lists this partner's backup sets too."""

    username: str
    parent: str | None = None
    rows: int = 500
    prefix: str = ""
    name: str = ""
    company: str = ""
    refusal: int | None = None
    in_parent_report: bool = False


def standard_tree(rows: int = 500, root: str = "demo-partner") -> tuple[DemoPartner, ...]:
    """The demo's partner tree (module docstring); the root's own report is the plain demo's."""
    return (
        DemoPartner(root, None, rows, "", "Demo MSP", "Demo MSP Inc."),
        DemoPartner("resell-north", root, rows, "n-", "North Reseller", "Northwind IT"),
        DemoPartner("resell-south", root, rows, "s-", "South Reseller", "Southern Cloud LLC"),
        DemoPartner("resell-west", root, rows, "w-", "West Reseller", "Westside Tech", refusal=403),
        DemoPartner(
            "north-branch",
            "resell-north",
            max(1, rows // 2),
            "nb-",
            "North Branch",
            "Northwind Branch Office",
            in_parent_report=True,
        ),
    )


def flat_tree(partners: int, rows: int, root: str = "demo-partner") -> tuple[DemoPartner, ...]:
    """A parent and ``partners - 1`` resellers below it, each with ``rows`` backup sets."""
    children = tuple(
        DemoPartner(f"reseller-{i:02d}", root, rows, f"r{i:02d}-", f"Reseller {i}", f"Reseller {i}")
        for i in range(1, partners)
    )
    return (DemoPartner(root, None, rows, "", "Demo MSP", "Demo MSP Inc."), *children)


def signups_body(
    children: Sequence[DemoPartner], fmt: str, page: int, page_size: int, list_url: str
) -> bytes:
    """Page ``page`` of a sub-partner list in the documented envelope, JSON or XML."""
    size = max(1, min(page_size, SIGNUPS_PAGE_SIZE))
    chunk = children[(page - 1) * size : page * size]
    links = []
    if page * size < len(children):
        query = urlencode({"type": "PARTNER", "page": page + 1, "page_size": size})
        links.append({"rel": "next", "href": f"{list_url}?{query}"})
    items = [
        {
            "username": p.username,
            "name": p.name,
            "company": p.company,
            "type": "PARTNER",
            "usage": {"backup_sets": p.rows},
            "link": f"{list_url.rsplit('/', 2)[0]}/{p.username}",
        }
        for p in chunk
    ]
    if fmt == "json":
        envelope = {
            "page": page,
            "page_size": size,
            "count": len(children),
            "links": links,
            "list": items,
        }
        return json.dumps(envelope).encode()
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<list page="{page}" page_size="{size}" count="{len(children)}">'
    ]
    out += [f"<link rel={quoteattr(k['rel'])} href={quoteattr(k['href'])}/>" for k in links]
    for item in items:
        fields = "".join(
            f"<{key}>{escape(str(value))}</{key}>" for key, value in item.items() if key != "usage"
        )
        out.append(f"<signup>{fields}<usage/></signup>")
    out.append("</list>\n")
    return "".join(out).encode()
