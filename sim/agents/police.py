"""Migration police: inspections of workplaces, checks on roads, trains, markets
and at the border, and what follows a detection (FACTS.md 5): a bribe, a fine, or
detention and deportation with an entry ban; employers fined for illegal hands.

``PoliceUnit`` agents decide where to look (one unit per district inspects its
workplaces; a mobile unit works roads, trains and markets); ``Enforcement`` holds
the shared rules for what happens to those found.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.draws import sample
from sim.scenario import SECTORS
from sim.status import IRREGULAR, Status

if TYPE_CHECKING:
    from sim.model import MigrationModel


class PoliceUnit(mesa.discrete_space.FixedAgent):
    """A district's migration police (inspects workplaces), or the mobile unit
    (district None: stops people at markets, on roads and trains)."""

    def __init__(self, model: MigrationModel, cell, district: int | None, share: float):
        super().__init__(model)
        self.cell = cell
        self.district = district
        self.share = share  # of the oblast's workplace inspections (where the jobs are)
        self.inspections_per_day = 0.0  # set from the rules in force
        self.visits_today = 0  # drawn for all units at once by Enforcement.patrol

    def step(self) -> None:
        police = self.model.police
        if self.district is None:
            police.street_checks(self.model.t)
            return
        visits = self.visits_today
        if visits == 0:
            return
        book, employed = self.model.employers, self.model.jobs.employed
        # Sites with workers, in sectors this police targets; bigger sites more often.
        here = np.flatnonzero((book.district == self.district) & (employed > 0) & (police.sector_weight[book.sector] > 0))
        visits = min(visits, len(here))
        if visits == 0:
            return
        weight = police.sector_weight[book.sector[here]] * np.sqrt(employed[here])
        police.sites_today.extend(self.model.rng.choice(here, size=visits, replace=False, p=weight / weight.sum()))


class Enforcement:
    """What the police do with the people they find."""

    def __init__(self, model: MigrationModel):
        self.model = model
        self.sites_today: list[int] = []  # employers the district units chose to inspect today
        self.unit_list: list[PoliceUnit] = []
        self.update_rules(None, model.rules)

    @property
    def p(self):
        """The police rules in force today."""
        return self.model.rules.police

    def update_rules(self, old, new) -> None:
        self.sector_weight = np.array([new.sectors[s].inspection_weight for s in SECTORS])
        self.ban_days = int(round(new.police.entry_ban_years * 365))
        for unit in self.unit_list:
            unit.inspections_per_day = unit.share * new.police.workplace_inspections_per_day
        self.unit_rates = np.array([u.inspections_per_day for u in self.unit_list])

    def units(self) -> list[PoliceUnit]:
        """One unit per district, inspections shared by where the jobs are; one mobile unit."""
        model = self.model
        geo = model.geo
        demand = model.employers.base_demand * (self.sector_weight[model.employers.sector] > 0)
        by_district = np.bincount(model.employers.district, weights=demand, minlength=len(geo.districts))
        share = by_district / by_district.sum() if by_district.sum() > 0 else np.full(len(geo.districts), 1 / len(geo.districts))
        units = [PoliceUnit(model, model.space[d], i, share[i]) for i, d in enumerate(geo.districts)]
        units.append(PoliceUnit(model, model.space[geo.districts[0]], None, 0.0))
        self.unit_list = units
        self.update_rules(None, model.rules)
        return units

    def patrol(self, t: int) -> None:
        """The day's police work: how many sites each district unit visits (one
        vectorised draw), each unit on duty choosing where to go (its ``step``),
        then the inspections of the chosen sites."""
        for unit, visits in zip(self.unit_list, self.model.rng.poisson(self.unit_rates)):
            unit.visits_today = int(visits)
            if visits or unit.district is None:  # the mobile unit is always out
                unit.step()
        self.inspect_workplaces(t)

    def inspect_workplaces(self, t: int) -> None:
        """The sites the district units chose today: irregular workers there may be found."""
        people, book = self.model.population, self.model.book
        employers = np.array(self.sites_today, dtype=np.int64)
        self.sites_today.clear()
        if len(employers) == 0:
            return
        inspected = np.zeros(len(self.model.employers.target) + 1, dtype=bool)  # last entry: no employer (-1)
        inspected[employers] = True
        present = people.present()
        workers = present[inspected[self.model.jobs.employer[present]]]
        irregular = workers[IRREGULAR[book.status[workers]]]
        found = irregular[self.model.rng.random(len(irregular)) < self.p.detection]
        self.model.metrics.add("inspections", len(employers))
        _, liable = self.act(found, t)
        liable = liable[~self.model.amnesty.exempt[liable]]
        self.model.metrics.add("employer_fines", len(liable))
        self.model.metrics.add("employer_fines_usd", len(liable) * self.p.employer_fine_usd)

    def street_checks(self, t: int) -> None:
        """Stops at markets, on roads and trains: any irregular migrant may be caught."""
        book = self.model.book
        stopped = sample(self.model.rng, self.model.population.present(), self.p.street_check_rate)
        status = book.status[stopped]
        self.act(stopped[IRREGULAR[status] & (status != Status.DETAINED)], t)

    def check_routes(self, newcomers: np.ndarray, t: int) -> None:
        """Mobile units on bypass roads and trains check today's irregular entrants."""
        self.act(newcomers[self.model.rng.random(len(newcomers)) < self.p.route_check_rate], t)

    def check_traders(self, traders: np.ndarray, t: int) -> None:
        """Day traders are legal, but may be shaken down at a market check."""
        rng = self.model.rng
        stopped = sample(rng, traders, self.p.street_check_rate)
        self.extort(stopped[rng.random(len(stopped)) < self.p.bribe_share], t)

    def screen_entries(self, slots: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
        """At the crossing: banned people are mostly turned back; the rest of them
        slip through on bypass roads and are irregular from the first day. Barriers
        at entry turn back a share of everyone.
        Returns (admitted, evading) masks over slots."""
        rng = self.model.rng
        banned = self.model.records.ban_until[slots] > t
        turned_back = (banned & (rng.random(len(slots)) < self.p.banned_turned_back)) | (rng.random(len(slots)) < self.p.entry_refusal_share)
        self.model.metrics.add("turned_back", int(turned_back.sum()) * self.model.scale)
        return ~turned_back, banned

    def check_exits(self, leavers: np.ndarray, t: int) -> np.ndarray:
        """Irregular leavers checked at the border post; returns those deported
        there (with a ban) instead of leaving freely."""
        checked = leavers[self.model.rng.random(len(leavers)) < self.p.exit_check_rate]
        detained, _ = self.act(checked, t, at_exit=True)
        self.deport(detained, t)
        return detained

    def act(self, found: np.ndarray, t: int, at_exit: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Outcome for irregular people found: a bribe, a fine or detention.
        Returns (detained people, employers liable for a fined or detained worker)."""
        model, rng, p = self.model, self.model.rng, self.p
        book, records, papers = model.book, model.records, model.papers
        u = rng.random(len(found))
        bribe = found[u < p.bribe_share]
        fine = found[(u >= p.bribe_share) & (u < p.bribe_share + p.fine_share)]
        detain = found[u >= p.bribe_share + p.fine_share]
        records.record_violation(fine)  # on record: a fine or a deportation bars an amnesty
        records.record_violation(detain)
        self.extort(bribe, t)
        model.metrics.add("fines", len(fine) * model.scale)
        model.metrics.add("fines_usd", len(fine) * model.scale * p.fine_usd)
        model.wallets.take(fine, p.fine_usd)
        if not at_exit:
            registering = fine[
                (book.status[fine] == Status.IRREGULAR_STAY)
                & papers.in_hand(fine)
                & (rng.random(len(fine)) < p.register_after_fine)
            ]
            model.migrants.register(registering, t)
        liable = model.jobs.employer[np.concatenate([fine, detain])]
        model.employers.release(detain, t, dismissed=False)
        book.move(detain, Status.DETAINED, "detained")
        records.detain(detain, t + p.detention_days)
        return detain, np.unique(liable[liable >= 0])

    def extort(self, slots: np.ndarray, t: int) -> None:
        model = self.model
        amounts = model.rng.exponential(self.p.bribe_usd_mean, size=len(slots))
        model.wallets.take(slots, amounts)
        model.records.extorted(slots, t)
        model.metrics.add("bribes", len(slots) * model.scale)
        model.metrics.add("bribe_usd", amounts.sum() * model.scale)

    def deport(self, slots: np.ndarray, t: int) -> None:
        self.model.records.deport(slots, t + self.ban_days)
        self.model.migrants.end_stay(slots, t)
        self.model.book.move(slots, Status.HOME, "deported")

    def release_detained(self, t: int) -> None:
        """Detention ends in deportation, after the paperwork."""
        n = self.model.population.n
        held = np.flatnonzero(self.model.book.status[:n] == Status.DETAINED)
        self.deport(held[self.model.records.detained_until[held] <= t], t)
