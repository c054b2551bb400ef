"""``migsim compare``: scenarios on the same seeds and the same parameter draws,
with paired differences, written to a results folder."""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import sys
import time
from pathlib import Path

from migsim.cli.common import (
    HelpWithDefaults,
    UsageError,
    add_backend_options,
    add_run_options,
    check_common,
    out_dir,
    run_all,
    run_stored,
    scale_note,
    scenario_fields,
    seeds,
    write_failures,
)
from migsim.output import staged, write_atomic, write_csv, write_manifest
from migsim.scenario import find, load

DEFAULT_DRAWS = 20  # parameter sets a comparison draws when the scenarios state ranges

# the plots of a comparison at the scenarios' own values: file -> (columns and labels, unit, title)
PLOTS = {
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


def add_to(sub) -> None:
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
        nargs="+",
        metavar="SCENARIO",
        help="two or more scenarios (files, or shipped scenarios' names) with the same dates; the first is the reference",
    )
    add_run_options(
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
    add_backend_options(compare)
    compare.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    paths, scenarios, names = _setup(args)
    out = out_dir(args, "compare")
    if args.draws:
        return _with_draws(args, paths, scenarios, names, out)
    import pandas as pd

    from migsim.experiments.compare import ensemble, markdown_report, paired_comparison
    from migsim.experiments.runner import Job
    from migsim.metrics import key_outcomes
    from migsim.report import plot_compare

    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    seed_list = seeds(args)
    jobs = [Job(path, seed, args.scale, label=name) for path, name in zip(paths, names) for seed in seed_list]
    results = run_all(jobs, args, f"compare {len(names)} scenarios x {len(seed_list)} seeds")
    wall = time.perf_counter() - clock
    rows = [{"scenario": r.job.label, "seed": r.job.seed, **key_outcomes(r.timeseries, r.summary)} for r in results]
    outcomes = pd.DataFrame(rows)
    table = paired_comparison(outcomes, names[0])
    ensembles = {name: ensemble([r.timeseries for r in results if r.job.label == name]) for name in names}
    with staged(out) as stage:  # complete or absent (a results.sqlite beside it stays)
        for name, ens in ensembles.items():
            (stage / "scenarios" / name).mkdir(parents=True, exist_ok=True)
            write_csv(stage / "scenarios" / name / "ensemble.csv", ens)
        write_csv(stage / "outcomes_by_seed.csv", outcomes)
        write_csv(stage / "comparison.csv", table.round(4))
        report = markdown_report(table, names[0], seed_list, args.scale)
        write_atomic(stage / "comparison.md", lambda f: f.write(report))
        for filename, (columns, unit, what) in PLOTS.items():
            title = f"{what} ({len(seed_list)} paired seeds{scale_note(args)})"
            write_atomic(
                stage / filename,
                lambda f, columns=columns, title=title, unit=unit: plot_compare(ensembles, columns, f, title, unit),
                binary=True,
            )
        _write_manifest(stage, args, started, wall, paths, scenarios, names, seeds=seed_list, draws=0)
    print(report.split("## In plain words")[1].strip())
    print(
        f"wrote {out}/ (comparison.md, comparison.csv, outcomes_by_seed.csv, {', '.join(PLOTS)}, scenarios/); "
        f"then: migsim report {out}"
    )
    return 0


def _setup(args: argparse.Namespace):
    """Check a comparison's input before anything runs or is written: the files,
    their names, the same calendar, the draws and seeds."""
    check_common(args)
    if len(args.scenarios) < 2:
        raise UsageError("compare: expected two or more scenarios")
    if args.scheduler and args.backend != "dask":
        raise UsageError("--scheduler: only with --backend dask")
    if args.draws is not None and args.draws < 0:
        raise UsageError(f"--draws: expected a whole number >= 0, got {args.draws}")
    paths = [find(given) for given in args.scenarios]
    scenarios = [load(path) for path in paths]  # all checked before anything runs
    names = [s.name for s in scenarios]
    if len(set(names)) < len(names):
        names = [path.stem for path in paths]
    if len(set(names)) < len(names):
        raise UsageError("compare: two scenarios share a name and a file name; give each its own")
    ref = scenarios[0]
    for path, scenario in zip(paths[1:], scenarios[1:]):
        if (scenario.run.start_date, scenario.run.end_date) != (ref.run.start_date, ref.run.end_date):
            raise UsageError(
                f"compare: {path} runs {scenario.run.start_date} to {scenario.run.end_date} but the reference "
                f"{paths[0]} runs {ref.run.start_date} to {ref.run.end_date}; compare scenarios over the same dates "
                "(each year has its own reference, e.g. baseline_2009 for 2009)"
            )
    from migsim.experiments.uncertainty import plan_draws

    declared = bool(plan_draws(dict(zip(names, scenarios)), names[0]))
    if args.draws and not declared:
        raise UsageError(
            f"--draws {args.draws}: nothing to draw: {paths[0]} states no [ranges] and no posterior, "
            "and no scenario's events state ranges; use --draws 0"
        )
    args.draws = (DEFAULT_DRAWS if declared else 0) if args.draws is None else args.draws
    args.replications = args.replications or (5 if args.draws else 10)
    return paths, scenarios, names


def _write_manifest(stage: Path, args, started, wall: float, paths: list[Path], scenarios: list, names: list[str], **fields):
    """The comparison's manifest: its seeds and draws, and each scenario with what it
    sets differently from the reference (the first)."""
    described = [{**scenario_fields(path, s, scenarios[0]), "label": name} for path, s, name in zip(paths, scenarios, names)]
    write_manifest(stage, "compare", args.scale, started, wall, **fields, reference=names[0], scenarios=described)


def _with_draws(args: argparse.Namespace, paths: list[Path], scenarios: list, names: list[str], out: Path) -> int:
    """The comparison over parameter draws: jobs in the results store (resumable,
    any backend), then the tables, the report and the plots from the store."""
    import pandas as pd

    from migsim.experiments.compare import KEY_OUTCOMES, markdown_report, paired_comparison
    from migsim.experiments.jobs import WEEKLY, ExperimentJob
    from migsim.experiments.store import ResultStore
    from migsim.experiments.uncertainty import draw_parameters, explain_effects, overrides_for
    from migsim.report import plot_compare_uncertainty

    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    seed_list = seeds(args)
    by_name = dict(zip(names, scenarios))
    reference = names[0]
    draws, plan = draw_parameters(by_name, reference, args.draws, args.seed)
    jobs, labels = [], []  # labels[i]: (scenario, draw) of jobs[i]; identical jobs share one stored result
    for name, scenario in by_name.items():
        text = scenario.model_dump_json()
        sha = hashlib.sha256(text.encode()).hexdigest()
        for draw in range(args.draws + 1):
            overrides = overrides_for(name, by_name, reference, draws.loc[draw] if draw else None, plan)
            for seed in seed_list:
                jobs.append(ExperimentJob(text, sha, overrides, seed, args.scale, position=len(jobs), extra={"weekly": True}))
                labels.append((name, draw))
    print(
        f"{len(names)} scenarios x {args.draws + 1} parameter sets (own values and {args.draws} draws) x {len(seed_list)} "
        f"seeds = {len(jobs)} runs at scale {args.scale}",
        file=sys.stderr,
    )
    counts = run_stored(jobs, out, args, "compare")
    wall = time.perf_counter() - clock
    print(
        f"{counts['total']} runs: {counts['skipped']} done before, {counts['done']} done now, {counts['failed']} failed",
        file=sys.stderr,
    )
    store = ResultStore(out / "results.sqlite")
    try:
        stored = {row["job_id"]: row for row in store.rows()}
    finally:
        store.close()
    wanted = {job.job_id for job in jobs}
    failed = [row for job_id, row in stored.items() if job_id in wanted and row["status"] != "done"]
    if failed:
        write_failures(out)
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
        weeks = {int(k[len(WEEKLY) :]): v for k, v in values.items() if k.startswith(WEEKLY)}
        weekly.append({"scenario": name, "draw": draw, "seed": job.seed, **weeks})
    outcomes = pd.DataFrame(rows)
    table = paired_comparison(outcomes, reference)
    explained, matters = explain_effects(outcomes, draws, plan, by_name, reference)
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
        write_csv(stage / "outcomes_by_run.csv", outcomes.merge(drawn, on="draw", how="left"))
        write_csv(stage / "draws.csv", drawn)
        write_csv(stage / "drawn_parameters.csv", sources)
        write_csv(stage / "what_matters.csv", matters)
        write_csv(stage / "weekly_irregular.csv", weekly_frame)
        write_csv(stage / "comparison.csv", table.round(4))
        report = markdown_report(table, reference, seed_list, args.scale, draws=args.draws, what_matters=explained)
        write_atomic(stage / "comparison.md", lambda f: f.write(report))
        start = scenarios[0].run.start_date
        title = f"Irregular migrants present ({len(seed_list)} seeds x {args.draws} parameter draws{scale_note(args)})"
        write_atomic(
            stage / "compare_irregular.png",
            lambda f: plot_compare_uncertainty(weekly_frame, reference, start, f, title),
            binary=True,
        )
        _write_manifest(
            stage,
            args,
            started,
            wall,
            paths,
            scenarios,
            names,
            seeds=seed_list,
            draws=args.draws,
            runs=len(jobs),
            runs_done_before=counts["skipped"],
        )
    print(report.split("## In plain words")[1].strip())
    print(
        f"wrote {out}/ (comparison.md, comparison.csv, outcomes_by_run.csv, draws.csv, drawn_parameters.csv, what_matters.csv, "
        f"weekly_irregular.csv, compare_irregular.png, results.sqlite); then: migsim report {out}"
    )
    return 0
