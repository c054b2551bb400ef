import numpy as np
import pytest

from migsim.status import IRREGULAR, PRESENT, TRANSITION_NAMES, TRANSITIONS, IllegalTransition, Status, StatusBook


def book_with(*statuses, scale=1):
    book = StatusBook(scale)
    book.grow(len(statuses))
    book.status[:] = statuses
    return book


def test_allowed_transition_moves_and_counts_people():
    book = book_with(Status.HOME, Status.HOME, Status.ENTERED, scale=5)
    book.move(np.array([0, 1]), Status.ENTERED, "arrive")
    assert list(book.status) == [Status.ENTERED] * 3
    assert book.counted("arrive") == 10  # two agents of five people
    assert book.edges[Status.HOME, Status.ENTERED] == 10


def test_illegal_transition_raises_and_changes_nothing():
    book = book_with(Status.ENTERED, Status.HOME)
    with pytest.raises(IllegalTransition, match="register: HOME -> REGISTERED"):
        book.move(np.array([0, 1]), Status.REGISTERED, "register")
    assert list(book.status) == [Status.ENTERED, Status.HOME]
    assert book.total.sum() == 0


def test_one_reason_with_several_targets():
    book = book_with(Status.IRREGULAR_WORK, Status.IRREGULAR_WORK, Status.PERMITTED)
    to = np.array([Status.REGISTERED, Status.IRREGULAR_STAY, Status.REGISTERED])
    book.move(np.arange(3), to, "dismissed")
    assert list(book.status) == list(to)
    with pytest.raises(IllegalTransition):
        book_with(Status.PERMITTED).move(np.array([0]), Status.IRREGULAR_STAY, "dismissed")


@pytest.mark.parametrize("kind", [list, tuple, np.array])
def test_targets_given_as_any_sequence_move_each_slot_to_its_own(kind):
    book = book_with(Status.IRREGULAR_WORK, Status.PERMITTED, scale=3)
    book.move(np.arange(2), kind([Status.IRREGULAR_STAY, Status.REGISTERED]), "dismissed")
    assert list(book.status) == [Status.IRREGULAR_STAY, Status.REGISTERED]
    assert book.edges[Status.IRREGULAR_WORK, Status.IRREGULAR_STAY] == 3
    assert book.edges[Status.PERMITTED, Status.REGISTERED] == 3


def test_irregular_means_present_and_irregular_state():
    assert set(np.flatnonzero(IRREGULAR)) == {Status.IRREGULAR_STAY, Status.IRREGULAR_WORK, Status.DETAINED}
    assert not PRESENT[Status.HOME] and PRESENT[1:].all()


AMNESTY_ONLY = {"amnesty_granted", "arrive_with_card", "card_expired"}


def test_every_transition_happens_in_a_baseline_year(baseline_run):
    model, _ = baseline_run
    happened = dict(zip(TRANSITION_NAMES, model.book.total))
    assert all(n > 0 for name, n in happened.items() if name not in AMNESTY_ONLY), happened
    assert all(happened[name] == 0 for name in AMNESTY_ONLY)  # no amnesty in the baseline
    # every counted move is one of the machine's edges
    allowed = np.zeros_like(model.book.edges, dtype=bool)
    for edges in TRANSITIONS.values():
        for a, b in edges:
            allowed[a, b] = True
    assert model.book.edges[~allowed].sum() == 0
    assert model.book.edges.sum() == model.book.total.sum()


def test_final_status_agrees_with_counted_transitions(baseline_run):
    model, _ = baseline_run
    book = model.book
    net_in = book.edges.sum(axis=0) - book.edges.sum(axis=1)
    final = np.bincount(book.status[: model.population.n], minlength=len(Status)) * model.scale
    # final = initial + net inflow; initially the start-up stock was present and
    # everyone else (created later, or day traders) at home
    initial = final - net_in
    assert initial[1:].sum() == model.initial_present
    assert (initial >= 0).all()
