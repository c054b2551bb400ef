"""Parameter draws for comparisons under uncertainty, and what the draws show.

Every scenario of a comparison runs on the same D parameter sets (common
parameters) with the same seeds (common random numbers), so that a difference
between scenarios is the policy's, not a different guess of a parameter. A draw
sets:

- **calibrated parameters** jointly, from a row of the calibration's accepted
  draws (the reference scenario's ``posterior`` file): the rows are picked by one
  Latin-hypercube column, so D draws spread over the accepted rows;
- **assumptions**, each from its stated plausible range (the reference scenario's
  ``[ranges]``) by Latin hypercube (scipy.stats.qmc); whole-number parameters are
  rounded;
- **a policy's levers** (the ``ranges`` of a scenario's events), once for every
  scenario that holds the same event (a package extending a crackdown shares the
  crackdown's draw).

A parameter a policy scenario sets to a value of its own (a quota cut, a cheaper
registration) keeps that value in every draw of that scenario: the draw varies
what is uncertain, not the policy. Draw 0 is every scenario's own values.

Which assumptions matter for an effect: a regression tree (scikit-learn, as EMA
Workbench's scenario discovery uses trees and PRIM) of each draw's effect on the
drawn values; its importances rank the parameters, and its leaves whose effect has
the other sign give the ranges under which the effect reverses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc

from migsim.scenario import Scenario

POSTERIOR_ROW = "posterior_row"  # the draw's row of the accepted calibration draws
FEW_DRAWS_PER_VALUE = 5  # below this many draws per drawn value, the tree's ranking is a hint only


@dataclass(frozen=True)
class Drawn:
    """What a drawn column is and where its values came from."""

    column: str
    kind: str  # "calibrated", "assumption" or "policy lever"
    low: float
    high: float
    whole: bool = False  # a whole-number parameter: drawn values are rounded
    # a policy lever: (scenario, its name for the lever: "id.lever" or "events[i].lever")
    # for every scenario holding the
    # same event (one extending another shares its parent's event, and its draw)
    levers: tuple[tuple[str, str], ...] = ()

    @property
    def scenarios(self) -> set[str]:
        return {name for name, _ in self.levers}


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def plan_draws(scenarios: dict[str, Scenario], reference: str) -> list[Drawn]:
    """The columns a draw sets (module docstring), in a fixed order. A policy
    lever is one column for each distinct event (the same event in several
    scenarios, as when one extends another, is drawn once for all of them); it is
    named after the first scenario that holds the event."""
    ref = scenarios[reference]
    posterior = ref.posterior_draws()
    calibrated = [] if posterior is None else list(posterior.columns)
    flat = ref.flat()
    plan = [
        Drawn(c, "calibrated", float(posterior[c].min()), float(posterior[c].max()), _is_whole(flat.get(c))) for c in calibrated
    ]
    for name, (low, high) in sorted(ref.uncertain().items()):
        if not name.startswith("events[") and name not in calibrated:
            plan.append(Drawn(name, "assumption", float(low), float(high), _is_whole(flat.get(name))))
    levers: dict[tuple[str, str], dict] = {}  # (event identity, lever) -> column facts
    for scenario_name, scenario in scenarios.items():
        for i, event in enumerate(scenario.events):
            identity = event.model_dump_json()
            for lever, (low, high) in sorted(event.ranges.items()):
                entry = levers.setdefault(
                    (identity, lever),
                    {
                        "column": f"{scenario_name}/{scenario.lever_name(i, lever)}",
                        "low": float(low),
                        "high": float(high),
                        "whole": _is_whole(getattr(event, lever)),
                        "levers": [],
                    },
                )
                entry["levers"].append((scenario_name, scenario.lever_name(i, lever)))
    for entry in levers.values():
        plan.append(Drawn(entry["column"], "policy lever", entry["low"], entry["high"], entry["whole"], tuple(entry["levers"])))
    return plan


def draw_parameters(scenarios: dict[str, Scenario], reference: str, count: int, seed: int) -> tuple[pd.DataFrame, list[Drawn]]:
    """``count`` parameter draws (rows 1..count), one column per drawn value (and the
    posterior row used); the same ``seed`` gives the same draws."""
    plan = plan_draws(scenarios, reference)
    posterior = scenarios[reference].posterior_draws()
    uniform_columns = [d for d in plan if d.kind != "calibrated"]
    dims = len(uniform_columns) + (1 if posterior is not None else 0)
    if count < 1 or dims == 0:
        return pd.DataFrame(index=pd.RangeIndex(1, count + 1, name="draw")), plan
    u = qmc.LatinHypercube(d=dims, seed=np.random.default_rng(seed)).random(count)
    table: dict[str, np.ndarray] = {}
    if posterior is not None:
        rows = np.minimum((u[:, -1] * len(posterior)).astype(int), len(posterior) - 1)
        table[POSTERIOR_ROW] = rows
        for d in plan:
            if d.kind == "calibrated":
                values = posterior[d.column].to_numpy()[rows]
                table[d.column] = np.round(values).astype(int) if d.whole else values
    for j, d in enumerate(uniform_columns):
        values = d.low + u[:, j] * (d.high - d.low)
        table[d.column] = np.round(values).astype(int) if d.whole else values
    frame = pd.DataFrame(table, index=pd.RangeIndex(1, count + 1, name="draw"))
    return frame, plan


def overrides_for(name: str, scenarios: dict[str, Scenario], reference: str, draw: pd.Series | None, plan: list[Drawn]) -> dict:
    """The keyword overrides of one scenario in one draw (None: its own values)."""
    if draw is None:
        return {}
    scenario, ref = scenarios[name], scenarios[reference]
    own, base = scenario.flat(), ref.flat()
    out = {}
    for d in plan:
        if not d.levers and own.get(d.column) == base.get(d.column):  # not a value this scenario sets itself
            out[d.column] = _plain(draw[d.column])
        for holder, key in d.levers:
            if holder == name:
                out[key] = _plain(draw[d.column])
    return out


def acts_on(d: Drawn, name: str, scenarios: dict[str, Scenario], reference: str) -> bool:
    """Whether drawn column ``d`` can change the comparison of ``name`` with the reference."""
    if d.levers:
        return bool(d.scenarios & {name, reference})
    return scenarios[name].flat().get(d.column) == scenarios[reference].flat().get(d.column)


def _plain(value):
    """A number JSON and pydantic take as they are (no numpy types)."""
    return int(value) if isinstance(value, (np.integer, int)) else float(value)


def what_matters(effects: pd.Series, draws: pd.DataFrame, columns: list[str], depth: int = 2) -> dict:
    """Which drawn values change an effect most, and where it reverses.

    ``effects``: each draw's mean paired difference (index: draw); ``columns``:
    the drawn values that can act on this comparison. Fits a regression tree of
    the effect on them; returns the importances (share of the variance the tree
    explains by each parameter, largest first) and, for each leaf whose mean
    effect has the opposite sign to the mean over draws, the ranges of the
    parameters on its path."""
    from sklearn.tree import DecisionTreeRegressor

    x = draws.loc[effects.index, columns]
    x = x.loc[:, x.nunique() > 1]
    if len(effects) < 6 or x.shape[1] == 0 or np.allclose(effects, effects.iloc[0]):
        return {"importance": pd.Series(dtype=float), "reversals": [], "explained": 0.0}
    # leaves of at least a quarter of the draws: a few outlying draws should not make a rule of their own
    tree = DecisionTreeRegressor(max_depth=depth, min_samples_leaf=max(3, len(effects) // 4), random_state=0)
    tree.fit(x.to_numpy(dtype=float), effects.to_numpy())
    importance = pd.Series(tree.feature_importances_, index=x.columns).sort_values(ascending=False)
    explained = float(tree.score(x.to_numpy(dtype=float), effects.to_numpy()))
    sign = np.sign(effects.mean())
    reversals = []
    t = tree.tree_
    bounds = {c: (float(draws[c].min()), float(draws[c].max())) for c in x.columns}

    def walk(node: int, box: dict[str, tuple[float, float]]) -> None:
        if t.children_left[node] == -1:
            value = float(t.value[node][0][0])
            if sign != 0 and np.sign(value) == -sign:
                reversals.append({"ranges": dict(box), "effect": value, "draws": int(t.n_node_samples[node])})
            return
        name, cut = x.columns[t.feature[node]], float(t.threshold[node])
        low, high = box.get(name, bounds[name])
        walk(t.children_left[node], {**box, name: (low, min(high, cut))})
        walk(t.children_right[node], {**box, name: (max(low, cut), high)})

    walk(0, {})
    return {
        "importance": importance[importance > 0],
        "reversals": reversals,
        "explained": explained,
        "draws": len(effects),
        "candidates": x.shape[1],
    }


def describe_what_matters(result: dict, label: str, number=lambda v: f"{v:+,.0f}") -> str:
    """One or two sentences for the report (``number`` formats an effect)."""
    importance = result["importance"]
    if importance.empty:
        return f"No drawn parameter explains the spread of the effect on {label} (the spread is seed noise)."
    top = ", ".join(f"{name} ({share:.0%})" for name, share in importance.head(3).items())
    text = (
        f"The drawn values that most change the effect on {label}: {top} of what a regression tree explains "
        f"({result['explained']:.0%} of the spread over draws)."
    )
    for rev in result["reversals"]:
        where = " and ".join(f"{k} in [{lo:.4g}, {hi:.4g}]" for k, (lo, hi) in rev["ranges"].items())
        text += f" It reverses (mean {number(rev['effect'])} over {rev['draws']} draws) where {where}."
    if result["draws"] < FEW_DRAWS_PER_VALUE * result["candidates"]:
        text += (
            f" With {result['draws']} draws over {result['candidates']} drawn values these are candidates, not findings: "
            "confirm with more draws (--draws) or a sensitivity analysis of the named values."
        )
    return text


def explain_effects(
    outcomes: pd.DataFrame, draws: pd.DataFrame, plan: list[Drawn], scenarios: dict[str, Scenario], reference: str
) -> tuple[dict[str, str], pd.DataFrame]:
    """For each scenario against the reference: the report's sentences on which
    drawn values change its effect on the peak and the season's mean irregular,
    and the table behind them (importance per parameter; the ranges where the
    effect reverses). ``outcomes``: one row per scenario, draw (0: own values) and seed."""
    from migsim.experiments.compare import KEY_OUTCOMES, fmt

    explained: dict[str, str] = {}
    rows = []
    for name in scenarios:
        if name == reference:
            continue
        columns = [d.column for d in plan if acts_on(d, name, scenarios, reference)]
        sentences = []
        for outcome in ("peak_irregular", "season_mean_irregular"):
            drawn = outcomes[outcomes["draw"] > 0].set_index(["draw", "seed"])
            effect = drawn[drawn["scenario"] == name][outcome] - drawn[drawn["scenario"] == reference][outcome]
            result = what_matters(effect.groupby(level="draw").mean(), draws, columns)
            label = KEY_OUTCOMES[outcome][0]
            sentences.append(describe_what_matters(result, label, lambda v, o=outcome: fmt(v, o, signed=True)))
            for parameter, share in result["importance"].items():
                rows.append({"scenario": name, "outcome": outcome, "parameter": parameter, "importance": round(share, 4)})
            for rev in result["reversals"]:
                where = " and ".join(f"{k} in [{lo:.4g}, {hi:.4g}]" for k, (lo, hi) in rev["ranges"].items())
                rows.append({"scenario": name, "outcome": outcome, "parameter": f"reverses where: {where}", "importance": None})
        explained[name] = " ".join(sentences)
    return explained, pd.DataFrame(rows, columns=["scenario", "outcome", "parameter", "importance"])
