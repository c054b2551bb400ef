"""The baseline against its calibration targets, at full scale over several seeds.

    .venv/bin/python experiments/calibration_check.py [--seeds 10] [--scale 1] [--workers 2]

Prints each seed's figures, their mean and standard deviation, and the target band
(sim/data/calibration_targets.csv); writes the table to
results/calibration_check.csv. docs/ODD.md quotes its output.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from migsim import MigrationModel
from migsim.geography import read_data_csv
from migsim.metrics import calibration_figures


def figures(seed: int, scale: int) -> dict:
    model = MigrationModel(scale=scale, rng=seed)
    model.run()
    ts = model.timeseries()
    return {"seed": seed, **calibration_figures(ts, model.metrics.summary(ts))}


def run_seeds(function, doc: str) -> list[dict]:
    """Parse --seeds, --scale and --workers and run ``function(seed, scale)`` for
    seeds 1..N in a process pool (shared with experiments/validation_check.py)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    seeds = list(range(1, args.seeds + 1))
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        return list(pool.map(function, seeds, [args.scale] * len(seeds)))


def main() -> None:
    table = pd.DataFrame(run_seeds(figures, __doc__)).set_index("seed")
    targets = {r["target"]: r for r in read_data_csv("calibration_targets.csv")}
    summary = pd.DataFrame(
        {
            "mean": table.mean(),
            "sd": table.std(),
            "low": [float(targets[c]["low"]) for c in table.columns],
            "high": [float(targets[c]["high"]) for c in table.columns],
        }
    )
    summary["met"] = (summary["mean"] >= summary["low"]) & (summary["mean"] <= summary["high"])
    pd.set_option("display.width", 200)
    print(table.round(3).to_string())
    print()
    print(summary.round(3).to_string())
    out = Path("results") / "calibration_check.csv"
    out.parent.mkdir(exist_ok=True)
    pd.concat([table, summary.T]).to_csv(out)
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
