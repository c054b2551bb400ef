"""The ``migsim`` command."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from sim import __version__
from sim.scenario import ScenarioError, file_sha256, load

DEFAULT_SEED = 20080101
_UMASK = os.umask(0)
os.umask(_UMASK)


class UsageError(Exception):
    """Bad input the user can fix: reported in one line, exit code 2."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ScenarioError, UsageError) as exc:
        print(f"migsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("migsim: interrupted; nothing was written for the unfinished run", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="migsim",
        description="Agent-based simulation of seasonal labour migration into South Kazakhstan: "
        "how many migrants are there illegally, and what policies change it.",
    )
    parser.add_argument("--version", action="version", version=f"migsim {__version__}")
    sub = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    run = sub.add_parser(
        "run",
        help="run one scenario and write its time series, summary and plot",
        description="Run a scenario file day by day and write timeseries.csv (one row per day), "
        "summary.json (peak, stays, totals), manifest.json (seed, versions, timing) and "
        "stocks.png (people present by legal status). All counts are in people.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    run.add_argument("scenario", type=Path, metavar="SCENARIO.toml", help="scenario file, e.g. scenarios/baseline.toml")
    run.add_argument("--seed", type=int, default=DEFAULT_SEED,
                     help="random seed; the same scenario, seed and scale give byte-identical output")
    run.add_argument("--out", type=Path, default=None, metavar="DIR",
                     help="output folder (default: results/<scenario name>/<UTC timestamp>/)")
    run.add_argument("--scale", type=int, default=1, metavar="K",
                     help="agent scale: one agent stands for K people (faster, coarser; counts stay in people)")
    run.set_defaults(func=cmd_run)
    return parser


def cmd_run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sim.model import MigrationModel
    from sim.report import plot_stocks

    if args.scale < 1:
        raise UsageError(f"--scale: expected a whole number >= 1, got {args.scale}")
    scenario = load(args.scenario)
    out = args.out or default_out_dir(scenario.name)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a folder")
    started = dt.datetime.now(dt.timezone.utc)
    clock = time.perf_counter()
    model = MigrationModel(scenario, scale=args.scale, rng=args.seed)
    days = len(model.dates)
    with tqdm(total=days, desc=f"{scenario.name}", unit="day", file=sys.stderr, disable=None,
              bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} days [{elapsed}<{remaining}] {postfix}") as bar:
        def progress(m: MigrationModel) -> None:
            bar.update(1)
            if m.t % 10 == 0 or not m.running:
                bar.set_postfix_str(f"{m.date} irregular {m.metrics.row['irregular']:,}")

        model.run(progress)
    wall = time.perf_counter() - clock
    timeseries = model.timeseries()
    summary = model.metrics.summary(timeseries)
    manifest = {
        "scenario": str(args.scenario),
        "scenario_name": scenario.name,
        "scenario_sha256": file_sha256(args.scenario),
        "seed": args.seed,
        "scale": args.scale,
        "start_date": scenario.run.start_date.isoformat(),
        "end_date": scenario.run.end_date.isoformat(),
        "migsim_version": __version__,
        "mesa_version": _version("mesa"),
        "numpy_version": _version("numpy"),
        "python_version": platform.python_version(),
        "started": started.isoformat(timespec="seconds"),
        "wall_seconds": round(wall, 3),
        "command": " ".join(["migsim", *sys.argv[1:]]) if sys.argv else "migsim",
    }
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "timeseries.csv", lambda f: timeseries.to_csv(f, index=False, lineterminator="\n"))
    write_atomic(out / "summary.json", lambda f: f.write(json.dumps(summary, indent=2) + "\n"))
    write_atomic(out / "stocks.png", lambda f: plot_stocks(timeseries, f, _title(scenario, args)), binary=True)
    write_atomic(out / "manifest.json", lambda f: f.write(json.dumps(manifest, indent=2) + "\n"))
    print(f"peak irregular {summary['peak_irregular']:,} on {summary['peak_irregular_date']}; "
          f"mean completed stay {summary['mean_completed_stay_days']} days; "
          f"{summary['total_deportations']:,} deportations; {summary['total_appeals']:,} appeals")
    print(f"wrote {out}/ (timeseries.csv, summary.json, manifest.json, stocks.png)")
    return 0


def _title(scenario, args) -> str:
    scale = "" if args.scale == 1 else f", 1 agent = {args.scale} people"
    return f"Migrants present by legal status: {scenario.name} (seed {args.seed}{scale})"


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def default_out_dir(name: str) -> Path:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = Path("results") / name / stamp
    n = 1
    while out.exists():  # two runs in one second
        n += 1
        out = Path("results") / name / f"{stamp}-{n}"
    return out


def write_atomic(path: Path, write, binary: bool = False) -> None:
    """Write to a temporary file beside ``path`` and rename it into place, so a
    reader never sees a half-written file and an old result stays whole until
    the new one is complete."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8", newline=None if binary else "") as f:
            write(f)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes files private; results are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


if __name__ == "__main__":
    sys.exit(main())
