"""Policy responses that come from agents' decisions (issue 8): each test changes
the world (orders, prices, what happened to people) on paired seeds and checks
that the agents' choices move the outcome the way their reasoning says."""

import datetime as dt

import numpy as np

from migsim import MigrationModel, scenario
from migsim.agents.migrant import Group
from migsim.scenario import SCENARIO_DIR
from migsim.status import Status

SCENARIOS = SCENARIO_DIR


def with_events(events, base=scenario.BASELINE, **overrides):
    tree = scenario.load(base).model_dump()
    run = {k: overrides.pop(k) for k in list(overrides) if k in ("start_date", "end_date")}
    tree["run"].update(run)
    tree["events"] = [*tree["events"], *events]
    return scenario.validate(tree, "test scenario").with_overrides(overrides)


def run(s, scale=10, seed=1):
    model = MigrationModel(s, scale=scale, rng=seed)
    model.run()
    return model, model.timeseries()


AMNESTY = {
    "kind": "amnesty",
    "start": dt.date(2008, 8, 1),
    "end": dt.date(2008, 10, 31),
    "entered_before": dt.date(2008, 7, 15),
    "processing_per_day": 1000.0,
    "card_years": 3.0,
    "paperwork_usd": 30.0,
    "filing_days": 10.0,
    "attention_factor": 2.0,
}


def test_more_inspections_before_an_amnesty_raise_employer_filing():
    drive = {"kind": "enforcement", "start": dt.date(2008, 6, 1), "inspections_factor": 4.0}
    for seed in (1, 2):
        _, calm = run(with_events([AMNESTY], end_date=dt.date(2008, 10, 31)), seed=seed)
        _, pressed = run(with_events([AMNESTY, drive], end_date=dt.date(2008, 10, 31)), seed=seed)
        assert calm["amnesty_applications"].sum() > 0
        assert pressed["amnesty_applications"].sum() > 1.5 * calm["amnesty_applications"].sum()


def test_employers_file_only_for_workers_their_papers_show_eligible():
    drive = {"kind": "enforcement", "start": dt.date(2008, 6, 1), "inspections_factor": 5.0}  # so that many file
    model = MigrationModel(with_events([AMNESTY, drive], end_date=dt.date(2008, 10, 31)), scale=10, rng=3)
    cutoff = model.day_index(AMNESTY["entered_before"])
    filed_today = []  # the people each filing names (slots are reused, so read them as they are filed)
    file = model.amnesty.file
    model.amnesty.file = lambda slots: (filed_today.append(slots.copy()), file(slots))
    total = 0
    while model.running:
        model.step()
        for today in filed_today:
            # filed for: entered this stay before the cut-off, by a legal crossing
            assert (model.population.entered[today] < cutoff).all()
            assert not model.records.evaded_ban[today].any()
            total += len(today)
        filed_today.clear()
    ts = model.timeseries()
    assert total > 50
    # the police reject only people with offences the employer could not see
    rejected, approved = ts["amnesty_rejections"].sum(), ts["amnesty_approvals"].sum()
    assert approved > 0 and rejected < 0.1 * approved


def deport_everyone_from(model, origin: str) -> np.ndarray:
    """A deportation wave: everyone from one region who is there irregularly."""
    t = model.t
    present = model.population.present()
    o = model.geo.origins.index(origin)
    caught = present[
        (model.population.origin[present] == o)
        & np.isin(model.book.status[present], (Status.IRREGULAR_STAY, Status.IRREGULAR_WORK))
    ]
    model.employers.release(caught, t, dismissed=False)
    model.book.move(caught, Status.DETAINED, "detained")
    model.police.deport(caught, t)
    return caught


def departures_next_season(wave: bool, seed: int, origin: str = "kashkadarya") -> float:
    """Arrivals in 2009 from the region, relative to arrivals from all others,
    not counting the deported themselves (they are banned)."""
    model = MigrationModel(with_events([], start_date=dt.date(2008, 1, 1), end_date=dt.date(2009, 10, 31)), scale=10, rng=seed)
    people = model.population
    deported = np.zeros(0, dtype=np.int64)  # person numbers (slots are reused)
    while model.running:
        model.step()
        if wave and model.date == dt.date(2008, 9, 15):
            deported = people.person[deport_everyone_from(model, origin)]
        if model.date == dt.date(2008, 12, 31):
            ids_then, trips_then = people.known(people, "trips")
    ids, trips = people.known(people, "trips")
    before = np.zeros(len(ids), dtype=trips.dtype)  # people made in 2009 had made no trip before
    known_then = np.isin(ids, ids_then)
    before[known_then] = trips_then[np.searchsorted(ids_then, ids[known_then])]
    came = (trips > before) & ~np.isin(ids, deported)  # came in 2009
    from_region = people.known(people, "origin")[1] == model.geo.origins.index(origin)
    return (came & from_region).sum() / (came & ~from_region).sum()


def test_a_deportation_wave_from_one_region_deters_its_next_season():
    for seed in (1, 2):
        assert departures_next_season(True, seed) < 0.85 * departures_next_season(False, seed)


def test_a_migrant_with_no_cash_is_not_let_go_for_a_bribe():
    s = with_events([], end_date=dt.date(2008, 7, 31), police_corruption_share=1.0)
    model = MigrationModel(s, scale=10, rng=4)
    for _ in range(150):
        model.step()
    present = model.population.present()
    found = present[model.book.status[present] == Status.IRREGULAR_STAY][:400]
    broke, flush = found[:200], found[200:]
    model.wallets.take(broke, np.inf)
    model.wallets.receive_wages(flush, 5000.0)
    t = model.t
    model.police.free_places = 10**6
    model.police.encounter(found, t)
    assert (model.records.extorted_day[flush] == t).all()  # everyone with cash pays the corrupt officer
    assert not (model.records.extorted_day[broke] == t).any()  # nobody without
    # without cash the official outcome follows: a fine they cannot pay means detention
    assert (model.book.status[broke] == Status.DETAINED).all()


