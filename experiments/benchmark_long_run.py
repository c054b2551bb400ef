"""Benchmark: a long run (issue 11, "flat long runs"). The baseline's rules over
N years from 2008 at a given scale; for each simulated year, the wall seconds,
the process's resident memory at the year's end, the slots of the books' arrays
(the most people in the country at once: a slot is reused once its person is
home), the people waiting at home in the register (sim/people/home.py) and the
megabytes both hold.

    .venv/bin/python experiments/benchmark_long_run.py [--years 10] [--scale 1] [--seed 1]

Measure in one session and compare years within a run (these machines are shared:
CPU seconds vary less than wall seconds when other work runs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    import psutil

    from migsim import MigrationModel

    end = dt.date(2008 + args.years - 1, 12, 31)
    started = time.perf_counter()
    model = MigrationModel(scale=args.scale, rng=args.seed, run_end_date=end)
    print(f"built in {time.perf_counter() - started:.1f} s; {args.years} years at scale {args.scale}", flush=True)
    me = psutil.Process()
    year, clock, cpu = model.dates[0].year, time.perf_counter(), time.process_time()
    print("year  seconds  cpu_seconds  memory_MB  slots  at_home  people_MB  present_at_end", flush=True)
    while model.running:
        model.step()
        if model.date.month == 12 and model.date.day == 31:
            now, cpu_now = time.perf_counter(), time.process_time()
            people = model.population
            present = int(model.metrics.row["present"])
            print(
                f"{year}  {now - clock:7.2f}  {cpu_now - cpu:11.2f}  {me.memory_info().rss / 2**20:9.0f}  {people.n:7,d}  {people.home.n:8,d}"
                f"  {people.nbytes() / 2**20:9.1f}  {present:14,d}",
                flush=True,
            )
            year, clock, cpu = year + 1, now, cpu_now


if __name__ == "__main__":
    main()
