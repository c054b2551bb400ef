"""Legal aid centres (docs/sources.md, "Legal aid"): a migrant appeals when
something happened to them, if they know of the centres and the trip is worth it.

What brings an appeal is an experience, and the appeal's category is that
experience (``sim/data/appeal_categories.csv``): wages withheld while at work or
owed after a job, a passport kept, documents lost, a bribe extorted, a dismissal,
wanting to register and not managing, being out of work with no money, a
long-term resident without papers. Each trouble has a value in US dollars (the
money at stake, or ``legal_aid.trouble_value_usd`` for a document or status
problem); on a day they can get away (``visit_rate``), a person goes if that
value times the chance the centre resolves it beats the cost of the trip to the
nearest centre (travel hours times ``migrants.travel_cost_usd_per_hour``, both ways).

``LegalCenter`` agents sit in their district, each with a queue it takes up to
its daily capacity; people wait up to ``patience_days`` for their turn. Appeals
are made, queued and taken *in people*, whatever the agent scale: an agent of k
people sends each of its people to a centre on their own (k chances a day), so
a coarse run's queue fills and empties as a fine run's does and the number of
appeals is the same in expectation at any scale; an appeal resolved settles the
whole agent's trouble with chance 1/k. ``LegalAid`` holds who appealed when and
what a centre can fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import mesa
import numpy as np

from migsim.agents.migrant import Group
from migsim.capacity import ServiceCapacity
from migsim.draws import sample_positions
from migsim.geography import read_data_csv
from migsim.people.book import FAR, NEVER, PersonBook, distinct
from migsim.status import UNREGISTERED, Status

if TYPE_CHECKING:
    from migsim.model import MigrationModel

TROUBLE_MEMORY_DAYS = 30  # an extortion or a dismissal is a reason to seek help for this long
SHELTER_DAYS = 14  # a broke, idle migrant seeks two weeks of shelter
NOT_MODELLED = "not_modelled"


class LegalCenter(mesa.discrete_space.FixedAgent):
    """A legal aid centre with a daily capacity and a queue (both in people: an
    agent appears once for each of its people who came)."""

    def __init__(self, model: MigrationModel, cell, index: int, capacity_per_day: float):
        super().__init__(model)
        self.cell = cell
        self.index = index
        self.capacity_per_day = capacity_per_day
        self.capacity = ServiceCapacity(capacity_per_day, scale=1)  # the queue is in people
        self.queue = np.zeros(0, dtype=np.int64)
        self.queue_category = np.zeros(0, dtype=np.int64)
        self.queue_since = np.zeros(0, dtype=np.int64)

    def receive(self, slots: np.ndarray, category: np.ndarray, since: int | np.ndarray) -> None:
        """Appellants join the end of the queue (``since``: the day they came)."""
        if len(slots) == 0:
            return
        self.queue = np.concatenate([self.queue, slots])
        self.queue_category = np.concatenate([self.queue_category, category])
        self.queue_since = np.concatenate([self.queue_since, np.broadcast_to(since, slots.shape)])

    def forget(self, leaving: np.ndarray) -> None:
        """People home who leave the books' slots (a mask over slots): out of the
        queue (as ``step`` turns away those who have left)."""
        if len(self.queue) == 0:
            return
        still = ~leaving[self.queue]
        self.model.metrics.add("appeals_turned_away", len(still) - int(np.count_nonzero(still)))
        self.queue, self.queue_category, self.queue_since = self.queue[still], self.queue_category[still], self.queue_since[still]

    def step(self) -> None:
        """Those who waited too long, left the country or were detained give up; the centre
        takes the rest first come, first served, up to today's capacity."""
        if len(self.queue) == 0:
            self.capacity.serve(0)  # a day passes for the service too
            return
        model = self.model
        t = model.t
        status = model.book.status[self.queue]
        still = (
            (t - self.queue_since <= model.rules.legal_aid.patience_days) & (status != Status.HOME) & (status != Status.DETAINED)
        )
        model.metrics.add("appeals_turned_away", len(still) - int(np.count_nonzero(still)))
        self.queue, self.queue_category, self.queue_since = self.queue[still], self.queue_category[still], self.queue_since[still]
        capacity = self.capacity.serve(len(self.queue))
        model.legal_aid.take(self.queue[:capacity], self.queue_category[:capacity], self.cell.place_id)
        self.queue, self.queue_category, self.queue_since = (
            self.queue[capacity:],
            self.queue_category[capacity:],
            self.queue_since[capacity:],
        )


