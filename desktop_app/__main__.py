"""Command line entry: ``backup-status`` (GUI by default) and the headless ``export`` subcommand."""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

from desktop_app import APP_NAME, app_version
from desktop_app.cli.export_command import add_export_parser

if TYPE_CHECKING:
    from desktop_app.demo.quirks import Quirk


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError("must be between 1 and 1000000")
    return value


def _quirks(text: str) -> frozenset[Quirk]:
    from desktop_app.demo.quirks import parse_quirks

    try:
        return parse_quirks(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="backup-status", description=APP_NAME)
    parser.add_argument("--version", action="version", version=f"%(prog)s {app_version()}")
    parser.add_argument(
        "--debug", action="store_true", help="log details (and tracebacks of errors) to stderr"
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation headlessly (samples, keyring, Qt plugins) and exit",
    )
    gui = parser.add_argument_group("desktop app")
    gui.add_argument(
        "--demo",
        action="store_true",
        help="run against the built-in demo API on 127.0.0.1 (no account needed)",
    )
    gui.add_argument(
        "--demo-rows",
        type=_positive_int,
        default=2000,
        metavar="N",
        help="backup sets in the demo report (default 2000, up to 1000000)",
    )
    gui.add_argument(
        "--demo-quirks",
        type=_quirks,
        default=frozenset(),
        metavar="LIST",
        help="the demo API serves what a real server may send: values, pages, short (or all)",
    )
    gui.add_argument(
        "--partners",
        action="store_true",
        help="with --demo: a partner tree (resellers, a branch, one refused) shown as one view",
    )
    gui.add_argument("--minimized", action="store_true", help="start hidden (in the tray)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_export_parser(subparsers)
    return parser


@contextlib.contextmanager
def _debug_logging(enabled: bool, stream: TextIO) -> Iterator[None]:
    """Send the app's log to ``stream`` for this call only (no global logging setup)."""
    if not enabled:
        yield
        return
    logger = logging.getLogger("desktop_app")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


class _NoConsole(io.TextIOBase):
    """Stands in for a missing ``sys.stdout``/``sys.stderr``: output is dropped, not a crash."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)


def _ensure_streams() -> bool:
    """Give a windowed process (pythonw, a windowed bundle) streams; True if stdout was real.

    Such a process starts with ``sys.stdout``/``sys.stderr`` set to None, and every print,
    log handler or error message would then raise on its first write.
    """
    had_stdout = sys.stdout is not None
    if sys.stdout is None:
        sys.stdout = _NoConsole()
    if sys.stderr is None:
        sys.stderr = _NoConsole()
    return had_stdout


def _run_export(args: argparse.Namespace, *, has_stdout: bool = True) -> int:
    """The composition root of the headless export: real keyring, environment and streams."""
    from desktop_app.cli.export_command import EXIT_USAGE, run_export
    from desktop_app.storage.credentials import CredentialStore

    if args.output == "-" and not has_stdout:
        print("No console for '--output -' here: use backup-status-cli.", file=sys.stderr)
        return EXIT_USAGE

    return run_export(
        args,
        credential_store=CredentialStore(),
        environ=os.environ,
        stdout=sys.stdout,
        stderr=sys.stderr,
    )


def _run_gui(args: argparse.Namespace) -> int:
    """No subcommand: the desktop app. Qt is imported only here, so ``export`` stays Qt-free.

    Logs go to a rotating file in the platform log folder (and to stderr with ``--debug``),
    with secrets redacted; a log folder that cannot be created never stops the app.
    """
    from desktop_app.app import AppOptions
    from desktop_app.launch import run
    from desktop_app.logging_setup import configure_logging, default_log_dir
    from desktop_app.os_integration import set_app_user_model_id
    from desktop_app.storage.autostart import autostart_for_platform

    set_app_user_model_id()  # before any window: taskbar grouping, toasts named after the app

    stream = sys.stderr if args.debug else None
    try:
        handle = configure_logging(default_log_dir(), args.debug, stream=stream)
    except OSError as exc:
        print(f"Cannot write the log file ({exc.strerror}); logging is off.", file=sys.stderr)
        handle = None
    try:
        return run(
            AppOptions(
                demo=args.demo,
                demo_rows=args.demo_rows,
                demo_quirks=args.demo_quirks,
                demo_showcase=args.demo,
                demo_partners=args.partners,
                minimized=args.minimized,
                logging=handle,
                autostart=autostart_for_platform(),
            )
        )
    finally:
        if handle is not None:
            handle.close()


def main(argv: list[str] | None = None) -> int:
    has_stdout = _ensure_streams()
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    if not args.self_test and args.command is None:
        return _run_gui(args)  # sets up its own log file (and stderr with --debug)
    with _debug_logging(args.debug, sys.stderr):
        if args.self_test:
            from desktop_app.self_test import run_self_test

            return run_self_test(sys.stdout)
        return _run_export(args, has_stdout=has_stdout)


if __name__ == "__main__":
    sys.exit(main())
