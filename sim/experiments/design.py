"""Experiment files: the base scenario, the parameters that vary (values, or a
range), the design, replications and outcomes; and the jobs they make. The shipped
ones are in ``definitions/`` and are found by name (``migsim sweep
sweep_enforcement_quota``); ``migsim scenarios copy NAME DIR`` gives a copy to edit.

    name = "sweep_enforcement_quota"
    scenario = "baseline"                     # a file next to this one, or a shipped scenario by name
    scale = 10                                # agent scale of every run
    replications = 3                          # seeds per design point (the same seeds at every point)
    seed = 1                                  # first seed
    outcomes = ["peak_irregular", "season_mean_irregular"]
    [design]
    kind = "factorial"                        # factorial | lhs | morris | sobol
    samples = 16                              # lhs points; morris trajectories; sobol base sample
    [[parameters]]
    name = "police_workplace_inspections_per_day"
    values = [1.0, 2.0, 4.0]                  # factorial: the levels
    # low = 0.5  high = 8.0                   # lhs, morris, sobol: the range
"""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, ValidationError, field_validator, model_validator

from migsim.experiments.jobs import ExperimentJob, outcome_names
from migsim.scenario import SHIPPED, ScenarioError, _describe, find, load, read_toml, shipped, unknown_parameter
from migsim.schema import NAME, Strict

DEFINITIONS = SHIPPED["experiment"]  # the shipped experiment files, in definitions/ here


class Parameter(Strict):
    name: str
    values: list[float] | None = None
    low: float | None = None
    high: float | None = None
    integer: bool = False  # round sampled values (counts such as quota_permits)

    @model_validator(mode="after")
    def _range(self):
        if self.values is None and (self.low is None or self.high is None):
            raise ValueError(f"{self.name}: give values = [...] or low and high")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"{self.name}: low ({self.low}) must be below high ({self.high})")
        return self

    def bounds(self) -> tuple[float, float]:
        if self.low is not None and self.high is not None:
            return self.low, self.high
        return min(self.values), max(self.values)


class Design(Strict):
    kind: Literal["factorial", "lhs", "morris", "sobol"]
    samples: Annotated[int, Field(ge=1, le=100_000)] = 10  # more is days of computing: a typo
    levels: Annotated[int, Field(ge=2, le=100)] = 4  # morris grid levels


class Calibration(Strict):
    """Rejection ABC: the design's points (kind = "lhs") are the prior draws."""

    targets: Annotated[list[str], Field(min_length=1)]  # names in sim/data/calibration_targets.csv
    accept: Annotated[float, Field(gt=0, le=1)]  # share of draws kept

    @model_validator(mode="after")
    def _known(self):
        from migsim.experiments.calibrate import observed_targets

        known = list(observed_targets())
        for i, name in enumerate(self.targets):
            if name not in known:
                raise ValueError(f"calibration.targets[{i}]: unknown target {name!r}; expected some of {', '.join(known)}")
        return self


