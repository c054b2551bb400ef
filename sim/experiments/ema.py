"""EMA Workbench (the optional extra ``migsim[ema]``; docs/ema_workbench.md).

EMA Workbench's Mesa pattern is a function of flat keyword arguments that returns
the outcomes. ``run`` is that function; ``ema_model`` builds the EMA ``Model``
around it from what a scenario file says is uncertain and what its policies can
change, so a study need not list the parameters by hand:

- **uncertainties**: the calibrated parameters, together, as one
  ``posterior_row`` (a row of the calibration's accepted draws: independent
  ranges would break the correlations the calibration found), and every
  assumption with its plausible range from ``[ranges]``;
- **levers**: every lever of the scenario's policy events with a stated range
  (``crackdown.inspections_factor``; EMA names it ``crackdown_inspections_factor``,
  as its names must be identifiers);
- **outcomes**: any of ``MigrationModel.outcomes()``, by default the key outcomes
  analysts compare.

These are the same draws ``migsim compare --draws`` makes, so an EMA study and a
comparison vary the same things over the same ranges.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migsim.experiments.jobs import outcome_names
from migsim.experiments.uncertainty import POSTERIOR_ROW, plan_draws
from migsim.metrics import KEY_OUTCOMES
from migsim.scenario import ScenarioError, find, load

if TYPE_CHECKING:
    from ema_workbench import Model, ReplicatorModel

DEFAULT_SCALE = 20  # one agent = 20 people: a year in about a second, counts still in people


def run(
    scenario: str | Path = "baseline",
    scale: int = DEFAULT_SCALE,
    seed: int = 1,
    posterior_row: int | None = None,
    reference: str | Path | None = "baseline",
    **parameters,
) -> dict[str, float]:
    """One run as EMA Workbench calls a model: flat keyword arguments in, every
    outcome out. ``posterior_row`` sets the calibrated parameters from that row of
    the calibration's accepted draws, except those the scenario sets to another
    value than the ``reference`` (the policy's own); ``parameters`` are flat
    parameter names and event levers (``crackdown.inspections_factor``) and win
    over the row."""
    from migsim.model import MigrationModel

    chosen = load(scenario)
    overrides: dict[str, Any] = {}
    if posterior_row is not None:
        posterior = chosen.posterior_draws()
        if posterior is None:
            raise ScenarioError(f"{scenario}: posterior_row: the scenario names no calibration draws (posterior)")
        if not 0 <= int(posterior_row) < len(posterior):
            raise ScenarioError(f"posterior_row: expected 0 to {len(posterior) - 1}, got {posterior_row}")
        own, base = chosen.flat(), (chosen if reference is None else load(reference)).flat()
        row = posterior.iloc[int(posterior_row)].to_dict()
        overrides.update({name: value for name, value in row.items() if own.get(name) == base.get(name)})
    overrides.update(parameters)
    model = MigrationModel(chosen, scale=scale, rng=seed, **overrides)
    model.run()
    return model.outcomes()


def ema_name(flat_name: str) -> str:
    """EMA's name for a parameter (an identifier): crackdown.inspections_factor -> crackdown_inspections_factor."""
    return re.sub(r"\W+", "_", flat_name).strip("_")


def ema_model(
    scenario: str | Path = "baseline",
    scale: int = DEFAULT_SCALE,
    seeds: Sequence[int] = (1,),
    outcomes: Iterable[str] = KEY_OUTCOMES,
    reference: str | Path | None = "baseline",
    name: str | None = None,
) -> Model | ReplicatorModel:
    """An EMA Workbench model of a scenario (module docstring). With one seed it is
    an EMA ``Model`` run once per experiment; with several, a ``ReplicatorModel``
    whose outcomes come back per seed (``ema_workbench.process_replications``
    averages them). A parameter the scenario sets to another value than the
    ``reference`` scenario is the policy's, and is not drawn (None: draw every
    stated range)."""
    from ema_workbench import Constant, IntegerParameter, Model, RealParameter, ReplicatorModel, ScalarOutcome

    path = find(scenario)
    chosen = load(path)
    outcomes = list(outcomes)
    unknown = sorted(set(outcomes) - set(outcome_names()))
    if unknown:
        raise ScenarioError(f"outcomes: {unknown[0]!r} is not an outcome of a run; MigrationModel.outcomes() names them")
    if not seeds:
        raise ScenarioError("seeds: expected at least one seed")
    plan = plan_draws({chosen.name: chosen}, chosen.name)
    own, base = chosen.flat(), (chosen if reference is None else load(reference)).flat()
    uncertainties, levers = [], []
    posterior = chosen.posterior_draws()
    if posterior is not None:
        uncertainties.append(IntegerParameter(POSTERIOR_ROW, 0, len(posterior) - 1))
    for drawn in plan:
        if drawn.kind == "calibrated":
            continue  # drawn together, as the posterior row
        kind, bounds = (
            (IntegerParameter, (int(drawn.low), int(drawn.high))) if drawn.whole else (RealParameter, (drawn.low, drawn.high))
        )
        if drawn.kind == "assumption":
            if own.get(drawn.column) != base.get(drawn.column):
                continue  # the policy's own value
            uncertainties.append(kind(ema_name(drawn.column), *bounds, variable_name=drawn.column))
        else:  # a policy lever: its flat name in this scenario
            (_, flat), *_ = drawn.levers
            levers.append(kind(ema_name(flat), *bounds, variable_name=flat))
    label = name or ema_name(f"migsim_{chosen.name}")
    if len(seeds) == 1:
        model = Model(label, function=run)
        constants = [Constant("seed", int(seeds[0]))]
    else:
        model = ReplicatorModel(label, function=run)
        model.replications = [{"seed": int(seed)} for seed in seeds]
        constants = []
    model.uncertainties = uncertainties
    model.levers = levers
    # absolute paths: an evaluator may run the model in another folder (or on another host with the same files)
    where = None if reference is None else str(find(reference).resolve())
    model.constants = [
        Constant("scenario", str(path.resolve())),
        Constant("reference", where),
        Constant("scale", int(scale)),
        *constants,
    ]
    model.outcomes = [ScalarOutcome(outcome) for outcome in outcomes]
    return model
