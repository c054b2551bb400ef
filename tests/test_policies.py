"""Policy levers as dated events: each moves the outcome it should, against the
same scenario without it on the same seed; bad events are validation errors."""

import datetime as dt

import numpy as np
import pytest

from migsim import MigrationModel, scenario
from migsim.policies import Schedule
from migsim.scenario import SCENARIO_DIR, ScenarioError
from migsim.status import TRANSITION_NAMES

SCENARIOS = SCENARIO_DIR


def with_events(events, overrides=None, **run):
    base = scenario.load(scenario.BASELINE)
    tree = base.model_dump()
    tree["run"].update(run)
    tree["events"] = events
    return scenario.validate(tree, "test scenario").with_overrides(overrides or {})


def paired(events, scale=10, seeds=(1, 2), overrides=None, **run):
    """Timeseries with and without the events, on the same seeds."""
    out = []
    for seed in seeds:
        pair = []
        for ev in ([], events):
            m = MigrationModel(with_events(ev, overrides, **run), scale=scale, rng=seed)
            m.run()
            pair.append((m, m.timeseries()))
        out.append(pair)
    return out


def test_amnesty_window_lowers_irregular_stock_at_its_end():
    window = {
        "kind": "amnesty",
        "start": dt.date(2008, 3, 1),
        "end": dt.date(2008, 10, 31),
        "entered_before": dt.date(2008, 8, 31),
        "processing_per_day": 2000.0,
        "card_years": 3.0,
        "paperwork_usd": 10.0,
        "filing_days": 5.0,
        "attention_factor": 1.0,
    }
    # with inspections heavy enough that filing pays employers
    window = [window, {"kind": "enforcement", "start": dt.date(2008, 2, 1), "inspections_factor": 6.0}]
    for (base_m, base), (amn_m, amn) in paired(window):
        end = amn.index[amn["date"] == "2008-10-31"][0]
        assert amn["irregular"][end] < base["irregular"][end]
        assert amn["amnesty_card"][end] > 0
        assert amn["amnesty_applications"].sum() >= amn["amnesty_approvals"].sum() > 0
        assert amn["tax_usd"].sum() > base["tax_usd"].sum()  # card holders are legal, taxed workers


def test_amnesty_grants_cards_only_to_the_eligible():
    window = {
        "kind": "amnesty",
        "start": dt.date(2008, 1, 1),
        "end": dt.date(2008, 12, 31),
        "entered_before": dt.date(2008, 1, 20),
        "citizenships": ["UZ"],
        "processing_per_day": 1e6,
        "card_years": 3.0,
        "paperwork_usd": 1e9,
        "filing_days": 1.0,
        "attention_factor": 1.0,
    }  # no employer files on its own
    m = MigrationModel(with_events([window]), scale=10, rng=5)
    for _ in range(40):
        m.step()
    p, book, records = m.population, m.book, m.records
    present = p.present()
    irregular = present[np.isin(book.status[present], (5, 6))][:400]
    uz = p.citizenship_codes.index("UZ")
    p.citizenship[irregular[:100]] = p.citizenship_codes.index("TJ")  # not in this window's list
    p.entered[irregular[100:200]] = m.day_index(dt.date(2008, 1, 25))  # came after the cut-off
    p.citizenship[irregular[100:]] = uz
    p.entered[irregular[200:]] = m.day_index(dt.date(2008, 1, 10))
    p.other_offence[irregular] = False
    p.other_offence[irregular[200:300]] = True  # broke another law: not pardoned
    records.evaded_ban[irregular] = False
    m.papers.documents_lost[irregular] = False
    records.violations[irregular[300:]] = 1  # fined before: a migration offence the amnesty pardons
    m.amnesty.applications = irregular
    m.amnesty.decide(m.t)
    granted = book.status[irregular] == 4
    assert not granted[:300].any()
    assert granted[300:].all()
    assert (m.papers.card_until[irregular[300:]] == m.t + 3 * 365).all()


def test_amnesty_cards_bring_holders_back_legally_next_season():
    s = scenario.load(SCENARIOS / "amnesty_2006.toml")
    m = MigrationModel(s, scale=20, rng=3)
    m.run()
    totals = dict(zip(TRANSITION_NAMES, m.book.total))
    assert totals["amnesty_granted"] > 0 and totals["arrive_with_card"] > 0
    assert m.metrics.summary(m.timeseries())["amnesty_cards_end"] > 0


