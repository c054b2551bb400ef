"""Benchmark: a full-scale baseline year (one agent per person).

Prints wall seconds (building the world and simulating, separately), agent-days
per second (people present summed over the days, per second of simulation) and
the process's peak resident memory. Run each repetition in a fresh process so
that memory is the run's own:

    .venv/bin/python experiments/benchmark.py [--repeat 3] [--scale 1] [--profile]

Target (issue 2): simulation at most 2 s and under 1 GB, on one core. These
machines are shared: compare figures measured in one session, not across days.
To judge a change, measure it against the commit before in one run:
``experiments/benchmark_against.py REV`` (CPU seconds, and instructions under
valgrind, which do not vary with the machine's load).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def one_run(scale: int, seed: int, profile: bool) -> dict:
    from migsim import MigrationModel

    t0 = time.perf_counter()
    model = MigrationModel(scale=scale, rng=seed)
    t1 = time.perf_counter()
    if profile:
        import cProfile
        import pstats

        cProfile.runctx("model.run()", globals(), {"model": model}, "/tmp/migsim.prof")
        pstats.Stats("/tmp/migsim.prof").sort_stats("tottime").print_stats(20)
    else:
        model.run()
    t2 = time.perf_counter()
    ts = model.timeseries()
    return {
        "scale": scale,
        "seed": seed,
        "build_seconds": round(t1 - t0, 3),
        "simulate_seconds": round(t2 - t1, 3),
        "days": len(ts),
        "peak_present": int(ts["present"].max()),
        "peak_irregular": int(ts["irregular"].max()),
        "people_created": int(model.population.people_made) * scale,
        "agent_days_per_second": round(float(ts["present"].sum()) / scale / (t2 - t1)),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="fresh-process repetitions (seeds 1..N)")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one run instead")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None or args.profile:
        print(json.dumps(one_run(args.scale, args.child or 1, args.profile)))
        return
    rows = []
    for seed in range(1, args.repeat + 1):
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(seed), "--scale", str(args.scale)],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]))
    sim = sorted(r["simulate_seconds"] for r in rows)
    print(
        f"simulate: median {sim[len(sim) // 2]:.2f} s (min {sim[0]:.2f}, max {sim[-1]:.2f}); "
        f"build: {rows[0]['build_seconds']:.2f} s; peak RSS {max(r['peak_rss_mb'] for r in rows):.0f} MB; "
        f"{rows[0]['agent_days_per_second']:,} agent-days/s; peak present {rows[0]['peak_present']:,}"
    )


if __name__ == "__main__":
    main()
