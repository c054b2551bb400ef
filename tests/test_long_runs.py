"""Long runs (issue 11): people back home give up their slots in the books'
arrays, seasonal workers wait in the home register with what they carry to the
next season (sim/people/home.py), and the slots go to the next people who come.
The arrays then follow the people present, not everyone who ever came; runs stay
seeded and every person is accounted for. Seconds and process memory per
simulated year are measured in experiments/benchmark_long_run.py."""

import datetime as dt

import numpy as np
import pytest

from migsim.agents.migrant import Group, Migrant
from migsim.model import MigrationModel
from migsim.people.population import FREE
from migsim.status import Status


def accounted(model) -> None:
    """Every agent made is in a slot, at home in the register, or forgotten (a
    long-term resident gone home); each person once; each in-use slot a person."""
    people = model.population
    in_use = people.group[: people.n] != FREE
    assert people.people_made == int(in_use.sum()) + people.home.n + people.forgotten
    ids = np.concatenate([people.person[: people.n][in_use], people.home.column(people, "person")])
    assert len(np.unique(ids)) == len(ids)
    assert (model.book.status[: people.n][~in_use] == Status.HOME).all()  # a free slot is no one, at home
    assert (people.home.column(people, "group") == Group.SEASONAL).all()


@pytest.fixture(scope="module")
def ten_years():
    """Ten years at scale 50, with the people the books hold at each year's end."""
    model = MigrationModel(scale=50, rng=4, run_end_date=dt.date(2017, 12, 31))
    years = []
    while model.running:
        model.step()
        if model.date.month == 12 and model.date.day == 31:
            accounted(model)
            people = model.population
            years.append(
                {
                    "slots": people.n,
                    "in_use": people.slots_in_use(),
                    "at_home": people.home.n,
                    "bytes": people.nbytes(),
                    "present": int(model.metrics.row["present"]),
                    "made": people.people_made,
                }
            )
    return model, years


def test_slots_follow_the_people_present_not_everyone_who_came(ten_years):
    _, years = ten_years
    assert len(years) == 10
    # Before slots were reused they grew with everyone who ever came (at scale 5:
    # 21,400 in year 1, 85,800 in year 10). Now the most people at once set them.
    assert years[-1]["made"] > 3 * years[0]["made"]
    assert max(y["slots"] for y in years[1:]) <= 1.1 * years[1]["slots"]
    assert all(y["in_use"] <= y["slots"] for y in years)


def test_people_at_home_cost_less_than_half_a_slot(ten_years):
    model, years = ten_years
    people = model.population
    slot_bytes = sum(getattr(b, f).itemsize for b in people.books for f in b.FIELDS) + 1  # and the status
    assert people.home.bytes_per_person() < 0.5 * slot_bytes
    # The register grows as the pool of first-timers turns into people who have
    # been (bounded by the scenario's potential migrants), slower every year.
    growth = np.diff([y["at_home"] for y in years])
    assert growth[-1] < 0.5 * growth[0]
    m = model.params.migrants
    assert years[-1]["at_home"] <= (m.potential_migrants + m.initial_seasonal) / model.scale
    assert years[-1]["bytes"] < 2.0 * years[1]["bytes"]


def test_a_long_run_is_seeded_and_conserves_its_people(ten_years):
    """The same seed gives the same days: 18 months run again match the first
    18 months of the ten-year run, with everyone accounted for along the way."""
    model = MigrationModel(scale=50, rng=4, run_end_date=dt.date(2009, 6, 30))
    while model.running:
        model.step()
        if model.t % 61 == 0:
            accounted(model)
    accounted(model)
    again = model.timeseries()
    assert again.equals(ten_years[0].timeseries().iloc[: len(again)])
    stocks = again
    assert (
        stocks["present"]
        == stocks[
            [
                c
                for c in stocks
                if c in ("entered", "registered", "permitted", "amnesty_card", "irregular_stay", "irregular_work", "detained")
            ]
        ].sum(axis=1)
    ).all()


