"""The tables of docs/scenario_results.md, from the folders `migsim compare` wrote.

    .venv/bin/python experiments/scenario_tables.py RESULTS_DIR [RESULTS_DIR ...]

Prints, in markdown: each policy's effect on the irregular stock against its
reference (seed-only interval and, for comparisons over parameter draws, the
interval over parameters and seeds with the sign agreement), the means of the
other key outcomes, and the assumption that matters most for each effect.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from migsim.experiments.compare import fmt
from migsim.metrics import KEY_OUTCOMES

EFFECTS = ("peak_irregular", "season_mean_irregular", "season_irregular_share")
OTHERS = (
    "total_bribes",
    "total_fines",
    "total_deportations",
    "total_released",
    "total_employer_fines",
    "total_registrations",
    "total_appeals",
    "total_tax_usd",
    "total_bribe_usd",
    "total_wages_withheld_usd",
)


def effects(folders: list[Path]) -> str:
    drawn = any("diff_lo95_param" in pd.read_csv(f / "comparison.csv") for f in folders)
    head = (
        "| scenario | reference | "
        + " | ".join(
            f"{KEY_OUTCOMES[o][0]}: difference [seed-only 95%]" + (" [parameters 95%] sign agreement" if drawn else "")
            for o in EFFECTS
        )
        + " |"
    )
    lines = [head, "|---|---|" + "---:|" * len(EFFECTS)]
    for folder in folders:
        table = pd.read_csv(folder / "comparison.csv")
        reference = json.loads((folder / "manifest.json").read_text()).get("reference", table["scenario"].iloc[0])
        for name in dict.fromkeys(table["scenario"]):
            if name == reference:
                continue
            rows = table[table["scenario"] == name].set_index("outcome")
            cells = []
            for o in EFFECTS:
                r = rows.loc[o]
                cell = f"{fmt(r['diff'], o, True)} [{fmt(r['diff_lo95'], o, True)}, {fmt(r['diff_hi95'], o, True)}]"
                if drawn and "diff_lo95_param" in r:
                    cell += (
                        f" [{fmt(r['diff_lo95_param'], o, True)}, {fmt(r['diff_hi95_param'], o, True)}] {r['sign_agreement']:.2f}"
                    )
                cells.append(cell)
            lines.append(f"| {name} | {reference} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def others(folders: list[Path]) -> str:
    lines = ["| scenario | " + " | ".join(KEY_OUTCOMES[o][0] for o in OTHERS) + " |", "|---|" + "---:|" * len(OTHERS)]
    for folder in folders:
        table = pd.read_csv(folder / "comparison.csv")
        for name in dict.fromkeys(table["scenario"]):
            rows = table[table["scenario"] == name].set_index("outcome")
            lines.append(
                f"| {name} | " + " | ".join(fmt(rows.loc[o, "mean"], o) if o in rows.index else "n/a" for o in OTHERS) + " |"
            )
    return "\n".join(lines)


def matters(folders: list[Path]) -> str:
    lines = ["| scenario | outcome | drawn values that matter most (share of what a regression tree explains) |", "|---|---|---|"]
    for folder in folders:
        path = folder / "what_matters.csv"
        if not path.exists():
            continue
        frame = pd.read_csv(path)
        for (name, outcome), group in frame.groupby(["scenario", "outcome"], sort=False):
            ranked = group[group["importance"].notna()].head(3)
            text = ", ".join(f"{p} ({v:.0%})" for p, v in zip(ranked["parameter"], ranked["importance"]))
            reversals = group[group["importance"].isna()]["parameter"].tolist()
            lines.append(
                f"| {name} | {KEY_OUTCOMES[outcome][0]} | {text or 'none (seed noise)'}{'; ' + '; '.join(reversals) if reversals else ''} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", type=Path, nargs="+")
    folders = parser.parse_args().folders
    print(effects(folders), "", others(folders), "", matters(folders), sep="\n")


if __name__ == "__main__":
    main()
