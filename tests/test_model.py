import datetime as dt

import mesa
import numpy as np
import pandas as pd
import pytest

from migsim import MigrationModel
from migsim.agents import Employer, Group, LegalCenter, Migrant, PoliceUnit
from migsim.geography import read_data_csv
from migsim.status import STOCK_COLUMNS, Status

STOCKS = list(STOCK_COLUMNS.values())


def test_one_row_per_day_on_the_calendar(baseline_run):
    model, ts = baseline_run
    assert len(ts) == 366  # 2008 is a leap year
    assert ts["date"].dtype.kind == "M"  # real dates
    assert ts["date"].iloc[0] == pd.Timestamp("2008-01-01") and ts["date"].iloc[-1] == pd.Timestamp("2008-12-31")
    assert model.date == dt.date(2008, 12, 31)


def test_people_are_conserved_every_day(baseline_run):
    model, ts = baseline_run
    change = ts["present"].diff()
    change.iloc[0] = ts["present"].iloc[0] - model.initial_present
    flows = ts["arrivals"] - ts["departures"] - ts["deportations"]
    assert (change == flows).all()
    assert ts["arrivals"].sum() > 50_000  # the check is not trivially about zeros


def test_stocks_add_up_and_are_never_negative(baseline_run):
    _, ts = baseline_run
    numeric = ts.drop(columns="date")
    assert (numeric >= 0).all().all()
    assert (ts[STOCKS].sum(axis=1) == ts["present"]).all()
    assert (ts["irregular"] == ts["irregular_stay"] + ts["irregular_work"] + ts["detained"]).all()
    districts = [c for c in ts if c.startswith("irregular_") and c not in ("irregular_stay", "irregular_work")]
    assert len(districts) == 15
    assert (ts[districts].sum(axis=1) == ts["irregular"]).all()
    present = [c for c in ts if c.startswith("present_")]
    assert len(present) == 15 and (ts[present].sum(axis=1) == ts["present"]).all()
    assert all((ts[f"present_{d[10:]}"] >= ts[d]).all() for d in districts)
    assert (ts["employed"] <= ts["present"]).all()


def test_counts_are_in_people_whatever_the_scale():
    coarse = MigrationModel(scale=50, rng=1, run_end_date="2008-01-31")
    coarse.run()
    a = coarse.timeseries()
    assert (a["present"] % 50 == 0).all()
    p = coarse.params
    # the people present on the first morning, in people, stochastically rounded to whole agents
    assert abs(coarse.initial_present - (p.long_term.initial + p.migrants.initial_seasonal)) <= 2 * 50


def test_four_mesa_agent_types_on_the_network(baseline_run):
    model, _ = baseline_run
    assert isinstance(model, mesa.Model)
    by_type = model.agents_by_type
    assert len(by_type[Migrant]) == model.population.slots_in_use()
    assert len(by_type[Employer]) == sum(s.employers for s in model.params.sectors.values())
    assert len(by_type[PoliceUnit]) == 16  # one per district and one mobile unit
    centres = by_type[LegalCenter]
    assert sorted(c.cell.place_id for c in centres) == ["sairam", "saryagash", "shymkent"]
    assert isinstance(model.space, mesa.discrete_space.Network)
    for e in list(by_type[Employer])[:20]:
        assert e.cell.kind == "district"


def test_places_drawn_at_their_coordinates(baseline_run):
    model, _ = baseline_run
    rows = {r["id"]: r for r in read_data_csv("places.csv")}
    kinds = {k: sum(r["kind"] == k for r in rows.values()) for k in ("district", "crossing", "origin")}
    assert kinds == {"district": 15, "crossing": 4, "origin": 16}
    for place, row in rows.items():
        cell = model.space[place]
        assert tuple(cell.position) == (float(row["lon"]), float(row["lat"]))
        assert cell.lat == float(row["lat"])


def test_migrant_agents_read_their_state(baseline_run):
    model, _ = baseline_run
    present = [m for m in model.agents_by_type[Migrant] if m.status != Status.HOME][:50]
    assert present
    for m in present:
        assert m.cell.kind == "district" and m.cell.place_id == m.district
        assert 18 <= m.age <= 62
        assert m.citizenship in {"UZ", "TJ", "KG", "RU"}
    home = [m for m in model.agents_by_type[Migrant] if m.status == Status.HOME][:50]
    assert all(m.cell.kind == "origin" and m.district is None for m in home)


