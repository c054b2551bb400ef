"""The amnesty office of the migration police: applications filed by employers,
the queue, decisions up to a daily capacity, and the cards issued (2006 cable,
docs/sources.md). ``AmnestyOffice`` is the only writer of the queue, of who has
been filed for and of which employers are exempt from liability."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.people.book import PersonBook
from sim.status import Status

if TYPE_CHECKING:
    from sim.model import MigrationModel


class AmnestyOffice(PersonBook):
    FIELDS: ClassVar[dict[str, tuple[type, object]]] = {"filed": (np.bool_, False)}  # an employer has applied for this person in the open window

    def __init__(self, model: MigrationModel, n_employers: int):
        super().__init__()
        self.model = model
        self.applications = np.zeros(0, dtype=np.int64)  # waiting for a decision, first come first served
        self.capacity = 0.0  # decisions a day (people)
        self.cards_issued = 0
        self.window = None  # the window in force (an Amnesty event), or the last one
        self.participating = np.zeros(n_employers, dtype=bool)
        self.exempt = np.zeros(n_employers, dtype=bool)  # from employer fines for illegal hiring

    def update_rules(self, old, new) -> None:
        window = new.amnesty
        if window is None or window is self.window:
            return
        self.capacity = window.processing_per_day
        self.participating = self.model.rng.random(len(self.participating)) < window.employer_participation
        self.filed[:] = False
        self.window = window
        # 2006 cable: employers who apply are exempt from liability for the illegal
        # hiring, for the rest of the run.
        if window.employer_exempt:
            self.exempt |= self.participating

    def file(self, slots: np.ndarray) -> None:
        """Applications filed today join the queue."""
        model = self.model
        self.filed[slots] = True
        self.applications = np.concatenate([self.applications, slots])
        model.metrics.add("amnesty_applications", len(slots) * model.scale)

    def decide(self, t: int) -> None:
        """Decide on queued applications, up to capacity: approved if the worker is
        still here and eligible, rejected otherwise."""
        if len(self.applications) == 0:
            return
        model = self.model
        people, book = model.population, model.book
        exact = self.capacity / model.scale
        capacity = int(exact) + int(model.rng.random() < exact - int(exact))
        deciding, self.applications = self.applications[:capacity], self.applications[capacity:]
        window = self.window
        status = book.status[deciding]
        codes = [people.citizenship_codes.index(c) for c in window.citizenships if c in people.citizenship_codes]
        eligible = (
            np.isin(status, (Status.ENTERED, Status.REGISTERED, Status.IRREGULAR_STAY, Status.IRREGULAR_WORK))
            & np.isin(people.citizenship[deciding], codes)
            & (people.entered[deciding] < model.day_index(window.entered_before))
            & (model.records.violations[deciding] == 0)
        )
        approved = deciding[eligible]
        model.papers.issue_cards(approved, t + int(round(window.card_years * 365)))
        book.move(approved, Status.AMNESTY_CARD, "amnesty_granted")
        self.cards_issued += len(approved)
        model.metrics.add("amnesty_approvals", len(approved) * model.scale)
        model.metrics.add("amnesty_rejections", int((~eligible).sum()) * model.scale)
