"""The legal-status state machine: every status a migrant can be in, every named
transition between them, and the counts of both. The only place statuses change.

A migrant is *irregular* when present and in IRREGULAR_STAY, IRREGULAR_WORK or
DETAINED. IRREGULAR_STAY (no valid registration after the deadline) takes
precedence over IRREGULAR_WORK (legal stay, work without a permit): an unregistered
person working illegally is counted once, as irregular stay.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Status(IntEnum):
    HOME = 0  # not in Kazakhstan (never a stock in reports)
    ENTERED = 1  # legal, visa-free, within the registration deadline
    REGISTERED = 2  # legal stay, registered, not working illegally
    PERMITTED = 3  # works under a quota permit
    AMNESTY_CARD = 4  # holds an amnesty migrant card: may stay, work, change employer, leave and return
    IRREGULAR_STAY = 5  # deadline or registration passed, unregistered
    IRREGULAR_WORK = 6  # registered (or within the deadline), works without a permit
    DETAINED = 7  # held by police pending deportation


N_STATUS = len(Status)
PRESENT = np.array([s != Status.HOME for s in Status])
IRREGULAR = np.isin(np.arange(N_STATUS), [Status.IRREGULAR_STAY, Status.IRREGULAR_WORK, Status.DETAINED])
IRREGULAR_FREE = np.isin(np.arange(N_STATUS), [Status.IRREGULAR_STAY, Status.IRREGULAR_WORK])  # irregular, not held
UNREGISTERED = np.isin(np.arange(N_STATUS), [Status.ENTERED, Status.IRREGULAR_STAY])  # present without a registration
STOCK_COLUMNS = {s: s.name.lower() for s in Status if s != Status.HOME}

S = Status
_ANY_PRESENT = [s for s in Status if s != S.HOME]
# reason -> allowed (from, to) edges. A reason may have several edges when the
# target depends on the migrant's registration, as after a dismissal.
TRANSITIONS: dict[str, frozenset[tuple[Status, Status]]] = {
    name: frozenset(edges)
    for name, edges in {
        "arrive": [(S.HOME, S.ENTERED)],
        "arrive_with_card": [(S.HOME, S.AMNESTY_CARD)],
        "arrive_evading_ban": [(S.HOME, S.IRREGULAR_STAY)],
        # an unregistered person working without a permit who registers is still an irregular worker
        "register": [(S.ENTERED, S.REGISTERED), (S.IRREGULAR_STAY, S.REGISTERED), (S.IRREGULAR_STAY, S.IRREGULAR_WORK)],
        "deadline_passed": [(S.ENTERED, S.IRREGULAR_STAY), (S.IRREGULAR_WORK, S.IRREGULAR_STAY)],
        "registration_expired": [(S.REGISTERED, S.IRREGULAR_STAY), (S.IRREGULAR_WORK, S.IRREGULAR_STAY)],
        "hired_with_permit": [(S.ENTERED, S.PERMITTED), (S.REGISTERED, S.PERMITTED)],
        "hired_without_permit": [(S.ENTERED, S.IRREGULAR_WORK), (S.REGISTERED, S.IRREGULAR_WORK)],
        "dismissed": [
            (S.PERMITTED, S.REGISTERED),
            (S.IRREGULAR_WORK, S.REGISTERED),
            (S.IRREGULAR_WORK, S.ENTERED),
            (S.IRREGULAR_WORK, S.IRREGULAR_STAY),
        ],
        "amnesty_granted": [(s, S.AMNESTY_CARD) for s in (S.ENTERED, S.REGISTERED, S.IRREGULAR_STAY, S.IRREGULAR_WORK)],
        "card_expired": [(S.AMNESTY_CARD, S.IRREGULAR_STAY)],  # the card was also the registration
        "detained": [(S.IRREGULAR_STAY, S.DETAINED), (S.IRREGULAR_WORK, S.DETAINED)],
        "deported": [(S.DETAINED, S.HOME)],
        "departed": [(s, S.HOME) for s in _ANY_PRESENT if s != S.DETAINED],
    }.items()
}
TRANSITION_NAMES = tuple(TRANSITIONS)
_REASON_INDEX = {name: i for i, name in enumerate(TRANSITION_NAMES)}

# Boolean lookup table: ALLOWED[reason_index, from, to]
_ALLOWED = np.zeros((len(TRANSITIONS), N_STATUS, N_STATUS), dtype=bool)
for _i, _edges in enumerate(TRANSITIONS.values()):
    for _a, _b in _edges:
        _ALLOWED[_i, _a, _b] = True


class IllegalTransition(RuntimeError):
    pass


class StatusBook:
    """Holds the status array of the migrant population and moves people through
    the machine. Counts people (agents times scale) by reason and by edge."""

    def __init__(self, scale: int):
        self.scale = scale
        self.status = np.zeros(0, dtype=np.int8)
        self.today = np.zeros(len(TRANSITIONS), dtype=np.int64)  # reset each day
        self.total = np.zeros(len(TRANSITIONS), dtype=np.int64)
        self.edges = np.zeros((N_STATUS, N_STATUS), dtype=np.int64)
        self.watched = -1  # one followed person's slot (the classroom's "follow a migrant"), -1 for none
        self._watched_reasons: list[str] = []

    AWAY = -2  # the followed person is at home, out of the slots (sim/people/home.py)

    def watch_away(self) -> None:
        """The followed person left their slot for the home register; ``Population``
        watches their new slot when they come back."""
        self.watched = self.AWAY

    def watch(self, slot: int) -> None:
        """Note the reasons that move one person from now on (-1 stops)."""
        self.watched = int(slot)
        self._watched_reasons = []

    def take_watched_reasons(self) -> list[str]:
        """The reasons that moved the watched person since the last call."""
        reasons, self._watched_reasons = self._watched_reasons, []
        return reasons

    def grow(self, capacity: int) -> None:
        status = np.zeros(capacity, dtype=np.int8)
        status[: len(self.status)] = self.status
        self.status = status

    def move(self, slots: np.ndarray, to: Status | np.ndarray, reason: str) -> None:
        """Apply the named transition to the migrants in ``slots``.

        ``to`` is one status or one per slot. Raises IllegalTransition if any
        (from, to) pair is not an edge of ``reason``: a bug, never a user error.
        """
        if len(slots) == 0:
            return
        r = _REASON_INDEX[reason]
        src = self.status[slots]
        one_target = not isinstance(to, np.ndarray | list | tuple)
        if one_target:
            to = int(to)
            ok = _ALLOWED[r, src, to]
            moved = np.bincount(src, minlength=N_STATUS)
        else:
            to = np.asarray(to, dtype=np.int8)
            ok = _ALLOWED[r, src, to]
            moved = np.bincount(src.astype(np.intp) * N_STATUS + to, minlength=N_STATUS**2).reshape(N_STATUS, N_STATUS)
        if not ok.all():
            bad = np.flatnonzero(~ok)[0]
            dst = to if one_target else to[bad]
            raise IllegalTransition(f"{reason}: {Status(src[bad]).name} -> {Status(dst).name} is not allowed")
        self.status[slots] = to
        if self.watched >= 0 and (slots == self.watched).any():
            self._watched_reasons.append(reason)
        n = len(slots) * self.scale
        self.today[r] += n
        self.total[r] += n
        if one_target:
            self.edges[:, to] += moved * self.scale
        else:
            self.edges += moved * self.scale

    def place(self, slots: np.ndarray, status: Status | np.ndarray) -> None:
        """Put people who are already in the country on the first morning in their
        status (not a transition: nothing is counted)."""
        if (self.status[slots] != Status.HOME).any():
            raise IllegalTransition("place: only people at home can be placed")
        self.status[slots] = status

    def new_day(self) -> None:
        self.today[:] = 0

    def counted(self, reason: str) -> int:
        return int(self.today[_REASON_INDEX[reason]])

    def stocks(self, used: int) -> np.ndarray:
        """People in each status among the first ``used`` slots."""
        return np.bincount(self.status[:used], minlength=N_STATUS) * self.scale