def test_day_traders_are_never_in_the_overnight_stock(baseline_run):
    model, ts = baseline_run
    traders = model.day_traders
    assert (model.population.group[traders] == Group.DAY_TRADER).all()
    assert (model.book.status[traders] == Status.HOME).all()
    assert not model.population.ever_present[traders].any()
    assert ts["day_trips"].sum() > 0


def test_three_groups_and_demographics(baseline_run):
    model, _ = baseline_run
    p = model.population
    # everyone the model still knows, in a slot or at home in the register
    # (long-term residents who went home are forgotten: they do not come back)
    _, ever = p.known(p, "ever_present")
    groups = np.bincount(p.known(p, "group")[1][ever], minlength=3)
    assert groups[Group.SEASONAL] > groups[Group.LONG_TERM] > 0
    assert abs(p.known(p, "age")[1][ever].mean() - 33) < 1.0
    assert abs(p.ever_age_sum / p.ever_count - 33) < 1.0  # everyone ever present, the forgotten too
    # sources.md 2: about 90% of foreign migrants are Uzbek citizens
    uzbek = p.known(p, "citizenship")[1][ever] == p.citizenship_codes.index("UZ")
    assert 0.87 < uzbek.mean() < 0.93


def test_same_seed_same_run_different_seed_different_run():
    runs = []
    for seed in (11, 11, 12):
        m = MigrationModel(scale=20, rng=seed, run_end_date="2008-04-30")
        m.run()
        runs.append(m.timeseries())
    pd.testing.assert_frame_equal(runs[0], runs[1])
    assert not runs[0].equals(runs[2])


def test_mesa_batch_run_with_flat_parameters():
    rows = mesa.batch_run(
        MigrationModel,
        parameters={"scale": 50, "police_workplace_inspections_per_day": [0.0, 20.0], "run_end_date": "2008-06-30"},
        rng=[1, 2],
        max_steps=1000,
        number_processes=1,
        display_progress=False,
    )
    df = pd.DataFrame(rows)
    assert len(df) == 4
    assert set(df["date"]) == {"2008-06-30"}
    assert {"irregular", "present", "deportations"} <= set(df.columns)
    by_level = df.groupby("police_workplace_inspections_per_day")["inspections"].sum()
    assert by_level[0.0] == 0 and by_level[20.0] > 0


def test_outcomes_from_python_are_what_experiments_analyse(baseline_run):
    from migsim.experiments.jobs import outcome_names, outcomes_of

    model, ts = baseline_run
    out = model.outcomes()
    assert set(out) == set(outcome_names())  # the names an experiment file may list
    assert out["peak_irregular"] == ts["irregular"].max() > 0
    season = ts["date"].dt.month.between(3, 11)
    assert out["season_mean_irregular"] == pytest.approx(ts["irregular"][season].mean())
    assert out["total_deportations"] == ts["deportations"].sum()
    assert out == outcomes_of(model, ts)
    assert model.summary()["peak_irregular_date"] == ts["date"][ts["irregular"].idxmax()].date().isoformat()
    # a part of a run (its index does not start at 0) has its own peak month
    from migsim.metrics import calibration_figures

    autumn = ts[ts["date"].dt.month >= 10]
    figures = calibration_figures(autumn, model.summary())
    assert figures["irregular_peak"] == autumn["irregular"].max()
    assert figures["irregular_peak_month"] == autumn["date"][autumn["irregular"].idxmax()].month


def test_expected_site_visits_kept_between_changes_are_the_fresh_figure():
    """Employers' expected inspections are kept until the orders change or an
    employer files in an amnesty; at every day of a run with an amnesty window
    and an enforcement drive enacted mid-run, the kept figure is what a fresh
    computation gives."""
    model = MigrationModel("amnesty_2006", scale=50, rng=1)
    police = model.police

    def kept_is_fresh():
        kept = police.expected_site_visits().copy()
        police._visits = None  # forget, and compute again
        return np.array_equal(kept, police.expected_site_visits())

    checked = filed = 0
    while model.running:
        if model.t == 240:
            model.enact({"kind": "enforcement", "id": "drive", "inspections_factor": 3.0})
        model.step()
        checked += kept_is_fresh()
        filed = max(filed, int(model.amnesty.came_forward.sum()))
    assert checked == len(model.dates) and filed > 0
