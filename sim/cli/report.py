"""``migsim report``: one self-contained HTML page of a results folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from migsim.cli.common import UsageError
from migsim.output import write_atomic


def add_to(sub) -> None:
    report = sub.add_parser(
        "report",
        help="turn the output of run, compare, sweep, sensitivity or calibrate into one HTML page with its plots",
        description="Write DIR/report.html (self-contained: plots embedded) and the PNGs it needs, from a results "
        "folder of migsim run (single or --replications), compare, sweep, sensitivity or calibrate.",
    )
    report.add_argument(
        "results",
        type=Path,
        metavar="RESULTS_DIR",
        help="the folder a run, compare, sweep, sensitivity or calibrate command wrote",
    )
    report.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    from migsim.html_report import ReportError, build

    try:
        page, made = build(args.results)
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    except (KeyError, ValueError, FileNotFoundError) as exc:
        raise UsageError(f"{args.results}: incomplete or unexpected results ({exc})") from None
    write_atomic(args.results / "report.html", lambda f: f.write(page))
    print(f"wrote {args.results / 'report.html'}" + (f" and {', '.join(p.name for p in made)}" if made else ""))
    return 0
