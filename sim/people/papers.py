"""Papers: the registration deadline and validity of each stay, the amnesty card,
and the passport (kept by an employer, or lost). ``Papers`` is the only writer."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from migsim.people.book import FAR, NEVER, DueDates, PersonBook


class Papers(PersonBook):
    FIELDS: ClassVar[dict[str, tuple[type, object]]] = {
        "deadline": (np.int32, NEVER),  # registration deadline of the current stay
        "reg_until": (np.int32, NEVER),  # registration valid before this day
        "card_until": (np.int32, NEVER),  # amnesty migrant card valid before this day
        "passport_kept": (np.bool_, False),  # held by the employer
        "documents_lost": (np.bool_, False),  # a kept passport not handed back
        "blocked_day": (np.int32, NEVER),  # last wanted to register and could not
    }
    KEPT = ("card_until", "blocked_day")

    def __init__(self) -> None:
        super().__init__()
        self._deadlines = DueDates()  # stays whose registration deadline falls on a day
        self._expiries = DueDates()  # registrations that run out on a day
        self._card_expiries = DueDates()

    # ---- who falls due today (candidates: the caller checks their status) ----------------

    def deadlines_on(self, t: int) -> np.ndarray:
        due = self._deadlines.pop(t)
        return due[self.deadline[due] == t]

    def registrations_ending_on(self, t: int) -> np.ndarray:
        due = self._expiries.pop(t)
        return due[self.reg_until[due] == t]

    def cards_ending_on(self, t: int) -> np.ndarray:
        due = self._card_expiries.pop(t)
        return due[self.card_until[due] == t]

    def in_hand(self, slots: np.ndarray) -> np.ndarray:
        """Whether each person holds their passport and documents."""
        return ~(self.passport_kept[slots] | self.documents_lost[slots])

    def start_stay(self, slots: np.ndarray, deadline: int, with_card: np.ndarray) -> None:
        """On entry: a registration deadline; a card holder's card is their registration."""
        self.deadline[slots] = deadline
        self.reg_until[slots] = np.where(with_card, self.card_until[slots], NEVER)
        self._deadlines.add(slots, deadline)
        holders = slots[with_card]  # back with a card, in a new slot: its expiry is due there
        self._card_expiries.add(holders, self.card_until[holders])

    def register(self, slots: np.ndarray, until: np.ndarray | int) -> None:
        """Registered until the day ``until`` (FAR: as long as a permit lasts)."""
        self.reg_until[slots] = until
        if np.ndim(until) or until < FAR:
            self._expiries.add(slots, until)

    def blocked(self, slots: np.ndarray, t: int) -> None:
        """Wanted to register and could not (no passport in hand, or no money)."""
        self.blocked_day[slots] = t

    def issue_cards(self, slots: np.ndarray, until: int) -> None:
        self.card_until[slots] = until
        self.reg_until[slots] = until  # the card is also the registration
        self._card_expiries.add(slots, until)

    def take_passports(self, slots: np.ndarray) -> None:
        self.passport_kept[slots] = True

    def hand_back_passports(self, slots: np.ndarray, lost: np.ndarray) -> None:
        """Kept passports come back at the end of a job, except ``lost`` ones."""
        self.passport_kept[slots] = False
        self.documents_lost[lost] = True

    def return_passports(self, slots: np.ndarray) -> None:
        self.passport_kept[slots] = False

    def restore_documents(self, slots: np.ndarray) -> None:
        self.documents_lost[slots] = False

    def clear_at_exit(self, slots: np.ndarray) -> None:
        """A new stay starts with a passport in hand."""
        self.passport_kept[slots] = False
        self.documents_lost[slots] = False
