"""Plots of a run's output."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only; no screen needed
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

# Legal stocks in greens/blues, irregular ones in warm colours: the eye finds the
# irregular total as the top of the warm band.
STOCK_STYLE = [
    ("permitted", "permitted (quota)", "#1b7837"),
    ("registered", "registered", "#5aae61"),
    ("entered", "entered, within deadline", "#a6dba0"),
    ("irregular_work", "irregular: work without permit", "#fdae61"),
    ("irregular_stay", "irregular: stay unregistered", "#d73027"),
    ("detained", "detained", "#762a83"),
]


def thousands(x, _pos=None) -> str:
    return f"{x / 1000:.0f}k" if abs(x) >= 1000 else f"{x:.0f}"


def plot_stocks(timeseries: pd.DataFrame, path, title: str) -> None:
    """Stacked stocks of migrants present by legal status over time."""
    dates = pd.to_datetime(timeseries["date"])
    fig, ax = plt.subplots(figsize=(11, 5.5), dpi=120)
    columns = [c for c, _, _ in STOCK_STYLE]
    ax.stackplot(dates, [timeseries[c] for c in columns], labels=[lbl for _, lbl, _ in STOCK_STYLE],
                 colors=[col for _, _, col in STOCK_STYLE], alpha=0.9, linewidth=0)
    ax.plot(dates, timeseries["irregular"], color="black", linewidth=1.6, label="irregular, total")
    peak = timeseries["irregular"].idxmax()
    ax.annotate(f"peak irregular {timeseries['irregular'][peak]:,}\n{timeseries['date'][peak]}",
                xy=(dates[peak], timeseries["irregular"][peak]), xytext=(10, 12), textcoords="offset points", fontsize=9)
    ax.set_title(title, fontsize=13)
    ax.set_ylabel("people present in South Kazakhstan")
    ax.yaxis.set_major_formatter(FuncFormatter(thousands))
    locator = mdates.AutoDateLocator(minticks=6, maxticks=14)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlim(dates.iloc[0], dates.iloc[-1])
    ax.set_ylim(0, None)
    ax.grid(axis="y", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], loc="upper left", fontsize=8.5, framealpha=0.9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
