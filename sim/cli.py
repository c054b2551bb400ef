"""The ``migsim`` command."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import signal
import sys
import threading
import time
from pathlib import Path

from migsim import __version__
from migsim.experiments.store import StoreInUse
from migsim.output import MANIFEST, replaceable, staged, write_atomic
from migsim.scenario import ScenarioError, file_sha256, load

DEFAULT_SEED = 20080101
DEFAULT_DRAWS = 20  # parameter sets a comparison draws when the scenarios state ranges


class HelpWithDefaults(argparse.ArgumentDefaultsHelpFormatter):
    """Shows an option's default, unless it has none (its help says what happens)."""

    def _get_help_string(self, action):
        return action.help if action.default is None else super()._get_help_string(action)


class UsageError(Exception):
    """Bad input the user can fix: reported in one line, exit code 2."""


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


SCHEDULER = re.compile(r"^(tcp|tls)://[A-Za-z0-9_.\-\[\]:]+:\d{1,5}/?$")


def _stop(signum, frame):
    raise KeyboardInterrupt


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="migsim",
        description="Agent-based simulation of seasonal labour migration into South Kazakhstan: "
        "how many migrants are there illegally, and what policies change it.",
    )
    parser.add_argument("--version", action="version", version=f"migsim {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an unexpected error")
    sub = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    run = sub.add_parser(
        "run",
        help="run one scenario and write its time series, summary and plot",
        description="Run a scenario file day by day and write timeseries.csv (one row per day), "
        "summary.json (peak, stays, totals), manifest.json (seed, versions, timing) and "
        "stocks.png (people present by legal status). All counts are in people.",
        formatter_class=HelpWithDefaults,
    )
    run.add_argument("scenario", type=Path, metavar="SCENARIO.toml", help="scenario file, e.g. scenarios/baseline.toml")
    _add_run_options(
        run,
        replications=1,
        seed_help="random seed; the same scenario, seed and scale give byte-identical output",
        out_default="results/<scenario name>/<UTC timestamp>/",
        replications_help="run R seeds (SEED, SEED+1, ...) in parallel; writes each run under seeds/, "
        "plus ensemble.csv (per day: mean and central 95%% of runs) and a fan chart",
    )
    run.set_defaults(func=cmd_run)

    compare = sub.add_parser(
        "compare",
        help="compare scenarios on the same seeds and parameter draws, with paired differences and both kinds of interval",
        description="Run every scenario with the same seeds (common random numbers) and, with --draws D, on the same D "
        "parameter sets (common parameters: calibrated parameters from the calibration's accepted draws, assumptions "
        "from their stated [ranges] by Latin hypercube). Writes comparison.csv and comparison.md: for each key "
        "outcome, each scenario's mean, its paired difference to the first scenario with the seed-only 95% interval "
        "and, with draws, the interval over parameters and seeds, the sign agreement over draws and whether the effect "
        "is robust; the assumptions that most change each effect (a regression tree over the draws); plots with dated "
        "axes and bands. With draws every finished run is stored at once in DIR/results.sqlite: the same command "
        "resumes, and --backend dask runs on a cluster. Then: migsim report DIR.",
        formatter_class=HelpWithDefaults,
    )
    compare.add_argument(
        "scenarios",
        type=Path,
        nargs="+",
        metavar="SCENARIO.toml",
        help="two or more scenario files with the same dates; the first is the reference",
    )
    _add_run_options(
        compare,
        replications=None,
        seed_help="first seed; the others follow it (and the parameter draws follow from it)",
        out_default="results/compare/<UTC timestamp>/",
        replications_help="seeds per scenario and parameter set (default: 5 with draws, 10 without)",
    )
    compare.add_argument(
        "--draws",
        type=int,
        default=None,
        metavar="D",
        help=f"parameter sets drawn (default: {DEFAULT_DRAWS} when the reference scenario states [ranges] or a "
        "posterior, else 0); 0 compares at the scenarios' own values only (seed-to-seed noise only)",
    )
    _add_backend_options(compare)
    compare.set_defaults(func=cmd_compare)

    viz = sub.add_parser(
        "viz",
        help="start the classroom app in the browser: map, charts, play/step, policy levers that act from the next day",
        description="Start the classroom app on this machine and print its address. Open it in a browser; "
        "Ctrl-C stops it. Every browser page has its own simulation. The scenario picker lists the shipped "
        "scenarios (and SCENARIO.toml if given); the levers change policy from the next day of the run. "
        "One server simulates on one core: for a class, give --servers as many as the machine has cores "
        "(docs/classroom.md has the measured figures).",
        formatter_class=HelpWithDefaults,
    )
    viz.add_argument(
        "scenario",
        type=Path,
        nargs="?",
        default=None,
        metavar="SCENARIO.toml",
        help="scenario to start with (default: scenarios/baseline.toml)",
    )
    viz.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (0.0.0.0 to let other machines in the classroom connect)"
    )
    viz.add_argument("--port", type=int, default=8765, help="port of the address the class opens")
    viz.add_argument(
        "--servers",
        type=int,
        default=1,
        help="app servers (one process and one core each), on the ports after --port; the address "
        "sends each new page to the next one",
    )
    viz.set_defaults(func=cmd_viz)

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
    report.set_defaults(func=cmd_report)

    params = sub.add_parser(
        "params",
        help="the parameter catalogue: every parameter with its type, value, allowed values, unit, kind, "
        "plausible range, meaning and source",
        description="Print every parameter of a scenario by its flat name (the name --draws, sweeps, experiment files "
        "and Python keywords use) with its type, its value, the values a scenario file may set (read from the "
        "validation models), its unit, its kind: calibrated (drawn from the calibration's accepted draws), "
        "assumption (drawn from its stated plausible range) or fixed (a figure from docs/sources.md, a setting, or "
        "a steady state: not drawn), its plausible range, and its meaning and source (the comment beside it in the "
        "scenario file); then every lever of its policy events (id.lever, or events[i].lever for an event without "
        "an id), with its range when one is stated. --csv or --markdown writes "
        "the whole catalogue to standard output (migsim params --markdown > params.md).",
    )
    params.add_argument(
        "scenario",
        type=Path,
        nargs="?",
        default=None,
        metavar="SCENARIO.toml",
        help="scenario file (default: scenarios/baseline.toml)",
    )
    shape = params.add_mutually_exclusive_group()
    shape.add_argument("--csv", action="store_true", help="CSV instead of an aligned table")
    shape.add_argument("--markdown", action="store_true", help="a markdown table instead of an aligned table")
    params.set_defaults(func=cmd_params)

    for name, func, example, text in (
        (
            "sweep",
            cmd_sweep,
            "sweep_enforcement_quota",
            "run a parameter sweep (full factorial or Latin hypercube) and plot each outcome against each parameter",
        ),
        (
            "sensitivity",
            cmd_sensitivity,
            "sensitivity_baseline",
            "global sensitivity analysis (SALib: Morris screening or Sobol indices) of the outcomes",
        ),
        (
            "calibrate",
            cmd_calibrate,
            "calibrate_baseline",
            (
                "calibrate parameters against the observed targets in sim/data by rejection ABC "
                "(accepted parameter sets, a fit report and a plot of simulated against observed)"
            ),
        ),
    ):
        exp = sub.add_parser(
            name,
            help=text,
            description=text + ". Every finished job is stored at once in "
            "DIR/results.sqlite; running the same command again resumes, skipping finished jobs.",
            formatter_class=HelpWithDefaults,
        )
        exp.add_argument(
            "experiment", type=Path, metavar="EXPERIMENT.toml", help=f"experiment file, e.g. experiments/{example}.toml"
        )
        _add_backend_options(exp)
        exp.add_argument("--workers", type=int, default=None, metavar="W", help="parallel processes (default: all cores)")
        exp.add_argument(
            "--out", type=Path, default=None, metavar="DIR", help="output folder (default: results/<experiment name>/)"
        )
        exp.set_defaults(func=func)
    return parser


