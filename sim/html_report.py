"""`migsim report RESULTS_DIR`: one self-contained HTML page (plots embedded) for
the output of run, run --replications, compare, sweep, sensitivity or calibrate."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import pandas as pd

from migsim.output import read_manifest
from migsim.report import plot_appeals, plot_district_map, plot_stocks

STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}img{max-width:100%;border:1px solid #eee;margin:.5em 0}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.note{color:#555;font-size:.9em}"""


class ReportError(Exception):
    pass


def _img(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _table(frame: pd.DataFrame, digits: int = 3) -> str:
    return frame.to_html(index=False, float_format=lambda v: f"{v:,.{digits}f}" if abs(v) < 100 else f"{v:,.0f}", border=0)


SIDE_EFFECTS = ("total_deportations", "total_bribe_usd", "total_wages_withheld_usd", "total_tax_usd")
STOCK_EFFECTS = ("peak_irregular", "season_irregular_share")  # the summary's effect on the irregular stock


def _money_or_count(value: float, outcome: str, signed: bool = True) -> str:
    from migsim.experiments.compare import fmt
    from migsim.metrics import KEY_OUTCOMES

    text = fmt(value, outcome, signed=signed)
    if KEY_OUTCOMES[outcome][1] == "US dollars" and text != "n/a":
        return text.replace("+", "+$").replace("-", "-$") if signed else "$" + text
    return text


def _interval(row, lo: str, hi: str) -> str:
    if lo not in row or not (pd.notna(row[lo]) and pd.notna(row[hi])):
        return "n/a"
    return f"[{_money_or_count(row[lo], row['outcome'])}, {_money_or_count(row[hi], row['outcome'])}]"


def _effect_sentence(row, drawn: bool) -> str:
    """One outcome's effect with both intervals and its robustness, in words."""
    from migsim.metrics import KEY_OUTCOMES

    outcome = row["outcome"]
    unit = (
        " percentage points"
        if KEY_OUTCOMES[outcome][1] == "share"
        else (" people" if KEY_OUTCOMES[outcome][1] == "people" else "")
    )
    text = f"{KEY_OUTCOMES[outcome][0]} {_money_or_count(row['diff'], outcome).replace(' pts', '')}{unit}"
    seed_only = _interval(row, "diff_lo95", "diff_hi95")
    text += f" (seed-only 95% interval {seed_only.replace(' pts', '')}"
    if drawn and "diff_lo95_param" in row:
        text += f"; over parameters and seeds {_interval(row, 'diff_lo95_param', 'diff_hi95_param').replace(' pts', '')}, "
        text += ("robust" if row.get("robust") else "not robust") + f", same sign in {100 * row['sign_agreement']:.0f}% of draws"
    return text + ")"


def _compare_page(folder: Path, manifest: dict) -> tuple[str, list[str]]:
    """The page of a comparison: an executive summary, what each scenario does,
    tables by scenario with human names and units, the plots, and the drawn
    assumptions."""
    from migsim.metrics import KEY_OUTCOMES

    table = pd.read_csv(folder / "comparison.csv")
    scenarios = list(dict.fromkeys(table["scenario"]))
    reference = manifest.get("reference", scenarios[0])
    seeds = manifest.get("seeds") or []
    draws = int(manifest.get("draws") or 0)
    described = {s.get("label") or s.get("scenario_name"): s for s in manifest.get("scenarios", [])}
    first = manifest.get("scenarios", [{}])[0] if manifest.get("scenarios") else {}
    scale = manifest.get("scale", 1)
    title = f"{', '.join(s for s in scenarios if s != reference)} against {reference}"
    e = html.escape
    runs = (
        f"{first.get('start_date', '?')} to {first.get('end_date', '?')}, agent scale {scale} "
        f"({'one agent is one person' if scale == 1 else f'one agent stands for {scale} people'}), {len(seeds)} seeds"
        + (f" x {draws} parameter draws" if draws else " at the scenarios' own parameter values")
    )
    sentences = []
    for name in scenarios:
        if name == reference:
            continue
        rows = table[table["scenario"] == name].set_index("outcome", drop=False)
        effects = "; ".join(_effect_sentence(rows.loc[o], bool(draws)) for o in STOCK_EFFECTS if o in rows.index)
        sides = ", ".join(
            f"{KEY_OUTCOMES[o][0]} {_money_or_count(rows.loc[o, 'diff'], o)}" for o in SIDE_EFFECTS if o in rows.index
        )
        sentences.append(f"<b>{e(name)}</b> against {e(reference)} changes {e(effects)}. Costs and side effects: {e(sides)}.")
    summary = ["<p>" + " ".join(sentences) + "</p>"]  # one paragraph an analyst can forward
    if len(seeds) < 2:
        summary.append(
            "<p class='note'>One seed per scenario: no interval and no verdict (the noise between runs is unknown).</p>"
        )
    if not draws:
        summary.append(
            "<p class='note'>Parameters were not drawn: the intervals show seed-to-seed noise only, "
            "not the uncertainty of the assumed parameters.</p>"
        )
    summary.append(
        f"<p class='note'>Runs: {e(runs)}. Robust: the interval over parameter draws and seeds excludes zero. "
        "Money is in US dollars; stocks and flows in people.</p>"
    )
    parts = ["<h2>Executive summary</h2>", *summary, "<h2>What each scenario does</h2>", "<ul>"]
    for name in scenarios:
        info = described.get(name, {})
        what = info.get("description") or "no description in the file"
        events = info.get("events") or []
        differs = info.get("differs_from_reference") or {}
        extra = (" Events: " + "; ".join(events) + ".") if events else ""
        if differs and name != reference:
            extra += " Sets differently from the reference: " + "; ".join(f"{k} {v}" for k, v in differs.items()) + "."
        parts.append(f"<li><b>{e(name)}</b>{' (reference)' if name == reference else ''}: {e(what)}{e(extra)}</li>")
    parts.append("</ul>")
    for name in scenarios:
        if name == reference:
            continue
        rows = table[table["scenario"] == name]
        ref_rows = table[table["scenario"] == reference].set_index("outcome")
        head = ["outcome", "unit", reference, name, "difference", "seed-only 95% interval", "verdict", "after Holm"]
        if draws:
            head += ["95% interval over parameters", "sign agreement", "robust"]
        body = []
        for _, r in rows.iterrows():
            o = r["outcome"]
            if r["mean"] == 0 and ref_rows.loc[o, "mean"] == 0:
                continue  # none in either (an amnesty outcome without an amnesty): nothing to compare
            unit = "percent (difference: points)" if KEY_OUTCOMES[o][1] == "share" else KEY_OUTCOMES[o][1]
            verdict = "" if len(seeds) < 2 else ("distinguishable" if r["distinguishable"] else "within noise")
            holm = "" if len(seeds) < 2 or pd.isna(r.get("p_holm")) else ("yes" if r["distinguishable_holm"] else "no")
            cells = [
                KEY_OUTCOMES[o][0],
                unit,
                _money_or_count(ref_rows.loc[o, "mean"], o, signed=False),
                _money_or_count(r["mean"], o, signed=False),
                _money_or_count(r["diff"], o),
                _interval(r, "diff_lo95", "diff_hi95"),
                verdict,
                holm,
            ]
            if draws:
                cells += [
                    _interval(r, "diff_lo95_param", "diff_hi95_param"),
                    f"{r['sign_agreement']:.2f}",
                    "robust" if r.get("robust") else "not robust",
                ]
            body.append("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in cells) + "</tr>")
        parts += [
            f"<h2>{e(name)} against {e(reference)}</h2>",
            "<p class='note'>Outcomes that are zero in both scenarios are left out.</p>",
            "<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>" + "".join(body) + "</table>",
        ]
        tested = int(table["p_value"].notna().sum()) if "p_value" in table else 0
        if tested and len(seeds) >= 2:
            parts.append(
                f"<p class='note'>{tested} differences are tested at once; 'after Holm' corrects for that "
                "(family-wise error 5%).</p>"
            )
    matters = folder / "what_matters.csv"
    if draws and (folder / "comparison.md").exists():
        md = (folder / "comparison.md").read_text()
        plain = md.split("## In plain words", 1)[1] if "## In plain words" in md else ""
        parts += [
            "<h2>In plain words, and what matters</h2>",
            "<ul>" + "".join(f"<li>{e(line[2:])}</li>" for line in plain.strip().splitlines() if line.startswith("- ")) + "</ul>",
        ]
        if matters.exists():
            frame = pd.read_csv(matters)
            if not frame.empty:
                frame["outcome"] = [KEY_OUTCOMES[o][0] for o in frame["outcome"]]
                parts.append(_table(frame.fillna("")))
    for png in sorted(folder.glob("compare_*.png")):
        caption = png.stem.replace("compare_", "").replace("_", " ")
        parts += [f"<h2>Plot: {e(caption)}</h2>", _img(png, caption)]
    sources = folder / "drawn_parameters.csv"
    parts.append("<h2>Sources and assumptions</h2>")
    if draws and sources.exists():
        frame = pd.read_csv(sources)
        parts.append(
            f"<p>Each of the {draws} parameter draws set these values; every scenario ran on the same draws. "
            "Calibrated parameters come jointly from the calibration's accepted draws (their range here is "
            "that of the accepted draws); assumptions and policy levers from their plausible ranges stated in the "
            "scenario files (Latin hypercube). The sources of the other figures are in docs/sources.md.</p>"
        )
        frame = frame.rename(
            columns={"column": "parameter", "kind": "kind", "low": "low", "high": "high", "scenario": "drawn for"}
        )
        parts.append(_table(frame))
    else:
        parts.append(
            "<p>No parameters were drawn: every run used the values in the scenario files (docs/sources.md gives "
            "the source or the assumption behind each).</p>"
        )
    return f"Scenario comparison: {title}", parts


def build(folder: Path) -> tuple[str, list[Path]]:
    """The HTML page and the PNGs it made (written next to the results)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReportError(f"{folder}: no such results folder")
    try:
        manifest = read_manifest(folder)  # it says what kind of result the folder holds
    except ValueError as exc:
        raise ReportError(str(exc)) from None
    kind = manifest["kind"]
    made: list[Path] = []
    parts: list[str] = []
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
        facts = pd.DataFrame(
            [
                ("peak irregular", f"{summary['peak_irregular']:,} on {summary['peak_irregular_date']}"),
                ("mean completed stay (seasonal workers)", f"{summary['mean_completed_stay_days']} days"),
                ("share of men", summary["share_men"]),
                ("deportations", f"{summary['total_deportations']:,}"),
                ("legal aid appeals", f"{summary['total_appeals']:,}"),
                ("amnesty cards held at the end", f"{summary.get('amnesty_cards_end', 0):,}"),
            ],
            columns=["figure", "value"],
        )
        parts += [
            "<h2>Summary</h2>",
            _table(facts),
            "<h2>Stocks by legal status</h2>",
            _img(stocks, "stocks"),
            "<h2>Where: the districts at the peak</h2>",
            _img(district, "district map"),
            "<h2>Legal aid appeals</h2>",
            _img(appeals, "appeals"),
        ]
    elif kind == "replications":
        summary = json.loads((folder / "summary.json").read_text())
        rows = [(name, v["mean"], v["lo95"], v["hi95"]) for name, v in summary["outcomes"].items()]
        parts += [
            f"<h2>Key outcomes over {summary['replications']} seeds (mean and 95% interval of the mean)</h2>",
            _table(pd.DataFrame(rows, columns=["outcome", "mean", "lo95", "hi95"])),
            "<h2>Stocks by legal status (central 95% of runs)</h2>",
            _img(folder / "stocks.png", "fan chart"),
        ]
        first = sorted((folder / "seeds").glob("seed-*"))
        if first:
            ts = pd.read_csv(first[0] / "timeseries.csv")
            district = folder / "report_district_map.png"
            plot_district_map(ts, district, f"Districts at the irregular peak ({first[0].name})")
            made.append(district)
            parts += ["<h2>Where: the districts at the peak (one seed)</h2>", _img(district, "district map")]
    elif kind == "compare":
        title, compare_parts = _compare_page(folder, manifest)
        parts += compare_parts
    elif kind == "sweep":
        results = pd.read_csv(folder / "results.csv")
        parts += [f"<p>{len(results)} finished jobs.</p>"]
        for png in sorted(folder.glob("sweep_*.png")):
            parts += [f"<h2>{html.escape(png.stem.replace('sweep_', '').replace('_', ' '))}</h2>", _img(png, png.stem)]
    elif kind == "sensitivity":
        # the manifest names the design: a folder rerun with another design keeps the other's files too
        csv = folder / f"sensitivity_{manifest['design']}.csv"
        parts += [f"<h2>{csv.stem.replace('_', ' ')}</h2>", _table(pd.read_csv(csv)), _img(csv.with_suffix(".png"), csv.stem)]
    else:  # calibrate
        parts += [
            "<h2>Fit</h2>",
            _table(pd.read_csv(folder / "fit_report.csv").astype(object).fillna("")),
            _img(folder / "calibration_fit.png", "calibration fit"),
            "<h2>Accepted parameter sets</h2>",
            _table(pd.read_csv(folder / "accepted.csv").iloc[:, :12]),
        ]
    head = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
    )
    meta = " · ".join(
        f"{k}: {html.escape(str(v))}" for k, v in manifest.items() if k in ("seed", "seeds", "scale", "migsim_version", "started")
    )
    page = head + f"<h1>{html.escape(title)}</h1><p class='note'>{meta}</p>" + "\n".join(parts) + "</body></html>"
    return page, made
