"""The export's options for several partners, and their help: light on purpose (every start of
``backup-status`` builds the parser), while the fetching (``cli.partner_export``, which needs
``requests``) is imported only when several partners are asked for."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

PARTNERS_EPILOG = """\
several partners:
  --username may be given more than once (same host and credentials: the first username's);
  --include-subpartners adds every sub-partner below them. Either way the CSV gains a first
  column, partner (JSON: a "partner" field), and a backup set two partners report is
  written once, for the more specific (deeper) one. A partner whose report or
  sub-partner list is refused or fails is one stderr warning naming it, and the others are
  written (exit 0); --strict makes it fail with that error's exit code, writing nothing.
"""


def add_partner_arguments(parser: argparse.ArgumentParser, env_username: str) -> None:
    parser.add_argument(
        "--username",
        action="append",
        help=f"partner username (default: ${env_username}); repeat it for several partners",
    )
    parser.add_argument(
        "--include-subpartners",
        action="store_true",
        help="also every sub-partner below the partner(s), found by walking their signups",
    )


def requested_usernames(
    args: argparse.Namespace, environ: Mapping[str, str], env_username: str
) -> list[str]:
    """The partner usernames asked for, each once, in order (none: empty)."""
    given = args.username or [environ.get(env_username, "")]
    return list(dict.fromkeys(name.strip() for name in given if name.strip()))


def several_requested(args: argparse.Namespace, usernames: list[str]) -> bool:
    """More than one partner may be exported: the partner fetch, and a ``partner`` column
    (decided by the command line, not by how many partners turn up: scripts see one shape)."""
    return len(usernames) > 1 or bool(getattr(args, "include_subpartners", False))
