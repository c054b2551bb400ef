"""``migsim scenarios``: the shipped scenarios and experiments, and a copy of one to edit."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from migsim.shipped import copy_out, listing, locate


def add_to(sub) -> None:
    scenarios = sub.add_parser(
        "scenarios",
        help="list the scenarios and experiments that come with migsim; copy one out to edit",
        description="List the shipped scenarios and experiment files by name, with what each extends or runs and "
        "what it is. Every command takes these names (migsim run crackdown_2009, migsim sweep "
        "sweep_enforcement_quota), as does Python (MigrationModel('crackdown_2009')). "
        "'migsim scenarios copy NAME DIR' copies one into DIR to edit; the copy still finds the shipped "
        "scenario it extends, unless a file of that name is next to it.",
    )
    scenarios.add_argument("--csv", action="store_true", help="CSV (kind, name, command, based_on, description, file)")
    actions = scenarios.add_subparsers(
        title="actions", metavar="ACTION", dest="action", help="copy NAME DIR; without an action, the list"
    )
    copy = actions.add_parser(
        "copy",
        help="copy a shipped scenario or experiment into a folder, to edit",
        description="Copy the shipped scenario or experiment NAME into DIR (made if missing) as NAME.toml.",
    )
    copy.add_argument("name", metavar="NAME", help="a shipped scenario's or experiment's name, e.g. crackdown_2009")
    copy.add_argument("folder", type=Path, metavar="DIR", help="the folder to copy it into")
    copy.add_argument("--force", action="store_true", help="replace DIR/NAME.toml if it exists")
    scenarios.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    if args.action == "copy":
        target = copy_out(args.name, args.folder, replace=args.force)
        print(f"wrote {target}; edit it, then: migsim {locate(args.name).command} {target}")
        return 0
    import pandas as pd

    table = pd.DataFrame(
        [
            {
                "kind": f.kind,
                "name": f.name,
                "command": f"migsim {f.command} {f.name}",
                "based_on": f.based_on,
                "description": f.description,
                "file": str(f.path),
            }
            for f in listing()
        ]
    )
    if args.csv:
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
        return 0
    for kind, title, based_on in (("scenario", "Scenarios", "extends"), ("experiment", "Experiments", "scenario")):
        part = table[table["kind"] == kind]
        print(f"{title}:")
        width = part["command"].str.len().max()
        for _, row in part.iterrows():
            base = f" [{based_on} {row['based_on']}]" if row["based_on"] else ""
            print(f"  {row['command']:<{width}}  {row['description']}{base}")
        print()
    print("migsim scenarios copy NAME DIR copies one into DIR to edit.")
    return 0
