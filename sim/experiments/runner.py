"""The runner: a list of jobs (scenario, overrides, seed, scale) run in parallel
on the local cores, each returning its time series and summary."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd


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
    from sim.model import MigrationModel

    model = MigrationModel(job.scenario, scale=job.scale, rng=job.seed, **job.overrides)
    model.run()
    timeseries = model.timeseries()
    return Result(job, timeseries, model.metrics.summary(timeseries))


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run_jobs(jobs: Iterable[Job], workers: int | None = None, on_done: Callable[[Result], None] | None = None) -> list[Result]:
    """Run jobs on a process pool (in-process when one worker); results come back
    in the order of ``jobs`` whatever order they finish in."""
    jobs = list(jobs)
    workers = min(workers or default_workers(), len(jobs)) or 1
    results: list[Result | None] = [None] * len(jobs)
    if workers == 1:
        for i, job in enumerate(jobs):
            results[i] = run_job(job)
            if on_done:
                on_done(results[i])
        return results  # type: ignore[return-value]
    # forkserver: workers start clean, not as forks of a process that may hold threads
    context = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {pool.submit(run_job, job): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            i = futures[future]
            results[i] = future.result()
            if on_done:
                on_done(results[i])
    return results  # type: ignore[return-value]
