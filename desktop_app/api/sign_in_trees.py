"""The partner trees of several sign-ins as one tree: each sign-in's sub-partners walked at the
same time (one slow or unreachable host holds the view back only as long as its own walk, not
the sum of all), its partners named with its region when its host is not the main sign-in's.

Partner and customer usernames are unique per API host only, so a partner of another host is
``"username (label)"`` (``qualified_partner``). A walk that fails unexpectedly costs its sign-in
only: its partners are kept as roots, the failure named for each.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass

from desktop_app.api.client import WAIT_SLICE, ReportClient
from desktop_app.api.errors import ApiError, FetchCancelled
from desktop_app.api.partners import PartnerWalk, WalkProblem, walk_partners
from desktop_app.report.merge import PartnerPart
from desktop_app.report.partner_tree import Partner, PartnerTree

__all__ = ["Route", "SignInSource", "qualified_partner", "shared_customers", "walk_sign_ins"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SignInSource:
    """One sign-in as a view fetches it: its partner ``usernames`` (walked for sub-partners
    when ``walk``), its API ``host`` and ``client`` (``None`` when it cannot be used:
    ``failure`` says why); ``label`` None: its partners keep their names (the main host)."""

    usernames: tuple[str, ...]
    walk: bool
    host: str
    label: str | None
    client: ReportClient | None
    failure: str | None = None


Route = dict[str, tuple[SignInSource, str]]
"""A qualified partner name -> the sign-in it is fetched through and its own username."""


def qualified_partner(username: str, label: str | None) -> str:
    """The name a partner has in a view of several sign-ins."""
    return username if label is None else f"{username} ({label})"


def walk_sign_ins(
    sources: Sequence[SignInSource], cancel: threading.Event | None
) -> tuple[PartnerWalk, Route]:
    """Every sign-in's partner tree as one tree of qualified names, in the order of
    ``sources``, and the route of each name. A name already placed by an earlier sign-in (the
    same partner on the same host) keeps its first place. Raises ``FetchCancelled``."""
    partners: list[Partner] = []
    problems: list[WalkProblem] = []
    cut: list[str] = []
    route: Route = {}
    for source, walk in zip(sources, _walks(sources, cancel), strict=True):

        def name(username: str, label: str | None = source.label) -> str:
            return qualified_partner(username, label)

        for p in walk.tree:
            if name(p.username) not in route:
                route[name(p.username)] = (source, p.username)
                parent = None if p.parent is None else name(p.parent)
                partners.append(dataclasses.replace(p, username=name(p.username), parent=parent))
        problems.extend(dataclasses.replace(w, partner=name(w.partner)) for w in walk.problems)
        if walk.truncated is not None:
            cut.append(walk.truncated)
    tree = PartnerTree(tuple(partners))
    return PartnerWalk(tree, tuple(problems), "; ".join(cut) or None), route


def _walks(sources: Sequence[SignInSource], cancel: threading.Event | None) -> list[PartnerWalk]:
    """Each sign-in's walk; more than one at a time on daemon threads (a walk stuck in a
    socket read must not hold up quitting), waited for in slices so a cancel is seen."""
    asked = cancel if cancel is not None else threading.Event()
    to_walk = [s for s in sources if s.walk and s.client is not None]
    if len(to_walk) <= 1:
        return [_walk(s, asked) for s in sources]
    futures: dict[SignInSource, Future[PartnerWalk]] = {}
    for n, source in enumerate(to_walk):
        future = futures[source] = Future()
        threading.Thread(
            target=_run, args=(future, source, asked), name=f"partner-walk-{n + 1}", daemon=True
        ).start()
    pending = set(futures.values())
    while pending:
        _done, pending = wait(pending, timeout=WAIT_SLICE, return_when=FIRST_COMPLETED)
        if asked.is_set():
            raise FetchCancelled("The report fetch was cancelled.")
    return [futures[s].result() if s in futures else _walk(s, asked) for s in sources]


def _run(future: Future[PartnerWalk], source: SignInSource, cancel: threading.Event) -> None:
    try:
        future.set_result(_walk(source, cancel))
    except BaseException as exc:  # a cancel, handed to the waiting thread
        future.set_exception(exc)


def _walk(source: SignInSource, cancel: threading.Event) -> PartnerWalk:
    """One sign-in's tree: walked when it asks and can, else its partners as roots."""
    roots = PartnerTree.of(source.usernames)
    if not source.walk or source.client is None:
        return PartnerWalk(roots)
    try:
        return walk_partners(source.client, source.usernames, cancel=cancel)
    except FetchCancelled:
        raise
    except Exception:  # a defect must cost this sign-in only, and be seen
        log.exception("Walking the sub-partners of %s failed unexpectedly", source.host)
        error = ApiError(
            "Its sub-partners could not be listed because of an unexpected error; details "
            "are in the log file."
        )
        return PartnerWalk(roots, tuple(WalkProblem(u, error=error) for u in roots.usernames))


def shared_customers(parts: Sequence[PartnerPart]) -> list[str]:
    """Customer usernames listed under more than one API host. The merge keeps their sets
    apart, but the sidebar, acknowledgements and history key a customer and its sets without
    the host, so they treat such customers as one: worth a warning in the log."""
    by_host: dict[str, set[str]] = {}
    for part in parts:
        if part.report is not None:
            names = {r.username for r in part.report.rows if r.username is not None}
            by_host.setdefault(part.group, set()).update(names)
    seen: set[str] = set()
    shared: set[str] = set()
    for usernames in by_host.values():
        shared |= seen & usernames
        seen |= usernames
    return sorted(shared)