class LegalAid(PersonBook):
    """The appeal categories, who has which trouble, and what a centre can fix."""

    # recent_appellants: how many of an agent's people appealed lately and stay
    # away for now (each comes back after an exponential wait of mean
    # reappeal_days), as of recent_as_of, the day the count was brought up to date.
    FIELDS: ClassVar[dict[str, tuple[type, object]]] = {"recent_appellants": (np.int32, 0), "recent_as_of": (np.int32, NEVER)}
    KEPT = ("recent_appellants", "recent_as_of")

    def __init__(self, model: MigrationModel):
        super().__init__()
        self.model = model
        rows = read_data_csv("appeal_categories.csv")
        self.categories = [r["category"] for r in rows]
        self.experience = [r["experience"] for r in rows]
        self.modelled = np.array([e != NOT_MODELLED for e in self.experience])
        index = {e: i for i, e in enumerate(self.experience)}
        self.fixes_registration = np.isin(np.arange(len(rows)), [index["wants_to_register"], index["resident_without_papers"]])
        self.fixes_wages = np.isin(np.arange(len(rows)), [index["wages_owed_or_passport_kept"], index["wages_withheld_at_work"]])
        self.fixes_documents = np.arange(len(rows)) == index["documents_lost"]
        self.by_category = np.zeros(len(rows), dtype=np.int64)
        self.by_centre: dict[str, int] = {}  # appeals taken, by the district of the centre
        self.centres: list[LegalCenter] = []
        self.update_rules(None, model.rules)

    @property
    def p(self):
        """The legal aid rules in force today."""
        return self.model.rules.legal_aid

    def update_rules(self, old, new) -> None:
        """Open, close or resize centres; a campaign makes more migrants aware."""
        model, geo, aid = self.model, self.model.geo, new.legal_aid
        if old is None or aid.centres != old.legal_aid.centres:
            waiting = [(c.queue, c.queue_category, c.queue_since, c.cell.place_id) for c in self.centres]
            for centre in self.centres:
                centre.remove()
            self.centres = [LegalCenter(model, model.space[c.district], i, c.capacity_per_day) for i, c in enumerate(aid.centres)]
            if self.centres:
                hours = geo.district_hours[:, [geo.districts.index(c.district) for c in aid.centres]]
                self.nearest = hours.argmin(axis=1)
                self.hours = hours.min(axis=1)
            else:
                self.nearest = np.zeros(len(geo.districts), dtype=int)
                self.hours = np.full(len(geo.districts), np.inf)
            # Queues of centres that stay open are kept.
            for queue, category, since, district in waiting:
                for centre in self.centres:
                    if centre.cell.place_id == district:
                        centre.receive(queue, category, since)
        if old is not None and aid.awareness_share > old.legal_aid.awareness_share:
            # Booklets and media reach people who did not know: everyone ends up
            # aware with the new share (new people are drawn with it too).
            people = model.population
            unaware = np.flatnonzero(~people.knows_aid[: people.n] & (people.group[: people.n] > Group.DAY_TRADER))
            unaware_home = np.flatnonzero(~people.home.column(people, "knows_aid"))
            gain = (aid.awareness_share - old.legal_aid.awareness_share) / (1.0 - old.legal_aid.awareness_share)
            reached = model.rng.random(len(unaware) + len(unaware_home)) < gain
            people.learn_of_aid(unaware[reached[: len(unaware)]], unaware_home[reached[len(unaware) :]])

    def troubles(self, slots: np.ndarray, t: int) -> np.ndarray:
        """What each person's troubles are worth (US dollars; rows: people, columns:
        categories; 0 where a category does not apply)."""
        model = self.model
        status, papers, wallets, jobs = model.book.status[slots], model.papers, model.wallets, model.jobs
        employed = jobs.employer[slots] >= 0
        claim = wallets.unpaid_claim[slots]
        value = self.p.trouble_value_usd
        living = model.rules.migrants.living_cost_usd_per_day
        seasonal = model.population.group[slots] == Group.SEASONAL
        unregistered = UNREGISTERED[status]
        # Registering is weighed only by those it concerns: seasonal workers without a registration.
        asks = np.flatnonzero(unregistered & seasonal)
        benefit, cost = model.migrants.registration_worth(slots[asks], t, late=status[asks] == Status.IRREGULAR_STAY)
        blocked = papers.blocked_day[slots[asks]] >= t - TROUBLE_MEMORY_DAYS
        wants_to_register = np.zeros(len(slots))
        wants_to_register[asks] = np.where((benefit > cost) | blocked, np.maximum(benefit, value * blocked), 0.0)
        idle = jobs.idle_since[slots] < FAR
        worth = {
            "wants_to_register": wants_to_register,
            "wages_withheld_at_work": np.where(employed, claim, 0.0),
            "resident_without_papers": np.where(unregistered & ~seasonal, value, 0.0),
            "idle_and_broke": np.where(idle & (wallets.savings[slots] < 7 * living), SHELTER_DAYS * living, 0.0),
            "wages_owed_or_passport_kept": np.where(~employed, claim, 0.0) + value * papers.passport_kept[slots],
            "documents_lost": value * papers.documents_lost[slots],
            "dismissed": np.where(jobs.dismissed_day[slots] >= t - TROUBLE_MEMORY_DAYS, value, 0.0),
            "extorted": np.where(
                model.records.extorted_day[slots] >= t - TROUBLE_MEMORY_DAYS, model.records.last_bribe_usd[slots], 0.0
            ),
        }
        zero = np.zeros(len(slots))
        return np.column_stack([worth.get(e, zero) for e in self.experience])

    def gather(self, t: int) -> None:
        """People who know of the centres and can get away today weigh their
        troubles against the trip; those who go join the nearest centre's queue
        with their weightiest trouble as the category. Each of an agent's k people
        can get away on their own; one who appealed lately stays away (for
        ``reappeal_days`` on average, an exponential wait)."""
        if not self.centres:
            return
        model, people, p, k = self.model, self.model.population, self.p, self.model.scale
        present = people.present()
        free_today = present[sample_positions(model.rng, len(present) * k, p.visit_rate) // k]
        free_today = free_today[people.knows_aid[free_today] & (model.book.status[free_today] != Status.DETAINED)]
        if len(free_today) == 0:
            return
        self._forget_appeals(free_today, t)
        free_today = free_today[model.rng.random(len(free_today)) * k >= self.recent_appellants[free_today]]
        if len(free_today) == 0:
            return
        values = self.troubles(free_today, t)
        best = values.argmax(axis=1)
        stake = values[np.arange(len(free_today)), best] * p.resolve_share
        trip = 2 * self.hours[people.district[free_today]] * model.rules.migrants.travel_cost_usd_per_hour
        going = stake > trip
        appealing, category = free_today[going], best[going]
        np.add.at(self.recent_appellants, appealing, 1)
        np.minimum(self.recent_appellants, k, out=self.recent_appellants)  # an agent has only k people
        centre = self.nearest[people.district[appealing]]
        for c in self.centres:
            mine = centre == c.index
            c.receive(appealing[mine], category[mine], t)

    def _forget_appeals(self, slots: np.ndarray, t: int) -> None:
        """Bring these agents' count of recent appellants up to today: each of
        them has come back since the last count with chance 1 - exp(-days / reappeal_days)."""
        slots = distinct(slots)
        some = slots[self.recent_appellants[slots] > 0]
        elapsed = t - self.recent_as_of[some]
        self.recent_appellants[some] = self.model.rng.binomial(
            self.recent_appellants[some], np.exp(-elapsed / self.p.reappeal_days)
        )
        self.recent_as_of[slots] = t

    def take(self, slots: np.ndarray, category: np.ndarray, district: str) -> None:
        """Appeals taken at the centre in ``district`` (one person each): counted,
        and some resolved. A resolved appeal settles its agent's trouble with chance
        1/scale, so the people helped are the same in expectation at any scale."""
        if len(slots) == 0:
            return
        model, papers, book = self.model, self.model.papers, self.model.book
        model.metrics.add("appeals", len(slots))
        self.by_centre[district] = self.by_centre.get(district, 0) + len(slots)
        self.by_category += np.bincount(category, minlength=len(self.categories))
        solved = model.rng.random(len(slots)) < self.p.resolve_share / model.scale
        t = model.t
        reg = distinct(slots[solved & self.fixes_registration[category]])
        reg = reg[UNREGISTERED[book.status[reg]] & papers.in_hand(reg)]
        model.migrants.register(reg, t, late=book.status[reg] == Status.IRREGULAR_STAY)
        wages = distinct(slots[solved & self.fixes_wages[category]])
        model.metrics.add("wages_recovered_usd", model.wallets.recover_claims(wages) * model.scale)
        papers.return_passports(wages)
        papers.restore_documents(distinct(slots[solved & self.fixes_documents[category]]))
