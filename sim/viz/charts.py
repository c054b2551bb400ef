"""The classroom's pictures as Vega-Lite specifications, drawn by the browser.

The server sends a few kilobytes of numbers a frame and the browser draws them:
thirty students' pages cost the server the simulation, not thirty sets of
images. Text sizes are for a projector (13 px and up).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np

from migsim.geography import Geography, read_data_csv
from migsim.report import OBLAST_VIEW

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
CONFIG = {
    "font": "Helvetica, Arial, sans-serif",
    "axis": {"labelFontSize": 13, "titleFontSize": 13, "titleFontWeight": "normal"},
    "legend": {"labelFontSize": 13, "titleFontSize": 13, "titleFontWeight": "normal", "symbolStrokeWidth": 3},
    "title": {"fontSize": 16, "anchor": "start", "fontWeight": "bold"},
    "view": {"stroke": None},
}
MARK_COLOUR = "#5e3c99"
# no "save as / view source" menu on a projector; SVG stays sharp at any size (and its text is readable by tests)
NO_MENU = {"embedOptions": {"actions": False, "renderer": "svg"}}
# the charts are drawn before their first data: the layout grows with the labels as the data comes
TOP = {"$schema": SCHEMA, "config": CONFIG, "usermeta": NO_MENU, "autosize": {"type": "pad", "resize": True}}


class Chart(NamedTuple):
    """A chart as the browser gets it: its structure (sent when it changes, which
    is rarely) and its named datasets (sent every picture)."""

    spec: dict
    datasets: dict[str, list]


def timeline(
    title: str,
    dates: list[str],
    series: dict[str, list[float]],
    colours: dict[str, str],
    marks: list[tuple[dt.date, str]],
    run: tuple[dt.date, dt.date],
    y_title: str,
    width: int,
    height: int,
    thick: str | None = None,
) -> Chart:
    """Lines over the run's dates (the whole year on the axis from the first
    day), with each classroom change as a dated vertical line and its label.

    The lines go as columns: one array of dates and one array per line under a
    short key ("s0", "s1", ...), made into rows, dated and named in the browser.
    A year of seven lines is about 20 kB a picture."""
    labels = list(series)
    keys = [f"s{i}" for i in range(len(labels))]
    if not dates:  # before the first day: an empty year on the axis
        dates, series = [run[0].isoformat()], {k: [0] for k in labels}
    columns = {"d": list(dates), **{k: list(series[label]) for k, label in zip(keys, labels, strict=True)}}
    names = "{" + ", ".join(f"{k}: {label!r}" for k, label in zip(keys, labels, strict=True)) + "}"
    date_x = {"field": "d", "type": "temporal"}
    lines = {
        # not parsed on arrival (a column of dates is not a date): dated once made into rows
        "data": {"name": "lines", "format": {"parse": None}},
        "transform": [
            {"flatten": list(columns)},
            {"calculate": "toDate(datum.d)", "as": "date"},
            {"fold": keys, "as": ["key", "people"]},
            {"calculate": f"{names}[datum.key]", "as": "series"},
        ],
        "mark": {"type": "line", "interpolate": "monotone"},
        "encoding": {
            "x": {
                "field": "date",
                "type": "temporal",
                "scale": {"domain": [run[0].isoformat(), run[1].isoformat()]},
                "axis": {"format": "%b", "title": None, "tickCount": "month", "labelOverlap": True},
            },
            "y": {
                "field": "people",
                "type": "quantitative",
                "title": y_title,
                "axis": {"format": ",d", "tickCount": 5},
                "scale": {"domainMin": 0, "nice": True},
            },
            "color": {
                "field": "series",
                "type": "nominal",
                "scale": {"domain": labels, "range": [colours[k] for k in labels]},
                "legend": {"orient": "top", "title": None, "columns": 3, "symbolType": "stroke"},
            },
            "strokeWidth": {"condition": {"test": f"datum.series === {thick!r}", "value": 4}, "value": 2}
            if thick
            else {"value": 2},
        },
    }
    rule = {"type": "rule", "color": MARK_COLOUR, "strokeDash": [5, 3], "strokeWidth": 2}
    text = {"type": "text", "color": MARK_COLOUR, "align": "left", "dx": 4, "fontSize": 13, "baseline": "top"}
    spec = {
        **TOP,
        "title": title,
        "width": width,
        "height": height,
        "layer": [
            lines,
            {"data": {"name": "marks"}, "mark": rule, "encoding": {"x": date_x}},
            {"data": {"name": "marks"}, "mark": text, "encoding": {"x": date_x, "y": {"value": 4}, "text": {"field": "label"}}},
        ],
    }
    return Chart(spec, {"lines": [columns], "marks": [{"d": d.isoformat(), "label": label} for d, label in marks]})


def bars(
    title: str, labels: list[str], values: list[float], x_title: str, width: int, height: int, colour: str = "#4575b4"
) -> Chart:
    spec = {
        **TOP,
        "title": title,
        "width": width,
        "height": height,
        "data": {"name": "bars"},
        "mark": {"type": "bar", "color": colour},
        "encoding": {
            "y": {"field": "label", "type": "nominal", "sort": "-x", "title": None, "axis": {"labelLimit": 260}},
            "x": {"field": "value", "type": "quantitative", "title": x_title, "axis": {"format": ",d"}},
        },
    }
    return Chart(spec, {"bars": [{"label": k, "value": v} for k, v in zip(labels, values, strict=True)]})


class MapPicture:
    """The map: the oblast's districts at their coordinates (circle = migrants
    present; colour = irregular migrants now against 30 days before), and the
    origin regions by their people in the oblast now."""

    def __init__(self, geo: Geography):
        self.geo = geo
        pos = geo.layout()
        self.pos = pos
        self.names = {p: geo.graph.nodes[p]["name"].replace(" city", "").replace(" region", "") for p in geo.graph.nodes}
        self.routes = [{"x": pos[a][0], "y": pos[a][1], "x2": pos[b][0], "y2": pos[b][1]} for a, b in geo.graph.edges]
        self.border = [{"x": float(r["lon"]), "y": float(r["lat"]), "i": i} for i, r in enumerate(read_data_csv("border.csv"))]
        self.crossings = [{"x": pos[c][0], "y": pos[c][1], "name": geo.graph.nodes[c]["name"]} for c in geo.ids("crossing")]
        # circle sizes are to a scale that only grows, in doublings: they do not jump
        # as the season grows, and the chart is redrawn a few times a year, not daily
        self.size_top = 500

    def spec(self, present: np.ndarray, irregular: np.ndarray, month_ago: np.ndarray, width: int, height: int) -> Chart:
        geo, pos, names = self.geo, self.pos, self.names
        while present.max(initial=0) > self.size_top:
            self.size_top *= 2
        change = np.where(
            np.maximum(irregular, month_ago) >= 50,
            np.clip(100.0 * (irregular - month_ago) / np.maximum(month_ago, 1.0), -100, 100),
            0.0,
        )
        districts = [
            {
                "x": pos[d][0],
                "y": pos[d][1],
                "name": names[d],
                "present": int(present[i]),
                "irregular": int(irregular[i]),
                "change": round(float(change[i]), 1),
                "label": f"{names[d]} {int(present[i]):,}",
                "share": f"{irregular[i] / present[i]:.0%}" if present[i] else "-",
            }
            for i, d in enumerate(geo.districts)
        ]
        x0, x1, y0, y1 = OBLAST_VIEW
        x_scale = {"domain": [x0, x1], "nice": False, "zero": False}
        y_scale = {"domain": [y0, y1], "nice": False, "zero": False}
        xy = {
            "x": {"field": "x", "type": "quantitative", "scale": x_scale, "axis": None},
            "y": {"field": "y", "type": "quantitative", "scale": y_scale, "axis": None},
        }
        inside = [
            {"x": pos[o][0], "y": pos[o][1], "name": names[o]}
            for o in geo.origins
            if x0 <= pos[o][0] <= x1 and y0 <= pos[o][1] <= y1
        ]
        oblast = {
            "title": {
                "text": "South Kazakhstan oblast",
                "subtitle": ["circle: migrants present", "colour: irregular migrants now against 30 days before"],
                "subtitleFontSize": 13,
            },
            "width": width,
            "height": height,
            "layer": [
                {
                    "data": {"values": self.routes},
                    "mark": {"type": "rule", "color": "#cccccc", "clip": True},
                    "encoding": {**xy, "x2": {"field": "x2"}, "y2": {"field": "y2"}},
                },
                {
                    "data": {"values": self.border},
                    "mark": {"type": "line", "color": "#7f3b08", "strokeDash": [6, 4], "strokeWidth": 2, "clip": True},
                    "encoding": {**xy, "order": {"field": "i"}},
                },
                {
                    "data": {"values": self.crossings},
                    "mark": {"type": "point", "shape": "triangle-up", "filled": True, "color": "black", "size": 90},
                    "encoding": {**xy, "tooltip": [{"field": "name", "title": "border crossing"}]},
                },
                {"data": {"values": inside}, "mark": {"type": "square", "color": "#999999", "size": 90}, "encoding": xy},
                {
                    "data": {"values": inside},
                    "mark": {"type": "text", "color": "#555555", "fontSize": 13, "dy": 14, "fontStyle": "italic"},
                    "encoding": {**xy, "text": {"field": "name"}},
                },
                {
                    "data": {"name": "districts"},
                    "mark": {"type": "circle", "stroke": "black", "strokeWidth": 0.8, "opacity": 0.9},
                    "encoding": {
                        **xy,
                        "size": {
                            "field": "present",
                            "type": "quantitative",
                            "scale": {"domain": [0, self.size_top], "range": [20, 3000]},
                            "legend": None,
                        },
                        "color": {
                            "field": "change",
                            "type": "quantitative",
                            "scale": {"domain": [-100, 100], "scheme": "redblue", "reverse": True},
                            "legend": {
                                "title": ["irregular migrants:", "% change in 30 days"],
                                "orient": "bottom-right",
                                "direction": "horizontal",
                                "gradientLength": 160,
                            },
                        },
                        "tooltip": [
                            {"field": "name", "title": "district"},
                            {"field": "present", "title": "migrants present", "format": ","},
                            {"field": "irregular", "title": "of them irregular", "format": ","},
                            {"field": "share", "title": "irregular share"},
                            {"field": "change", "title": "% change in 30 days"},
                        ],
                    },
                },
                {
                    "data": {"name": "districts"},
                    "mark": {"type": "text", "align": "left", "dx": 9, "dy": -7, "fontSize": 13},
                    "encoding": {**xy, "text": {"field": "label"}},
                },
            ],
        }
        return Chart({**TOP, **oblast}, {"districts": districts})

    def origins(self, from_origin: np.ndarray, width: int, height: int) -> Chart:
        """The origin regions by their people in the oblast now."""
        names, origins = self.names, self.geo.origins
        order = np.argsort(-from_origin, kind="stable")
        return bars(
            "Where they come from: people in the oblast now",
            [names[origins[i]] for i in order],
            [int(from_origin[i]) for i in order],
            "people",
            width=width,
            height=height,
            colour="#777777",
        )
