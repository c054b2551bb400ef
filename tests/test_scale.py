"""Counts agree across agent scales (issue 8, part 8): capacities are in people
and fractions of agents are rounded stochastically, so every summary outcome of
the baseline at scale 10 and 20 agrees with the full-scale run.

"Agree" is judged per outcome against the noise between seeds: the difference of
the means must lie within three standard errors, plus 3% of the full-scale value
for what whole agents cannot resolve (one agent is 10 or 20 people). A rare event
counted in agents of k people has a standard error of at least sqrt(k x count /
seeds) even when the few seeds happen to agree (all zero, say); that floor is
used for the coarse run's error of totals of events."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "experiments"))
from scale_check import run_all

from migsim.scenario import BASELINE

SEEDS = 4
DISCRETENESS = 0.03
# What remains at scale 20 is inside this margin but shows with eight seeds:
# completed stays about 2% shorter and arrivals about 3% more than at full scale
# (jobs and seekers come in lumps of 20 people; docs/ODD.md, 2.6).


@pytest.fixture(scope="module")
def runs():
    frame = run_all(str(BASELINE), [1, 10, 20], SEEDS)
    full = frame[frame["scale"] == 1]
    assert full["arrivals"].mean() > 50_000 and full["appeals"].mean() > 1000  # not a comparison of zeros
    return frame


def disagreements(frame, pairs):
    full = frame[frame["scale"] == 1]
    problems = []
    for name, scale in pairs:
        coarse = frame[frame["scale"] == scale]
        a, b = coarse[name].astype(float), full[name].astype(float)
        is_count = not name.startswith(("mean_", "peak_", "share_"))  # a total of events, not a stock or a share
        counted_in_agents = scale * abs(b.mean()) / len(a) if is_count else 0.0
        se = np.sqrt(max(a.var(ddof=1) / len(a), counted_in_agents) + b.var(ddof=1) / len(b))
        if abs(a.mean() - b.mean()) > 3 * se + DISCRETENESS * abs(b.mean()):
            problems.append(f"{name} at scale {scale}: {a.mean():,.1f} against {b.mean():,.1f} (se {se:,.1f})")
    return problems


def test_every_summary_outcome_agrees_at_scales_1_10_and_20(runs):
    pairs = [(name, scale) for scale in (10, 20) for name in runs.columns.drop("scale")]
    assert len(pairs) > 60
    problems = disagreements(runs, pairs)
    assert not problems, "\n".join(problems)
