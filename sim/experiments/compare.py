"""Statistics over replications: ensembles of time series, intervals, and paired
comparisons of scenarios run on the same seeds (common random numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from sim.metrics import FLOWS, KEY_OUTCOMES

LEVEL = 0.95


def ensemble(timeseries: list[pd.DataFrame]) -> pd.DataFrame:
    """Per day and column: the mean over replications and the central 95% of
    replications (2.5th and 97.5th percentiles). Flows also get a running total
    (``<flow>_cum``), summed within each replication before the percentiles."""
    dates = timeseries[0]["date"]
    numeric = [c for c in timeseries[0].columns if c != "date"]
    flows = [c for c in FLOWS if c in numeric]
    cube = np.stack([
        np.hstack([ts[numeric].to_numpy(dtype=float), ts[flows].cumsum().to_numpy(dtype=float)]) for ts in timeseries
    ])  # replication x day x column
    numeric = numeric + [f"{c}_cum" for c in flows]
    parts = {"date": dates.to_numpy()}
    mean, lo, hi = cube.mean(axis=0), np.percentile(cube, 2.5, axis=0), np.percentile(cube, 97.5, axis=0)
    for j, column in enumerate(numeric):
        parts[f"{column}_mean"] = np.round(mean[:, j], 3)
        parts[f"{column}_lo95"] = np.round(lo[:, j], 3)
        parts[f"{column}_hi95"] = np.round(hi[:, j], 3)
    return pd.DataFrame(parts)


def mean_interval(values) -> tuple[float, float, float]:
    """Mean and its 95% t-interval (the interval is the mean itself for one value)."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    if len(values) < 2 or np.allclose(values, values[0]):
        return mean, mean, mean
    half = stats.t.ppf(0.5 + LEVEL / 2, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return mean, mean - half, mean + half


def paired_comparison(outcomes: pd.DataFrame, reference: str) -> pd.DataFrame:
    """``outcomes``: one row per (scenario, seed) with a column per key outcome.
    Returns one row per (scenario, outcome): the scenario's mean with its interval,
    and its paired difference to ``reference`` over the shared seeds."""
    rows = []
    ref = outcomes[outcomes["scenario"] == reference].set_index("seed")
    for scenario, group in outcomes.groupby("scenario", sort=False):
        group = group.set_index("seed")
        seeds = group.index.intersection(ref.index)
        for outcome in KEY_OUTCOMES:
            mean, lo, hi = mean_interval(group[outcome])
            diff = group.loc[seeds, outcome] - ref.loc[seeds, outcome]
            d_mean, d_lo, d_hi = mean_interval(diff)
            base = ref[outcome].mean()
            rows.append({
                "scenario": scenario, "outcome": outcome, "replications": len(group),
                "mean": mean, "lo95": lo, "hi95": hi,
                "diff": d_mean, "diff_lo95": d_lo, "diff_hi95": d_hi,
                "diff_percent": 100 * d_mean / base if base else np.nan,
                "distinguishable": scenario != reference and (d_lo > 0 or d_hi < 0),
            })
    return pd.DataFrame(rows)


def _fmt(value: float, outcome: str) -> str:
    if KEY_OUTCOMES[outcome][1] == "share":
        return f"{value:.3f}"
    return f"{value:,.0f}"


def markdown_report(table: pd.DataFrame, reference: str, seeds: list[int], scale: int) -> str:
    """comparison.md: the table and, in plain words, which differences are real."""
    scenarios = list(dict.fromkeys(table["scenario"]))
    lines = [
        "# Scenario comparison",
        "",
        f"Scenarios: {', '.join(scenarios)}. Reference: **{reference}**.",
        f"Each scenario was run with the same {len(seeds)} seeds ({seeds[0]}..{seeds[-1]}, common random numbers), "
        f"agent scale {scale} (counts in people). Differences are paired by seed; intervals are 95% t-intervals "
        "of the mean over seeds. A difference is called distinguishable from noise when its interval excludes zero.",
        "",
        "Intervals show seed-to-seed (stochastic) variation only, not the uncertainty of the "
        "parameters themselves.",
        "",
    ]
    for outcome, (label, _unit) in KEY_OUTCOMES.items():
        lines += [f"## {label}", "", "| scenario | mean | 95% interval | difference to reference | 95% interval | change | |",
                  "|---|---:|---:|---:|---:|---:|---|"]
        for _, r in table[table["outcome"] == outcome].iterrows():
            verdict = "" if r["scenario"] == reference else ("distinguishable" if r["distinguishable"] else "within noise")
            change = "" if r["scenario"] == reference or np.isnan(r["diff_percent"]) else f"{r['diff_percent']:+.1f}%"
            diff = "" if r["scenario"] == reference else f"{_fmt(r['diff'], outcome)}"
            diff_ci = "" if r["scenario"] == reference else f"[{_fmt(r['diff_lo95'], outcome)}, {_fmt(r['diff_hi95'], outcome)}]"
            lines.append(f"| {r['scenario']} | {_fmt(r['mean'], outcome)} | [{_fmt(r['lo95'], outcome)}, {_fmt(r['hi95'], outcome)}] "
                         f"| {diff} | {diff_ci} | {change} | {verdict} |")
        lines.append("")
    lines += ["## In plain words", ""]
    for scenario in scenarios:
        if scenario == reference:
            continue
        rows = table[(table["scenario"] == scenario)]
        ref_rows = table[table["scenario"] == reference].set_index("outcome")
        rows = rows[(rows["mean"] != 0) | (ref_rows.loc[rows["outcome"], "mean"].to_numpy() != 0)]  # skip what neither has
        real = rows[rows["distinguishable"]]
        if real.empty:
            lines.append(f"- **{scenario}**: no key outcome differs from {reference} by more than the noise of {len(seeds)} seeds.")
            continue
        parts = [f"{KEY_OUTCOMES[r['outcome']][0]} {'up' if r['diff'] > 0 else 'down'} "
                 + (f"{abs(r['diff_percent']):.1f}% ({_fmt(r['diff'], r['outcome'])})" if np.isfinite(r["diff_percent"])
                    else f"from none to {_fmt(r['mean'], r['outcome'])}") for _, r in real.iterrows()]
        noise = [KEY_OUTCOMES[o][0] for o in rows[~rows["distinguishable"]]["outcome"]]
        tail = f"; within noise: {', '.join(noise)}" if noise else ""
        lines.append(f"- **{scenario}** against {reference}: {'; '.join(parts)}{tail}.")
    return "\n".join(lines) + "\n"
