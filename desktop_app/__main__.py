"""Command line entry: ``backup-status`` (GUI by default) and the headless ``export`` subcommand."""

from __future__ import annotations

import argparse
import sys

from desktop_app import APP_NAME, app_version


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="backup-status", description=APP_NAME)
    parser.add_argument("--version", action="version", version=f"%(prog)s {app_version()}")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    parser.parse_args(args)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
