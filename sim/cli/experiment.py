"""``migsim sweep``, ``sensitivity`` and ``calibrate``: an experiment file's jobs,
run into DIR/results.sqlite (resumable, on any backend), then its tables and
plots beside the store."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

from migsim.cli.common import HelpWithDefaults, UsageError, add_backend_options, run_stored, write_failures
from migsim.output import MANIFEST, experiment_folder_usable, write_atomic, write_csv, write_manifest
from migsim.scenario import find

COMMANDS = {  # name: (design kinds it takes, its example experiment, what it does)
    "sweep": (
        ("factorial", "lhs"),
        "sweep_enforcement_quota",
        "run a parameter sweep (full factorial or Latin hypercube) and plot each outcome against each parameter",
    ),
    "sensitivity": (
        ("morris", "sobol"),
        "sensitivity_baseline",
        "global sensitivity analysis (SALib: Morris screening or Sobol indices) of the outcomes",
    ),
    "calibrate": (
        ("lhs",),
        "calibrate_baseline",
        (
            "calibrate parameters against the observed targets in sim/data by rejection ABC "
            "(accepted parameter sets, a fit report and a plot of simulated against observed)"
        ),
    ),
}


def add_to(sub) -> None:
    for name, (_, example, text) in COMMANDS.items():
        exp = sub.add_parser(
            name,
            help=text,
            description=text + ". Every finished job is stored at once in DIR/results.sqlite; running the same command "
            "again resumes, skipping finished jobs. The experiment is a file or the name of a shipped one "
            "(migsim scenarios lists them; migsim scenarios copy NAME DIR gives a copy to edit).",
            formatter_class=HelpWithDefaults,
        )
        exp.add_argument(
            "experiment",
            metavar="EXPERIMENT",
            help=f"experiment file, or a shipped experiment's name: {example} or my_{example}.toml",
        )
        add_backend_options(exp)
        exp.add_argument("--workers", type=int, default=None, metavar="W", help="parallel processes (default: all cores)")
        exp.add_argument(
            "--out", type=Path, default=None, metavar="DIR", help="output folder (default: results/<experiment name>/)"
        )
        exp.set_defaults(func={"sweep": sweep, "sensitivity": sensitivity, "calibrate": calibrate}[name], command=name)


class _Experiment:
    """An experiment file loaded and its jobs run (those not yet in the store)."""

    def __init__(self, args: argparse.Namespace):
        from migsim.experiments.design import DEFINITIONS, load_experiment, make_jobs

        if args.workers is not None and args.workers < 1:
            raise UsageError(f"--workers: expected a whole number >= 1, got {args.workers}")
        if args.scheduler and args.backend != "dask":
            raise UsageError("--scheduler: only with --backend dask")
        self.started = dt.datetime.now(dt.UTC)
        clock = time.perf_counter()
        self.given = args.experiment
        self.path = find(args.experiment, DEFINITIONS, "experiment")
        self.exp, scenario_path = load_experiment(self.path)
        kinds = COMMANDS[args.command][0]
        if self.exp.design.kind not in kinds:
            raise UsageError(
                f"{args.experiment}: design.kind: expected one of {', '.join(kinds)} for this command, "
                f"got {self.exp.design.kind!r}"
            )
        self.out = args.out or Path("results") / self.exp.name
        if self.out.exists() and not self.out.is_dir():
            raise UsageError(f"--out {self.out}: exists and is not a folder")
        if not experiment_folder_usable(self.out):
            raise UsageError(
                f"--out {self.out}: holds other files (not a migsim experiment: no results.sqlite); give a new or empty folder"
            )
        self.jobs = make_jobs(self.exp, scenario_path)
        # the folder is a finished result again only when finish() writes the manifest last: until then a
        # report must not take the old files (or new ones beside them) for this run's
        for stale in (self.out / MANIFEST, self.out / "report.html"):
            stale.unlink(missing_ok=True)
        self.counts = run_stored(self.jobs, self.out, args, self.exp.name)
        self.wall = time.perf_counter() - clock
        self.kind = args.command
        self.scenario_path = scenario_path
        print(
            f"{self.counts['total']} jobs: {self.counts['skipped']} done before, {self.counts['done']} done now, "
            f"{self.counts['failed']} failed"
        )

    def table(self):
        """The finished jobs' outcomes (failures.csv for the others); UsageError if none finished."""
        from migsim.experiments.analysis import results_table

        table = results_table(self.out / "results.sqlite", self.jobs)
        write_failures(self.out)
        if table.empty:
            raise UsageError(f"{self.given}: no job finished; see {self.out / 'failures.csv'}")
        return table

    def point_means(self, table, figures: list[str]):
        from migsim.experiments.analysis import point_means

        try:
            return point_means(table, self.exp.replications, len(self.exp.points()), figures)
        except ValueError as exc:
            raise UsageError(f"{self.given}: {exc}") from None

    def finish(self, files: str) -> None:
        """The manifest, last: the folder is now a finished result of this kind."""
        write_manifest(
            self.out,
            self.kind,
            self.exp.scale,
            self.started,
            self.wall,
            experiment=str(self.path),
            experiment_name=self.exp.name,
            description=self.exp.description,
            design=self.exp.design.kind,
            scenario=str(self.scenario_path),
            seeds=[self.exp.seed + i for i in range(self.exp.replications)],
            jobs=self.counts["total"],
            jobs_done_before=self.counts["skipped"],
            jobs_failed=self.counts["failed"],
        )
        print(f"wrote {self.out}/ (results.sqlite, {files}, manifest.json)")


