"""The ``migsim`` command: the parser, and every way a command can fail turned
into one line and an exit code. Each command lives in its own module here (an
``add_to`` that adds its parser, and the command itself) over the modules that
do the work: the model, the experiment runner, the results folder (output.py)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from migsim import __version__
from migsim.cli import compare, experiment, params, report, run, scenarios, viz
from migsim.cli.common import UsageError
from migsim.experiments.store import StoreInUse
from migsim.scenario import ScenarioError

__all__ = ["UsageError", "build_parser", "main"]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    on_main_thread = threading.current_thread() is threading.main_thread()
    before = signal.signal(signal.SIGTERM, _stop) if on_main_thread else None  # a TERM cleans up as Ctrl-C does
    try:
        return _run(args)
    finally:
        if on_main_thread:
            signal.signal(signal.SIGTERM, before if before is not None else signal.SIG_DFL)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="migsim",
        description="Agent-based simulation of seasonal labour migration into South Kazakhstan: "
        "how many migrants are there illegally, and what policies change it.",
    )
    parser.add_argument("--version", action="version", version=f"migsim {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an unexpected error")
    sub = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    for command in (run, compare, viz, report, params, scenarios, experiment):
        command.add_to(sub)
    return parser


def _run(args: argparse.Namespace) -> int:
    """The command, with every way it can fail turned into one line and an exit code."""
    try:
        return args.func(args)
    except (ScenarioError, UsageError, StoreInUse) as exc:
        print(f"migsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("migsim: interrupted; nothing was written for the unfinished run", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader stopped early (migsim params | head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit's flush does not fail again
        return 0
    except OSError as exc:  # a full disk, a folder that went away: the system's words, in one line
        if args.debug:
            raise
        where = f" {exc.filename}:" if exc.filename else ""
        print(f"migsim: error:{where} {exc.strerror or exc} (run with --debug for the traceback)", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: one line here, the traceback with --debug
        if args.debug:
            raise
        print(f"migsim: unexpected error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", file=sys.stderr)
        return 1


def _stop(signum, frame):
    raise KeyboardInterrupt
