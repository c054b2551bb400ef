"""EMA Workbench support (issue 12): 8 experiments of the crackdown through EMA's
own evaluator at a coarse scale, with the scenario's stated ranges as
uncertainties and the crackdown's levers as levers; what EMA drew reaches the
model, and the same experiment run again gives the same outcomes."""

import math
import warnings

import pytest

warnings.filterwarnings("ignore", message="ipyparallel not installed")  # EMA's import says so; not used here
import ema_workbench  # the [ema] extra, which the test extra includes: missing, this file fails

from migsim.experiments.ema import ema_model, run
from migsim.scenario import ScenarioError, load

SCALE = 200  # one agent = 200 people: a year in well under a second


def test_eight_experiments_through_emas_evaluator():
    outcomes_wanted = ["peak_irregular", "total_deportations", "season_mean_irregular"]
    model = ema_model("crackdown_2009", scale=SCALE, outcomes=outcomes_wanted)
    crackdown = load("crackdown_2009")
    # levers: every crackdown lever with a stated range, by its flat name
    assert {lever.variable_name[0] for lever in model.levers} == {f"crackdown.{name}" for name in crackdown.events[0].ranges}
    assert all(lever.name.isidentifier() for lever in [*model.levers, *model.uncertainties])
    # uncertainties: the calibration's rows together, and every assumption's range
    names = {u.variable_name[0] for u in model.uncertainties}
    assert "posterior_row" in names and "migrants_leave_rate" not in names  # calibrated: drawn as a row, not alone
    assert {n.replace(".", "_") for n in crackdown.ranges} <= names | set(crackdown.posterior_draws().columns)

    with ema_workbench.SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=4, policies=2)
    assert len(experiments) == 8 and set(outcomes) == set(outcomes_wanted)
    assert all(len(values) == 8 and all(math.isfinite(v) for v in values) for values in outcomes.values())
    assert experiments["policy"].nunique() == 2 and experiments["scenario"].nunique() == 4
    levers = experiments[[lever.name for lever in model.levers]]
    assert levers.drop_duplicates().shape[0] == 2  # each drive is one row of lever values
    assert len(set(outcomes["peak_irregular"])) > 1  # the runs differ: what EMA drew reached the model

    # the first experiment again, by hand, from EMA's own record of it: the same outcomes
    row = experiments.iloc[0]
    kwargs = {p.variable_name[0]: row[p.name] for p in [*model.uncertainties, *model.levers]}
    again = run("crackdown_2009", scale=SCALE, seed=1, **{k: v.item() if hasattr(v, "item") else v for k, v in kwargs.items()})
    assert {name: again[name] for name in outcomes_wanted} == {name: outcomes[name][0] for name in outcomes_wanted}


def test_a_policy_scenarios_own_values_are_not_drawn_and_mistakes_are_one_line(tmp_path):
    base = load("baseline")
    queue = base.flat()["registration_queue_days"]
    low, high = base.ranges["registration.queue_days"]
    assert low <= queue + 1 <= high
    policy = tmp_path / "shorter_queue.toml"
    policy.write_text(f'extends = "baseline.toml"\nname = "shorter_queue"\n[registration]\nqueue_days = {queue + 1}\n')
    drawn = {u.variable_name[0] for u in ema_model(policy, scale=SCALE).uncertainties}
    assert "registration_queue_days" not in drawn  # the policy's own value stays
    assert "registration_queue_days" in {u.variable_name[0] for u in ema_model(policy, scale=SCALE, reference=None).uncertainties}
    assert "registration_queue_days" in {u.variable_name[0] for u in ema_model("baseline", scale=SCALE).uncertainties}
    with pytest.raises(ScenarioError, match="'peak' is not an outcome of a run"):
        ema_model("baseline", outcomes=["peak"])
    replicated = ema_model("baseline", scale=SCALE, seeds=[1, 2, 3])
    assert [r["seed"] for r in replicated.replications] == [1, 2, 3]
