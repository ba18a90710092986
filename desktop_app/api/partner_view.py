"""One view of several partners: which partners are watched, their reports fetched a few at a
time and merged, with what arrived so far handed over while the rest is still coming.

``PartnerScope`` is what the user asked to watch: partner usernames (the signed-in one first)
and whether their sub-partners are included. ``fetch_partner_view`` walks the sub-partners
(``api.partners``) when asked, fetches every partner's report (``api.partner_reports``: each
through its own client and session, 4 at a time), and merges them (``report.merge``). The
merged ``Report`` names every watched partner in ``Report.partners`` (tree order, parent,
depth, state, and why a partner is not all there: its report refused or failed, its
sub-partners not listed).

Several sign-ins (``SignInScope``: an EMEA account beside the North American one, each with
its own credentials) join the same view: their partners are walked and fetched through their
own client, in the same 4-at-a-time pool, named ``"username (EMEA)"`` when their API host is
not the main sign-in's, and merged in their host's namespace (``PartnerPart.group``). A
sign-in that cannot be used (no saved secret) is a failed part naming why, like a refusal.

Progress and partial views: ``on_progress(progress, partial)`` is called on the calling
(worker) thread before the first partner arrives and after each one but the last.
``partial`` (or ``None``) builds the merge of what arrived so far, the partners still
fetched as ``pending`` (so nothing is called missing): it is offered as soon as a report with
rows has arrived, then at most every ``PARTIAL_INTERVAL`` seconds while more rows arrived
since (also between arrivals, so the last rows before a slow partner are not held back): one
slow partner never holds the others back from the screen for longer than that. It costs a
merge, so it is built only when called.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import requests

from desktop_app.api.client import ReportClient
from desktop_app.api.errors import ApiError, AuthenticationError
from desktop_app.api.partner_reports import PartnerFetch, Progress, fetch_partner_reports
from desktop_app.api.partners import PartnerWalk
from desktop_app.api.sign_in_trees import SignInSource, shared_customers, walk_sign_ins
from desktop_app.report.merge import PartnerPart, PartState, merge_reports
from desktop_app.report.partner_tree import PartnerTree
from desktop_app.report.rows import PartnerStatus, Report
from desktop_app.runtime.pacing import unpaced

__all__ = [
    "PARTIAL_INTERVAL",
    "PartnerScope",
    "SignInScope",
    "fetch_partner_view",
    "partner_problems",
]

log = logging.getLogger(__name__)

PARTIAL_INTERVAL: Final = 1.0  # seconds between two partial views (the first comes at once)

OnProgress = Callable[[Progress, Callable[[], Report] | None], None]


@dataclass(frozen=True, slots=True)
class PartnerScope:
    """The partners watched: ``usernames`` (the signed-in partner first, no repeats) and,
    with ``include_subpartners``, every sub-partner below them."""

    usernames: tuple[str, ...]
    include_subpartners: bool = False

    @classmethod
    def of(
        cls, first: str, others: Sequence[str] = (), include_subpartners: bool = False
    ) -> PartnerScope:
        """``first`` (the signed-in partner) and ``others``, repeats dropped."""
        return cls(tuple(PartnerTree.of([first, *others]).usernames), include_subpartners)

    @property
    def several(self) -> bool:
        """More than the one partner of the plain single-partner view."""
        return len(self.usernames) > 1 or self.include_subpartners


@dataclass(frozen=True, slots=True)
class SignInScope:
    """Another sign-in's partners (e.g. the EMEA account beside the North American one): its
    ``client`` on API host ``host`` (``None`` when it cannot be used now: ``failure`` says why),
    the partners it watches, and the ``label`` naming its region. Partners of a host other than
    the main sign-in's are named ``"username (label)"``: usernames are unique per host only."""

    scope: PartnerScope
    host: str
    label: str
    client: ReportClient | None = None
    failure: str | None = None


