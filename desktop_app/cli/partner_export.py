"""``backup-status export`` for several partners: ``--username A --username B`` and
``--include-subpartners``.

The partners (the usernames given, and with ``--include-subpartners`` every sub-partner below
them: ``api.partners``) are fetched a few at a time (``api.partner_reports``) with the first
username's credentials, and merged into one report (``report.merge``: a set reported by two
partners is written once, for the more specific one). A partner that is refused or fails is
one stderr warning naming it and the others are written (exit 0); with ``--strict`` it fails
the export with its own exit code (3 refused, 4 network/server/not found, 5 unreadable) and
nothing is written. When every partner fails, the export fails as a single one would.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

import requests

from desktop_app.api.client import ReportClient
from desktop_app.api.partner_reports import PartnerFetch, fetch_partner_reports
from desktop_app.api.partners import PartnerWalk, walk_partners
from desktop_app.report.merge import MergedReport, merge_reports
from desktop_app.report.partner_tree import PartnerTree
from desktop_app.report.query import ReportQuery
from desktop_app.report.rows import Report

log = logging.getLogger(__name__)

EXIT_INCOMPLETE = 5  # --strict: the partner tree could not be listed whole


@dataclass(frozen=True, slots=True)
class PartnersFetched:
    """What the export writes, the merged ``report``, or the ``exit_code`` to stop with."""

    report: Report | None
    exit_code: int | None = None


def fetch_partners(
    client: object,
    usernames: Sequence[str],
    query: ReportQuery,
    args: argparse.Namespace,
    stderr: TextIO,
) -> PartnersFetched:
    """Walk (``--include-subpartners``), fetch and merge through ``client`` (a
    ``ReportClient``: its siblings fetch the other partners); warnings go to ``stderr`` here."""
    if not isinstance(client, ReportClient):
        raise TypeError("several partners need an api.client.ReportClient")
    include_subpartners = bool(getattr(args, "include_subpartners", False))
    strict = bool(getattr(args, "strict", False))
    cancel = threading.Event()  # a KeyboardInterrupt in the main thread stops the workers
    try:
        if include_subpartners:
            walk = walk_partners(client, usernames, cancel=cancel)
        else:
            walk = PartnerWalk(PartnerTree.of(usernames))
        results = fetch_partner_reports(
            walk.tree.usernames,
            lambda name: client.for_partner(name, session=requests.Session()),
            query=query,
            cancel=cancel,
        )
    except BaseException:
        cancel.set()
        raise
    code = _warn(walk, results, stderr, strict)
    if all(r.report is None for r in results):
        stderr.write(
            f"backup-status: error: none of the {len(results)} partners' reports could be fetched\n"
        )
        return PartnersFetched(None, code)
    if strict and (code is not None or not walk.complete):
        stderr.write("backup-status: error: --strict: nothing was written\n")
        return PartnersFetched(None, EXIT_INCOMPLETE if code is None else code)
    merged = merge_reports([r.part(_depth(walk.tree, r.partner)) for r in results])
    return PartnersFetched(_judged(merged))


def _depth(tree: PartnerTree, username: str) -> int:
    partner = tree.get(username)
    return 0 if partner is None else partner.depth


def _warn(
    walk: PartnerWalk, results: Sequence[PartnerFetch], stderr: TextIO, strict: bool
) -> int | None:
    """One stderr line per partner that failed (its report, else its sub-partner list: a
    partner refused both is named once), and one per limit hit; the exit code of the first
    failure in tree order (``None`` when nothing failed)."""
    level = "error" if strict else "warning"
    failed = {r.partner: r.error for r in results if r.error is not None}
    listed = {p.partner: p for p in walk.problems}
    code: int | None = None
    for partner in walk.tree.usernames:
        error, problem = failed.get(partner), listed.get(partner)
        if error is None and problem is None:
            continue
        if error is not None:
            text = f"{error.title}: {error.message}"
            if problem is not None and problem.error is not None:
                text += " (Its sub-partners could not be listed either.)"
        else:
            assert problem is not None
            text = problem.message
        stderr.write(f"backup-status: {level}: partner {partner}: {text}\n")
        first = error or (problem.error if problem is not None else None)
        code = first.exit_code if code is None and first is not None else code
    if walk.truncated is not None:
        stderr.write(f"backup-status: {level}: the partner tree is cut short: {walk.truncated}\n")
    return code


def _judged(merged: MergedReport) -> Report:
    """The merged report for the export's own checks (read problems, incompleteness): only
    the reports that arrived incomplete count as incomplete here, the failed partners were
    warned about already."""
    short = [
        f"partner {part.partner}: {part.report.incomplete}"
        for part in merged.parts
        if part.report is not None and part.report.incomplete is not None
    ]
    return dataclasses.replace(merged.report, incomplete="; ".join(short) or None)