def test_halving_the_quota_raises_the_irregular_share():
    # Under enough inspections that many employers prefer legal hands and use the
    # permits up (at the baseline's inspections few do: docs/ODD.md 7.4).
    cut = [{"kind": "quota", "start": dt.date(2008, 1, 1), "factor": 0.5}]
    pressure = {"employers_quota_permits": 10000, "police_workplace_inspections_per_day": 10.0}
    for (_, base), (_, half) in paired(cut, overrides=pressure):
        # each employer's permits are rounded to whole agents with its own offset: about half
        assert half["quota_permits"].iloc[-1] == pytest.approx(base["quota_permits"].iloc[-1] / 2, rel=0.05)
        assert (half["irregular"] / half["present"]).mean() > (base["irregular"] / base["present"]).mean()
        assert half["permitted"].mean() < base["permitted"].mean()


def test_doubling_inspections_raises_detections():
    drive = [{"kind": "enforcement", "start": dt.date(2008, 2, 1), "inspections_factor": 2.0}]
    for (_, base), (_, more) in paired(drive):
        assert more["inspections"].sum() > 1.5 * base["inspections"].sum()
        assert (
            more["detentions"].sum() + more["fines"].sum() + more["bribes"].sum()
            > base["detentions"].sum() + base["fines"].sum() + base["bribes"].sum()
        )


def test_easier_registration_lowers_irregular_stay():
    reform = [{"kind": "registration", "start": dt.date(2008, 1, 1), "at_border_share": 0.8, "daily_rate": 0.3}]
    for (_, base), (_, easy) in paired(reform):
        assert easy["irregular_stay"].mean() < base["irregular_stay"].mean()


def test_legal_aid_campaign_raises_appeals():
    campaign = [
        {
            "kind": "legal_aid",
            "start": dt.date(2008, 2, 1),
            "awareness_share": 0.4,
            "capacity_factor": 3.0,
            "add_centres": [{"district": "maktaaral", "capacity_per_day": 10.0}],
        }
    ]
    for (base_m, base), (aid_m, aid) in paired(campaign):
        assert aid["appeals"].sum() > base["appeals"].sum()
        assert len(aid_m.legal_aid.centres) == 4 and len(base_m.legal_aid.centres) == 3


def test_economic_shock_scales_a_sectors_demand_from_its_date():
    shock = [{"kind": "economic_shock", "start": dt.date(2008, 6, 1), "sector": "construction", "demand_factor": 0.0}]
    (_, base), (_, closed) = paired(shock, seeds=(1,))[0]
    before = base["date"] < "2008-06-01"
    assert (closed["demand"][before] == base["demand"][before]).all()
    assert (closed["demand"][~before] < base["demand"][~before]).all()


def test_events_end_and_rules_return():
    drive = [{"kind": "enforcement", "start": dt.date(2008, 3, 1), "end": dt.date(2008, 3, 31), "entry_refusal_share": 1.0}]
    (_, _base), (_, shut) = paired(drive, seeds=(1,), end_date=dt.date(2008, 5, 31))[0]
    march = shut["date"].dt.month == 3
    assert shut["arrivals"][march].sum() == 0 and shut["turned_back"][march].sum() > 0
    assert shut["arrivals"][shut["date"].dt.month == 4].sum() > 0


EVENT_ERRORS = [
    ({"kind": "quota", "start": "2008-01-01", "factor": 0.5, "size": 3}, "events.0.quota.size: unknown key"),
    ({"kind": "quota", "start": "2008-01-01", "factor": -1}, "events.0.quota.factor: expected greater than or equal to 0"),
    ({"kind": "lottery", "start": "2008-01-01"}, "events.0: expected"),
    ({"kind": "quota", "start": "2007-06-01", "factor": 0.5}, "events[0] (quota): start 2007-06-01 is outside the run"),
    ({"kind": "quota", "start": "2008-06-01", "end": "2009-06-01", "factor": 0.5}, "end 2009-06-01 is outside the run"),
    ({"kind": "quota", "start": "2008-06-01", "end": "2008-05-01", "factor": 0.5}, "end 2008-05-01 is before start 2008-06-01"),
    (
        {"kind": "enforcement", "start": "2008-01-01", "corruption_share": 1.5},
        "events.0.enforcement.corruption_share: expected less than",
    ),
    ({"kind": "economic_shock", "start": "2008-01-01", "sector": "fishing"}, "unknown sector 'fishing'"),
    (
        {"kind": "legal_aid", "start": "2008-01-01", "add_centres": [{"district": "almaty", "capacity_per_day": 1}]},
        "events[0].add_centres[0].district: unknown district 'almaty'",
    ),
]


@pytest.mark.parametrize("event,message", EVENT_ERRORS, ids=[m for _, m in EVENT_ERRORS])
def test_bad_events_are_named_errors(baseline_text, tmp_path, event, message):
    lines = ["", "[[events]]"] + [f"{k} = {_toml(v)}" for k, v in event.items()]
    path = tmp_path / "bad.toml"
    path.write_text(baseline_text + "\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        scenario.load(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)


def _toml(value):
    if isinstance(value, str) and value[:2] == "20":
        return value  # a TOML date
    if isinstance(value, list):
        return "[" + ", ".join("{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in d.items()) + " }" for d in value) + "]"
    return f'"{value}"' if isinstance(value, str) else str(value)


