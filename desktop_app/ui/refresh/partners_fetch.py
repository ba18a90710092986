"""What a refresh fetches: the signed-in partner's report, or, when the settings watch other
partners or sub-partners too, or other sign-ins are added (another region's account), one view
of them all (``api.partner_view``) in stages.

The scope is read from the settings at each fetch, so a change applies at the next refresh.
Every partner's fetch gets its own session, configured as the settings say (proxy, trust).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import requests

from desktop_app.api.client import ReportClient
from desktop_app.api.partner_view import PartnerScope, SignInScope, fetch_partner_view
from desktop_app.api.report_source import ReportSource
from desktop_app.report.rows import Report
from desktop_app.runtime.pacing import unpaced
from desktop_app.storage.network_session import build_session
from desktop_app.storage.settings import AppSettings
from desktop_app.ui.refresh.fetcher import Partial, StagedFetchFunction

__all__ = ["OtherScopes", "partner_scope", "report_fetch"]

OtherScopes = Callable[[AppSettings], Sequence[SignInScope]]
"""The other sign-ins to fetch with the settings in effect (called on the fetch's thread)."""


def partner_scope(
    username: str, settings: AppSettings, *, subpartners: bool = False
) -> PartnerScope:
    """The partners watched: ``username`` first, the settings' others; sub-partners when the
    settings (or ``subpartners``, the demo's ``--partners``) say so."""
    return PartnerScope.of(
        username, settings.other_partners, settings.include_subpartners or subpartners
    )


def report_fetch(
    client: ReportSource,
    settings: Callable[[], AppSettings],
    *,
    subpartners: bool = False,
    session: Callable[[], requests.Session] | None = None,
    others: OtherScopes = lambda current: (),
    pause: Callable[[], None] = unpaced,
) -> StagedFetchFunction:
    """The fetch for ``client``'s account (and ``others``): the plain report while one
    partner is watched; ``pause`` paces the partners' parses and merges
    (``ReportFetcher.pause``)."""

    def fetch(cancel: threading.Event, partial: Partial) -> Report:
        current = settings()
        if not isinstance(client, ReportClient):  # a stand-in that knows one report only
            return client.fetch_report(cancel=cancel)
        scope = partner_scope(client.username, current, subpartners=subpartners)
        other_scopes = others(current)
        if not scope.several and not other_scopes:
            return client.fetch_report(cancel=cancel)
        return fetch_partner_view(
            client,
            scope,
            others=other_scopes,
            session=session or (lambda: build_session(current)),
            cancel=cancel,
            on_progress=lambda progress, report: partial(str(progress), report),
            pause=pause,
        )

    return fetch
