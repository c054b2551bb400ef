"""The one runner: a list of jobs run on a backend (sim/experiments/backends.py).

Two kinds of job share it: ``Job`` returns a run's whole time series and summary
(replications and scenario comparisons); ``ExperimentJob`` returns numbers only
and is stored in a results store as it finishes (sweeps, sensitivity,
calibration; ``run_experiment``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from migsim.experiments.backends import default_workers, run_on


@dataclass(frozen=True)
class Job:
    scenario: Path
    seed: int
    scale: int = 1
    overrides: dict[str, Any] = field(default_factory=dict)
    label: str = ""


@dataclass
class Result:
    job: Job
    timeseries: pd.DataFrame
    summary: dict[str, Any]


def run_job(job: Job) -> Result:
    """Run one job to the scenario's end (in whatever process this is)."""
    from migsim.model import MigrationModel

    model = MigrationModel(job.scenario, scale=job.scale, rng=job.seed, **job.overrides)
    model.run()
    timeseries = model.timeseries()
    return Result(job, timeseries, model.metrics.summary(timeseries))


def run_jobs(
    jobs: Iterable[Job],
    workers: int | None = None,
    on_done: Callable[[Result], None] | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    tls: dict | None = None,
) -> list[Result]:
    """Run jobs that return whole time series (replications, comparisons) on a
    backend; results come back in the order of ``jobs`` whatever order they finish in."""

    jobs = list(jobs)
    positions: dict[str, list[int]] = {}
    for i, job in enumerate(jobs):  # results come back as copies (from other processes): match by content
        positions.setdefault(repr(job), []).append(i)
    results: list[Result | None] = [None] * len(jobs)

    def collect(result: Result) -> None:
        results[positions[repr(result.job)].pop(0)] = result
        if on_done:
            on_done(result)

    if (workers or default_workers()) == 1 and backend == "local":
        backend = "inprocess"
    run_on(backend, jobs, collect, workers=workers, scheduler=scheduler, task=run_job, tls=tls)
    return results  # type: ignore[return-value]


def run_experiment(
    jobs: list,
    store_path: Path,
    backend: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    desc: str = "jobs",
    tls: dict | None = None,
) -> dict[str, int]:
    """Run the jobs not yet done in the store, storing each result as it arrives.
    Returns counts: total, skipped (done before), done and failed (this run)."""
    import sys

    from tqdm import tqdm

    from migsim.experiments.store import ResultStore

    store = ResultStore(store_path, writer=True)  # one writer at a time
    try:
        done = store.done_ids()
        todo = list({job.job_id: job for job in reversed(jobs) if job.job_id not in done}.values())[::-1]  # once each
        unique = len({job.job_id for job in jobs})
        counts = {"total": unique, "skipped": unique - len(todo), "done": 0, "failed": 0}
        slots = min(workers or default_workers(), len(todo)) if backend != "inprocess" else 1
        with tqdm(total=len(todo), desc=desc, unit="job", file=sys.stderr, disable=None, smoothing=0.1) as bar:

            def show() -> None:
                left = len(todo) - counts["done"] - counts["failed"]
                bar.set_postfix_str(f"running {min(slots, left)}, failed {counts['failed']}, done before {counts['skipped']}")

            def on_result(result) -> None:
                job = result.job
                store.record(
                    job.job_id,
                    job.position,
                    job.parameters,
                    job.seed,
                    job.scale,
                    result.outcomes,
                    result.error,
                    result.wall_seconds,
                )
                counts["failed" if result.error else "done"] += 1
                bar.update(1)
                show()

            show()
            run_on(backend, todo, on_result, workers=workers, scheduler=scheduler, tls=tls)
        return counts
    finally:
        store.close()
