"""Approximate Bayesian computation by rejection: draw parameter sets from uniform
priors (a Latin hypercube over each parameter's range), run each with the
experiment's seeds, measure the distance of the simulated figures to the observed
targets, and keep the closest ``accept`` share of draws as the approximate posterior.

Targets (``sim/data/calibration_targets.csv``, docs/sources.md): the seasonal
curve of the irregular stock (March mean, peak, November mean), its peak month,
the mean completed stay and the share of men among arrivals. The distance is the
mean relative error over the chosen targets. Figures kept for validation (the
categories and number of legal aid appeals, docs/validation.md) are never
targets.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from migsim.geography import read_data_csv

SEASONAL_CURVE = ("irregular_march_mean", "irregular_peak", "irregular_november_mean")


def observed_targets() -> dict[str, dict]:
    return {
        r["target"]: {"observed": float(r["observed"]), "low": float(r["low"]), "high": float(r["high"]), "source": r["source"]}
        for r in read_data_csv("calibration_targets.csv")
    }


def target_errors(sim: pd.DataFrame, targets: list[str]) -> pd.DataFrame:
    """Relative error of each simulated figure (rows: draws) against its target."""
    observed = observed_targets()
    errors = {}
    for name in targets:
        errors[name] = (sim[name] - observed[name]["observed"]).abs() / observed[name]["observed"]
    return pd.DataFrame(errors, index=sim.index)


def rejection_abc(draws: pd.DataFrame, parameters: list[str], targets: list[str], accept: float) -> pd.DataFrame:
    """``draws``: one row per parameter set (figures averaged over seeds). Adds the
    per-target errors, the distance and whether the draw is accepted."""
    errors = target_errors(draws, targets)
    table = draws[parameters].copy()
    for name in errors:
        table[f"error_{name}"] = errors[name]
    table["distance"] = errors.mean(axis=1)
    curve = [t for t in SEASONAL_CURVE if t in draws]
    table["seasonal_curve_error"] = target_errors(draws, curve).mean(axis=1)
    keep = max(1, int(np.ceil(accept * len(table))))
    table["accepted"] = False
    table.loc[table["distance"].nsmallest(keep).index, "accepted"] = True
    return pd.concat([table, draws.drop(columns=parameters)], axis=1)


def fit_report(table: pd.DataFrame, targets: list[str]) -> pd.DataFrame:
    """Per target: observed, simulated (mean over accepted draws), relative error."""
    observed = observed_targets()
    accepted = table[table["accepted"]]
    rows = []
    for name in targets:
        sim = float(accepted[name].mean())
        obs = observed[name]["observed"]
        rows.append(
            {
                "target": name,
                "observed": obs,
                "band_low": observed[name]["low"],
                "band_high": observed[name]["high"],
                "simulated": round(sim, 4),
                "relative_error": round(abs(sim - obs) / obs, 4),
                "source": observed[name]["source"],
            }
        )
    rows.append(
        {
            "target": "seasonal_curve (mean of March, peak, November)",
            "observed": "",
            "simulated": "",
            "relative_error": round(float(accepted["seasonal_curve_error"].mean()), 4),
        }
    )
    return pd.DataFrame(rows)


def draws_frame(points, names, y, figures):
    """One row per prior draw: its parameters and its figures averaged over seeds."""
    return pd.concat([pd.DataFrame(points, columns=names), pd.DataFrame(y, columns=figures)], axis=1)


def fit_markdown(exp, abc: pd.DataFrame, report: pd.DataFrame) -> str:
    """fit_report.md: the fit to each target and the accepted parameter sets."""
    accepted = abc[abc["accepted"]]
    lines = [
        f"# Calibration: {exp.name}",
        "",
        exp.description,
        "",
        (
            f"Rejection ABC: {len(abc)} draws from uniform priors (Latin hypercube), each run with "
            f"{exp.replications} seed(s) at agent scale {exp.scale}; the {len(accepted)} draws closest to the targets "
            f"(mean relative error) are accepted."
        ),
        "",
        "## Fit (mean over accepted draws)",
        "",
        "| target | observed | band | simulated | relative error |",
        "|---|---:|---:|---:|---:|",
    ]

    def num(value) -> str:
        if not isinstance(value, float) or math.isnan(value):
            return "" if not isinstance(value, str) else value
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3f}"

    for _, r in report.iterrows():
        band = f"{num(r.get('band_low'))}-{num(r.get('band_high'))}" if num(r.get("band_low")) else ""
        obs, sim = num(r["observed"]), num(r["simulated"])
        lines.append(f"| {r['target']} | {obs} | {band} | {sim} | {r['relative_error']:.3f} |")
    lines += [
        "",
        "## Accepted parameter sets (posterior sample)",
        "",
        "| parameter | prior range | posterior mean | posterior 5%-95% |",
        "|---|---|---:|---:|",
    ]
    for p in exp.parameters:
        lo, hi = p.bounds()
        q = accepted[p.name].quantile([0.05, 0.95])
        lines.append(f"| {p.name} | {lo:g}-{hi:g} | {accepted[p.name].mean():.4g} | {q.iloc[0]:.4g}-{q.iloc[1]:.4g} |")
    return "\n".join(lines) + "\n"
