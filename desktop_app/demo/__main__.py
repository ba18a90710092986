"""``python -m desktop_app.demo``: run the demo Intronis API in the foreground until Ctrl+C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from desktop_app.demo.data import DemoData
from desktop_app.demo.partners import standard_tree
from desktop_app.demo.quirks import Quirk, parse_quirks
from desktop_app.demo.server import DemoServer


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m desktop_app.demo",
        description="A local stand-in of the Intronis Backup Status Report API.",
    )
    parser.add_argument("--rows", type=int, default=500, help="backup sets (default 500)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port; 0 picks a free one")
    parser.add_argument(
        "--token-lifetime", type=int, default=3600, metavar="SECONDS", help="default 3600"
    )
    parser.add_argument(
        "--no-evolve", action="store_true", help="keep the data fixed between requests"
    )
    parser.add_argument(
        "--unknown-statuses", action="store_true", help="include undocumented statuses"
    )
    parser.add_argument(
        "--quirks",
        default="",
        metavar="LIST",
        help="serve what a real server may send instead of the documented shapes: "
        f"{','.join(q.value for q in Quirk)} (comma-separated; 'all' for every one)",
    )
    parser.add_argument(
        "--partners",
        action="store_true",
        help="serve a partner tree: resellers below the demo partner, one nested level, one "
        "the token may not read (each with --rows backup sets of its own)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.rows < 0:
        print("--rows must not be negative", file=sys.stderr)
        return 2
    try:
        quirks = parse_quirks(args.quirks)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    data = DemoData(args.rows, seed=args.seed, unknown_statuses=args.unknown_statuses)
    server = DemoServer(
        data,
        host=args.host,
        port=args.port,
        token_lifetime=args.token_lifetime,
        evolve=not args.no_evolve,
        quirks=quirks,
        partners=standard_tree(args.rows) if args.partners else (),
    )
    stop = threading.Event()

    def on_term(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        with server:
            print(f"Intronis demo API with {len(data)} backup sets", flush=True)
            print(f"  base URL:      {server.base_url}")
            print(f"  token URL:     {server.auth_url}/oauth2/token")
            print(f"  username:      {server.username}")
            print(f"  client id:     {server.client_id}")
            print(f"  client secret: {server.client_secret}  (demo credentials)")
            print(f"  evolving:      {'no' if args.no_evolve else 'yes, one tick per request'}")
            print(f"  quirks:        {', '.join(sorted(quirks)) or 'none (documented shapes)'}")
            for partner in server.partners:
                below = f"below {partner.parent}" if partner.parent else "the root"
                refused = f", refused (HTTP {partner.refusal})" if partner.refusal else ""
                print(f"  partner:       {partner.username} ({below}{refused})")
            print("Press Ctrl+C to stop.", flush=True)
            try:
                while not stop.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    print("Demo server stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
