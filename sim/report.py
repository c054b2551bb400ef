"""Plots of a run's output."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only; no screen needed
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

# Legal stocks in greens/blues, irregular ones in warm colours: the eye finds the
# irregular total as the top of the warm band.
STOCK_STYLE = [
    ("permitted", "permitted (quota)", "#1b7837"),
    ("amnesty_card", "amnesty card", "#2166ac"),
    ("registered", "registered", "#5aae61"),
    ("entered", "entered, within deadline", "#a6dba0"),
    ("irregular_work", "irregular: work without permit", "#fdae61"),
    ("irregular_stay", "irregular: stay unregistered", "#d73027"),
    ("detained", "detained", "#762a83"),
]


def thousands(x, _pos=None) -> str:
    if abs(x) >= 10000 or (abs(x) >= 1000 and x % 1000 == 0):
        return f"{x / 1000:.0f}k"
    return f"{x / 1000:.1f}k" if abs(x) >= 1000 else f"{x:.0f}"


def plot_stocks(timeseries: pd.DataFrame, path, title: str) -> None:
    """Stacked stocks of migrants present by legal status over time."""
    dates = pd.to_datetime(timeseries["date"])
    fig, ax = plt.subplots(figsize=(11, 5.5), dpi=120)
    columns = [c for c, _, _ in STOCK_STYLE]
    ax.stackplot(
        dates,
        [timeseries[c] for c in columns],
        labels=[lbl for _, lbl, _ in STOCK_STYLE],
        colors=[col for _, _, col in STOCK_STYLE],
        alpha=0.9,
        linewidth=0,
    )
    ax.plot(dates, timeseries["irregular"], color="black", linewidth=1.6, label="irregular, total")
    peak = timeseries["irregular"].idxmax()
    ax.annotate(
        f"peak irregular {timeseries['irregular'][peak]:,}\n{pd.Timestamp(timeseries['date'][peak]).date().isoformat()}",
        xy=(dates[peak], timeseries["irregular"][peak]),
        xytext=(10, 12),
        textcoords="offset points",
        fontsize=9,
    )
    ax.set_title(title, fontsize=13)
    ax.set_ylabel("people present in South Kazakhstan")
    ax.set_ylim(0, None)
    _dated_axis(ax, dates)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], loc="upper left", fontsize=8.5, framealpha=0.9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _dated_axis(ax, dates) -> None:
    locator = mdates.AutoDateLocator(minticks=6, maxticks=14)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlim(dates.iloc[0], dates.iloc[-1])
    ax.yaxis.set_major_formatter(FuncFormatter(thousands))
    ax.grid(axis="y", alpha=0.3)


FAN_STOCKS = [
    ("irregular", "irregular, total", "black"),
    ("irregular_stay", "irregular: stay unregistered", "#d73027"),
    ("irregular_work", "irregular: work without permit", "#f46d43"),
    ("registered", "registered", "#5aae61"),
    ("permitted", "permitted (quota)", "#1b7837"),
    ("amnesty_card", "amnesty card", "#2166ac"),
]


def plot_fan(ens: pd.DataFrame, path, title: str, replications: int) -> None:
    """Stocks by legal status over replications: mean line, shaded central 95%."""
    dates = pd.to_datetime(ens["date"])
    fig, ax = plt.subplots(figsize=(11, 5.5), dpi=120)
    for column, label, colour in FAN_STOCKS:
        ax.fill_between(dates, ens[f"{column}_lo95"], ens[f"{column}_hi95"], color=colour, alpha=0.2, linewidth=0)
        ax.plot(dates, ens[f"{column}_mean"], color=colour, linewidth=1.8 if column == "irregular" else 1.2, label=label)
    ax.set_title(title, fontsize=13)
    ax.set_ylabel("people present in South Kazakhstan")
    ax.set_ylim(0, None)
    _dated_axis(ax, dates)
    ax.legend(
        loc="upper left",
        fontsize=8.5,
        framealpha=0.9,
        title=f"mean of {replications} runs; band: central 95% of runs",
        title_fontsize=8.5,
    )
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_compare(ensembles: dict[str, pd.DataFrame], columns: list[tuple[str, str]], path, title: str, ylabel: str) -> None:
    """One panel per column; each scenario's mean with its shaded central 95%."""
    fig, axes = plt.subplots(len(columns), 1, figsize=(11, 3.6 * len(columns)), dpi=120, squeeze=False, sharex=True)
    colours = plt.get_cmap("tab10")
    for ax, (column, label) in zip(axes[:, 0], columns):
        for i, (name, ens) in enumerate(ensembles.items()):
            dates = pd.to_datetime(ens["date"])
            mean, lo, hi = ens[f"{column}_mean"], ens[f"{column}_lo95"], ens[f"{column}_hi95"]
            ax.fill_between(dates, lo, hi, color=colours(i), alpha=0.18, linewidth=0)
            ax.plot(dates, mean, color=colours(i), linewidth=1.6, label=name)
        ax.set_ylabel(f"{label}\n({ylabel})" if ylabel else label, fontsize=9)
        ax.set_ylim(0, None)
        _dated_axis(ax, dates)
    axes[0, 0].set_title(title, fontsize=13)
    axes[0, 0].legend(loc="upper left", fontsize=9, framealpha=0.9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_compare_uncertainty(weekly: pd.DataFrame, reference: str, start, path, title: str) -> None:
    """Two panels over time (weekly means of the irregular stock): each scenario,
    and each scenario's paired difference to the reference. Line: the mean at the
    scenarios' own parameter values; dark band: central 95% of seeds at those
    values (seed noise); light band: central 95% over all parameter draws and
    seeds (parameter uncertainty and noise together)."""
    weeks = sorted(c for c in weekly.columns if isinstance(c, (int, np.integer)) or str(c).isdigit())
    values = weekly[weeks].to_numpy(dtype=float)
    dates = pd.Series(pd.to_datetime(start) + pd.to_timedelta([7 * int(w) for w in weeks], unit="D"))
    keys = weekly[["scenario", "draw", "seed"]].reset_index(drop=True)
    ref_rows = {(d, s): i for i, (n, d, s) in enumerate(keys.itertuples(index=False)) if n == reference}
    fig, axes = plt.subplots(2, 1, figsize=(11, 8.5), dpi=120, sharex=True, height_ratios=[3, 2])
    colours = plt.get_cmap("tab10")
    for i, name in enumerate(dict.fromkeys(keys["scenario"])):
        mine = np.flatnonzero(keys["scenario"] == name)
        own, drawn = mine[keys["draw"].to_numpy()[mine] == 0], mine[keys["draw"].to_numpy()[mine] > 0]
        pairs = [ref_rows[(d, s)] for d, s in zip(keys["draw"].to_numpy()[mine], keys["seed"].to_numpy()[mine])]
        diff = values[mine] - values[pairs]
        for ax, series in ((axes[0], values[mine]), (axes[1], diff)):
            if name == reference and ax is axes[1]:
                continue
            at_own, over_draws = series[np.isin(mine, own)], series[np.isin(mine, drawn)]
            if len(over_draws):
                ax.fill_between(
                    dates,
                    np.percentile(over_draws, 2.5, axis=0),
                    np.percentile(over_draws, 97.5, axis=0),
                    color=colours(i),
                    alpha=0.12,
                    linewidth=0,
                )
            ax.fill_between(
                dates,
                np.percentile(at_own, 2.5, axis=0),
                np.percentile(at_own, 97.5, axis=0),
                color=colours(i),
                alpha=0.3,
                linewidth=0,
            )
            ax.plot(dates, at_own.mean(axis=0), color=colours(i), linewidth=1.6, label=name)
    axes[0].set_ylabel("irregular migrants present\n(people, weekly mean)", fontsize=9)
    axes[0].set_ylim(0, None)
    axes[1].axhline(0, color="black", linewidth=0.8)
    axes[1].set_ylabel(f"difference to {reference}\n(people, paired)", fontsize=9)
    for ax in axes:
        _dated_axis(ax, dates)
    axes[0].legend(
        loc="upper left",
        fontsize=9,
        framealpha=0.9,
        title="line: own parameter values; dark band: 95% of seeds; light band: 95% over parameter draws and seeds",
        title_fontsize=8,
    )
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_sweep(table: pd.DataFrame, parameters: list[str], outcome: str, label: str, path) -> None:
    """One panel per varied parameter: every run (dots) and the mean per value."""
    fig, axes = plt.subplots(1, len(parameters), figsize=(5 * len(parameters), 4.2), dpi=120, squeeze=False)
    for ax, name in zip(axes[0], parameters):
        ax.scatter(table[name], table[outcome], s=12, alpha=0.45, color="#4575b4", label="runs")
        levels = table[name].nunique()
        if levels <= 12:  # a factorial level: mean per level
            means = table.groupby(name)[outcome].mean()
        else:  # sampled values: mean per decile of the parameter
            bins = pd.qcut(table[name], 10, duplicates="drop")
            grouped = table.groupby(bins, observed=True)
            means = pd.Series(grouped[outcome].mean().to_numpy(), index=grouped[name].mean().to_numpy())
        ax.plot(means.index, means.to_numpy(), color="black", marker="o", linewidth=1.5, label="mean")
        ax.set_xlabel(name)
        ax.set_ylabel(label)
        ax.yaxis.set_major_formatter(FuncFormatter(thousands))
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(f"{label} against each varied parameter", fontsize=12)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_indices(table: pd.DataFrame, value: str, conf: str, path, title: str, second: tuple[str, str] | None = None) -> None:
    """Bars of a sensitivity index per parameter, one panel per outcome, with confidence bars."""
    outcomes = list(dict.fromkeys(table["outcome"]))
    fig, axes = plt.subplots(1, len(outcomes), figsize=(4.8 * len(outcomes), 4.2), dpi=120, squeeze=False)
    for ax, outcome in zip(axes[0], outcomes):
        rows = table[table["outcome"] == outcome].sort_values(value, ascending=True)
        y = np.arange(len(rows))
        height = 0.38 if second else 0.7
        ax.barh(y + (height / 2 if second else 0), rows[value], xerr=rows[conf], height=height, color="#4575b4", label=value)
        if second:
            ax.barh(y - height / 2, rows[second[0]], xerr=rows[second[1]], height=height, color="#fdae61", label=second[0])
        ax.set_yticks(y, rows["parameter"], fontsize=8)
        ax.set_title(outcome, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_calibration(abc: pd.DataFrame, parameters: list[str], path, name: str) -> None:
    """Simulated against observed: the monthly irregular stock of the accepted draws
    (band and best) with the observed March, peak and November figures and their
    bands; and each parameter's accepted values against its prior range."""
    from migsim.experiments.calibrate import observed_targets

    obs = observed_targets()
    months = [f"irregular_month_{m:02d}" for m in range(1, 13) if f"irregular_month_{m:02d}" in abc]
    accepted = abc[abc["accepted"]]
    best = abc.sort_values("distance").iloc[0]
    rows = (len(parameters) + 2) // 3
    fig = plt.figure(figsize=(12, 4.8 + 1.8 * rows), dpi=120, layout="constrained")
    grid = fig.add_gridspec(2, 3, height_ratios=[2.2, 1.2 * rows])
    ax = fig.add_subplot(grid[0, :])
    x = np.arange(1, len(months) + 1)
    rejected = abc[~abc["accepted"]]
    for _, row in rejected.iterrows():
        ax.plot(x, row[months], color="grey", alpha=0.15, linewidth=0.8)
    ax.fill_between(
        x, accepted[months].min(), accepted[months].max(), color="#4575b4", alpha=0.25, label="accepted draws (range)"
    )
    ax.plot(x, best[months], color="#4575b4", linewidth=2, label="best draw")
    for month, key, label in ((3, "irregular_march_mean", "March"), (11, "irregular_november_mean", "November")):
        ax.errorbar(
            [month],
            [obs[key]["observed"]],
            yerr=[[obs[key]["observed"] - obs[key]["low"]], [obs[key]["high"] - obs[key]["observed"]]],
            fmt="s",
            color="#d73027",
            capsize=5,
            label="observed (band)" if month == 3 else None,
        )
    peak = obs["irregular_peak"]
    ax.errorbar(
        [9.5],
        [peak["observed"]],
        yerr=[[peak["observed"] - peak["low"]], [peak["high"] - peak["observed"]]],
        fmt="D",
        color="#d73027",
        capsize=5,
        label="observed peak, Sept-Oct (band)",
    )
    ax.set_xticks(x, ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][: len(months)])
    ax.set_ylabel("irregular migrants present (monthly mean; peak: daily)")
    ax.yaxis.set_major_formatter(FuncFormatter(thousands))
    ax.set_ylim(0, None)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(f"Calibration {name}: simulated against observed (grey: rejected draws)", fontsize=12)
    sub = grid[1, :].subgridspec(rows, 3)
    for i, p in enumerate(parameters):
        a = fig.add_subplot(sub[i // 3, i % 3])
        a.hist(abc[p], bins=12, color="lightgrey", label="prior draws")
        a.hist(accepted[p], bins=12, range=(abc[p].min(), abc[p].max()), color="#4575b4", label="accepted")
        a.set_xlabel(p, fontsize=8)
        a.tick_params(labelsize=7)
    fig.savefig(path)
    plt.close(fig)


OBLAST_VIEW = (67.5, 71.0, 40.45, 44.05)  # lon min, lon max, lat min, lat max


def draw_places(ax, geo, crossing_size: float = 60) -> None:
    """Routes, the (approximate) border, origin regions and crossings, at their coordinates."""
    from matplotlib.collections import LineCollection

    from migsim.geography import read_data_csv

    pos = geo.layout()
    ax.add_collection(LineCollection([[pos[a], pos[b]] for a, b in geo.graph.edges], colors="#cccccc", linewidths=0.8, zorder=1))
    border = [(float(r["lon"]), float(r["lat"])) for r in read_data_csv("border.csv")]
    ax.plot(*zip(*border), color="#7f3b08", linewidth=2.2, linestyle="--", zorder=2, label="border (approximate)")
    for kind, marker, colour, label, size in (
        ("origin", "s", "#999999", "origin region", 40),
        ("crossing", "^", "black", "border crossing", crossing_size),
    ):
        ids = geo.ids(kind)
        ax.scatter([pos[p][0] for p in ids], [pos[p][1] for p in ids], marker=marker, s=size, color=colour, zorder=3, label=label)


def draw_oblast(ax, geo, present: np.ndarray, share: np.ndarray, fontsize: float = 7.5):
    """The oblast at its coordinates: districts sized by people present and coloured
    by the irregular share, with names and counts; returns the colour mapping."""
    draw_places(ax, geo)
    pos = geo.layout()
    xs, ys = [pos[d][0] for d in geo.districts], [pos[d][1] for d in geo.districts]
    dots = ax.scatter(
        xs,
        ys,
        s=40 + 1600 * present / max(present.max(), 1),
        c=share,
        cmap="RdYlGn_r",
        vmin=0,
        vmax=1,
        edgecolors="black",
        linewidths=0.6,
        alpha=0.85,
        zorder=4,
    )
    for d, x, y, here in zip(geo.districts, xs, ys, present):
        ax.annotate(
            f"{geo.graph.nodes[d]['name'].replace(' city', '')} {here:,.0f}",
            (x, y),
            xytext=(5, 5),
            textcoords="offset points",
            fontsize=fontsize,
            zorder=5,
        )
    for o in geo.origins:  # origin regions that fall inside the view (Tashkent region, Syrdarya)
        x, y = pos[o]
        if OBLAST_VIEW[0] <= x <= OBLAST_VIEW[1] and OBLAST_VIEW[2] <= y <= OBLAST_VIEW[3]:
            ax.annotate(
                geo.graph.nodes[o]["name"],
                (x, y),
                xytext=(5, -10),
                textcoords="offset points",
                fontsize=fontsize - 0.5,
                color="#666666",
            )
    ax.set_xlim(*OBLAST_VIEW[:2])
    ax.set_ylim(*OBLAST_VIEW[2:])
    ax.set_aspect(1.35)  # 1 / cos(42 degrees): a degree of longitude is shorter than one of latitude
    ax.legend(loc="lower right", fontsize=7)
    return dots


def plot_district_map(timeseries: pd.DataFrame, path, title: str) -> None:
    """Districts at their coordinates on the day of the irregular peak: circle size
    = people present, colour = irregular share."""
    from migsim.geography import Geography

    geo = Geography.load()
    row = timeseries.iloc[int(timeseries["irregular"].idxmax())]
    present = np.array([row[f"present_{d}"] for d in geo.districts], dtype=float)
    irregular = np.array([row[f"irregular_{d}"] for d in geo.districts], dtype=float)
    share = np.divide(irregular, present, out=np.zeros_like(present), where=present > 0)
    fig, ax = plt.subplots(figsize=(8, 7), dpi=120)
    dots = draw_oblast(ax, geo, present, share, fontsize=8)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    fig.colorbar(dots, ax=ax, shrink=0.7, label="irregular share of people present")
    ax.set_title(f"{title}\npeak day {pd.Timestamp(row['date']).date().isoformat()}: circle = people present", fontsize=11)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_appeals(by_category: dict[str, float], path, title: str) -> None:
    """Each category's share of the appeals the model's centres took, beside its
    share in the legal aid monitoring (docs/sources.md 6) among the same
    categories: a check, never a target (docs/validation.md)."""
    from migsim.geography import read_data_csv

    observed = {r["category"]: float(r["count"]) for r in read_data_csv("appeal_categories.csv") if r["category"] in by_category}
    total_model, total_observed = sum(by_category.values()) or 1.0, sum(observed.values()) or 1.0
    names = sorted(by_category, key=lambda k: observed.get(k, 0.0))
    y = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    ax.barh(y + 0.2, [100 * by_category[k] / total_model for k in names], height=0.4, color="#4575b4", label="model")
    ax.barh(
        y - 0.2,
        [100 * observed.get(k, 0.0) / total_observed for k in names],
        height=0.4,
        color="#bbbbbb",
        label="legal aid monitoring 2008-09",
    )
    ax.set_yticks(y, [k.replace("_", " ") for k in names])
    ax.set_xlabel("share of appeals in the categories the model represents (%)")
    ax.set_title(f"{title}\n{sum(by_category.values()):,.0f} appeals taken in the model", fontsize=11)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
