"""``migsim params``: the parameter catalogue."""

from __future__ import annotations

import argparse
import json
import sys

from migsim.scenario import find


def add_to(sub) -> None:
    params = sub.add_parser(
        "params",
        help="the parameter catalogue: every parameter with its type, value, allowed values, unit, kind, "
        "plausible range, meaning and source",
        description="Print every parameter of a scenario by its flat name (the name --draws, sweeps, experiment files "
        "and Python keywords use) with its type, its value, the values a scenario file may set (read from the "
        "validation models), its unit, its kind: calibrated (drawn from the calibration's accepted draws), "
        "assumption (drawn from its stated plausible range) or fixed (a figure from docs/sources.md, a setting, or "
        "a steady state: not drawn), its plausible range, and its meaning and source (the comment beside it in the "
        "scenario file); then every lever of its policy events (id.lever, or events[i].lever for an event without "
        "an id), with its range when one is stated. --csv or --markdown writes "
        "the whole catalogue to standard output (migsim params --markdown > params.md).",
    )
    params.add_argument(
        "scenario",
        nargs="?",
        default=None,
        metavar="SCENARIO",
        help="scenario file, or a shipped scenario's name (default: baseline)",
    )
    shape = params.add_mutually_exclusive_group()
    shape.add_argument("--csv", action="store_true", help="CSV instead of an aligned table")
    shape.add_argument("--markdown", action="store_true", help="a markdown table instead of an aligned table")
    params.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    import pandas as pd

    from migsim.catalogue import catalogue, markdown

    table = catalogue(None if args.scenario is None else find(args.scenario))
    if args.csv:
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
        return 0
    if args.markdown:
        sys.stdout.write(markdown(table))
        return 0
    shown = table.assign(
        value=table["value"].map(lambda v: json.dumps(v) if isinstance(v, (list, dict)) else str(v)),
        plausible=[
            f"[{lo:g}, {hi:g}]" if lo is not None and pd.notna(lo) else ""
            for lo, hi in zip(table["low"], table["high"], strict=True)
        ],
        meaning=table["meaning_and_source"].str.slice(0, 50),
    )
    columns = ["parameter", "value", "allowed", "unit", "kind", "plausible", "meaning"]
    print(shown[columns].to_string(index=False, max_colwidth=40))
    counts = table["kind"].value_counts()
    print(
        f"\n{len(table)} parameters: "
        + ", ".join(f"{n} {k}" for k, n in counts.items())
        + ". allowed: what a scenario file may set; plausible: the calibration's accepted draws (calibrated) or the "
        "range stated in [ranges] (assumption). --csv or --markdown gives every column in full, with each "
        "parameter's meaning and source."
    )
    return 0