def _add_backend_options(parser: argparse.ArgumentParser) -> None:
    """Where the runs go: --backend, --scheduler, and for a cluster beyond one
    trusted network tls:// with certificates (plain tcp:// trusts everyone who can
    reach the scheduler's port)."""
    parser.add_argument(
        "--backend",
        choices=("local", "dask", "inprocess"),
        default="local",
        help="local: a process pool on this machine; dask: a Dask cluster (--scheduler, or a local one); inprocess: no parallelism",
    )
    parser.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (dask backend)"
    )
    for option, what in (
        ("--tls-ca", "the certificate authority that signed the cluster's certificates"),
        ("--tls-cert", "this client's certificate"),
        ("--tls-key", "this client's private key"),
    ):
        parser.add_argument(
            option, type=Path, default=None, metavar="FILE", help=f"{what} (PEM), for a --scheduler tls://... address"
        )


def _tls(args: argparse.Namespace) -> dict[str, str] | None:
    """The client's TLS files, checked; None for a tcp:// scheduler."""
    files = {"ca": getattr(args, "tls_ca", None), "cert": getattr(args, "tls_cert", None), "key": getattr(args, "tls_key", None)}
    scheduler = getattr(args, "scheduler", None) or ""
    if not any(files.values()) and not scheduler.startswith("tls://"):
        return None
    if not scheduler.startswith("tls://"):
        raise UsageError("--tls-ca/--tls-cert/--tls-key: only with a --scheduler tls://... address")
    for name, path in files.items():
        if path is None:
            raise UsageError(
                f"--scheduler {scheduler}: a tls:// address needs --tls-ca, --tls-cert and --tls-key (missing --tls-{name})"
            )
        if not path.is_file():
            raise UsageError(f"--tls-{name} {path}: no such file")
    return {name: str(path) for name, path in files.items()}


def _add_run_options(
    parser: argparse.ArgumentParser, replications: int | None, seed_help: str, out_default: str, replications_help: str
) -> None:
    """The options run and compare share."""
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=seed_help)
    parser.add_argument("--out", type=Path, default=None, metavar="DIR", help=f"output folder (default: {out_default})")
    parser.add_argument(
        "--scale",
        type=int,
        default=1,
        metavar="K",
        help="agent scale: one agent stands for K people (faster, coarser; counts stay in people)",
    )
    parser.add_argument("--replications", type=int, default=replications, metavar="R", help=replications_help)
    parser.add_argument("--workers", type=int, default=None, metavar="W", help="parallel processes (default: all cores)")


def _check_common(args: argparse.Namespace) -> None:
    if args.scale < 1:
        raise UsageError(f"--scale: expected a whole number >= 1, got {args.scale}")
    if args.replications is not None and args.replications < 1:
        raise UsageError(f"--replications: expected a whole number >= 1, got {args.replications}")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers: expected a whole number >= 1, got {args.workers}")
    last_seed = args.seed + max(args.replications or 1, 1) - 1  # seeds follow one another
    if not 0 <= args.seed or last_seed >= 2**63:
        raise UsageError(f"--seed: expected a whole number from 0 to 2**63-1 (with the replications after it), got {args.seed}")