def sweep(args: argparse.Namespace) -> int:
    from migsim.metrics import KEY_OUTCOMES
    from migsim.report import plot_sweep

    run = _Experiment(args)
    table = run.table()
    names = [p.name for p in run.exp.parameters]
    columns = ["position", *names, "seed", *[o for o in run.exp.outcomes if o in table]]
    write_csv(run.out / "results.csv", table[columns])
    for outcome in run.exp.outcomes:
        if outcome in table:
            label = KEY_OUTCOMES.get(outcome, (outcome,))[0]
            write_atomic(
                run.out / f"sweep_{outcome}.png",
                lambda f, outcome=outcome, label=label: plot_sweep(table, names, outcome, label, f),
                binary=True,
            )
    run.finish("results.csv, sweep_<outcome>.png")
    return 0


def sensitivity(args: argparse.Namespace) -> int:
    from migsim.experiments.analysis import morris_indices, sobol_indices
    from migsim.report import plot_indices

    run = _Experiment(args)
    exp = run.exp
    y = run.point_means(run.table(), exp.outcomes)
    points = exp.points()
    if exp.design.kind == "morris":
        indices = morris_indices(exp.problem(), points, y, exp.outcomes, exp.design.levels, exp.seed)
        shown, second = ("mu_star", "mu_star_conf"), None
        title = "Morris screening: mu* (mean absolute elementary effect), 95% bars"
    else:
        indices = sobol_indices(exp.problem(), y, exp.outcomes, exp.seed)
        shown, second = ("ST", "ST_conf"), ("S1", "S1_conf")
        title = "Sobol indices: total (ST) and first order (S1), 95% bars"
    stem = f"sensitivity_{exp.design.kind}"
    write_csv(run.out / f"{stem}.csv", indices.round(6))
    write_atomic(run.out / f"{stem}.png", lambda f: plot_indices(indices, *shown, f, title, second=second), binary=True)
    for _, row in indices[indices["rank"] == 1].iterrows():
        print(f"{row['outcome']}: most influential {row['parameter']}")
    run.finish(f"{stem}.csv, {stem}.png")
    return 0


def calibrate(args: argparse.Namespace) -> int:
    from migsim.experiments.calibrate import draws_frame, fit_markdown, fit_report, rejection_abc
    from migsim.report import plot_calibration

    run = _Experiment(args)
    exp = run.exp
    if exp.calibration is None:
        raise UsageError(f"{args.experiment}: calibration: missing; give targets, samples and accept")
    names = [p.name for p in exp.parameters]
    table = run.table()
    figures = [c for c in table.columns if c not in ("position", "seed", *names)]
    draws = draws_frame(exp.points(), names, run.point_means(table, figures), figures)
    abc = rejection_abc(draws, names, exp.calibration.targets, exp.calibration.accept)
    report = fit_report(abc, exp.calibration.targets)
    write_csv(run.out / "draws.csv", abc.round(6))
    write_csv(run.out / "accepted.csv", abc[abc["accepted"]].sort_values("distance").round(6))
    write_csv(run.out / "fit_report.csv", report)
    write_atomic(run.out / "fit_report.md", lambda f: f.write(fit_markdown(exp, abc, report)))
    write_atomic(run.out / "calibration_fit.png", lambda f: plot_calibration(abc, names, f, exp.name), binary=True)
    best = abc.sort_values("distance").iloc[0]
    print(
        f"accepted {int(abc['accepted'].sum())} of {len(abc)} draws; best distance {best['distance']:.4f} "
        f"(seasonal curve error {best['seasonal_curve_error']:.4f})"
    )
    run.finish("draws.csv, accepted.csv, fit_report.md, fit_report.csv, calibration_fit.png")
    return 0
