"""Walk partners' sub-partners into a ``PartnerTree``: which partners a view of "this partner
and its sub-partners" watches.

Each partner's list is ``GET /v1/partners/{u}/signups?type=PARTNER`` (``ReportClient.
fetch_signups``: the report client's session, tokens, retries and deadline, per page), read
page by page: ``page=1&page_size=PAGE_SIZE`` first, then every ``next`` link on the API's own
origin (a link elsewhere is not followed: its credentials would leave). A page is never taken
for the last one because it is short: without a ``next`` link, the following page is asked for
by number while the envelope's ``count`` says items are still missing (an empty page ends it).

The walk is breadth-first from the roots, to any depth, within bounds: ``MAX_DEPTH`` levels
below a root, ``MAX_PARTNERS`` partners in all, ``MAX_PAGES`` pages per partner's list. A partner
met again (listed twice, by two parents, or up the tree: a cycle) keeps its first place, and
is listed once. A partner whose list is refused (401, 403: no scope, 404) or fails is recorded
in ``PartnerWalk.problems`` and the walk goes on; so are values that could not be read and
lists known to be incomplete. Only a cancel stops it (``FetchCancelled``).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlencode, urljoin

from desktop_app.api.client import ReportClient
from desktop_app.api.errors import ApiError, FetchCancelled
from desktop_app.api.http import host_of, origin
from desktop_app.report.partner_tree import Partner, PartnerTree
from desktop_app.report.read_problems import count_text, renumbered
from desktop_app.report.rows import ReadProblem

log = logging.getLogger(__name__)

MAX_DEPTH: Final = 8  # levels of sub-partners below a root that are looked up
MAX_PARTNERS: Final = 500  # partners in one tree, roots included
MAX_PAGES: Final = 50  # pages of one partner's list (at PAGE_SIZE: 5,000 sub-partners)
PAGE_SIZE: Final = 100  # what the API's other lists allow at most


@dataclass(frozen=True, slots=True)
class WalkProblem:
    """Why the sub-partners of ``partner`` are not all known: the refusal or failure that
    stopped its list (``error``), why the list is known to lack some (``incomplete``), values
    in it that could not be read (``read_problems``, rows numbered over the whole list)."""

    partner: str
    error: ApiError | None = None
    incomplete: str | None = None
    read_problems: tuple[ReadProblem, ...] = ()

    @property
    def message(self) -> str:
        """The problem in sentences for the user (the partner is named by the caller)."""
        parts = []
        if self.error is not None:
            parts.append(f"its sub-partners could not be listed: {self.error.message}")
        if self.incomplete is not None:
            parts.append(f"its list of sub-partners is incomplete: {self.incomplete}.")
        if self.read_problems:
            parts.append(f"in its list of sub-partners, {count_text(self.read_problems)}.")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class PartnerWalk:
    """The tree a walk found, the partners whose sub-partners are not all known, and which
    bound cut the walk short (``truncated``, a phrase; ``None`` when none did)."""

    tree: PartnerTree
    problems: tuple[WalkProblem, ...] = ()
    truncated: str | None = None

    @property
    def complete(self) -> bool:
        """True when every partner's whole list was read and no bound was reached."""
        return not self.problems and self.truncated is None

    def problem_of(self, partner: str) -> WalkProblem | None:
        return next((p for p in self.problems if p.partner == partner), None)


def walk_partners(
    client: ReportClient,
    roots: Sequence[str],
    *,
    cancel: threading.Event | None = None,
    max_depth: int = MAX_DEPTH,
    max_partners: int = MAX_PARTNERS,
    max_pages: int = MAX_PAGES,
    page_size: int = PAGE_SIZE,
) -> PartnerWalk:
    """The tree of ``roots`` and all their sub-partners (see the module docstring), listed
    through ``client`` (any partner's client on the endpoint: one request at a time)."""
    roots = list(PartnerTree.of(roots).usernames)
    known = set(roots)
    queue = deque((root, 0) for root in roots)
    listed: dict[str, list[Partner]] = {}
    problems: list[WalkProblem] = []
    truncated: str | None = None
    while queue:
        partner, depth = queue.popleft()
        if depth >= max_depth:
            truncated = f"sub-partners more than {max_depth} levels down were not looked up"
            continue
        children, problem = _list(client, partner, cancel, max_pages, page_size)
        if problem is not None:
            problems.append(problem)
        kept: list[Partner] = []
        for child in children:
            if child.username not in known:
                if len(known) >= max_partners:
                    truncated = f"it has more than {max_partners:,} partners"
                    continue
                known.add(child.username)
                queue.append((child.username, depth + 1))
            kept.append(child)
        listed[partner] = kept
    tree = PartnerTree.build(roots, listed)
    log.info(
        "Walked %d partner(s) from %d root(s): %d problem(s)%s",
        len(tree),
        len(roots),
        len(problems),
        f"; {truncated}" if truncated else "",
    )
    return PartnerWalk(tree, tuple(problems), truncated)


def _list(
    client: ReportClient,
    partner: str,
    cancel: threading.Event | None,
    max_pages: int,
    page_size: int,
) -> tuple[list[Partner], WalkProblem | None]:
    """``partner``'s sub-partners, page by page (module docstring), and what went wrong."""
    first = client.signups_url(partner)
    children: dict[str, Partner] = {}
    read_problems: list[ReadProblem] = []
    error: ApiError | None = None
    incomplete: str | None = None
    items = count = pages = 0
    url: str | None = None
    number = 1
    visited: set[str] = set()
    while True:
        params = {"page": str(number), "page_size": str(page_size)}
        here = url or f"{first}?{urlencode(params)}"
        visited.add(here)
        try:
            page = client.fetch_signups(
                partner, url=url, params=None if url else params, cancel=cancel
            )
        except FetchCancelled:
            raise
        except ApiError as exc:
            log.info("Listing the sub-partners of %s failed: %s", partner, exc.message)
            error = exc
            break
        pages += 1
        read_problems.extend(renumbered(p, items) for p in page.problems)
        count = page.count if pages == 1 else count
        items += page.items
        for child in page.partners:
            if child.username != partner:
                children.setdefault(child.username, child)
        link = next((k for k in page.links if k.rel.lower() == "next" and k.href), None)
        if link is not None:
            target = urljoin(here, link.href)
            if origin(target) != origin(first):
                incomplete = f"its next page is on another server ({host_of(target)})"
                break
            if target in visited:
                break  # a loop of links: what is still missing shows in the count below
            url = target
        elif page.items and count > items:
            url, number = None, number + 1  # no link, but more promised: ask by number
        else:
            break
        if pages >= max_pages:
            incomplete = f"it has more than {max_pages} pages"
            break
    if error is None and incomplete is None and count > items:
        incomplete = f"the server said it holds {count:,} but sent {items:,}"
    problem = None
    if error is not None or incomplete is not None or read_problems:
        problem = WalkProblem(partner, error, incomplete, tuple(read_problems))
    return list(children.values()), problem
