"""Legal aid centres (FACTS.md 6): migrants who know of a centre and can reach it
bring their troubles; a centre takes as many appeals a day as it can and resolves
some: registration, unpaid wages and kept passports, lost documents.

``LegalCenter`` agents sit in their district and each takes its own queue;
``LegalAid`` gathers the day's appeals and routes each to the nearest centre.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.agents.migrant import Group
from sim.draws import sample
from sim.geography import read_data_csv
from sim.status import Status

if TYPE_CHECKING:
    from sim.model import MigrationModel

EXTORTION_MEMORY_DAYS = 30  # how long a shake-down stays a reason to seek help
SAVINGS_FOR_SHELTER_USD = 30.0  # below this an idle migrant needs a roof


class LegalCenter(mesa.discrete_space.FixedAgent):
    """A legal aid centre with a daily capacity (appeals, in people)."""

    def __init__(self, model: MigrationModel, cell, index: int, capacity_per_day: float):
        super().__init__(model)
        self.cell = cell
        self.index = index
        self.capacity_per_day = capacity_per_day
        self.queue = np.zeros(0, dtype=np.int64)
        self.queue_category = np.zeros(0, dtype=np.int64)

    def receive(self, slots: np.ndarray, category: np.ndarray) -> None:
        """Today's appeals at this centre's door."""
        self.queue, self.queue_category = slots, category

    def step(self) -> None:
        """Take today's appeals up to capacity (agent units, stochastically rounded)."""
        model = self.model
        exact = self.capacity_per_day / model.scale
        capacity = int(exact) + int(model.rng.random() < exact - int(exact))
        taken = slice(0, capacity)
        model.legal_aid.take(self.queue[taken], self.queue_category[taken])
        model.metrics.add("appeals_turned_away", max(len(self.queue) - capacity, 0) * model.scale)
        self.queue = self.queue[:0]
        self.queue_category = self.queue_category[:0]


class LegalAid:
    """The appeal categories, who has which trouble, and what a centre can fix."""

    def __init__(self, model: MigrationModel):
        self.model = model
        rows = read_data_csv("appeal_categories.csv")
        self.categories = [r["category"] for r in rows]
        self.category_names = np.array(self.categories)
        self.base_weight = np.array([float(r["count"]) for r in rows])
        self.trigger = [r["trigger"] for r in rows]
        self.by_category = np.zeros(len(rows), dtype=np.int64)
        self.centres: list[LegalCenter] = []
        self.update_rules(None, model.rules)

    @property
    def p(self):
        """The legal aid rules in force today."""
        return self.model.rules.legal_aid

    def update_rules(self, old, new) -> None:
        """Open, close or resize centres; a campaign makes more migrants aware."""
        model, geo, aid = self.model, self.model.geo, new.legal_aid
        if old is None or aid.centres != old.legal_aid.centres or aid.reach_hours != old.legal_aid.reach_hours:
            for centre in self.centres:
                centre.remove()
            self.centres = [LegalCenter(model, model.space[c.district], i, c.capacity_per_day) for i, c in enumerate(aid.centres)]
            if self.centres:
                hours = geo.district_hours[:, [geo.districts.index(c.district) for c in aid.centres]]
                self.nearest = hours.argmin(axis=1)
                self.reach = np.exp(-hours.min(axis=1) / aid.reach_hours)
            else:
                self.nearest = np.zeros(len(geo.districts), dtype=int)
                self.reach = np.zeros(len(geo.districts))
        if old is not None and aid.awareness_share > old.legal_aid.awareness_share:
            # Booklets and media reach people who did not know: everyone ends up
            # aware with the new share (new people are drawn with it too).
            people = model.population
            unaware = np.flatnonzero(~people.knows_aid[: people.n] & (people.group[: people.n] != Group.DAY_TRADER))
            gain = (aid.awareness_share - old.legal_aid.awareness_share) / (1.0 - old.legal_aid.awareness_share)
            people.learn_of_aid(unaware[model.rng.random(len(unaware)) < gain])

    def _troubles(self, slots: np.ndarray, t: int) -> np.ndarray:
        """Which categories apply to each person (rows) today."""
        model = self.model
        status, papers, wallets = model.book.status[slots], model.papers, model.wallets
        employed = model.jobs.employer[slots] >= 0
        trig = {
            "any": np.ones(len(slots), dtype=bool),
            "unregistered": (status == Status.ENTERED) | (status == Status.IRREGULAR_STAY),
            "employed": employed,
            "long_term": model.population.group[slots] == Group.LONG_TERM,
            "idle_without_savings": ~employed & (wallets.savings[slots] < SAVINGS_FOR_SHELTER_USD),
            "wages_owed_or_passport_kept": (wallets.unpaid_claim[slots] > 0) | papers.passport_kept[slots],
            "documents_lost": papers.documents_lost[slots],
            "extorted": t - model.records.extorted_day[slots] <= EXTORTION_MEMORY_DAYS,
        }
        return np.column_stack([trig[name] for name in self.trigger])

    def gather(self, t: int) -> None:
        """Aware migrants appeal with a hazard that falls with distance to a centre;
        each appeal's category is drawn among their troubles (FACTS.md 6 weights)."""
        if not self.centres:
            return
        model, people = self.model, self.model.population
        # Thinning: draw at the highest hazard, then keep by the person's own.
        drawn = sample(model.rng, people.present(), self.p.appeal_rate)
        drawn = drawn[people.knows_aid[drawn] & (model.book.status[drawn] != Status.DETAINED)]
        appealing = drawn[model.rng.random(len(drawn)) < self.reach[people.district[drawn]]]
        if len(appealing) == 0:
            return
        weights = self._troubles(appealing, t) * self.base_weight
        cum = np.cumsum(weights, axis=1)
        u = model.rng.random(len(appealing)) * cum[:, -1]
        category = (u[:, None] >= cum).sum(axis=1)
        centre = self.nearest[people.district[appealing]]
        for c in self.centres:
            mine = centre == c.index
            c.receive(appealing[mine], category[mine])

    def take(self, slots: np.ndarray, category: np.ndarray) -> None:
        """Accepted appeals: counted, and some resolved."""
        model, papers, book = self.model, self.model.papers, self.model.book
        model.metrics.add("appeals", len(slots) * model.scale)
        self.by_category += np.bincount(category, minlength=len(self.categories)) * model.scale
        solved = model.rng.random(len(slots)) < self.p.resolve_share
        cat = self.category_names[category]
        t = model.t
        reg = slots[solved & (cat == "registration")]
        reg = reg[np.isin(book.status[reg], (Status.ENTERED, Status.IRREGULAR_STAY)) & papers.in_hand(reg)]
        model.migrants.register(reg, t)
        wages = slots[solved & (cat == "employer_issues")]
        model.metrics.add("wages_recovered_usd", model.wallets.recover_claims(wages) * model.scale)
        papers.return_passports(wages)
        papers.restore_documents(slots[solved & (cat == "documents")])
