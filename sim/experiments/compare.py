"""Statistics over replications: ensembles of time series, intervals, and paired
comparisons of scenarios run on the same seeds (common random numbers) and, when
asked, on the same parameter draws (common parameters: sim/experiments/uncertainty.py).

A comparison has two kinds of uncertainty, reported side by side:

- **seed-only**: the paired difference at the scenarios' own parameter values
  (draw 0), over seeds: a 95% t-interval of its mean. It says whether the
  difference is more than the noise of a finite number of runs, *if* the
  parameters were right.
- **parameters**: the paired difference over the parameter draws (draws 1..D)
  and seeds together. Each draw's mean difference over its seeds estimates the
  effect under that parameter set; their spread is the parameters' part plus seed
  noise. The parameters' part: the between-draw variance less what seed noise
  explains, tau^2 (one-way random effects, method of moments; never below zero);
  the draws' means are shrunk toward their mean until their spread is tau (so seed
  noise is not counted twice), and the 2.5th and 97.5th percentiles of the shrunk
  means give the parameters' reach on each side, which may differ (an effect can
  be skewed). Each side is then widened by the seed part, t s_w / sqrt(R) with s_w
  the within-draw standard deviation (pooled over draws), added in quadrature; t
  has R - 1 degrees of freedom, as in the seed-only interval (conservative: the
  pooled s_w has more), so that a parameter set that does not matter gives the
  seed-only width. An effect is **robust** when this interval excludes zero on
  the side of the effect at the scenarios' own values.
  ``sign_agreement`` is the share of draws whose mean difference has the sign of
  the mean over draws.

With one seed there is no estimate of the seed noise, so there is no interval and
no verdict. Shares are compared in percentage points. ``p_holm`` corrects the
p-values of all the differences a table tests at once (Holm's step-down method).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from migsim.metrics import FLOWS, KEY_OUTCOMES

LEVEL = 0.95


def ensemble(timeseries: list[pd.DataFrame]) -> pd.DataFrame:
    """Per day and column: the mean over replications and the central 95% of
    replications (2.5th and 97.5th percentiles). Flows also get a running total
    (``<flow>_cum``), summed within each replication before the percentiles."""
    dates = timeseries[0]["date"]
    numeric = [c for c in timeseries[0].columns if c != "date"]
    flows = [c for c in FLOWS if c in numeric]
    cube = np.stack(
        [np.hstack([ts[numeric].to_numpy(dtype=float), ts[flows].cumsum().to_numpy(dtype=float)]) for ts in timeseries]
    )  # replication x day x column
    numeric = numeric + [f"{c}_cum" for c in flows]
    parts = {"date": dates.to_numpy()}
    mean, lo, hi = cube.mean(axis=0), np.percentile(cube, 2.5, axis=0), np.percentile(cube, 97.5, axis=0)
    for j, column in enumerate(numeric):
        parts[f"{column}_mean"] = np.round(mean[:, j], 3)
        parts[f"{column}_lo95"] = np.round(lo[:, j], 3)
        parts[f"{column}_hi95"] = np.round(hi[:, j], 3)
    return pd.DataFrame(parts)


def mean_interval(values) -> tuple[float, float, float]:
    """Mean and its 95% t-interval; with fewer than two values there is no
    interval (NaN bounds): one run says nothing of the noise."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    if len(values) < 2:
        return mean, np.nan, np.nan
    if np.allclose(values, values[0]):
        return mean, mean, mean
    half = stats.t.ppf(0.5 + LEVEL / 2, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return mean, mean - half, mean + half


def _p_value(diffs: np.ndarray) -> float:
    """Two-sided p-value of a paired t-test that the mean difference is zero."""
    if len(diffs) < 2:
        return np.nan
    if np.allclose(diffs, diffs[0]):
        return 1.0 if diffs[0] == 0 else 0.0
    return float(stats.ttest_1samp(diffs, 0.0).pvalue)


def parameter_interval(by_draw: pd.DataFrame) -> dict[str, float]:
    """``by_draw``: paired differences with columns ``draw`` and ``diff`` (one row
    per draw and seed). The interval over parameter draws and seeds (module
    docstring), the mean over draws and the sign agreement."""
    groups = by_draw.groupby("draw")["diff"]
    means = groups.mean().to_numpy()
    seeds = int(groups.size().min())
    centre = float(means.mean())
    sign = np.sign(centre)
    agreement = float(np.mean(np.sign(means) == sign)) if sign != 0 else float(np.mean(means == 0))
    out = {
        "diff_param": centre,
        "diff_lo95_param": np.nan,
        "diff_hi95_param": np.nan,
        "sign_agreement": agreement,
        "draws": len(means),
    }
    if seeds < 2 or len(means) < 2:
        return out
    noise = float(groups.var(ddof=1).mean()) / seeds  # variance of a draw's mean from seed noise (pooled)
    tau2 = max(float(means.var(ddof=1)) - noise, 0.0)
    shrunk = centre + np.sqrt(tau2 / (tau2 + noise) if tau2 > 0 else 0.0) * (means - centre)
    reach_lo, reach_hi = centre - np.percentile(shrunk, 2.5), np.percentile(shrunk, 97.5) - centre
    seed_half = stats.t.ppf(0.5 + LEVEL / 2, seeds - 1) * np.sqrt(noise)
    out.update(
        diff_lo95_param=centre - float(np.hypot(seed_half, reach_lo)),
        diff_hi95_param=centre + float(np.hypot(seed_half, reach_hi)),
        param_sd=float(np.sqrt(tau2)),
    )
    return out


def holm(p_values: pd.Series) -> pd.Series:
    """Holm-adjusted p-values (statsmodels); NaN stays NaN."""
    from statsmodels.stats.multitest import multipletests

    out = pd.Series(np.nan, index=p_values.index)
    valid = p_values.notna()
    if valid.any():
        out[valid] = multipletests(p_values[valid].to_numpy(), alpha=1 - LEVEL, method="holm")[1]
    return out


def is_share(outcome: str) -> bool:
    return KEY_OUTCOMES[outcome][1] == "share"


def paired_comparison(outcomes: pd.DataFrame, reference: str) -> pd.DataFrame:
    """``outcomes``: one row per (scenario, seed) and, when parameters were drawn,
    per ``draw`` (0: the scenarios' own values; 1..D: shared parameter draws),
    with a column per key outcome. Returns one row per (scenario, outcome): the
    scenario's mean at its own values with a seed interval, its paired difference
    to ``reference`` with the seed-only interval, and, given draws, the interval
    over parameters and seeds (module docstring). Shares are in percent, their
    differences in percentage points."""
    if "draw" not in outcomes:
        outcomes = outcomes.assign(draw=0)
    outcomes = outcomes.copy()
    for outcome in KEY_OUTCOMES:
        if is_share(outcome):
            outcomes[outcome] = 100.0 * outcomes[outcome]
    indexed = outcomes.set_index(["draw", "seed"])
    ref = indexed[indexed["scenario"] == reference]
    rows = []
    for scenario in dict.fromkeys(outcomes["scenario"]):
        group = indexed[indexed["scenario"] == scenario]
        shared = group.index.intersection(ref.index)
        nominal = group.loc[group.index.get_level_values("draw") == 0]
        nominal_keys = shared[shared.get_level_values("draw") == 0]
        drawn_keys = shared[shared.get_level_values("draw") > 0]
        for outcome in KEY_OUTCOMES:
            mean, lo, hi = mean_interval(nominal[outcome])
            diff = (group.loc[nominal_keys, outcome] - ref.loc[nominal_keys, outcome]).to_numpy()
            d_mean, d_lo, d_hi = mean_interval(diff)
            base = ref.loc[ref.index.get_level_values("draw") == 0, outcome].mean()
            row = {
                "scenario": scenario,
                "outcome": outcome,
                "unit": "percent" if is_share(outcome) else KEY_OUTCOMES[outcome][1],
                "replications": len(nominal),
                "mean": mean,
                "lo95": lo,
                "hi95": hi,
                "diff": d_mean,
                "diff_lo95": d_lo,
                "diff_hi95": d_hi,
                "diff_percent": 100 * d_mean / base if base and not is_share(outcome) else np.nan,
                "p_value": _p_value(diff) if scenario != reference else np.nan,
                "distinguishable": bool(scenario != reference and len(diff) >= 2 and (d_lo > 0 or d_hi < 0)),
            }
            if len(drawn_keys):
                by_draw = pd.DataFrame(
                    {
                        "draw": drawn_keys.get_level_values("draw"),
                        "diff": group.loc[drawn_keys, outcome].to_numpy() - ref.loc[drawn_keys, outcome].to_numpy(),
                    }
                )
                row.update(parameter_interval(by_draw))
                lo_p, hi_p = row["diff_lo95_param"], row["diff_hi95_param"]
                # robust: the interval over parameters excludes zero on the side of the effect at the own values
                row["robust"] = bool(
                    scenario != reference and np.isfinite(lo_p) and ((d_mean > 0 and lo_p > 0) or (d_mean < 0 and hi_p < 0))
                )
            rows.append(row)
    table = pd.DataFrame(rows)
    tested = (table["scenario"] != reference) & table["p_value"].notna()
    table["p_holm"] = holm(table["p_value"].where(tested))
    table["distinguishable_holm"] = table["p_holm"] < 1 - LEVEL
    return table


def fmt(value: float, outcome: str, signed: bool = False) -> str:
    """A number as the report shows it: people and money whole, shares in percent
    (their differences in points) to one decimal."""
    if value is None or not np.isfinite(value):
        return "n/a"
    sign = "+" if signed else ""
    if is_share(outcome):
        return f"{value:{sign}.1f}" + (" pts" if signed else "%")
    return f"{value:{sign},.0f}"


def markdown_report(
    table: pd.DataFrame, reference: str, seeds: list[int], scale: int, draws: int = 0, what_matters: dict | None = None
) -> str:
    """comparison.md: the table and, in plain words, which differences are real and
    whether they survive the uncertainty of the parameters."""
    scenarios = list(dict.fromkeys(table["scenario"]))
    tested = int(((table["scenario"] != reference) & table["p_value"].notna()).sum())
    lines = [
        f"# Scenario comparison: {', '.join(scenarios)}",
        "",
        (
            f"Reference: {reference}. Each scenario was run with the same {len(seeds)} seed{'s' if len(seeds) > 1 else ''} "
            f"({seeds[0]}..{seeds[-1]}, common random numbers), agent scale {scale} (counts in people)."
        ),
        "",
    ]
    if len(seeds) < 2:
        lines += [
            (
                "With one seed per scenario there is no estimate of the noise between runs, so this comparison "
                "gives no intervals and calls no difference distinguishable. Run with --replications 2 or more."
            ),
            "",
        ]
    else:
        lines += [
            (
                "Differences are paired by seed. The seed-only interval is a 95% t-interval of the mean difference "
                "at the scenarios' own parameter values: it covers the noise of a finite number of runs, not the "
                "uncertainty of the parameters."
            ),
            "",
        ]
    if draws:
        lines += [
            (
                f"The parameter interval also covers the uncertainty of the parameters: every scenario was run on "
                f"the same {draws} parameter draws (calibrated parameters from the calibration's accepted draws, "
                "assumptions from their stated ranges by Latin hypercube), each with the same seeds. An effect is "
                "called robust when its parameter interval excludes zero; the sign agreement is the share of draws "
                "in which the effect has the sign of the mean over draws."
            ),
            "",
        ]
    else:
        lines += ["Parameters were not drawn (--draws 0): the intervals show seed-to-seed variation only.", ""]
    if tested:
        lines += [
            (
                f"This table tests {tested} differences at once; a few would look distinguishable by chance. "
                "The column 'after Holm' applies Holm's correction for testing them all (family-wise 5%)."
            ),
            "",
        ]
    lines += ["Shares are in percent, and their differences in percentage points.", ""]
    for outcome, (label, unit) in KEY_OUTCOMES.items():
        unit_text = "percent; differences in percentage points" if is_share(outcome) else unit
        header = "| scenario | mean | seed interval | difference | seed-only interval | change | verdict | after Holm |"
        rule = "|---|---:|---:|---:|---:|---:|---|---|"
        if draws:
            header += " parameter interval | sign agreement | robust |"
            rule += "---:|---:|---|"
        lines += [f"## {label} ({unit_text})", "", header, rule]
        for _, r in table[table["outcome"] == outcome].iterrows():
            own = r["scenario"] == reference
            verdict = "" if own or len(seeds) < 2 else ("distinguishable" if r["distinguishable"] else "within noise")
            holm_verdict = "" if own or len(seeds) < 2 else ("yes" if r["distinguishable_holm"] else "no")
            change = "" if own or not np.isfinite(r["diff_percent"]) else f"{r['diff_percent']:+.1f}%"
            interval = "" if len(seeds) < 2 else f"[{fmt(r['lo95'], outcome)}, {fmt(r['hi95'], outcome)}]"
            diff = "" if own else fmt(r["diff"], outcome, signed=True)
            diff_ci = (
                "" if own or len(seeds) < 2 else f"[{fmt(r['diff_lo95'], outcome, True)}, {fmt(r['diff_hi95'], outcome, True)}]"
            )
            line = f"| {r['scenario']} | {fmt(r['mean'], outcome)} | {interval} | {diff} | {diff_ci} | {change} | {verdict} | {holm_verdict} |"
            if draws:
                p_ci = (
                    ""
                    if own or not np.isfinite(r.get("diff_lo95_param", np.nan))
                    else f"[{fmt(r['diff_lo95_param'], outcome, True)}, {fmt(r['diff_hi95_param'], outcome, True)}]"
                )
                agree = "" if own else f"{r['sign_agreement']:.2f}"
                robust = "" if own or not p_ci else ("robust" if r["robust"] else "not robust")
                line += f" {p_ci} | {agree} | {robust} |"
            lines.append(line)
        lines.append("")
    lines += ["## In plain words", ""]
    lines += plain_words(table, reference, len(seeds), draws, what_matters)
    return "\n".join(lines) + "\n"


def plain_words(table: pd.DataFrame, reference: str, seeds: int, draws: int, what_matters: dict | None = None) -> list[str]:
    """One bullet per scenario: what differs from the reference beyond the noise,
    and (given draws) whether it holds under the parameters' uncertainty and which
    assumptions matter for it."""
    lines = []
    ref_rows = table[table["scenario"] == reference].set_index("outcome")
    for scenario in dict.fromkeys(table["scenario"]):
        if scenario == reference:
            continue
        rows = table[table["scenario"] == scenario]
        rows = rows[(rows["mean"] != 0) | (ref_rows.loc[rows["outcome"], "mean"].to_numpy() != 0)]  # skip what neither has
        if seeds < 2:
            parts = [
                f"{KEY_OUTCOMES[r['outcome']][0]} {fmt(r['diff'], r['outcome'], signed=True)}"
                for _, r in rows.iterrows()
                if r["diff"] != 0
            ]
            lines.append(f"- {scenario} against {reference} (one seed: no verdict): {'; '.join(parts) or 'no difference'}.")
            continue
        real = rows[rows["distinguishable"]]
        if real.empty:
            lines.append(f"- {scenario}: no key outcome differs from {reference} by more than the noise of {seeds} seeds.")
            continue
        parts = []
        for _, r in real.iterrows():
            o = r["outcome"]
            size = (
                f"{abs(r['diff']):.1f} percentage points"
                if is_share(o)
                else f"{abs(r['diff_percent']):.1f}% ({fmt(r['diff'], o, signed=True)})"
                if np.isfinite(r["diff_percent"])
                else f"from none to {fmt(r['mean'], o)}"
            )
            text = f"{KEY_OUTCOMES[o][0]} {'up' if r['diff'] > 0 else 'down'} {size}"
            if draws and "robust" in r:
                text += (
                    " (robust to the parameters" if r["robust"] else " (not robust to the parameters"
                ) + f", same sign in {100 * r['sign_agreement']:.0f}% of draws"
                if np.sign(r["diff_param"]) != np.sign(r["diff"]):
                    text += f", but {fmt(r['diff_param'], o, signed=True)} on average over the draws"
                text += ")"
            parts.append(text)
        noise = [KEY_OUTCOMES[o][0] for o in rows[~rows["distinguishable"]]["outcome"]]
        tail = f"; within noise: {', '.join(noise)}" if noise else ""
        line = f"- {scenario} against {reference}: {'; '.join(parts)}{tail}."
        matters = (what_matters or {}).get(scenario)
        if matters:
            line += " " + matters
        lines.append(line)
    return lines
