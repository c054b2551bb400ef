"""Comparisons under parameter uncertainty (issue 9): the statistics on constructed
effects, the draws, and the command as an analyst runs it."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from support import finished_jobs, kill_after_stored

from migsim.cli import main
from migsim.experiments.compare import paired_comparison
from migsim.experiments.store import ResultStore
from migsim.experiments.uncertainty import draw_parameters, overrides_for, what_matters
from migsim.metrics import KEY_OUTCOMES
from migsim.scenario import SCENARIO_DIR, ScenarioError, load

BIN = Path(sys.executable).parent
SEEDS, DRAWS, NOISE = 5, 60, 100.0


def constructed(effect_of_theta, seed=0) -> tuple[pd.DataFrame, pd.Series]:
    """Outcomes of a reference "a" and a policy "b" over DRAWS draws (plus draw 0)
    and SEEDS seeds: the policy's effect on every outcome is effect_of_theta(theta)
    for the draw's theta ~ U(0, 1), plus seed noise (paired: a seed effect common
    to both scenarios cancels)."""
    rng = np.random.default_rng(seed)
    theta = pd.Series(rng.random(DRAWS + 1), index=range(DRAWS + 1))
    theta[0] = 0.75  # the scenarios' own value
    rows = []
    for draw in range(DRAWS + 1):
        for s in range(SEEDS):
            common = rng.normal(50_000, 5_000)  # what the seed does to both scenarios
            for name, shift in (("a", 0.0), ("b", effect_of_theta(theta[draw]))):
                value = common + shift + rng.normal(0, NOISE / np.sqrt(2))
                rows.append(
                    {
                        "scenario": name,
                        "draw": draw,
                        "seed": s,
                        **{o: (0.5 + value / 1e6 if KEY_OUTCOMES[o][1] == "share" else value) for o in KEY_OUTCOMES},
                    }
                )
    return pd.DataFrame(rows), theta


def test_a_parameter_reversing_the_effect_in_half_its_range_gives_sign_agreement_near_one_half():
    outcomes, theta = constructed(lambda t: 2_000 * (t - 0.5))
    row = paired_comparison(outcomes, "a").set_index(["scenario", "outcome"]).loc[("b", "peak_irregular")]
    assert 0.35 <= row["sign_agreement"] <= 0.65
    assert row["diff_lo95_param"] < 0 < row["diff_hi95_param"] and not row["robust"]
    # at the scenarios' own value (theta 0.75) the effect is clear beyond the seed noise
    assert row["distinguishable"] and row["diff_lo95"] > 0
    # the regression tree finds the parameter and where the effect reverses
    draws = pd.DataFrame({"theta": theta, "irrelevant": np.random.default_rng(1).random(DRAWS + 1)}).loc[1:]
    by_draw = (
        outcomes[(outcomes.scenario == "b") & (outcomes.draw > 0)].groupby("draw")["peak_irregular"].mean()
        - outcomes[(outcomes.scenario == "a") & (outcomes.draw > 0)].groupby("draw")["peak_irregular"].mean()
    )
    found = what_matters(by_draw, draws, ["theta", "irrelevant"])
    assert found["importance"].index[0] == "theta" and found["importance"]["theta"] > 0.8
    assert found["reversals"]
    for rev in found["reversals"]:  # the effect is positive above theta 0.5, negative below
        low, high = rev["ranges"]["theta"]
        assert (low >= 0.4) if rev["effect"] > 0 else (high <= 0.6), rev


def test_a_parameter_that_does_not_matter_gives_the_seed_only_interval():
    outcomes, _ = constructed(lambda t: 500.0)
    row = paired_comparison(outcomes, "a").set_index(["scenario", "outcome"]).loc[("b", "peak_irregular")]
    expected_half = stats.t.ppf(0.975, SEEDS - 1) * NOISE / np.sqrt(SEEDS)  # the seed-only half-width in expectation
    half = (row["diff_hi95_param"] - row["diff_lo95_param"]) / 2
    assert 0.8 * expected_half <= half <= 1.3 * expected_half
    seed_only = (row["diff_hi95"] - row["diff_lo95"]) / 2
    assert 0.3 * expected_half <= seed_only <= 2.0 * expected_half  # five seeds: a rough estimate of the same width
    assert row["sign_agreement"] == 1.0 and row["robust"]
    assert row["diff_param"] == pytest.approx(500, abs=3 * NOISE / np.sqrt(SEEDS * DRAWS))


def test_shares_are_compared_in_points_and_holm_corrects_the_many_tests():
    outcomes, _ = constructed(lambda t: 10_000.0)
    table = paired_comparison(outcomes, "a").set_index(["scenario", "outcome"])
    share = table.loc[("b", "season_irregular_share")]
    assert share["unit"] == "percent" and np.isnan(share["diff_percent"])
    assert share["diff"] == pytest.approx(100 * 10_000 / 1e6, rel=0.05)  # 1 percentage point
    tested = table.loc["b"]
    assert (tested["p_holm"] >= tested["p_value"]).all() and tested["p_holm"].notna().all()
    assert np.isnan(table.loc[("a", "peak_irregular"), "p_holm"])  # the reference is not tested against itself


def test_draws_are_shared_seeded_and_leave_a_policys_own_levers_alone():
    scenarios = {
        "baseline": load(SCENARIO_DIR / "baseline.toml"),
        "registration_reform": load(SCENARIO_DIR / "registration_reform.toml"),
    }
    draws, plan = draw_parameters(scenarios, "baseline", 8, seed=3)
    again, _ = draw_parameters(scenarios, "baseline", 8, seed=3)
    pd.testing.assert_frame_equal(draws, again)
    kinds = {d.kind for d in plan}
    assert "assumption" in kinds
    for d in plan:
        if d.kind == "assumption":
            assert draws[d.column].between(d.low, d.high).all(), d.column
            if isinstance(scenarios["baseline"].flat()[d.column], float):  # Latin hypercube: one draw in each eighth
                eighths = np.floor((draws[d.column] - d.low) / (d.high - d.low) * 8).clip(0, 7).astype(int)
                assert sorted(eighths) == list(range(8)), d.column
    own = scenarios["registration_reform"].flat()
    base = scenarios["baseline"].flat()
    differing = [k for k in own if own[k] != base[k] and k in draws]
    reform = overrides_for("registration_reform", scenarios, "baseline", draws.loc[1], plan)
    reference = overrides_for("baseline", scenarios, "baseline", draws.loc[1], plan)
    for key in differing:  # the reform's own values are kept in every draw
        assert key not in reform and key in reference
    assert overrides_for("baseline", scenarios, "baseline", None, plan) == {}
    shared = set(reform) & set(reference)
    assert shared and all(reform[k] == reference[k] for k in shared)  # common parameters


def test_an_event_shared_by_extension_is_drawn_once_and_whole_levers_stay_whole(tmp_path, baseline_text):
    scenarios = {
        "crackdown_2009": load(SCENARIO_DIR / "crackdown_2009.toml"),
        "package_2009": load(SCENARIO_DIR / "package_2009.toml"),
    }
    draws, plan = draw_parameters(scenarios, "crackdown_2009", 5, seed=2)
    for lever in ("inspections_factor", "employer_fine_usd"):  # the package extends the crackdown: the same event
        columns = [d for d in plan if d.kind == "policy lever" and d.column.endswith(lever)]
        assert len(columns) == 1 and columns[0].scenarios == {"crackdown_2009", "package_2009"}
        a = overrides_for("crackdown_2009", scenarios, "crackdown_2009", draws.loc[3], plan)
        b = overrides_for("package_2009", scenarios, "crackdown_2009", draws.loc[3], plan)
        name = scenarios["crackdown_2009"].lever_name(0, lever)  # named by the event's id: crackdown.<lever>
        assert name == f"crackdown.{lever}" and a[name] == b[name]
    (tmp_path / "base.toml").write_text(baseline_text, encoding="utf-8")
    (tmp_path / "reg.toml").write_text(
        'extends = "base.toml"\nname = "reg"\n[[events]]\nkind = "registration"\n'
        "start = 2008-03-01\ndeadline_days = 7\nranges = { deadline_days = [3, 15] }\n",
        encoding="utf-8",
    )
    pair = {"baseline": load(tmp_path / "base.toml"), "reg": load(tmp_path / "reg.toml")}
    draws, plan = draw_parameters(pair, "baseline", 6, seed=1)
    lever = draws["reg/events[0].deadline_days"]
    assert lever.between(3, 15).all() and (lever == lever.round()).all()
    pair["reg"].with_overrides(overrides_for("reg", pair, "baseline", draws.loc[1], plan))  # a valid scenario


def test_draws_need_something_to_draw(tmp_path, baseline_text, capsys):
    bare = re.sub(r"\[ranges\].*?(?=\n# Dated policy events)", "", baseline_text, flags=re.DOTALL)
    bare = re.sub(r'posterior = "[^"]*".*\n', "", bare)
    (tmp_path / "bare.toml").write_text(bare, encoding="utf-8")
    (tmp_path / "other.toml").write_text('extends = "bare.toml"\nname = "other"\n[police]\ndetection = 0.5\n', encoding="utf-8")
    out = tmp_path / "never"
    code = main(["compare", str(tmp_path / "bare.toml"), str(tmp_path / "other.toml"), "--draws", "3", "--out", str(out)])
    assert code == 2 and "nothing to draw" in capsys.readouterr().err and not out.exists()


def test_robust_means_the_interval_is_on_the_side_of_the_stated_effect():
    outcomes, _ = constructed(lambda t: -3_000.0 if t != 0.75 else 2_000.0)  # up at the own values, down in every draw
    row = paired_comparison(outcomes, "a").set_index(["scenario", "outcome"]).loc[("b", "peak_irregular")]
    assert row["diff"] > 0 and row["diff_hi95_param"] < 0 and not row["robust"]


def test_a_drawn_value_reaches_the_model_including_an_events_lever():
    scenario = load(SCENARIO_DIR / "crackdown_2009.toml")
    changed = scenario.with_overrides({"events[0].inspections_factor": 2.25, "police_detection": 0.2})
    assert changed.events[0].inspections_factor == 2.25 and changed.police.detection == 0.2
    with pytest.raises(ScenarioError, match="unknown parameter 'events\\[7\\].inspections_factor'"):
        scenario.with_overrides({"events[7].inspections_factor": 2.0})


def test_a_bad_posterior_file_is_one_clear_error(tmp_path, baseline_text):
    (tmp_path / "post.csv").write_text("migrants_leave_rate,not_a_parameter\n0.003,1\n", encoding="utf-8")
    path = tmp_path / "s.toml"
    path.write_text(re.sub(r'posterior = "[^"]*"', 'posterior = "post.csv"', baseline_text), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"s.toml: posterior post.csv: column 'not_a_parameter': not a parameter"):
        load(path)
    (tmp_path / "post.csv").write_text("migrants_leave_rate\nabc\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="column 'migrants_leave_rate': expected a number in every row"):
        load(path)


@pytest.fixture
def short(baseline_text, tmp_path):
    base = tmp_path / "base.toml"
    base.write_text(baseline_text.replace("end_date = 2008-12-31", "end_date = 2008-04-30"), encoding="utf-8")
    drive = tmp_path / "drive.toml"
    drive.write_text(
        'extends = "base.toml"\nname = "drive"\ndescription = "Four times the inspections from February."\n'
        '[[events]]\nkind = "enforcement"\nstart = 2008-02-01\ninspections_factor = 4.0\n'
        "ranges = { inspections_factor = [2.0, 6.0] }\n",
        encoding="utf-8",
    )
    return base, drive


def test_different_calendars_are_an_error_naming_both_and_write_nothing(capsys, tmp_path):
    out = tmp_path / "never"
    code = main(
        [
            "compare",
            str(SCENARIO_DIR / "baseline.toml"),
            str(SCENARIO_DIR / "quota_cut_2009.toml"),
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "2009-01-01 to 2009-12-31" in err and "2008-01-01 to 2008-12-31" in err
    assert not out.exists()


def test_one_replication_makes_no_distinguishable_claim(short, tmp_path):
    base, drive = short
    out = tmp_path / "one"
    assert (
        main(["compare", str(base), str(drive), "--replications", "1", "--draws", "0", "--scale", "50", "--out", str(out)]) == 0
    )
    table = pd.read_csv(out / "comparison.csv")
    assert not table["distinguishable"].any() and table["diff_lo95"].isna().all()
    md = (out / "comparison.md").read_text()
    assert "no intervals and calls no difference distinguishable" in md
    assert "| distinguishable |" not in md and "within noise" not in md
    assert "(one seed: no verdict)" in md


def test_a_comparison_over_draws_writes_both_intervals_and_a_plain_report(short, tmp_path):
    base, drive = short
    out = tmp_path / "drawn"
    assert (
        main(["compare", str(base), str(drive), "--replications", "2", "--draws", "6", "--scale", "50", "--out", str(out)]) == 0
    )
    table = pd.read_csv(out / "comparison.csv")
    row = table[(table["scenario"] == "drive") & (table["outcome"] == "peak_irregular")].iloc[0]
    for column in ("diff_lo95", "diff_hi95", "diff_lo95_param", "diff_hi95_param", "sign_agreement"):
        assert np.isfinite(row[column]), column
    runs = pd.read_csv(out / "outcomes_by_run.csv")
    assert len(runs) == 2 * 7 * 2 and set(runs["draw"]) == set(range(7))
    # common parameters: every run of the policy (its overrides hold its lever) has a
    # run of the reference with the same seed and the same drawn values otherwise
    stored = ResultStore(out / "results.sqlite")
    jobs = stored.rows("done")
    stored.close()
    reference = {
        (json.dumps(j["parameters"], sort_keys=True), j["seed"])
        for j in jobs
        if "events[0].inspections_factor" not in j["parameters"]
    }
    policy = [j for j in jobs if "events[0].inspections_factor" in j["parameters"]]
    assert len(policy) == 6 * 2 and len(reference) == 6 * 2 + 2  # 6 draws of the reference, and the own values (no overrides)
    for j in policy:
        shared = {k: v for k, v in j["parameters"].items() if k != "events[0].inspections_factor"}
        assert (json.dumps(shared, sort_keys=True), j["seed"]) in reference
    drawn = pd.read_csv(out / "drawn_parameters.csv")
    assert "drive/events[0].inspections_factor" in set(drawn["column"])
    lever = pd.read_csv(out / "draws.csv")["drive/events[0].inspections_factor"]
    assert lever.between(2.0, 6.0).all()
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", page, flags=re.DOTALL))
    for markdown in ("**", "## ", "|---", "| ---", "`"):
        assert markdown not in text, markdown
    assert "<title>Scenario comparison: drive against baseline</title>" in page
    assert "Executive summary" in text and "over parameters and seeds" in text and "Costs and side effects" in text
    assert "Four times the inspections from February." in text and "enforcement from 2008-02-01" in text
    assert "Sources and assumptions" in text and "inspections_factor" in text
    assert "2008-01-01 to 2008-04-30, agent scale 50" in text


def test_a_killed_comparison_with_draws_resumes_without_rerunning_finished_runs(short, tmp_path):
    base, drive = short
    out = tmp_path / "killed"
    command = [
        str(BIN / "migsim"),
        "compare",
        str(base),
        str(drive),
        "--replications",
        "2",
        "--draws",
        "4",
        "--scale",
        "50",
        "--workers",
        "2",
        "--out",
        str(out),
    ]
    before = kill_after_stored(command, out / "results.sqlite", at_least=4)
    total = 2 * 5 * 2
    assert 4 <= len(before) < total
    assert not (out / "comparison.csv").exists()  # nothing half-written
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert f"{total} runs: {len(before)} done before, {total - len(before)} done now, 0 failed" in result.stderr
    after = finished_jobs(out / "results.sqlite")
    assert len(after) == total and all(after[job] == finished for job, finished in before.items())
    assert (out / "comparison.csv").exists()


def test_params_lists_every_parameter_with_its_kind_and_range(capsys):
    assert main(["params", str(SCENARIO_DIR / "crackdown_2009.toml"), "--csv"]) == 0
    from io import StringIO

    table = pd.read_csv(StringIO(capsys.readouterr().out))
    kinds = table.set_index("parameter")["kind"]
    assert kinds["migrants_leave_rate"] == "calibrated" and kinds["police_detection"] == "assumption"
    assert kinds["migrants_share_men"] == "fixed"
    assert kinds["crackdown.inspections_factor"] == "policy lever (enforcement)"  # the event's id names its levers
    drawn = table[~table["kind"].str.endswith("fixed")]  # a lever without a stated range is not drawn
    assert drawn["low"].notna().all() and (drawn["low"] < drawn["high"]).all()
