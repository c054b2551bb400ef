"""The parameter catalogue (``migsim params``): every flat parameter of a scenario
with its type, value, the values validation allows, its unit, whether it is
calibrated, assumed or fixed, its plausible range, and what it means with its
source, from the comment beside it in the scenario file (or the file it extends).

Types and allowed values are read from the validation models of
``sim/scenario.py`` and ``sim/schema.py``, so the catalogue cannot drift from
what a scenario file may say."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
import pandas as pd
from pydantic import BaseModel

from migsim.scenario import BASELINE, Scenario, load, read_toml

COLUMNS = ["parameter", "type", "value", "allowed", "unit", "kind", "low", "high", "meaning_and_source"]

# Units follow the names' own conventions (``_usd``, ``_days``, ...); a name that
# does not state one has none here.
UNITS = (
    ("_usd_per_day", "US dollars a day"),
    ("_usd_per_hour", "US dollars an hour"),
    ("_usd", "US dollars"),
    ("_per_1000_days", "per 1,000 days of stay"),
    ("_per_day", "a day"),
    ("_days", "days"),
    ("_years", "years"),
    ("_hours", "hours"),
    ("_date", "date"),
)


def unit_of(name: str, kind: str) -> str:
    for suffix, unit in UNITS:
        if name.endswith(suffix):
            return unit
    return "share or chance (0-1)" if kind == "probability" else ""


def _constraints(annotation: Any) -> tuple[Any, list]:
    """(base type, the annotated-types constraints) of an annotation."""
    found: list = []
    while True:
        if get_origin(annotation) is Annotated:
            base, *meta = get_args(annotation)
            for m in meta:
                found.extend(getattr(m, "metadata", [m]))
            annotation = base
        elif get_origin(annotation) in (Union, UnionType):
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        else:
            return annotation, found


def allowed_of(annotation: Any) -> tuple[str, str]:
    """(type name, the values validation allows) of a field."""
    base, found = _constraints(annotation)
    if get_origin(base) is list:
        item, item_found = _constraints(get_args(base)[0])
        sizes = [c for c in found if isinstance(c, (annotated_types.MinLen, annotated_types.MaxLen))]
        length = f"{sizes[0].min_length} values, " if len(sizes) == 2 and sizes[0].min_length == sizes[1].max_length else ""
        if get_origin(item) is Literal:
            return "list of text", "any of " + ", ".join(map(str, get_args(item)))
        name = {float: "number", int: "whole number"}.get(item, getattr(item, "__name__", str(item)))
        return f"list of {name}", length + (_bounds(item_found) or "any")
    if get_origin(base) is Literal:
        return "text", " or ".join(map(str, get_args(base)))
    name = {int: "int", float: "float", bool: "bool", str: "text", dt.date: "date"}.get(
        base, getattr(base, "__name__", str(base))
    )
    return name, _bounds(found)


def _bounds(found: list) -> str:
    low = high = None
    low_open = high_open = False
    for c in found:
        if isinstance(c, annotated_types.Ge):
            low = c.ge
        elif isinstance(c, annotated_types.Gt):
            low, low_open = c.gt, True
        elif isinstance(c, annotated_types.Le):
            high = c.le
        elif isinstance(c, annotated_types.Lt):
            high, high_open = c.lt, True
    if low is None and high is None:
        return ""
    if high is None:
        return f"> {_num(low)}" if low_open else f">= {_num(low)}"
    if low is None:
        return f"< {_num(high)}" if high_open else f"<= {_num(high)}"
    return f"{'(' if low_open else '['}{_num(low)}, {_num(high)}{')' if high_open else ']'}"


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def fields(model: type[BaseModel], prefix: str = "") -> dict[str, Any]:
    """Flat name -> annotation of every parameter of a validation model (a dict of
    sections, such as ``sectors``, is expanded with the keys ``value`` holds)."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out.update(fields(annotation, f"{prefix}{name}_"))
        else:
            out[f"{prefix}{name}"] = _annotation(info)
    return out


def _annotation(info) -> Any:
    """A field's annotation with its constraints (pydantic keeps them apart)."""
    return info.annotation if not info.metadata else Annotated[(info.annotation, *info.metadata)]


