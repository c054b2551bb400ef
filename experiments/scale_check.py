"""Do counts agree across agent scales? Runs the baseline at several scales and
seeds and compares every summary outcome with the full-scale (scale 1) mean.

    .venv/bin/python experiments/scale_check.py [--scales 1 10 20] [--seeds 4] [--scenario PATH]

Prints, per outcome, the mean at each scale and its difference from scale 1 in
standard errors (of the difference of two means over seeds). All outputs are in
people, so a count that depends on the scale is a defect (issue 8, part 8).
"""

from __future__ import annotations

import argparse
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from migsim.scenario import BASELINE


def outcomes(scenario: str, scale: int, seed: int) -> dict[str, float]:
    from migsim import MigrationModel

    model = MigrationModel(scenario, scale=scale, rng=seed)
    model.run()
    ts = model.timeseries()
    s = model.metrics.summary(ts)
    out = {
        "peak_irregular": s["peak_irregular"],
        "mean_irregular": s["mean_irregular"],
        "mean_present": float(ts["present"].mean()),
        "mean_registered": float(ts["registered"].mean()),
        "mean_permitted": float(ts["permitted"].mean()),
        "mean_detained": float(ts["detained"].mean()),
        "mean_completed_stay_days": s["mean_completed_stay_days"],
        "share_men": s["share_men"],
        "arrivals": s["total_arrivals"],
        "deportations": s["total_deportations"],
        "detentions": s["total_detentions"],
    }
    out.update({name: float(v) for name, v in s["totals"].items() if not name.endswith("_usd") or name == "bribe_usd"})
    out.update({f"appeals_{c}": float(n) for c, n in s["appeals_by_category"].items()})
    return out


def run_all(scenario: str, scales: list[int], seeds: int, workers: int = 2) -> pd.DataFrame:
    jobs = [(scenario, scale, seed) for scale in scales for seed in range(1, seeds + 1)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        rows = list(pool.map(outcomes, *zip(*jobs, strict=True)))
    frame = pd.DataFrame(rows)
    frame.insert(0, "scale", [j[1] for j in jobs])
    return frame


def compare(frame: pd.DataFrame, reference: int = 1) -> pd.DataFrame:
    """Per outcome and scale: mean, and the difference from the reference scale
    in standard errors."""
    rows = []
    ref = frame[frame["scale"] == reference]
    for scale, group in frame.groupby("scale"):
        for name in frame.columns.drop("scale"):
            a, b = group[name].astype(float), ref[name].astype(float)
            se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
            diff = a.mean() - b.mean()
            rows.append(
                {
                    "outcome": name,
                    "scale": scale,
                    "mean": a.mean(),
                    "diff": diff,
                    "z": diff / se if se > 0 else (0.0 if diff == 0 else np.inf),
                    "relative": diff / b.mean() if b.mean() else 0.0,
                }
            )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 20])
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--scenario", default=str(BASELINE))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    table = compare(run_all(args.scenario, args.scales, args.seeds, args.workers))
    wide = table.pivot(index="outcome", columns="scale", values=["mean", "z", "relative"])
    wide.columns = [f"{a}_{b}" for a, b in wide.columns]
    print(wide.to_string(float_format="{:,.3f}".format))


if __name__ == "__main__":
    main()
