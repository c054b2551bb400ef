"""``migsim run``: one scenario, one seed or many, written to a results folder."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

from migsim.cli.common import (
    HelpWithDefaults,
    add_run_options,
    check_common,
    out_dir,
    run_all,
    scale_note,
    scenario_fields,
    seeds,
)
from migsim.output import staged, write_atomic, write_csv, write_json, write_manifest, write_run
from migsim.scenario import find, load


def add_to(sub) -> None:
    run = sub.add_parser(
        "run",
        help="run one scenario and write its time series, summary and plot",
        description="Run a scenario day by day and write timeseries.csv (one row per day), "
        "summary.json (peak, stays, totals), manifest.json (seed, versions, timing) and "
        "stocks.png (people present by legal status). All counts are in people. The scenario is a file "
        "or the name of a shipped one (migsim scenarios lists them).",
        formatter_class=HelpWithDefaults,
    )
    run.add_argument(
        "scenario", metavar="SCENARIO", help="scenario file, or a shipped scenario's name: scenarios/baseline.toml or baseline"
    )
    add_run_options(
        run,
        replications=1,
        seed_help="random seed; the same scenario, seed and scale give byte-identical output",
        out_default="results/<scenario name>/<UTC timestamp>/",
        replications_help="run R seeds (SEED, SEED+1, ...) in parallel; writes each run under seeds/, "
        "plus ensemble.csv (per day: mean and central 95%% of runs) and a fan chart",
    )
    run.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    check_common(args)
    path = find(args.scenario)
    scenario = load(path)
    out = out_dir(args, scenario.name)
    if args.replications > 1:
        return _replications(args, path, scenario, out)
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
    title = f"Migrants present by legal status: {scenario.name} (seed {args.seed}{scale_note(args)})"
    with staged(out) as stage:  # complete or absent
        write_run(stage, timeseries, summary)
        write_atomic(stage / "stocks.png", lambda f: plot_stocks(timeseries, f, title), binary=True)
        write_manifest(stage, "run", args.scale, started, wall, **scenario_fields(path, scenario), seed=args.seed)
    print(
        f"peak irregular {summary['peak_irregular']:,} on {summary['peak_irregular_date']}; "
        f"mean completed stay {summary['mean_completed_stay_days']} days; "
        f"{summary['total_deportations']:,} deportations; {summary['total_appeals']:,} appeals"
    )
    print(f"wrote {out}/ (timeseries.csv, summary.json, manifest.json, stocks.png)")
    return 0


def _replications(args: argparse.Namespace, path, scenario, out) -> int:
    from migsim.experiments.compare import ensemble, mean_interval
    from migsim.experiments.runner import Job
    from migsim.metrics import KEY_OUTCOMES, key_outcomes
    from migsim.report import plot_fan

    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    seed_list = seeds(args)
    results = run_all([Job(path, seed, args.scale) for seed in seed_list], args, f"{scenario.name} x{len(seed_list)}")
    wall = time.perf_counter() - clock
    ens = ensemble([r.timeseries for r in results])
    outcomes = [key_outcomes(r.timeseries, r.summary) for r in results]
    summary = {
        "replications": len(seed_list),
        "seeds": seed_list,
        "outcomes": {
            name: dict(zip(("mean", "lo95", "hi95"), (round(v, 4) for v in mean_interval([o[name] for o in outcomes]))))
            for name in KEY_OUTCOMES
        },
        "per_seed": {str(r.job.seed): r.summary for r in results},
    }
    title = f"Migrants present by legal status: {scenario.name} ({len(seed_list)} seeds{scale_note(args)})"
    fields = scenario_fields(path, scenario)
    with staged(out) as stage:  # complete or absent
        for r in results:  # each seed's folder is a run's result, with its own manifest
            folder = stage / "seeds" / f"seed-{r.job.seed}"
            write_run(folder, r.timeseries, r.summary)
            write_manifest(folder, "run", args.scale, started, wall, **fields, seed=r.job.seed)
        write_csv(stage / "ensemble.csv", ens)
        write_json(stage / "summary.json", summary)
        write_atomic(stage / "stocks.png", lambda f: plot_fan(ens, f, title, len(seed_list)), binary=True)
        write_manifest(stage, "replications", args.scale, started, wall, **fields, seeds=seed_list)
    peak = summary["outcomes"]["peak_irregular"]
    print(
        f"peak irregular {peak['mean']:,.0f} (95% interval of the mean {peak['lo95']:,.0f}-{peak['hi95']:,.0f}) "
        f"over {len(seed_list)} seeds"
    )
    print(f"wrote {out}/ (ensemble.csv, summary.json, manifest.json, stocks.png, seeds/)")
    return 0