def test_memory_comes_back_with_the_person():
    """A seasonal worker who went home comes back with what they carried: ban,
    fear of the police, offences, where they worked; a followed one is followed."""
    model = MigrationModel(scale=20, rng=2, run_end_date=dt.date(2008, 12, 31))
    while model.t < 120:
        model.step()
    people, book = model.population, model.book
    present = people.present()
    slot = int(present[people.group[present] == Group.SEASONAL][0])
    person = int(people.person[slot])
    book.watch(slot)
    kept = {(type(b).__name__, f): getattr(b, f)[slot].copy() for b in people.books for f in b.KEPT}
    model.employers.release(np.array([slot]), model.t, dismissed=False)
    model.migrants.end_stay(np.array([slot]), model.t, deported=False)
    book.move(np.array([slot]), Status.HOME, "departed")
    model.migrants.rest_at_home()
    assert book.watched == book.AWAY and people.group[slot] == FREE
    row = int(np.flatnonzero(people.home.column(people, "person") == person)[0])
    back = people.bring_back(np.array([row]))
    assert book.watched == back[0] and people.person[back[0]] == person
    for b in people.books:
        for f in b.KEPT:
            assert getattr(b, f)[back[0]] == kept[(type(b).__name__, f)], f


def test_a_person_back_home_leaves_mesas_registry():
    model = MigrationModel(scale=50, rng=3, run_end_date=dt.date(2008, 12, 31))
    model.run()
    assert len(model.agents_by_type[Migrant]) == model.population.slots_in_use()
    model.migrants.rest_at_home()  # what the next morning does first
    migrants = model.agents_by_type[Migrant]
    assert len(migrants) == model.population.slots_in_use()
    home = [m for m in migrants if m.status == Status.HOME]
    assert home and all(m.group == Group.DAY_TRADER for m in home)  # only day traders are home in a slot
    assert all(m.model is model and m.slot >= 0 for m in migrants)


def test_amnesty_cards_through_the_register():
    """Cards run out for holders who went home and came back in another slot; the
    cards counted at the end include those of holders at home; a new window
    starts with no application on file, at home too."""
    from migsim.scenario import SCENARIO_DIR, load

    base = load(SCENARIO_DIR / "amnesty_2006.toml")
    second = {
        **base.events[0].model_dump(),
        "start": dt.date(2007, 8, 1),
        "end": dt.date(2007, 9, 30),
        "entered_before": dt.date(2007, 5, 31),
        "id": "amnesty_2007",
    }
    scenario = base.with_overrides({"events[0].card_years": 1.0, "run_end_date": dt.date(2008, 6, 30)})
    tree = scenario.model_dump()
    tree["events"].append(second)
    from migsim.scenario import validate

    model = MigrationModel(validate(tree, "two_windows"), scale=20, rng=3)
    people, papers = model.population, model.papers
    expired_holders = filed_at_home_on_opening = came_back_with_card = 0
    opening = model.day_index(dt.date(2007, 8, 1))
    while model.running:
        model.step()
        n = people.n
        card = model.book.status[:n] == Status.AMNESTY_CARD
        expired_holders += int((card & (papers.card_until[:n] <= model.t)).sum())
        came_back_with_card += model.book.counted("arrive_with_card")
        if model.t == opening:
            filed_at_home_on_opening = int(people.home.column(model.amnesty, "filed").sum())
    assert came_back_with_card > 0  # holders did go home and come back
    assert expired_holders == 0
    assert filed_at_home_on_opening == 0
    _, card_until = people.known(papers, "card_until")
    summary = model.metrics.summary(model.timeseries())
    assert summary["amnesty_cards_end"] == int((card_until > model.t).sum()) * model.scale > 0


def test_a_followed_person_s_last_day_is_told_from_their_slot():
    """The story of the day a followed person is deported (and gives up their
    slot the same day) still tells the ban and what they had."""
    from migsim.viz.session import Story

    model = MigrationModel(scale=20, rng=5, run_end_date=dt.date(2008, 12, 31))
    while model.t < 150:
        model.step()
    people = model.population
    present = people.present()
    irregular = present[np.isin(model.book.status[present], (Status.IRREGULAR_STAY, Status.IRREGULAR_WORK))]
    slot = np.array([irregular[people.group[irregular] == Group.SEASONAL][0]])
    story = Story(model, int(slot[0]))
    model.employers.release(slot, model.t, dismissed=False)
    model.book.move(slot, Status.DETAINED, "detained")
    model.police.deport(slot, model.t)
    model.migrants.rest_at_home()
    assert story.slot == -1  # at home, in the register
    story.observe()
    said = [text for _, text in story.lines]
    assert any(text.startswith("Deported to") and "banned from Kazakhstan until" in text for text in said), said
