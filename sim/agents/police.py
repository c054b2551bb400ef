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

from sim.agents.migrant import NEVER
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
        book = self.model.employers
        # Sites with workers, in sectors this police targets; bigger sites more often.
        here = np.flatnonzero((book.district == self.district) & (book.employed > 0) & (police.sector_weight[book.sector] > 0))
        visits = min(visits, len(here))
        if visits == 0:
            return
        weight = police.sector_weight[book.sector[here]] * np.sqrt(book.employed[here])
        police.sites_today.extend(self.model.rng.choice(here, size=visits, replace=False, p=weight / weight.sum()))


class Enforcement:
    """What the police do with the people they find."""

    def __init__(self, model: MigrationModel):
        self.model = model
        self.sites_today: list[int] = []  # employers the district units chose to inspect today
        # Amnesty applications waiting for a decision (first come, first served),
        # and how many a day the migration police decide on.
        self.amnesty_queue = np.zeros(0, dtype=np.int64)
        self.amnesty_capacity = 0.0
        self.cards_issued = 0
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
        if new.amnesty is not None:
            self.amnesty_capacity = new.amnesty.processing_per_day

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
        people, book = self.model.people, self.model.book
        employers = np.array(self.sites_today, dtype=np.int64)
        self.sites_today.clear()
        if len(employers) == 0:
            return
        inspected = np.zeros(len(self.model.employers.target) + 1, dtype=bool)  # last entry: no employer (-1)
        inspected[employers] = True
        present = people.present()
        workers = present[inspected[people.employer[present]]]
        irregular = workers[IRREGULAR[book.status[workers]]]
        found = irregular[self.model.rng.random(len(irregular)) < self.p.detection]
        self.model.metrics.add("inspections", len(employers))
        _, liable = self.act(found, t)
        liable = liable[~self.model.employers.exempt[liable]]
        self.model.metrics.add("employer_fines", len(liable))
        self.model.metrics.add("employer_fines_usd", len(liable) * self.p.employer_fine_usd)

    def street_checks(self, t: int) -> None:
        """Stops at markets, on roads and trains: any irregular migrant may be caught."""
        people, book = self.model.people, self.model.book
        stopped = sample(self.model.rng, people.present(), self.p.street_check_rate)
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
        people, rng = self.model.people, self.model.rng
        banned = people.ban_until[slots] > t
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
        people, book = model.people, model.book
        u = rng.random(len(found))
        bribe = found[u < p.bribe_share]
        fine = found[(u >= p.bribe_share) & (u < p.bribe_share + p.fine_share)]
        detain = found[u >= p.bribe_share + p.fine_share]
        people.violations[fine] += 1  # on record: a fine or a deportation bars an amnesty
        people.violations[detain] += 1
        self.extort(bribe, t)
        model.metrics.add("fines", len(fine) * model.scale)
        model.metrics.add("fines_usd", len(fine) * model.scale * p.fine_usd)
        people.savings[fine] = np.maximum(people.savings[fine] - p.fine_usd, 0.0)
        if not at_exit:
            registering = fine[
                (book.status[fine] == Status.IRREGULAR_STAY)
                & ~(people.passport_kept[fine] | people.documents_lost[fine])
                & (rng.random(len(fine)) < p.register_after_fine)
            ]
            people.register(registering, t)
        liable = people.employer[np.concatenate([fine, detain])]
        model.employers.release(detain, t, dismissed=False)
        book.move(detain, Status.DETAINED, "detained")
        people.detained_until[detain] = t + p.detention_days
        return detain, np.unique(liable[liable >= 0])

    def extort(self, slots: np.ndarray, t: int) -> None:
        model = self.model
        amounts = model.rng.exponential(self.p.bribe_usd_mean, size=len(slots))
        model.people.savings[slots] = np.maximum(model.people.savings[slots] - amounts, 0.0)
        model.people.extorted_day[slots] = t
        model.metrics.add("bribes", len(slots) * model.scale)
        model.metrics.add("bribe_usd", amounts.sum() * model.scale)

    def deport(self, slots: np.ndarray, t: int) -> None:
        people = self.model.people
        people.ban_until[slots] = t + self.ban_days
        people.detained_until[slots] = NEVER
        people.end_stay(slots, t)
        self.model.book.move(slots, Status.HOME, "deported")

    def release_detained(self, t: int) -> None:
        """Detention ends in deportation (FACTS.md 5), after the paperwork."""
        people = self.model.people
        held = np.flatnonzero(self.model.book.status[: people.n] == Status.DETAINED)
        self.deport(held[people.detained_until[held] <= t], t)



    def process_amnesty(self, t: int) -> None:
        """Decide on queued amnesty applications, up to capacity: approved if the
        worker is still here and eligible, rejected otherwise (FACTS.md 7)."""
        if len(self.amnesty_queue) == 0:
            return
        model, people, book = self.model, self.model.people, self.model.book
        exact = self.amnesty_capacity / model.scale
        capacity = int(exact) + int(model.rng.random() < exact - int(exact))
        deciding, self.amnesty_queue = self.amnesty_queue[:capacity], self.amnesty_queue[capacity:]
        window = model.employers.amnesty_window
        status = book.status[deciding]
        eligible = (
            np.isin(status, (Status.ENTERED, Status.REGISTERED, Status.IRREGULAR_STAY, Status.IRREGULAR_WORK))
            & np.isin(people.citizenship[deciding], [people.citizenship_codes.index(c) for c in window.citizenships
                                                     if c in people.citizenship_codes])
            & (people.entered[deciding] < model.day_index(window.entered_before))
            & (people.violations[deciding] == 0)
        )
        approved = deciding[eligible]
        people.card_until[approved] = t + int(round(window.card_years * 365))
        people.reg_until[approved] = people.card_until[approved]
        book.move(approved, Status.AMNESTY_CARD, "amnesty_granted")
        self.cards_issued += len(approved)
        model.metrics.add("amnesty_approvals", len(approved) * model.scale)
        model.metrics.add("amnesty_rejections", int((~eligible).sum()) * model.scale)