def _out_dir(args: argparse.Namespace, *parts: str) -> Path:
    out = args.out or default_out_dir(*parts)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a folder")
    # checked before simulating, not found out after it: the result is staged beside the folder
    nearest = next(p for p in (out.parent, *out.parent.parents) if p.exists())
    if not nearest.is_dir() or not os.access(nearest, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: cannot write in {nearest}")
    if not replaceable(out):
        raise UsageError(f"--out {out}: holds other files (not a migsim result); give a new or empty folder")
    return out


def _manifest(args: argparse.Namespace, started: dt.datetime, wall: float, **extra) -> dict:
    return {
        **extra,
        "scale": args.scale,
        "migsim_version": __version__,
        "mesa_version": _version("mesa"),
        "numpy_version": _version("numpy"),
        "python_version": platform.python_version(),
        "started": started.isoformat(timespec="seconds"),
        "wall_seconds": round(wall, 3),
        "command": " ".join(["migsim", *sys.argv[1:]]) if sys.argv else "migsim",
    }


def _write_json(path: Path, data) -> None:
    write_atomic(path, lambda f: f.write(json.dumps(data, indent=2) + "\n"))


def _write_csv(path: Path, frame) -> None:
    write_atomic(path, lambda f: frame.to_csv(f, index=False, lineterminator="\n"))


def _write_run(out: Path, timeseries, summary: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(out / "timeseries.csv", timeseries)
    _write_json(out / "summary.json", summary)


def cmd_run(args: argparse.Namespace) -> int:
    _check_common(args)
    scenario = load(args.scenario)
    out = _out_dir(args, scenario.name)
    if args.replications > 1:
        return _run_replications(args, scenario, out)
    from tqdm import tqdm

    from migsim.model import MigrationModel
    from migsim.report import plot_stocks

    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    model = MigrationModel(scenario, scale=args.scale, rng=args.seed)
    with tqdm(
        total=len(model.dates),
        desc=f"{scenario.name}",
        unit="day",
        file=sys.stderr,
        disable=None,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} days [{elapsed}<{remaining}] {postfix}",
    ) as bar:

        def progress(m: MigrationModel) -> None:
            bar.update(1)
            if m.t % 10 == 0 or not m.running:
                bar.set_postfix_str(f"{m.date} irregular {m.metrics.row['irregular']:,}")

        model.run(progress)
    wall = time.perf_counter() - clock
    timeseries = model.timeseries()
    summary = model.metrics.summary(timeseries)
    manifest = _manifest(args, started, wall, **_scenario_fields(args.scenario, scenario), seed=args.seed)
    with staged(out) as stage:  # complete or absent
        _write_run(stage, timeseries, summary)
        write_atomic(stage / "stocks.png", lambda f: plot_stocks(timeseries, f, _title(scenario, args)), binary=True)
        _write_json(stage / "manifest.json", manifest)
    print(
        f"peak irregular {summary['peak_irregular']:,} on {summary['peak_irregular_date']}; "
        f"mean completed stay {summary['mean_completed_stay_days']} days; "
        f"{summary['total_deportations']:,} deportations; {summary['total_appeals']:,} appeals"
    )
    print(f"wrote {out}/ (timeseries.csv, summary.json, manifest.json, stocks.png)")
    return 0


def _scenario_fields(path: Path, scenario, reference=None) -> dict:
    """What a manifest says of a scenario; against a ``reference`` scenario, also
    the parameters it sets differently (for reports)."""
    fields = {
        "scenario": str(path),
        "scenario_name": scenario.name,
        "scenario_sha256": file_sha256(path),
        "start_date": scenario.run.start_date.isoformat(),
        "end_date": scenario.run.end_date.isoformat(),
        "description": " ".join(scenario.description.split()),
        "events": [event.describe() for event in scenario.events],
    }
    if reference is not None:
        base = reference.flat()
        fields["differs_from_reference"] = {k: v for k, v in scenario.flat().items() if base.get(k) != v}
    return fields


def _seeds(args: argparse.Namespace) -> list[int]:
    return [args.seed + i for i in range(args.replications)]


def _run_all(jobs, args: argparse.Namespace, desc: str):
    """Run jobs in parallel with a progress bar; interrupting leaves nothing half-written."""
    from tqdm import tqdm

    from migsim.experiments.runner import run_jobs

    tls = _check_scheduler(args)
    with tqdm(total=len(jobs), desc=desc, unit="run", file=sys.stderr, disable=None) as bar:
        return run_jobs(
            jobs,
            workers=args.workers,
            on_done=lambda r: bar.update(1),
            backend=getattr(args, "backend", "local"),
            scheduler=getattr(args, "scheduler", None),
            tls=tls,
        )


def _run_replications(args: argparse.Namespace, scenario, out: Path) -> int:
    from migsim.experiments.compare import ensemble, mean_interval
    from migsim.experiments.runner import Job
    from migsim.metrics import KEY_OUTCOMES, key_outcomes
    from migsim.report import plot_fan

    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    seeds = _seeds(args)
    results = _run_all([Job(args.scenario, seed, args.scale) for seed in seeds], args, f"{scenario.name} x{len(seeds)}")
    wall = time.perf_counter() - clock
    ens = ensemble([r.timeseries for r in results])
    outcomes = [key_outcomes(r.timeseries, r.summary) for r in results]
    summary = {
        "replications": len(seeds),
        "seeds": seeds,
        "outcomes": {
            name: dict(zip(("mean", "lo95", "hi95"), (round(v, 4) for v in mean_interval([o[name] for o in outcomes]))))
            for name in KEY_OUTCOMES
        },
        "per_seed": {str(r.job.seed): r.summary for r in results},
    }
    title = f"Migrants present by legal status: {scenario.name} ({len(seeds)} seeds{_scale_note(args)})"
    with staged(out) as stage:  # complete or absent
        for r in results:
            _write_run(stage / "seeds" / f"seed-{r.job.seed}", r.timeseries, r.summary)
        _write_csv(stage / "ensemble.csv", ens)
        _write_json(stage / "summary.json", summary)
        write_atomic(stage / "stocks.png", lambda f: plot_fan(ens, f, title, len(seeds)), binary=True)
        manifest = _manifest(args, started, wall, **_scenario_fields(args.scenario, scenario), seeds=seeds)
        _write_json(stage / "manifest.json", manifest)
    peak = summary["outcomes"]["peak_irregular"]
    print(
        f"peak irregular {peak['mean']:,.0f} (95% interval of the mean {peak['lo95']:,.0f}-{peak['hi95']:,.0f}) over {len(seeds)} seeds"
    )
    print(f"wrote {out}/ (ensemble.csv, summary.json, manifest.json, stocks.png, seeds/)")
    return 0


def _comparison_setup(args: argparse.Namespace):
    """Check a comparison's input before anything runs or is written: the files,
    their names, the same calendar, the draws and seeds."""
    _check_common(args)
    if len(args.scenarios) < 2:
        raise UsageError("compare: expected two or more scenario files")
    if args.scheduler and args.backend != "dask":
        raise UsageError("--scheduler: only with --backend dask")
    if args.draws is not None and args.draws < 0:
        raise UsageError(f"--draws: expected a whole number >= 0, got {args.draws}")
    scenarios = [load(path) for path in args.scenarios]  # all checked before anything runs
    names = [s.name for s in scenarios]
    if len(set(names)) < len(names):
        names = [path.stem for path in args.scenarios]
    if len(set(names)) < len(names):
        raise UsageError("compare: two scenarios share a name and a file name; give each its own")
    ref = scenarios[0]
    for path, scenario in zip(args.scenarios[1:], scenarios[1:]):
        if (scenario.run.start_date, scenario.run.end_date) != (ref.run.start_date, ref.run.end_date):
            raise UsageError(
                f"compare: {path} runs {scenario.run.start_date} to {scenario.run.end_date} but the reference "
                f"{args.scenarios[0]} runs {ref.run.start_date} to {ref.run.end_date}; compare scenarios over the same dates "
                "(each year has its own reference, e.g. baseline_2009.toml for 2009)"
            )
    from migsim.experiments.uncertainty import plan_draws

    declared = bool(plan_draws(dict(zip(names, scenarios)), names[0]))
    if args.draws and not declared:
        raise UsageError(
            f"--draws {args.draws}: nothing to draw: {args.scenarios[0]} states no [ranges] and no posterior, "
            "and no scenario's events state ranges; use --draws 0"
        )
    args.draws = (DEFAULT_DRAWS if declared else 0) if args.draws is None else args.draws
    args.replications = args.replications or (5 if args.draws else 10)
    return scenarios, names


def cmd_compare(args: argparse.Namespace) -> int:
    scenarios, names = _comparison_setup(args)
    out = _out_dir(args, "compare")
    if args.draws:
        return _compare_with_draws(args, scenarios, names, out)
    import pandas as pd

    from migsim.experiments.compare import ensemble, markdown_report, paired_comparison
    from migsim.experiments.runner import Job
    from migsim.metrics import key_outcomes
    from migsim.report import plot_compare

    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    seeds = _seeds(args)
    jobs = [Job(path, seed, args.scale, label=name) for path, name in zip(args.scenarios, names) for seed in seeds]
    results = _run_all(jobs, args, f"compare {len(names)} scenarios x {len(seeds)} seeds")
    wall = time.perf_counter() - clock
    rows = [{"scenario": r.job.label, "seed": r.job.seed, **key_outcomes(r.timeseries, r.summary)} for r in results]
    outcomes = pd.DataFrame(rows)
    table = paired_comparison(outcomes, names[0])
    ensembles = {name: ensemble([r.timeseries for r in results if r.job.label == name]) for name in names}
    with staged(out) as stage:  # complete or absent (a results.sqlite beside it stays)
        for name, ens in ensembles.items():
            (stage / "scenarios" / name).mkdir(parents=True, exist_ok=True)
            _write_csv(stage / "scenarios" / name / "ensemble.csv", ens)
        _write_csv(stage / "outcomes_by_seed.csv", outcomes)
        _write_csv(stage / "comparison.csv", table.round(4))
        report = markdown_report(table, names[0], seeds, args.scale)
        write_atomic(stage / "comparison.md", lambda f: f.write(report))
        scale = _scale_note(args)
        plots = {
            "compare_irregular.png": ([("irregular", "irregular migrants present")], "people", "Irregular migrants present"),
            "compare_status.png": (
                [
                    ("irregular_stay", "irregular: stay unregistered"),
                    ("irregular_work", "irregular: work without permit"),
                    ("registered", "registered"),
                    ("permitted", "permitted (quota)"),
                    ("amnesty_card", "amnesty card"),
                ],
                "people",
                "Stocks by legal status",
            ),
            "compare_enforcement.png": (
                [("detentions_cum", "detentions"), ("deportations_cum", "deportations"), ("bribes_cum", "bribes paid")],
                "people, since the start",
                "Enforcement, running totals",
            ),
            "compare_legal_aid.png": (
                [("appeals_cum", "appeals taken"), ("appeals_turned_away_cum", "appeals turned away")],
                "people, since the start",
                "Legal aid, running totals",
            ),
        }
        for filename, (columns, unit, what) in plots.items():
            title = f"{what} ({len(seeds)} paired seeds{scale})"
            write_atomic(
                stage / filename,
                lambda f, columns=columns, title=title, unit=unit: plot_compare(ensembles, columns, f, title, unit),
                binary=True,
            )
        _write_json(
            stage / "manifest.json",
            _manifest(
                args,
                started,
                wall,
                seeds=seeds,
                draws=0,
                reference=names[0],
                scenarios=[
                    {**_scenario_fields(path, s, scenarios[0]), "label": name}
                    for path, s, name in zip(args.scenarios, scenarios, names)
                ],
            ),
        )
    print(report.split("## In plain words")[1].strip())
    print(
        f"wrote {out}/ (comparison.md, comparison.csv, outcomes_by_seed.csv, {', '.join(plots)}, scenarios/); "
        f"then: migsim report {out}"
    )
    return 0


def _compare_with_draws(args: argparse.Namespace, scenarios, names: list[str], out: Path) -> int:
    """The comparison over parameter draws: jobs in the results store (resumable,
    any backend), then the tables, the report and the plots from the store."""
    import hashlib

    import pandas as pd

    from migsim.experiments.compare import KEY_OUTCOMES, fmt, markdown_report, paired_comparison
    from migsim.experiments.jobs import WEEKLY, ExperimentJob
    from migsim.experiments.store import ResultStore
    from migsim.experiments.uncertainty import acts_on, describe_what_matters, draw_parameters, overrides_for, what_matters
    from migsim.report import plot_compare_uncertainty

    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    seeds = _seeds(args)
    by_name = dict(zip(names, scenarios))
    reference = names[0]
    draws, plan = draw_parameters(by_name, reference, args.draws, args.seed)
    jobs, labels = [], []  # labels[i]: (scenario, draw) of jobs[i]; identical jobs share one stored result
    for name, scenario in by_name.items():
        text = scenario.model_dump_json()
        sha = hashlib.sha256(text.encode()).hexdigest()
        for draw in range(args.draws + 1):
            overrides = overrides_for(name, by_name, reference, draws.loc[draw] if draw else None, plan)
            for seed in seeds:
                jobs.append(ExperimentJob(text, sha, overrides, seed, args.scale, position=len(jobs), extra={"weekly": True}))
                labels.append((name, draw))
    print(
        f"{len(names)} scenarios x {args.draws + 1} parameter sets (own values and {args.draws} draws) x {len(seeds)} seeds "
        f"= {len(jobs)} runs at scale {args.scale}",
        file=sys.stderr,
    )
    store_path = out / "results.sqlite"
    counts = _run_stored(jobs, out, args, "compare")
    wall = time.perf_counter() - clock
    print(
        f"{counts['total']} runs: {counts['skipped']} done before, {counts['done']} done now, {counts['failed']} failed",
        file=sys.stderr,
    )
    store = ResultStore(store_path)
    try:
        stored = {row["job_id"]: row for row in store.rows()}
    finally:
        store.close()
    wanted = {job.job_id for job in jobs}
    failed = [row for job_id, row in stored.items() if job_id in wanted and row["status"] != "done"]
    if failed:
        _write_failures(out)
        print(
            f"migsim: {len(failed)} of {len(wanted)} runs failed; nothing else was written. Fix the cause and run the "
            f"same command with --out {out} again: finished runs are kept.",
            file=sys.stderr,
        )
        return 1
    rows, weekly = [], []
    for job, (name, draw) in zip(jobs, labels, strict=True):
        values = stored[job.job_id]["outcomes"]
        rows.append({"scenario": name, "draw": draw, "seed": job.seed, **{k: values[k] for k in KEY_OUTCOMES}})
        weekly.append(
            {
                "scenario": name,
                "draw": draw,
                "seed": job.seed,
                **{int(k[len(WEEKLY) :]): v for k, v in values.items() if k.startswith(WEEKLY)},
            }
        )
    outcomes = pd.DataFrame(rows)
    table = paired_comparison(outcomes, reference)
    explained: dict[str, str] = {}
    matters_rows = []
    for name in names[1:]:
        columns = [d.column for d in plan if acts_on(d, name, by_name, reference)]
        sentences = []
        for outcome in ("peak_irregular", "season_mean_irregular"):
            effect = (
                outcomes[(outcomes["scenario"] == name) & (outcomes["draw"] > 0)].set_index(["draw", "seed"])[outcome]
                - outcomes[(outcomes["scenario"] == reference) & (outcomes["draw"] > 0)].set_index(["draw", "seed"])[outcome]
            )
            by_draw = effect.groupby(level="draw").mean()
            result = what_matters(by_draw, draws, columns)
            label = KEY_OUTCOMES[outcome][0]
            sentences.append(describe_what_matters(result, label, lambda v, o=outcome: fmt(v, o, signed=True)))
            for parameter, share in result["importance"].items():
                matters_rows.append({"scenario": name, "outcome": outcome, "parameter": parameter, "importance": round(share, 4)})
            for rev in result["reversals"]:
                matters_rows.append(
                    {
                        "scenario": name,
                        "outcome": outcome,
                        "parameter": "reverses where: "
                        + " and ".join(f"{k} in [{lo:.4g}, {hi:.4g}]" for k, (lo, hi) in rev["ranges"].items()),
                        "importance": None,
                    }
                )
        explained[name] = " ".join(sentences)
    weekly_frame = pd.DataFrame(weekly)
    drawn = draws.reset_index()
    sources = pd.DataFrame(
        [
            {
                "column": d.column,
                "kind": d.kind,
                "low": d.low,
                "high": d.high,
                "scenario": ", ".join(sorted(d.scenarios)) or "all",
            }
            for d in plan
        ]
    )
    with staged(out) as stage:  # complete or absent (a results.sqlite beside it stays)
        _write_csv(stage / "outcomes_by_run.csv", outcomes.merge(drawn, on="draw", how="left"))
        _write_csv(stage / "draws.csv", drawn)
        _write_csv(stage / "drawn_parameters.csv", sources)
        _write_csv(
            stage / "what_matters.csv", pd.DataFrame(matters_rows, columns=["scenario", "outcome", "parameter", "importance"])
        )
        _write_csv(stage / "weekly_irregular.csv", weekly_frame)
        _write_csv(stage / "comparison.csv", table.round(4))
        report = markdown_report(table, reference, seeds, args.scale, draws=args.draws, what_matters=explained)
        write_atomic(stage / "comparison.md", lambda f: f.write(report))
        start = scenarios[0].run.start_date
        title = f"Irregular migrants present ({len(seeds)} seeds x {args.draws} parameter draws{_scale_note(args)})"
        write_atomic(
            stage / "compare_irregular.png",
            lambda f: plot_compare_uncertainty(weekly_frame, reference, start, f, title),
            binary=True,
        )
        _write_json(
            stage / "manifest.json",
            _manifest(
                args,
                started,
                wall,
                seeds=seeds,
                draws=args.draws,
                reference=reference,
                runs=len(jobs),
                runs_done_before=counts["skipped"],
                scenarios=[
                    {**_scenario_fields(path, s, scenarios[0]), "label": name}
                    for path, s, name in zip(args.scenarios, scenarios, names)
                ],
            ),
        )
    print(report.split("## In plain words")[1].strip())
    print(
        f"wrote {out}/ (comparison.md, comparison.csv, outcomes_by_run.csv, draws.csv, drawn_parameters.csv, what_matters.csv, "
        f"weekly_irregular.csv, compare_irregular.png, results.sqlite); then: migsim report {out}"
    )
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    import pandas as pd

    from migsim.catalogue import catalogue, markdown

    table = catalogue(args.scenario)
    if args.csv:
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
        return 0
    if args.markdown:
        sys.stdout.write(markdown(table))
        return 0
    shown = table.assign(
        value=table["value"].map(lambda v: json.dumps(v) if isinstance(v, (list, dict)) else str(v)),
        plausible=[
            f"[{lo:g}, {hi:g}]" if lo is not None and pd.notna(lo) else ""
            for lo, hi in zip(table["low"], table["high"], strict=True)
        ],
        meaning=table["meaning_and_source"].str.slice(0, 50),
    )
    columns = ["parameter", "value", "allowed", "unit", "kind", "plausible", "meaning"]
    print(shown[columns].to_string(index=False, max_colwidth=40))
    counts = table["kind"].value_counts()
    print(
        f"\n{len(table)} parameters: "
        + ", ".join(f"{n} {k}" for k, n in counts.items())
        + ". allowed: what a scenario file may set; plausible: the calibration's accepted draws (calibrated) or the "
        "range stated in [ranges] (assumption). --csv or --markdown gives every column in full, with each "
        "parameter's meaning and source."
    )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from migsim.html_report import ReportError, build

    # a run's or comparison's files without the manifest written last (an interrupted write), unless the
    # folder is part of a finished result (a seed of --replications, a scenario of a comparison)
    ran = any((args.results / name).exists() for name in ("timeseries.csv", "summary.json", "ensemble.csv"))
    inside = any((up / MANIFEST).exists() for up in list(args.results.resolve().parents)[:2])
    if ran and not inside and not (args.results / MANIFEST).exists():
        raise UsageError(f"{args.results}: no {MANIFEST}: not a finished migsim result (an interrupted write, or another folder)")
    try:
        page, made = build(args.results)
    except ReportError as exc:
        raise UsageError(str(exc)) from None
    except (KeyError, ValueError, FileNotFoundError) as exc:
        raise UsageError(f"{args.results}: incomplete or unexpected results ({exc})") from None
    write_atomic(args.results / "report.html", lambda f: f.write(page))
    print(f"wrote {args.results / 'report.html'}" + (f" and {', '.join(p.name for p in made)}" if made else ""))
    return 0


def cmd_viz(args: argparse.Namespace) -> int:
    import subprocess

    from migsim.scenario import REPO_ROOT

    env = dict(os.environ)
    if args.scenario is not None:
        load(args.scenario)  # a bad file stops here, with the usual one-line error
        path = args.scenario.resolve()
        scenarios = (REPO_ROOT / "scenarios").resolve()
        env["MIGSIM_SCENARIO"] = path.name if path.parent == scenarios else str(path)
    solara = Path(sys.executable).parent / "solara"
    if not solara.exists():
        raise UsageError("the viz command needs solara (installed with mesa[rec]); reinstall migsim")
    from migsim.viz import assets

    missing = assets.ensure(quiet=True)  # the browser side, from npm, for classrooms without internet
    if missing:
        print(f"migsim: note: {', '.join(missing)} not cached; the page needs the internet to fetch them", file=sys.stderr)
    from migsim.viz import front

    if not 1 <= args.servers <= 64:
        raise UsageError(f"--servers {args.servers}: expected a whole number from 1 to 64")
    ports = [args.port] if args.servers == 1 else [args.port + 1 + i for i in range(args.servers)]
    taken = [p for p in {args.port, *ports} if p > 65535 or not front.port_is_free(args.host, p)]
    if taken:
        raise UsageError(
            f"--port {args.port}: port {', '.join(map(str, sorted(taken)))} is in use or not available "
            f"on {args.host}; pick another --port"
        )
    app = Path(__file__).parent / "viz" / "app.py"

    def solara_on(port: int) -> list[str]:
        return [str(solara), "run", str(app), "--host", args.host, "--port", str(port), "--no-open", "--production"]

    shown = f"[{args.host}]" if ":" in args.host else args.host  # an IPv6 address, as a browser writes it
    print(f"migsim classroom app: open http://{shown}:{args.port}/ in a browser (Ctrl-C stops it)", flush=True)
    if args.servers == 1:
        try:
            return subprocess.call(solara_on(args.port), env=env)
        except KeyboardInterrupt:
            return 0
    servers: dict[int, subprocess.Popen] = {}
    try:
        door = front.FrontDoor(args.host, args.port, ports, alive=lambda port: servers[port].poll() is None)
    except OSError as exc:
        raise UsageError(f"--port {args.port}: cannot listen on {args.host}: {exc.strerror or exc}") from None
    try:
        for port in ports:
            servers[port] = subprocess.Popen(solara_on(port), env=env, stdout=subprocess.DEVNULL)
        silent = front.wait_until_answering(args.host, ports, seconds=120)
        if silent:
            raise UsageError(f"the app servers on port(s) {', '.join(map(str, silent))} did not start within 120 s")
        print(
            f"  {args.servers} servers on ports {ports[0]}-{ports[-1]}; each new page goes to the next one "
            f"(those ports must be reachable too)",
            flush=True,
        )
        door.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        door.server_close()
        for server in servers.values():
            server.terminate()
        for server in servers.values():
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    return 0


def _experiment(args: argparse.Namespace, kinds: tuple[str, ...]):
    """Load an experiment, make its jobs, and run those not yet in the store."""
    from migsim.experiments.design import load_experiment, make_jobs

    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers: expected a whole number >= 1, got {args.workers}")
    if args.scheduler and args.backend != "dask":
        raise UsageError("--scheduler: only with --backend dask")
    exp, scenario_path = load_experiment(args.experiment)
    if exp.design.kind not in kinds:
        raise UsageError(
            f"{args.experiment}: design.kind: expected one of {', '.join(kinds)} for this command, got {exp.design.kind!r}"
        )
    out = args.out or Path("results") / exp.name
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a folder")
    jobs = make_jobs(exp, scenario_path)
    counts = _run_stored(jobs, out, args, exp.name)
    print(f"{counts['total']} jobs: {counts['skipped']} done before, {counts['done']} done now, {counts['failed']} failed")
    return exp, out, jobs


def _run_stored(jobs: list, out: Path, args: argparse.Namespace, desc: str) -> dict[str, int]:
    """Run the jobs not yet in DIR/results.sqlite on the chosen backend, storing each
    as it finishes; an interruption keeps what finished and says how to resume."""
    from migsim.experiments.backends import BackendError
    from migsim.experiments.runner import run_experiment

    tls = _check_scheduler(args)
    store_path = out / "results.sqlite"
    made = [p for p in (out, store_path) if not p.exists()]  # what this command creates
    try:
        return run_experiment(jobs, store_path, args.backend, args.workers, args.scheduler, desc=desc, tls=tls)
    except KeyboardInterrupt:
        print(
            f"migsim: interrupted; every finished run is saved in {store_path}: run the same command with --out {out} to resume",
            file=sys.stderr,
        )
        raise SystemExit(130) from None
    except BackendError as exc:
        if store_path in made:  # nothing ran: leave nothing behind
            for leftover in (store_path, *(store_path.with_name(store_path.name + end) for end in ("-wal", "-shm", ".lock"))):
                leftover.unlink(missing_ok=True)
            if out in made and not any(out.iterdir()):
                out.rmdir()
        raise UsageError(str(exc)) from None


def _check_scheduler(args: argparse.Namespace) -> dict[str, str] | None:
    scheduler = getattr(args, "scheduler", None)
    if scheduler and not SCHEDULER.match(scheduler):
        raise UsageError(f"--scheduler {scheduler!r}: expected an address such as tcp://10.0.0.5:8786 (tcp:// or tls://)")
    return _tls(args)


def _write_failures(out: Path) -> int:
    from migsim.experiments.analysis import failures

    failed = failures(out / "results.sqlite")
    if len(failed):
        _write_csv(out / "failures.csv", failed)
        print(f"{len(failed)} jobs failed; their errors are in {out / 'failures.csv'}", file=sys.stderr)
    return len(failed)


def cmd_sweep(args: argparse.Namespace) -> int:
    from migsim.experiments.analysis import results_table
    from migsim.metrics import KEY_OUTCOMES
    from migsim.report import plot_sweep

    exp, out, jobs = _experiment(args, ("factorial", "lhs"))
    names = [p.name for p in exp.parameters]
    table = results_table(out / "results.sqlite", jobs)
    failed = _write_failures(out)
    if table.empty:
        raise UsageError(f"{args.experiment}: no job finished; see {out / 'failures.csv'}")
    columns = ["position", *names, "seed", *[o for o in exp.outcomes if o in table]]
    _write_csv(out / "results.csv", table[columns])
    for outcome in exp.outcomes:
        if outcome in table:
            label = KEY_OUTCOMES.get(outcome, (outcome,))[0]
            write_atomic(
                out / f"sweep_{outcome}.png",
                lambda f, outcome=outcome, label=label: plot_sweep(table, names, outcome, label, f),
                binary=True,
            )
    print(f"wrote {out}/ (results.sqlite, results.csv, sweep_<outcome>.png)")
    return 1 if failed and len(table) == 0 else 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from migsim.experiments.analysis import morris_indices, point_means, results_table, sobol_indices
    from migsim.report import plot_indices

    exp, out, jobs = _experiment(args, ("morris", "sobol"))
    table = results_table(out / "results.sqlite", jobs)
    _write_failures(out)
    points = exp.points()
    try:
        y = point_means(table, exp.replications, len(points), exp.outcomes) if not table.empty else None
    except ValueError as exc:
        raise UsageError(f"{args.experiment}: {exc}") from None
    if y is None:
        raise UsageError(f"{args.experiment}: no job finished; see {out / 'failures.csv'}")
    if exp.design.kind == "morris":
        indices = morris_indices(exp.problem(), points, y, exp.outcomes, exp.design.levels, exp.seed)
        _write_csv(out / "sensitivity_morris.csv", indices.round(6))
        write_atomic(
            out / "sensitivity_morris.png",
            lambda f: plot_indices(
                indices, "mu_star", "mu_star_conf", f, "Morris screening: mu* (mean absolute elementary effect), 95% bars"
            ),
            binary=True,
        )
        top = indices[indices["rank"] == 1]
    else:
        indices = sobol_indices(exp.problem(), y, exp.outcomes, exp.seed)
        _write_csv(out / "sensitivity_sobol.csv", indices.round(6))
        write_atomic(
            out / "sensitivity_sobol.png",
            lambda f: plot_indices(
                indices, "ST", "ST_conf", f, "Sobol indices: total (ST) and first order (S1), 95% bars", second=("S1", "S1_conf")
            ),
            binary=True,
        )
        top = indices[indices["rank"] == 1]
    for _, row in top.iterrows():
        print(f"{row['outcome']}: most influential {row['parameter']}")
    print(f"wrote {out}/ (results.sqlite, sensitivity_{exp.design.kind}.csv, sensitivity_{exp.design.kind}.png)")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from migsim.experiments.analysis import point_means, results_table
    from migsim.experiments.calibrate import fit_report, rejection_abc
    from migsim.report import plot_calibration

    exp, out, jobs = _experiment(args, ("lhs",))
    if exp.calibration is None:
        raise UsageError(f"{args.experiment}: calibration: missing; give targets, samples and accept")
    names = [p.name for p in exp.parameters]
    table = results_table(out / "results.sqlite", jobs)
    _write_failures(out)
    points = exp.points()
    figures = [c for c in table.columns if c not in ("position", "seed", *names)]
    try:
        y = point_means(table, exp.replications, len(points), figures) if not table.empty else None
    except ValueError as exc:
        raise UsageError(f"{args.experiment}: {exc}") from None
    if y is None:
        raise UsageError(f"{args.experiment}: no job finished; see {out / 'failures.csv'}")
    draws = _draws_frame(points, names, y, figures)
    abc = rejection_abc(draws, names, exp.calibration.targets, exp.calibration.accept)
    report = fit_report(abc, exp.calibration.targets)
    _write_csv(out / "draws.csv", abc.round(6))
    _write_csv(out / "accepted.csv", abc[abc["accepted"]].sort_values("distance").round(6))
    _write_csv(out / "fit_report.csv", report)
    write_atomic(out / "fit_report.md", lambda f: f.write(_fit_markdown(exp, abc, report)))
    write_atomic(out / "calibration_fit.png", lambda f: plot_calibration(abc, names, f, exp.name), binary=True)
    best = abc.sort_values("distance").iloc[0]
    print(
        f"accepted {int(abc['accepted'].sum())} of {len(abc)} draws; best distance {best['distance']:.4f} "
        f"(seasonal curve error {best['seasonal_curve_error']:.4f})"
    )
    print(f"wrote {out}/ (results.sqlite, draws.csv, accepted.csv, fit_report.md, fit_report.csv, calibration_fit.png)")
    return 0


def _draws_frame(points, names, y, figures):
    """One row per prior draw: its parameters and its figures averaged over seeds."""
    import pandas as pd

    return pd.concat([pd.DataFrame(points, columns=names), pd.DataFrame(y, columns=figures)], axis=1)


def _fit_markdown(exp, abc, report) -> str:
    accepted = abc[abc["accepted"]]
    lines = [
        f"# Calibration: {exp.name}",
        "",
        exp.description,
        "",
        (
            f"Rejection ABC: {len(abc)} draws from uniform priors (Latin hypercube), each run with "
            f"{exp.replications} seed(s) at agent scale {exp.scale}; the {len(accepted)} draws closest to the targets "
            f"(mean relative error) are accepted."
        ),
        "",
        "## Fit (mean over accepted draws)",
        "",
        "| target | observed | band | simulated | relative error |",
        "|---|---:|---:|---:|---:|",
    ]

    def num(value) -> str:
        if not isinstance(value, float) or math.isnan(value):
            return "" if not isinstance(value, str) else value
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3f}"

    for _, r in report.iterrows():
        band = f"{num(r.get('band_low'))}-{num(r.get('band_high'))}" if num(r.get("band_low")) else ""
        obs, sim = num(r["observed"]), num(r["simulated"])
        lines.append(f"| {r['target']} | {obs} | {band} | {sim} | {r['relative_error']:.3f} |")
    lines += [
        "",
        "## Accepted parameter sets (posterior sample)",
        "",
        "| parameter | prior range | posterior mean | posterior 5%-95% |",
        "|---|---|---:|---:|",
    ]
    for p in exp.parameters:
        lo, hi = p.bounds()
        q = accepted[p.name].quantile([0.05, 0.95])
        lines.append(f"| {p.name} | {lo:g}-{hi:g} | {accepted[p.name].mean():.4g} | {q.iloc[0]:.4g}-{q.iloc[1]:.4g} |")
    return "\n".join(lines) + "\n"


def _scale_note(args) -> str:
    return "" if args.scale == 1 else f", 1 agent = {args.scale} people"


def _title(scenario, args) -> str:
    return f"Migrants present by legal status: {scenario.name} (seed {args.seed}{_scale_note(args)})"


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def default_out_dir(*parts: str) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = Path("results", *parts, stamp)
    n = 1
    while out.exists():  # two runs in one second
        n += 1
        out = Path("results", *parts, f"{stamp}-{n}")
    return out


if __name__ == "__main__":
    sys.exit(main())
