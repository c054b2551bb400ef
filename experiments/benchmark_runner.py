"""Benchmark of the experiment runner (issue 4).

Runs the same reduced-scale sweep (a fresh results store each time) on the local
backend with 1 and with 2 workers, and on a Dask LocalCluster with 2 workers, and
prints jobs per minute, the parallel efficiency of 2 local workers, and the Dask
overhead per job against local. Measure in one session: these machines are shared.

    .venv/bin/python experiments/benchmark_runner.py [--jobs 40] [--scale 20]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from migsim.experiments.design import Design, Experiment, Parameter, make_jobs
from migsim.experiments.runner import run_experiment
from migsim.scenario import BASELINE


def timed(jobs, backend: str, workers: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        counts = run_experiment(jobs, Path(tmp) / "results.sqlite", backend, workers, desc=f"{backend} x{workers}")
        wall = time.perf_counter() - start
    assert counts["failed"] == 0 and counts["done"] == len(jobs)
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--scale", type=int, default=20)
    args = parser.parse_args()
    exp = Experiment(
        name="bench",
        scenario=str(BASELINE),
        scale=args.scale,
        replications=1,
        seed=1,
        outcomes=["peak_irregular"],
        design=Design(kind="lhs", samples=args.jobs),
        parameters=[Parameter(name="police_detection", low=0.1, high=0.6)],
    )
    jobs = make_jobs(exp, BASELINE)
    walls = {"local x1": timed(jobs, "local", 1), "local x2": timed(jobs, "local", 2), "dask x2": timed(jobs, "dask", 2)}
    for name, wall in walls.items():
        print(f"{name}: {len(jobs)} jobs in {wall:.1f} s = {60 * len(jobs) / wall:.1f} jobs/min")
    efficiency = walls["local x1"] / (2 * walls["local x2"])
    overhead = (walls["dask x2"] - walls["local x2"]) / len(jobs)
    print(f"parallel efficiency, 2 local workers: {100 * efficiency:.0f}%")
    print(f"Dask overhead against local (2 workers each, cluster start-up included): {1000 * overhead:+.0f} ms a job")


if __name__ == "__main__":
    main()