def test_overlapping_events_of_a_kind_that_contradict():
    a = {"kind": "registration", "start": dt.date(2008, 1, 1), "end": dt.date(2008, 6, 30), "deadline_days": 3}
    b = {"kind": "registration", "start": dt.date(2008, 6, 1), "deadline_days": 30}
    with pytest.raises(
        ScenarioError, match=r"events\[0\] and events\[1\] \(registration\) overlap in time and both set deadline_days"
    ):
        with_events([a, b])
    b["start"] = dt.date(2008, 7, 1)  # back to back is fine
    with_events([a, b])
    # two shocks to different sectors do not contradict
    with_events(
        [
            {"kind": "economic_shock", "start": dt.date(2008, 1, 1), "sector": s, "demand_factor": 0.5}
            for s in ("construction", "cotton")
        ]
    )
    # an enforcement drive and a change of odds that set different levers may overlap
    with_events(
        [
            {"kind": "enforcement", "start": dt.date(2008, 1, 1), "inspections_factor": 2.0},
            {"kind": "enforcement", "start": dt.date(2008, 3, 1), "entry_refusal_share": 0.1},
        ]
    )


def test_overlapping_factors_multiply():
    """A factor multiplies what is in force, so overlapping factors compose."""
    cut = {"kind": "quota", "start": dt.date(2008, 1, 1), "end": dt.date(2008, 6, 30), "factor": 0.5}
    boost = {"kind": "quota", "start": dt.date(2008, 6, 1), "factor": 3.0}
    params = with_events([cut, boost])
    dates = [dt.date(2008, 1, 1) + dt.timedelta(days=i) for i in range(366)]
    schedule = Schedule(params, dates)
    base = params.employers.quota_permits
    quota = {
        d: schedule.rules_on(dates.index(d)).employers.quota_permits
        for d in (dt.date(2008, 5, 1), dt.date(2008, 6, 15), dt.date(2008, 8, 1))
    }
    assert quota == {
        dt.date(2008, 5, 1): round(base * 0.5),
        dt.date(2008, 6, 15): round(round(base * 0.5) * 3.0),
        dt.date(2008, 8, 1): round(base * 3.0),
    }


def test_extends_states_only_what_changes(tmp_path):
    (tmp_path / "base.toml").write_text((SCENARIOS / "baseline.toml").read_text())
    (tmp_path / "child.toml").write_text('extends = "base.toml"\nname = "child"\n[police]\ndetection = 0.9\n')
    child = scenario.load(tmp_path / "child.toml")
    base = scenario.load(tmp_path / "base.toml")
    assert child.police.detection == 0.9 and child.name == "child"
    assert child.police.fine_usd == base.police.fine_usd
    (tmp_path / "loop.toml").write_text('extends = "loop.toml"\nname = "loop"\n')
    with pytest.raises(ScenarioError, match="a cycle"):
        scenario.load(tmp_path / "loop.toml")
    (tmp_path / "orphan.toml").write_text('extends = "nowhere.toml"\nname = "orphan"\n')
    with pytest.raises(ScenarioError, match="no such scenario file 'nowhere.toml'"):
        scenario.load(tmp_path / "orphan.toml")
    (tmp_path / "nameless.toml").write_text('extends = "base.toml"\n')
    with pytest.raises(ScenarioError, match="needs its own name"):
        scenario.load(tmp_path / "nameless.toml")


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.name)
def test_shipped_scenarios_load_and_cite_facts(path):
    s = scenario.load(path)
    text = path.read_text()
    assert "sources.md" in text or path.name.startswith("baseline_")
    for event in s.events:
        assert s.run.start_date <= event.start <= s.run.end_date


def test_agents_never_read_scenario_names():
    import inspect

    import migsim.agents.employer
    import migsim.agents.legal_center
    import migsim.agents.migrant
    import migsim.agents.police

    for module in (migsim.agents.employer, migsim.agents.legal_center, migsim.agents.migrant, migsim.agents.police):
        source = inspect.getsource(module)
        assert ".name ==" not in source and "params.name" not in source and "rules.name" not in source


def test_a_registration_fee_keeps_those_who_cannot_pay_unregistered():
    fee = [{"kind": "registration", "start": dt.date(2008, 1, 1), "cost_usd": 80.0}]
    for (_, base), (_, costly) in paired(fee):
        assert costly["registered"].mean() < base["registered"].mean()
        assert costly["irregular_stay"].mean() > base["irregular_stay"].mean()
