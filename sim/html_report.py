"""`migsim report RESULTS_DIR`: one self-contained HTML page (plots embedded) for
the output of run, run --replications, compare, sweep, sensitivity or calibrate."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import pandas as pd

from sim.report import plot_appeals, plot_district_map, plot_stocks

STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}img{max-width:100%;border:1px solid #eee;margin:.5em 0}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.note{color:#555;font-size:.9em}"""


class ReportError(Exception):
    pass


def kind_of(folder: Path) -> str:
    if (folder / "comparison.csv").exists():
        return "compare"
    if (folder / "fit_report.csv").exists():
        return "calibrate"
    if list(folder.glob("sensitivity_*.csv")):
        return "sensitivity"
    if (folder / "results.csv").exists():
        return "sweep"
    if (folder / "ensemble.csv").exists():
        return "replications"
    if (folder / "timeseries.csv").exists():
        return "run"
    raise ReportError(f"{folder}: no migsim output here (expected timeseries.csv, ensemble.csv, comparison.csv, "
                      "results.csv, sensitivity_*.csv or fit_report.csv)")


def _img(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _table(frame: pd.DataFrame, digits: int = 3) -> str:
    return frame.to_html(index=False, float_format=lambda v: f"{v:,.{digits}f}" if abs(v) < 100 else f"{v:,.0f}", border=0)


def build(folder: Path) -> tuple[str, list[Path]]:
    """The HTML page and the PNGs it made (written next to the results)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReportError(f"{folder}: no such results folder")
    kind = kind_of(folder)
    made: list[Path] = []
    parts: list[str] = []
    manifest = json.loads((folder / "manifest.json").read_text()) if (folder / "manifest.json").exists() else {}
    title = f"migsim {kind}: {manifest.get('scenario_name') or folder.name}"
    if kind == "run":
        ts = pd.read_csv(folder / "timeseries.csv")
        summary = json.loads((folder / "summary.json").read_text())
        stocks = folder / "report_stocks.png"
        plot_stocks(ts, stocks, "Migrants present by legal status")
        district = folder / "report_district_map.png"
        plot_district_map(ts, district, "Districts at the irregular peak")
        appeals = folder / "report_appeals.png"
        plot_appeals(summary["appeals_by_category"], appeals, "Legal aid appeals by category")
        made += [stocks, district, appeals]
        facts = pd.DataFrame([
            ("peak irregular", f"{summary['peak_irregular']:,} on {summary['peak_irregular_date']}"),
            ("mean completed stay (seasonal workers)", f"{summary['mean_completed_stay_days']} days"),
            ("share of men", summary["share_men"]),
            ("deportations", f"{summary['total_deportations']:,}"),
            ("legal aid appeals", f"{summary['total_appeals']:,}"),
            ("amnesty cards held at the end", f"{summary.get('amnesty_cards_end', 0):,}"),
        ], columns=["figure", "value"])
        parts += ["<h2>Summary</h2>", _table(facts), "<h2>Stocks by legal status</h2>", _img(stocks, "stocks"),
                  "<h2>Where: the districts at the peak</h2>", _img(district, "district map"),
                  "<h2>Legal aid appeals</h2>", _img(appeals, "appeals")]
    elif kind == "replications":
        summary = json.loads((folder / "summary.json").read_text())
        rows = [(name, v["mean"], v["lo95"], v["hi95"]) for name, v in summary["outcomes"].items()]
        parts += [f"<h2>Key outcomes over {summary['replications']} seeds (mean and 95% interval of the mean)</h2>",
                  _table(pd.DataFrame(rows, columns=["outcome", "mean", "lo95", "hi95"])),
                  "<h2>Stocks by legal status (central 95% of runs)</h2>", _img(folder / "stocks.png", "fan chart")]
        first = sorted((folder / "seeds").glob("seed-*"))
        if first:
            ts = pd.read_csv(first[0] / "timeseries.csv")
            district = folder / "report_district_map.png"
            plot_district_map(ts, district, f"Districts at the irregular peak ({first[0].name})")
            made.append(district)
            parts += ["<h2>Where: the districts at the peak (one seed)</h2>", _img(district, "district map")]
    elif kind == "compare":
        md = (folder / "comparison.md").read_text()
        plain = md.split("## In plain words", 1)[1] if "## In plain words" in md else ""
        table = pd.read_csv(folder / "comparison.csv")
        parts += ["<h2>In plain words</h2>", "<ul>" + "".join(f"<li>{html.escape(line[2:])}</li>" for line in plain.strip().splitlines()
                                                              if line.startswith("- ")) + "</ul>",
                  "<h2>Comparison table (paired differences to the reference, 95% intervals)</h2>",
                  _table(table[["scenario", "outcome", "mean", "lo95", "hi95", "diff", "diff_lo95", "diff_hi95", "diff_percent", "distinguishable"]])]
        for png in sorted(folder.glob("compare_*.png")):
            parts += [f"<h2>{html.escape(png.stem.replace('compare_', '').replace('_', ' '))}</h2>", _img(png, png.stem)]
    elif kind == "sweep":
        results = pd.read_csv(folder / "results.csv")
        parts += [f"<p>{len(results)} finished jobs.</p>"]
        for png in sorted(folder.glob("sweep_*.png")):
            parts += [f"<h2>{html.escape(png.stem.replace('sweep_', '').replace('_', ' '))}</h2>", _img(png, png.stem)]
    elif kind == "sensitivity":
        for csv in sorted(folder.glob("sensitivity_*.csv")):
            parts += [f"<h2>{csv.stem.replace('_', ' ')}</h2>", _table(pd.read_csv(csv)), _img(csv.with_suffix(".png"), csv.stem)]
    else:  # calibrate
        parts += ["<h2>Fit</h2>", _table(pd.read_csv(folder / "fit_report.csv").fillna("")),
                  _img(folder / "calibration_fit.png", "calibration fit"),
                  "<h2>Accepted parameter sets</h2>", _table(pd.read_csv(folder / "accepted.csv").iloc[:, :12])]
    head = f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
    meta = " · ".join(f"{k}: {html.escape(str(v))}" for k, v in manifest.items() if k in ("seed", "seeds", "scale", "migsim_version", "started"))
    page = head + f"<h1>{html.escape(title)}</h1><p class='note'>{meta}</p>" + "\n".join(parts) + "</body></html>"
    return page, made
