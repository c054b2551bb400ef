"""MigrationModel: wires the map, the calendar, the agents and the counters.

The rules live with the agents (``sim/agents``) and the legal-status machine
(``sim/status.py``); this module only builds the world and orders the day.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.discrete_space import Network

from migsim import scenario as scenario_mod
from migsim.agents.employer import EmployerBook
from migsim.agents.legal_center import LegalAid
from migsim.agents.migrant import Group, Migrants
from migsim.agents.police import Enforcement
from migsim.amnesty import AmnestyOffice
from migsim.calendar import monthly_curve, run_dates
from migsim.draws import stochastic_round
from migsim.geography import Geography, Place
from migsim.metrics import Metrics, outcomes
from migsim.people.beliefs import Beliefs
from migsim.people.jobs import Jobs
from migsim.people.money import Wallets
from migsim.people.news import OriginNews
from migsim.people.papers import Papers
from migsim.people.population import Population
from migsim.people.records import PoliceRecords
from migsim.policies import Rules, Schedule
from migsim.status import Status, StatusBook


class MigrationModel(mesa.Model):
    """Seasonal labour migration into South Kazakhstan, one step a day.

    Args:
        scenario: a scenario file's path, a shipped scenario's name (``"crackdown_2009"``,
            ``migsim scenarios`` lists them) or a loaded ``Scenario``; default the baseline.
        scale: agent scale, one agent stands for this many people. Every count
            reported is in people whatever the scale.
        rng: seed (Mesa convention).
        **overrides: any parameter by its flat name (``police_detection=0.3``), as
            ``mesa.batch_run`` and the SolaraViz sliders pass them.
    """

    def __init__(
        self, scenario: str | Path | scenario_mod.Scenario | None = None, scale: int = 1, rng: Any = None, **overrides: Any
    ):
        super().__init__(rng=rng)
        if not isinstance(scenario, scenario_mod.Scenario):
            scenario = scenario_mod.load(scenario or scenario_mod.BASELINE)
        self.params = scenario.with_overrides(overrides)
        if int(scale) != scale or scale < 1:
            raise scenario_mod.ScenarioError(f"scale: expected a whole number >= 1, got {scale!r}")
        self.scale = int(scale)
        if self.scale > self.params.migrants.potential_migrants:  # not one agent would be left to simulate
            raise scenario_mod.ScenarioError(
                f"scale {self.scale:,}: more people per agent than the scenario's "
                f"{self.params.migrants.potential_migrants:,} potential migrants; expected at most that"
            )
        self.dates = run_dates(self.params.run.start_date, self.params.run.end_date)
        self.t = -1
        self.schedule = Schedule(self.params, self.dates)
        self.rules: Rules = self.schedule.rules_on(0)  # what agents read: parameters with events in force

        self.geo = Geography.load()
        self.space = Network(self.geo.graph, layout=self.geo.layout(), random=self.random, cell_klass=Place)
        for node, cell in self.space._cells.items():
            for key, value in self.geo.graph.nodes[node].items():
                setattr(cell, key, value)
            cell.place_id = node
        m = self.params.migrants
        self.leave_profile = monthly_curve(m.leave_profile, self.dates)
        self.distance_weight = np.exp(-self.geo.origin_district_hours / m.distance_decay_hours)

        # The books of per-person state (sim/people), each the only writer of its arrays.
        self.book = StatusBook(self.scale)
        self.metrics = Metrics(self)
        self.population = Population(self.geo.origins, self.book, m.potential_migrants)
        self.papers = Papers()
        self.wallets = Wallets()
        self.records = PoliceRecords()
        self.beliefs = Beliefs()
        self.news = OriginNews(self)
        # The agents' decisions (sim/agents) and the amnesty office.
        self.migrants = Migrants(self)
        self.employers = EmployerBook(self)
        self.jobs = Jobs(len(self.employers.agents))
        self.amnesty = AmnestyOffice(self, len(self.employers.agents))
        self.amnesty.update_rules(None, self.rules)
        self.population.books += [self.papers, self.wallets, self.jobs, self.records, self.beliefs, self.amnesty]
        self.long_term_weights = self.employers.district_sector_weights @ np.array([0, 0, 1, 0, 2.0])
        self.police = Enforcement(self)
        self.police.units()
        self.legal_aid = LegalAid(self)
        self.population.books.append(self.legal_aid)
        self._populate()
        self.initial_present = int(self.book.stocks(self.population.n)[1:].sum())

        columns = self.metrics.columns()
        self.datacollector = mesa.DataCollector(model_reporters={c: _reporter(c) for c in columns})

    def _populate(self) -> None:
        """Who is there on the first morning: long-term residents, the winter
        remainder of seasonal workers, and the day traders at home."""
        rng, p = self.rng, self.params
        population, migrants, book = self.population, self.migrants, self.book
        lt = p.long_term
        residents = migrants.add(stochastic_round(rng, lt.initial / self.scale), Group.LONG_TERM)
        registered = rng.random(len(residents)) < lt.share_registered
        population.place(residents, migrants.choose_destinations(residents, 0, self.long_term_weights))
        book.place(residents, np.where(registered, Status.REGISTERED, Status.IRREGULAR_STAY))
        self.papers.register(residents[registered], rng.integers(1, p.registration.validity_days, size=int(registered.sum())))
        population.backdate(residents, -rng.integers(0, int(lt.mean_stay_years * 365), size=len(residents)))
        population.plan_departure(residents, migrants.long_term_stays(len(residents)))
        seasonal = migrants.add(stochastic_round(rng, p.migrants.initial_seasonal / self.scale), Group.SEASONAL)
        population.place(seasonal, migrants.choose_destinations(seasonal, 0))
        book.place(seasonal, Status.IRREGULAR_STAY)
        self.jobs.look_for_work(seasonal, 0)
        population.backdate(seasonal, -rng.integers(30, p.migrants.planned_stay_min_days + 90, size=len(seasonal)))
        population.plan_departure(seasonal, rng.integers(1, 90, size=len(seasonal)))
        placed = np.concatenate([residents, seasonal])
        self.wallets.arrive_with(placed, rng.exponential(p.migrants.cash_on_arrival_usd, size=len(placed)))
        near = [self.geo.origins.index(o) for o in ("tashkent_region", "syrdarya", "tajikistan")]
        weights = population.origin_weights[near] / population.origin_weights[near].sum()
        traders = stochastic_round(rng, p.day_traders.people / self.scale)
        origins = np.array(near)[rng.choice(len(near), size=traders, p=weights)]
        self.day_traders = migrants.add(len(origins), Group.DAY_TRADER, origins)

    # Mesa's agent registry, with every person's Migrant agent made first (see
    # Migrants.materialize: made on demand, not on the day a person is added).
    @property
    def agents(self):
        self._materialize_migrants()
        return super().agents

    @property
    def agents_by_type(self):
        self._materialize_migrants()
        return super().agents_by_type

    @property
    def agent_types(self):
        self._materialize_migrants()
        return super().agent_types

    def remove_all_agents(self):
        self._materialize_migrants()
        super().remove_all_agents()

    def _materialize_migrants(self) -> None:
        migrants = self.__dict__.get("migrants")
        if migrants is not None:
            migrants.materialize()

    def day_index(self, date: dt.date) -> int:
        """The step index of a date (negative before the start)."""
        return (date - self.params.run.start_date).days

    def date_of(self, t: int) -> dt.date:
        return self.params.run.start_date + dt.timedelta(days=int(t))

    @property
    def date(self) -> dt.date:
        """The current simulated date (of the last completed day)."""
        return self.dates[max(self.t, 0)]

    def step(self) -> None:
        """One day. Order: rules in force, demand and dismissals, deportations,
        departures, people back home leave their slots, arrivals, papers, amnesty decisions, hiring, amnesty filings,
        pay, police, legal aid, counters."""
        if self.steps > len(self.dates):  # past the last day: the year is over, nothing happens
            self.running = False
            return
        self.t = t = self.steps - 1
        if t > 0 and self.schedule.changes_on(t):
            old, self.rules = self.rules, self.schedule.rules_on(t)
            for part in (self.employers, self.amnesty, self.police, self.legal_aid):
                part.update_rules(old, self.rules)
        self.book.new_day()
        self.metrics.new_day()
        self.news.new_day()
        self.employers.set_demand(t)
        self.police.deport_detained(t)
        self.migrants.go_home(t)
        self.migrants.rest_at_home()
        self.migrants.leave_home(t)
        self.metrics.add("day_trips", self.migrants.day_trips(t) * self.scale)
        self.migrants.keep_papers(t)
        self.amnesty.decide(t)
        self.employers.hire(t)
        self.employers.consider_amnesty(t)
        self.employers.pay(t)
        self.police.patrol(t)
        self.legal_aid.gather(t)
        for centre in self.legal_aid.centres:  # a scenario may have none
            centre.step()
        self.metrics.record(t)
        self.datacollector.collect(self)
        if t + 1 >= len(self.dates):
            self.running = False

    def enact(self, event: dict[str, Any], replacing: Any = None) -> Any:
        """A policy decided during the run (the classroom's sliders): ``event`` is
        an ``[[events]]`` table as a scenario file writes it, validated the same way,
        in force from tomorrow (the past is not rewritten); ``replacing``, an event
        enacted before, ends today. Nothing changes if the result is refused.
        Returns the event as the schedule holds it (to repeal or replace it later)."""
        tomorrow = self.date_of(self.t + 1)
        start = event.get("start", tomorrow)
        if not isinstance(start, dt.date) or start < tomorrow:
            raise scenario_mod.ScenarioError(
                f"enact: an event decided on {self.date} must start on {tomorrow} or later, not {start}"
            )
        events = self._without(replacing) if replacing is not None else list(self.params.events)
        self._reschedule([*events, {**event, "start": start}], f"a policy enacted on {self.date}")
        return self.params.events[-1]

    def repeal(self, event: Any) -> None:
        """End an enacted event: in force up to today, or never if it has not started."""
        self._reschedule(self._without(event), f"a policy repealed on {self.date}")

    def _without(self, event: Any) -> list:
        events = list(self.params.events)
        if event not in events:
            raise scenario_mod.ScenarioError(f"repeal: {event.describe()} is not in force or planned")
        i = events.index(event)
        if self.t < 0 or event.start > self.date:
            del events[i]  # not started: as if never decided
        elif (event.end or self.dates[-1]) > self.date:
            events[i] = event.model_copy(update={"end": self.date})
        return events

    def _reschedule(self, events: list, source: str) -> None:
        tree = self.params.model_dump()
        tree["events"] = [e if isinstance(e, dict) else e.model_dump() for e in events]
        self.params = scenario_mod.validate(tree, source)
        self.schedule = Schedule(self.params, self.dates)
        if self.t < 0:  # before the first day: the first day's rules change now
            old, self.rules = self.rules, self.schedule.rules_on(0)
            for part in (self.employers, self.amnesty, self.police, self.legal_aid):
                part.update_rules(old, self.rules)

    def run(self, progress=None) -> None:
        """Run to the scenario's end date; ``progress`` is called after each day."""
        while self.running:
            self.step()
            if progress is not None:
                progress(self)

    def timeseries(self) -> pd.DataFrame:
        """One row a simulated day so far: the date (a real date column), the stocks
        by status, the day's flows and the counts by district (docs/ODD.md, section 4: observation)."""
        frame = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        frame["date"] = pd.to_datetime(frame["date"])
        return frame

    def summary(self) -> dict[str, Any]:
        """The run's totals and calibration figures so far (what summary.json holds)."""
        return self.metrics.summary(self.timeseries())

    def outcomes(self) -> dict[str, float]:
        """The run's outcomes so far, one number each, by the names experiment files
        use: ``peak_irregular``, ``season_mean_irregular`` (March-November),
        ``season_irregular_share``, totals (``total_deportations``, ``total_bribes``,
        ``total_appeals``, ...), the calibration figures, ``irregular_month_01``..12
        and the appeal categories' shares."""
        timeseries = self.timeseries()
        return outcomes(timeseries, self.metrics.summary(timeseries))


def _reporter(column: str):
    def read(model: MigrationModel):
        return model.metrics.row[column]

    read.__name__ = f"read_{column}"
    return read