class Experiment(Strict):
    name: Annotated[str, Field(pattern=NAME.pattern)]  # a folder name under results/: never a path
    description: str = ""
    scenario: str
    scale: Annotated[int, Field(ge=1)] = 1
    replications: Annotated[int, Field(ge=1, le=10_000)] = 1
    seed: Annotated[int, Field(ge=0, lt=2**62)] = 1  # seed + replications stay below SQLite's 2**63
    outcomes: list[str]

    @field_validator("outcomes")
    @classmethod
    def _known_outcomes(cls, outcomes: list[str]) -> list[str]:
        known = outcome_names()
        if not outcomes:
            raise ValueError(f"expected at least one outcome, from: {', '.join(known)}")
        for name in outcomes:
            if name not in known:
                raise ValueError(f"unknown outcome {name!r:.40}; expected some of: {', '.join(known)}")
        return outcomes

    design: Design
    parameters: Annotated[list[Parameter], Field(min_length=1)]
    calibration: Calibration | None = None

    def problem(self) -> dict:
        """The SALib problem definition."""
        return {
            "num_vars": len(self.parameters),
            "names": [p.name for p in self.parameters],
            "bounds": [list(p.bounds()) for p in self.parameters],
        }

    def points(self) -> np.ndarray:
        """The design points, one row per point, one column per parameter."""
        kind, n = self.design.kind, self.design.samples
        if kind == "factorial":
            missing = [p.name for p in self.parameters if p.values is None]
            if missing:
                raise ScenarioError(f"design.kind factorial: parameter {missing[0]} needs values = [...]")
            return np.array(list(itertools.product(*[p.values for p in self.parameters])), dtype=float)
        if kind == "lhs":
            from scipy.stats import qmc

            unit = qmc.LatinHypercube(d=len(self.parameters), seed=self.seed).random(n)
            lows, highs = np.array([p.bounds() for p in self.parameters]).T
            points = qmc.scale(unit, lows, highs)
        elif kind == "morris":
            from SALib.sample import morris

            points = morris.sample(self.problem(), N=n, num_levels=self.design.levels, seed=self.seed)
        else:
            from SALib.sample import sobol

            points = sobol.sample(self.problem(), N=n, calc_second_order=False, seed=self.seed)
        for j, p in enumerate(self.parameters):
            if p.integer:
                points[:, j] = np.rint(points[:, j])
        return points

    def seeds(self) -> list[int]:
        return [self.seed + r for r in range(self.replications)]


def load_experiment(path: str | Path) -> tuple[Experiment, Path]:
    """Read and check an experiment file; returns it with its scenario's path."""
    path = find(path, DEFINITIONS, "experiment")
    tree = read_toml(path, "experiment")
    try:
        exp = Experiment.model_validate(tree)
    except ValidationError as exc:
        errors = exc.errors()
        raise ScenarioError(f"{path}: {_describe(errors[0])}") from None
    # a scenario file next to the experiment file, or a shipped scenario by its name
    beside = [path.parent / exp.scenario, path.parent / f"{exp.scenario}.toml"]  # "baseline" may be a copy here
    scenario_path = next((p.resolve() for p in beside if p.is_file()), None) or shipped(exp.scenario)
    if scenario_path is None:
        raise ScenarioError(
            f"{path}: scenario: no scenario file {exp.scenario!r} next to it, nor a shipped scenario of that name "
            "(`migsim scenarios` lists them)"
        )
    base = load(scenario_path)
    known = base.parameters()
    levers: dict[tuple[int, str], str] = {}
    for i, p in enumerate(exp.parameters):
        if p.name not in known:
            raise ScenarioError(f"{path}: parameters[{i}].name: {unknown_parameter(p.name, known)}")
        lever = base.event_lever(p.name)
        if lever in levers:
            raise ScenarioError(f"{path}: parameters[{i}].name: {p.name!r} names the same lever as {levers[lever]!r}")
        if lever:
            levers[lever] = p.name
    for p in exp.parameters:  # each level must be a valid value of the parameter
        for value in [*p.values] if p.values else [p.low, p.high]:
            base.with_overrides(
                {p.name: int(value) if p.integer or isinstance(known[p.name], int) else value}, f"{path}: parameters {p.name}"
            )
    return exp, scenario_path


def make_jobs(exp: Experiment, scenario_path: Path, points: np.ndarray | None = None) -> list[ExperimentJob]:
    """One job per (design point, replication); every point gets the same seeds."""
    scenario = load(scenario_path)
    text = scenario.model_dump_json()
    sha = hashlib.sha256(text.encode()).hexdigest()  # of the resolved scenario, parents included
    known = scenario.parameters()
    points = exp.points() if points is None else points
    jobs = []
    for i, point in enumerate(points):
        params = {}
        for p, value in zip(exp.parameters, point):
            params[p.name] = round(float(value)) if p.integer or isinstance(known[p.name], int) else float(value)
        for seed in exp.seeds():
            jobs.append(ExperimentJob(text, sha, params, seed, exp.scale, position=len(jobs), extra={"point": i}))
    return jobs