def test_detention_places_limit_detentions_and_the_rest_are_fined_or_let_go():
    orders = {"kind": "enforcement", "start": dt.date(2008, 2, 1), "detain": ["all"], "inspections_factor": 4.0}
    _, roomy = run(
        with_events([orders], end_date=dt.date(2008, 9, 30), police_detention_places=5000.0, police_deportations_per_day=500.0),
        scale=20,
    )
    _, cramped = run(
        with_events([orders], end_date=dt.date(2008, 9, 30), police_detention_places=50.0, police_deportations_per_day=5.0),
        scale=20,
    )
    assert cramped["detained"].max() <= 50 + 20  # at most one agent over the places (stochastic rounding)
    assert cramped["deportations"].sum() < 0.5 * roomy["deportations"].sum()
    assert cramped["released"].sum() + cramped["fines"].sum() > roomy["released"].sum() + roomy["fines"].sum()


def test_withheld_wages_raise_wage_appeals():
    wage_categories = ("employer_issues", "employer_treatment_housing")
    for seed in (1, 2):
        counts = []
        for share in (0.0, 0.8):
            model, _ = run(with_events([], end_date=dt.date(2008, 10, 31), employers_withholding_share=share), seed=seed)
            by_category = dict(zip(model.legal_aid.categories, model.legal_aid.by_category, strict=True))
            counts.append(sum(by_category[c] for c in wage_categories))
        honest, cheating = counts
        assert cheating > 3 * honest + 50


def test_in_a_demand_shock_idle_workers_with_savings_stay_longer():
    # Demand halves in every sector on 5 July; on 4 July the test sets what people
    # hold: nothing, or $600 each. Idle person-days from the shock on measure how
    # long those out of work keep looking.
    shock = [
        {"kind": "economic_shock", "start": dt.date(2008, 7, 5), "sector": s, "demand_factor": 0.5}
        for s in ("construction", "vegetables_melons", "cotton", "livestock", "bazaar_trade")
    ]
    for seed in (1, 2):
        idle_days = []
        for savings in (0.0, 600.0):
            model = MigrationModel(with_events(shock, end_date=dt.date(2008, 8, 20)), scale=10, rng=seed)
            while model.date < dt.date(2008, 7, 4):
                model.step()
            model.wallets.savings[model.population.present()] = savings  # the situation the test sets up
            model.run()
            ts = model.timeseries()
            idle_days.append(ts["job_seekers"][ts["date"] >= "2008-07-05"].sum())
        poor, rich = idle_days
        assert rich > 1.2 * poor


def test_a_crowd_stuck_where_nobody_is_hired_does_not_lengthen_the_wait_others_expect():
    # Idle workers weigh the chance of a job where people are being hired (they can
    # move there): 20 seekers and 10 hires a day in one district. A crowd of 500
    # seekers in another district where nobody is hired must not change how many
    # keep looking; fewer hires where the work is must.
    def keep_looking(hires_where_work_is, crowd):
        model = MigrationModel(scenario.BASELINE, scale=10, rng=1)
        seekers, hires = np.zeros(len(model.geo.districts)), np.zeros(len(model.geo.districts))
        seekers[0], hires[0], seekers[1] = 20, hires_where_work_is, crowd
        for _ in range(60):  # long enough for the smoothed counts to settle
            model.employers._after_hiring(0, seekers, hires)
        idle = np.flatnonzero(model.population.group[: model.population.n] == Group.SEASONAL)
        return int(np.count_nonzero(model.migrants.keeps_looking(idle, 0))), len(idle)

    alone, n = keep_looking(10, crowd=0)
    assert 0 < alone < n  # the decision is not one-sided here, so it can move
    assert keep_looking(10, crowd=500)[0] == alone
    assert keep_looking(1, crowd=0)[0] < alone


def test_card_holders_come_back_next_season_more_often_than_others():
    came_back = {"card": [], "other": []}
    for seed in (1, 2):
        # the 2006 amnesty, with an inspection drive before it so that many employers file
        drive = {"kind": "enforcement", "start": dt.date(2006, 6, 1), "end": dt.date(2006, 12, 31), "inspections_factor": 5.0}
        model = MigrationModel(with_events([drive], base=SCENARIOS / "amnesty_2006.toml"), scale=5, rng=seed)
        new_year = model.day_index(dt.date(2007, 1, 1))
        while model.t < new_year:
            model.step()
        # seasonal workers at home on new year's day wait in the home register
        people = model.population
        home = people.home
        person = home.column(people, "person").copy()
        trips = home.column(people, "trips").copy()
        unbanned = home.column(model.records, "ban_until") <= new_year
        card = home.column(model.papers, "card_until") > new_year
        holders, others = card, unbanned & ~card & home.column(people, "ever_present")
        model.run()
        ids, trips_now = people.known(people, "trips")
        came = trips_now[np.searchsorted(ids, person)] > trips  # came again in 2007
        came_back["card"].append(came[holders])
        came_back["other"].append(came[others])
    card, other = np.concatenate(came_back["card"]), np.concatenate(came_back["other"])
    assert len(card) > 500 and len(other) > 5000, (len(card), len(other))
    se = np.sqrt(card.mean() * (1 - card.mean()) / len(card) + other.mean() * (1 - other.mean()) / len(other))
    assert card.mean() > other.mean() + 2 * se, (card.mean(), other.mean(), se)