def comments(path: Path) -> dict[str, str]:
    """Flat name -> the comment beside a key in a scenario file (or, failing
    that, the comment lines just above it), then in the files it extends."""
    found: dict[str, str] = {}
    section, above, last, above_open = "", [], None, False  # last: the key whose inline comment may go on below
    notes: dict[str, str] = {}  # table -> the comment block above it
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if text.startswith("[") and not text.startswith("[["):
            section = text.strip("[]").strip().replace(".", "_").replace('"', "")
            notes[section] = " ".join(above) if above_open else ""  # the block just above a table speaks for it
            above, last, above_open = [], None, False
        elif text.startswith("[["):
            section, above, last = "events", [], None
        elif text.startswith("#") and last and line[:1].isspace():  # an indented comment goes on the line above's
            found[last] += " " + text.lstrip("#").strip()
        elif text.startswith("#"):
            if not above_open:  # a new block
                above = []
            above.append(text.lstrip("#").strip())
            above_open, last = True, None
        elif "=" in text and section != "events":
            # a comment block above a run of keys speaks for each key of the run
            # that has no comment of its own (until a blank line)
            key = text.split("=", 1)[0].strip().strip('"')
            inline = line.split("#", 1)[1].strip() if "#" in _outside_strings(line) else ""
            name = f"{section}_{key}" if section else key
            if name not in found:
                found[name] = inline or " ".join(above) or notes.get(section, "")
                last = name if inline else None
            above_open = False
        else:
            above, last, above_open = [], None, False
    extends = tomllib.loads(path.read_text(encoding="utf-8")).get("extends")
    if extends:
        parent = path.parent / extends
        parent = parent if parent.is_file() else BASELINE.parent / extends
        if parent.is_file():
            for name, text in comments(parent).items():
                found.setdefault(name, text)
    return found


def _outside_strings(line: str) -> str:
    return re.sub(r'"[^"]*"', '""', line)


def catalogue(path: Path | None = None) -> pd.DataFrame:
    """The catalogue of a scenario file (default the baseline), one row a parameter
    and one a policy event's lever with a stated range."""
    path = Path(path or BASELINE)
    read_toml(path, "scenario")  # the file's own checks (a regular file, bounded size)
    scenario = load(path)
    said = comments(path)
    posterior = scenario.posterior_draws()
    calibrated = set() if posterior is None else set(posterior.columns)
    ranges = scenario.uncertain()
    annotations = fields(Scenario)
    rows = []
    for name, value in scenario.flat().items():
        if not said.get(name) and name.startswith("sectors_"):  # said once, for the first sector
            field = next(name[len(f"sectors_{s}_") :] for s in scenario.sectors if name.startswith(f"sectors_{s}_"))
            said[name] = next((said[f"sectors_{s}_{field}"] for s in scenario.sectors if said.get(f"sectors_{s}_{field}")), "")
        annotation = annotations.get(name) or _sector_annotation(name, scenario)
        kind_name, allowed = allowed_of(annotation)
        low, high = ranges.get(name, (None, None))
        if name in calibrated:
            kind, low, high = "calibrated", float(posterior[name].min()), float(posterior[name].max())
        else:
            kind = "assumption" if name in ranges else "fixed"
        probability = allowed == "[0, 1]"
        rows.append(
            {
                "parameter": name,
                "type": kind_name,
                "value": value,
                "allowed": allowed,
                "unit": unit_of(name, "probability" if probability else kind_name),
                "kind": kind,
                "low": low,
                "high": high,
                "meaning_and_source": said.get(name, ""),
            }
        )
    for index, event in enumerate(scenario.events):
        for lever in event.levers():
            low, high = event.ranges.get(lever, (None, None))
            kind_name, allowed = allowed_of(_annotation(type(event).model_fields[lever]))
            rows.append(
                {
                    "parameter": scenario.lever_name(index, lever),
                    "type": kind_name,
                    "value": getattr(event, lever),
                    "allowed": allowed,
                    "unit": unit_of(lever, "probability" if allowed == "[0, 1]" else kind_name),
                    "kind": f"policy lever ({event.kind})" + ("" if lever in event.ranges else ", fixed"),
                    "low": low,
                    "high": high,
                    "meaning_and_source": event.note,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def _sector_annotation(name: str, scenario: Scenario) -> Any:
    """A sector's field: ``sectors_<sector>_<field>`` (sector names contain '_')."""
    for sector in scenario.sectors:
        start = f"sectors_{sector}_"
        if name.startswith(start):
            return fields(type(scenario.sectors[sector]))[name[len(start) :]]
    raise KeyError(name)


def markdown(table: pd.DataFrame) -> str:
    """The catalogue as a markdown table."""
    shown = table.assign(
        value=[_plain(v) for v in table["value"]],
        plausible=[
            f"[{lo:g}, {hi:g}]" if lo is not None and pd.notna(lo) else ""
            for lo, hi in zip(table["low"], table["high"], strict=True)
        ],
    )
    columns = ["parameter", "type", "value", "allowed", "unit", "kind", "plausible", "meaning_and_source"]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for _, row in shown[columns].iterrows():
        lines.append("| " + " | ".join(str(row[c]).replace("|", "/") for c in columns) + " |")
    return "\n".join(lines) + "\n"


def _plain(value: Any) -> str:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "; ".join(", ".join(f"{k} {v}" for k, v in item.items()) for item in value)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)
