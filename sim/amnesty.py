"""The amnesty office of the migration police (2006 cable, docs/sources.md):
applications filed by employers, the queue, decisions up to a daily capacity, and
the cards issued. Eligible are citizens of the listed CIS states who entered
before the cut-off date and broke no law other than the migration rules the
amnesty pardons (fines and deportations on record do not count against them).
``AmnestyOffice`` is the only writer of the queue, of who has been filed for and
of which employers have come forward."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from migsim.capacity import ServiceCapacity
from migsim.people.book import PersonBook
from migsim.status import N_STATUS, Status

if TYPE_CHECKING:
    from migsim.model import MigrationModel

DECIDABLE = np.isin(np.arange(N_STATUS), [Status.ENTERED, Status.REGISTERED, Status.IRREGULAR_STAY, Status.IRREGULAR_WORK])


class AmnestyOffice(PersonBook):
    FIELDS: ClassVar[dict[str, tuple[type, object]]] = {
        "filed": (np.bool_, False),  # an employer has applied for this person in this window
    }
    KEPT = ("filed",)

    def __init__(self, model: MigrationModel, n_employers: int):
        super().__init__()
        self.model = model
        self.applications = np.zeros(0, dtype=np.int64)  # waiting for a decision, first come first served
        self.cards_issued = 0
        self.window = None  # the window in force (an Amnesty event), or the last one
        self.came_forward = np.zeros(n_employers, dtype=bool)  # employers that filed (the police know them)

    def update_rules(self, old, new) -> None:
        window = new.amnesty
        if window is None or window is self.window:
            return
        self.filed[:] = False
        self.model.population.forget_at_home(self, "filed")
        self.window = window
        self.processing = ServiceCapacity(window.processing_per_day, self.model.scale)

    # ---- what the employers and the police ask ---------------------------------------------

    def eligible_on_papers(self, slots: np.ndarray, window) -> np.ndarray:
        """What an employer holding the papers can tell: citizenship, an entry
        stamp before the cut-off, papers not lost. (It cannot see other offences.)"""
        model = self.model
        people = model.population
        codes = [people.citizenship_codes.index(c) for c in window.citizenships if c in people.citizenship_codes]
        return (
            np.isin(people.citizenship[slots], codes)
            & (people.entered[slots] < model.day_index(window.entered_before))
            & ~model.papers.documents_lost[slots]
            & ~model.records.evaded_ban[slots]
        )

    def waits_for_decision(self, slots: np.ndarray) -> np.ndarray:
        """Which of these people, about to go home, stay for their decision: those
        whose application is in the queue and who can pay their keep until it
        comes."""
        if len(self.applications) == 0 or len(slots) == 0:
            return np.zeros(len(slots), dtype=bool)
        model = self.model
        position = np.full(model.population.n, -1, dtype=np.int64)
        position[self.applications] = np.arange(len(self.applications))
        pos = position[slots]
        per_day = max(self.window.processing_per_day / model.scale, 1e-9)
        wait_days = (pos + 1) / per_day
        keep = wait_days * model.rules.migrants.living_cost_usd_per_day
        return (pos >= 0) & (model.wallets.savings[slots] >= keep)

    def exempts(self, slots: np.ndarray) -> np.ndarray:
        """Workers whose employer has filed for them: no fine for hiring them."""
        if self.window is None or not self.window.employer_exempt:
            return np.zeros(len(slots), dtype=bool)
        return self.filed[slots]

    # ---- verbs -----------------------------------------------------------------------------

    def file(self, slots: np.ndarray) -> None:
        """Applications filed today join the queue."""
        model = self.model
        self.filed[slots] = True
        self.came_forward[model.jobs.employer[slots]] = True
        self.applications = np.concatenate([self.applications, slots])
        model.metrics.add("amnesty_applications", len(slots) * model.scale)

    def withdraw(self, leaving: np.ndarray) -> None:
        """People home who leave the books' slots (a mask over slots): their
        applications are withdrawn (as ``decide`` withdraws those of people who have left)."""
        if len(self.applications) == 0:
            return
        gone = leaving[self.applications]
        self.model.metrics.add("amnesty_withdrawn", int(gone.sum()) * self.model.scale)
        self.applications = self.applications[~gone]

    def decide(self, t: int) -> None:
        """Decide on queued applications, up to capacity (in people, spent on
        whole agents): approved if eligible; applications of people who have
        left are withdrawn."""
        if len(self.applications) == 0:
            if self.window is not None:
                self.processing.serve(0)  # a day passes for the office too
            return
        model = self.model
        people, book = model.population, model.book
        gone = ~DECIDABLE[book.status[self.applications]]
        model.metrics.add("amnesty_withdrawn", int(gone.sum()) * model.scale)
        queue = self.applications[~gone]
        capacity = self.processing.serve(len(queue))
        deciding, self.applications = queue[:capacity], queue[capacity:]
        eligible = self.eligible_on_papers(deciding, self.window) & ~people.other_offence[deciding]
        approved = deciding[eligible]
        model.papers.issue_cards(approved, t + round(self.window.card_years * 365))
        book.move(approved, Status.AMNESTY_CARD, "amnesty_granted")
        self.cards_issued += len(approved)
        model.metrics.add("amnesty_approvals", len(approved) * model.scale)
        model.metrics.add("amnesty_rejections", int((~eligible).sum()) * model.scale)
