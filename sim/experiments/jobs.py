"""One experiment job: a scenario, parameter overrides, a seed and a scale, run to
the end; its outcomes are numbers (key outcomes and calibration figures)."""

from __future__ import annotations

import hashlib
import json
import time
import traceback
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ExperimentJob:
    scenario_text: str  # the scenario, resolved (extends merged) and serialised: workers need no files
    scenario_sha: str
    parameters: dict[str, Any]
    seed: int
    scale: int
    position: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def job_id(self) -> str:
        key = json.dumps([self.scenario_sha, self.parameters, self.seed, self.scale], sort_keys=True, default=str)
        return hashlib.sha256(key.encode()).hexdigest()[:20]


@dataclass
class JobResult:
    job: ExperimentJob
    outcomes: dict[str, float] | None
    error: str | None
    wall_seconds: float


WEEKLY = "irregular_week_"  # prefix of the weekly means of the irregular stock (for comparisons' time plots)


def outcome_names() -> list[str]:
    """The names outcomes_of gives (without the weekly ones): what an experiment
    file's ``outcomes`` may list."""
    from migsim.agents.legal_center import NOT_MODELLED
    from migsim.geography import read_data_csv
    from migsim.metrics import CALIBRATION_FIGURES, KEY_OUTCOMES

    # the appeal categories the model represents (as the summary counts them)
    categories = [row["category"] for row in read_data_csv("appeal_categories.csv") if row["experience"] != NOT_MODELLED]
    return [
        *KEY_OUTCOMES,
        *CALIBRATION_FIGURES,
        *(f"irregular_month_{m:02d}" for m in range(1, 13)),
        *(f"appeal_share_{c}" for c in categories),
    ]


def outcomes_of(model, timeseries, weekly: bool = False) -> dict[str, float]:
    """Every number an experiment may analyse, for one run (``migsim.metrics.outcomes``);
    ``weekly`` adds the irregular stock's mean in each week from the first day
    (``irregular_week_NNN``)."""
    from migsim.metrics import outcomes

    out = outcomes(timeseries, model.metrics.summary(timeseries))
    if weekly:
        weeks = timeseries["irregular"].groupby(timeseries.index // 7).mean()
        out.update({f"{WEEKLY}{w:03d}": float(v) for w, v in weeks.items()})
    return out


def execute(job: ExperimentJob) -> JobResult:
    """Run a job; an exception becomes a failed result (with its traceback), so one
    bad job never stops the others."""
    start = time.perf_counter()
    try:
        from migsim.model import MigrationModel
        from migsim.scenario import Scenario

        scenario = Scenario.model_validate_json(job.scenario_text)
        model = MigrationModel(scenario, scale=job.scale, rng=job.seed, **job.parameters)
        model.run()
        outcomes = outcomes_of(model, model.timeseries(), weekly=bool(job.extra.get("weekly")))
        return JobResult(job, outcomes, None, time.perf_counter() - start)
    except Exception:  # noqa: BLE001 - any failure of one job is recorded, not raised
        return JobResult(job, None, traceback.format_exc(limit=8), time.perf_counter() - start)