def fetch_partner_view(
    client: ReportClient,
    scope: PartnerScope,
    *,
    others: Sequence[SignInScope] = (),
    session: Callable[[], requests.Session] = requests.Session,
    cancel: threading.Event | None = None,
    on_progress: OnProgress | None = None,
    clock: Callable[[], float] = time.monotonic,
    pause: Callable[[], None] = unpaced,
) -> Report:
    """The merged report of every partner in ``scope`` (see the module docstring), fetched
    through siblings of ``client`` (``for_partner``), each with a new ``session()``, and of
    the partners of the ``others`` sign-ins through theirs. ``pause`` paces their parses and
    the merges (``runtime.pacing``).

    Raises ``FetchCancelled`` once ``cancel`` is set; a partner's refusal or failure is never
    raised (it is in ``Report.partners``), nor a failed sub-partner list or sign-in.
    """
    started = clock()
    main_host = client.endpoint.api_host
    sources = [
        SignInSource(scope.usernames, scope.include_subpartners, main_host, None, client),
        *(
            SignInSource(
                o.scope.usernames,
                o.scope.include_subpartners,
                o.host,
                None if o.host == main_host else o.label,
                o.client,
                o.failure,
            )
            for o in others
        ),
    ]
    walk, route = walk_sign_ins(sources, cancel)
    tree = walk.tree
    group = {name: source.host for name, (source, _bare) in route.items()}
    arrived: dict[str, PartnerFetch] = {
        name: PartnerFetch(name, error=ApiError(source.failure or "This sign-in cannot be used."))
        for name, (source, _bare) in route.items()
        if source.client is None
    }
    last_partial: float | None = None
    news = False  # rows arrived since the last partial view

    def on_result(result: PartnerFetch) -> None:
        nonlocal news
        arrived[result.partner] = _signed_in_again(result, route[result.partner][0], sources[0])
        news = news or bool(result.report is not None and result.report.rows)

    def build() -> Report:
        nonlocal last_partial, news
        last_partial, news = clock(), False
        return _view(tree, walk, _parts(tree, arrived, group), last_partial - started, pause)

    def partial_view() -> Callable[[], Report] | None:
        """How to build what arrived so far, when rows came since the last one and it is
        time (built only if the caller wants it: a screen with a whole report does not)."""
        due = last_partial is None or clock() - last_partial >= PARTIAL_INTERVAL
        return build if news and due else None

    def progressed(progress: Progress) -> None:
        if on_progress is not None and progress.done < progress.total:
            on_progress(progress, partial_view())

    def waited(progress: Progress) -> None:
        if on_progress is not None and (report := partial_view()) is not None:
            on_progress(progress, report)

    def client_for(name: str) -> ReportClient:
        source, bare = route[name]
        assert source.client is not None  # sign-ins without a client are not fetched
        return source.client.for_partner(bare, session=session(), pause=pause)

    if walk.truncated is not None:
        log.warning("The partner tree is cut short: %s", walk.truncated)
    fetch_partner_reports(  # every result is handed to ``on_result`` before it returns
        [name for name in tree.usernames if name not in arrived],
        client_for,
        cancel=cancel,
        on_result=on_result,
        on_progress=progressed,
        on_wait=waited,
    )
    parts = _parts(tree, arrived, group)
    if others and (shared := shared_customers(parts)):
        log.warning(
            "%d customer username(s) are listed under more than one API host (e.g. %s): the "
            "sidebar, acknowledgements and history treat each as one customer",
            len(shared),
            ", ".join(shared[:5]),
        )
    return _view(tree, walk, parts, clock() - started, pause)


def _signed_in_again(
    result: PartnerFetch, source: SignInSource, main: SignInSource
) -> PartnerFetch:
    """A refused sign-in (401) of another sign-in says where to give it a new secret; the main
    sign-in's is asked for by the app itself."""
    error = result.error
    if source is main or not isinstance(error, AuthenticationError) or error.status != 401:
        return result
    where = " Account > Other sign-ins… > Sign in again… takes a new secret or token."
    again = AuthenticationError(error.message + where, status=error.status)
    return dataclasses.replace(result, error=again)


def partner_problems(report: Report) -> list[PartnerStatus]:
    """The watched partners of ``report`` whose report or sub-partner list is not there (in
    tree order), for a banner that names them; pending partners are not problems."""
    return [
        p for p in report.partners if p.problem is not None and p.state != PartState.PENDING.value
    ]


def _parts(
    tree: PartnerTree, arrived: dict[str, PartnerFetch], group: dict[str, str]
) -> list[PartnerPart]:
    """Every partner's part in tree order: what arrived, the rest pending; each in the
    namespace of its sign-in's host (``group``)."""
    return [
        arrived[p.username].part(p.depth, group[p.username])
        if p.username in arrived
        else PartnerPart(p.username, p.depth, group=group[p.username])
        for p in tree
    ]


def _view(
    tree: PartnerTree,
    walk: PartnerWalk,
    parts: list[PartnerPart],
    seconds: float,
    pause: Callable[[], None],
) -> Report:
    """The merged report, naming every watched partner (``Report.partners``). Sub-partners
    that could not be listed make it incomplete: sets of theirs seen before are not missing.
    The caller's job owns the garbage-collector policy (one pause around it all)."""
    merged = merge_reports(parts, fetch_seconds=seconds, pause=pause).report
    doubts = [merged.incomplete] if merged.incomplete is not None else []
    unlisted = [p.partner for p in walk.problems if p.error is not None or p.incomplete]
    if unlisted:
        doubts.append(f"the sub-partners of {', '.join(unlisted)} are not all known")
    if walk.truncated is not None:
        doubts.append(f"the partner tree is cut short: {walk.truncated}")
    statuses = tuple(_status(tree, walk, part) for part in parts)
    return dataclasses.replace(merged, partners=statuses, incomplete="; ".join(doubts) or None)


def _status(tree: PartnerTree, walk: PartnerWalk, part: PartnerPart) -> PartnerStatus:
    """Where ``part``'s partner sits and why it is not all there (its report, its list)."""
    partner = tree.get(part.partner)
    reasons = []
    if part.failure is not None:
        reasons.append(part.failure)
    elif part.report is not None and part.report.incomplete is not None:
        reasons.append(f"Its report is incomplete: {part.report.incomplete}.")
    listed = walk.problem_of(part.partner)
    if listed is not None and listed.error is not None and part.failure is not None:
        reasons.append("Its sub-partners could not be listed either.")  # the same refusal
    elif listed is not None and listed.message:
        reasons.append(listed.message[:1].upper() + listed.message[1:])
    return PartnerStatus(
        part.partner,
        None if partner is None else partner.parent,
        part.depth,
        part.state.value,
        " ".join(reasons) or None,
        part.http_status,
    )
