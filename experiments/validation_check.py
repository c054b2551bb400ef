"""The baseline against what is known of the real system: the figures used to
calibrate it (fits) and those kept apart as checks (docs/validation.md).

    .venv/bin/python experiments/validation_check.py [--seeds 10] [--scale 1] [--workers 2]

Runs the baseline year with each seed and prints, per figure, the model's mean and
standard deviation over seeds beside the observed figure and its source; writes
results/validation_check.csv. docs/validation.md quotes its output.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from migsim.geography import read_data_csv
from migsim.metrics import calibration_figures

sys.path.insert(0, str(Path(__file__).parent))
from calibration_check import run_seeds

MONITORED_CENTRES = ("sairam", "saryagash")  # the two centres of the legal aid monitoring (docs/sources.md 6)
MONITORED_MONTHS = 7
OBSERVED_APPEALS = 1600  # "about 1,600" appeals in seven months (sum of the category counts: 1,593)


def figures(seed: int, scale: int) -> dict[str, float]:
    from migsim import MigrationModel

    model = MigrationModel(scale=scale, rng=seed)
    model.run()
    ts = model.timeseries()
    summary = model.metrics.summary(ts)
    out = {"seed": seed, **calibration_figures(ts, summary)}
    people = model.population  # ages at first arrival, of everyone present during the run
    out["mean_age_arrivals"] = people.ever_age_sum / people.ever_count
    # checks: legal aid
    by_centre = summary["appeals_by_centre"]
    out["appeals_two_centres_per_7_months"] = sum(by_centre.get(c, 0) for c in MONITORED_CENTRES) * MONITORED_MONTHS / 12
    total = sum(summary["appeals_by_category"].values()) or 1
    for category, count in summary["appeals_by_category"].items():
        out[f"appeal_share_{category}"] = count / total
    catches = summary["catch_outcomes"]
    caught = sum(catches.values()) or 1
    out.update({f"catch_share_{k}": v / caught for k, v in catches.items()})
    return out


def observed_appeal_shares(modelled: list[str]) -> dict[str, float]:
    rows = {r["category"]: float(r["count"]) for r in read_data_csv("appeal_categories.csv")}
    total = sum(rows[c] for c in modelled)
    return {c: rows[c] / total for c in modelled}


def table(runs: pd.DataFrame) -> pd.DataFrame:
    targets = {r["target"]: r for r in read_data_csv("calibration_targets.csv")}
    rows = []
    for name, t in targets.items():
        rows.append({"figure": name, "kind": "fit", "observed": float(t["observed"]), "source": t["source"]})
    rows.append(
        {
            "figure": "mean_age_arrivals",
            "kind": "fit (direct)",
            "observed": 33.0,
            "source": "legal aid monitoring (docs/sources.md 2)",
        }
    )
    rows.append(
        {
            "figure": "appeals_two_centres_per_7_months",
            "kind": "check",
            "observed": OBSERVED_APPEALS,
            "source": "legal aid monitoring (docs/sources.md 6)",
        }
    )
    modelled = [c[len("appeal_share_") :] for c in runs if c.startswith("appeal_share_")]
    for category, share in observed_appeal_shares(modelled).items():
        rows.append(
            {
                "figure": f"appeal_share_{category}",
                "kind": "check",
                "observed": round(share, 4),
                "source": "legal aid monitoring (docs/sources.md 6), among the categories the model represents",
            }
        )
    for name in [c for c in runs if c.startswith("catch_share_")]:
        rows.append({"figure": name, "kind": "output (no observation)", "observed": np.nan, "source": ""})
    out = pd.DataFrame(rows)
    out["model_mean"] = [runs[f].mean() for f in out["figure"]]
    out["model_sd"] = [runs[f].std(ddof=1) for f in out["figure"]]
    return out


def main() -> None:
    runs = pd.DataFrame(run_seeds(figures, __doc__))
    result = table(runs)
    print(result.to_string(index=False, float_format="{:,.4g}".format))
    Path("results").mkdir(exist_ok=True)
    result.to_csv("results/validation_check.csv", index=False)
    print("\nwrote results/validation_check.csv")


if __name__ == "__main__":
    main()
