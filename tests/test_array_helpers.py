"""The array helpers the daily rules lean on give what their plain numpy
counterparts give (they exist only to be faster: experiments/benchmark.py)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from migsim.agents.employer import _first_per_group, _rank_within
from migsim.people.book import DueDates, distinct

slots = st.lists(st.integers(0, 200_000), max_size=60).map(lambda v: np.array(v, dtype=np.int64))


@given(slots)
def test_distinct_is_np_unique(values):
    got = distinct(values)
    assert got.dtype == values.dtype
    assert np.array_equal(got, np.unique(values))


@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 5)), max_size=80))
def test_due_dates_give_each_slot_once_on_its_day(entries):
    due = DueDates()
    for slot, day in entries:
        due.add(np.array([slot]), day)
    for day in range(6):
        assert np.array_equal(due.pop(day), np.unique([s for s, d in entries if d == day]).astype(np.int64))


@given(st.integers(1, 70_000), st.data())
def test_first_per_group_matches_a_plain_stable_sort(n_groups, data):
    """Groups are sorted as 16-bit keys when they fit (a radix sort): the same
    order as sorting the wide keys, for a few groups and for more than 16 bits hold."""
    size = data.draw(st.integers(0, 300))
    group_of = np.array(data.draw(st.lists(st.integers(0, n_groups - 1), min_size=size, max_size=size)), dtype=np.int32)
    items = np.array(data.draw(st.permutations(range(size))), dtype=np.int64)
    counts = np.bincount(group_of, minlength=n_groups)
    take = np.array([data.draw(st.integers(0, c)) if c else 0 for c in counts[: min(n_groups, 50)]], dtype=np.int64)
    take = np.concatenate([take, np.zeros(n_groups - len(take), dtype=np.int64)])
    order = np.argsort(group_of[items].astype(np.int64), kind="stable")
    expected = np.concatenate(
        [items[order][group_of[items][order] == g][: take[g]] for g in range(n_groups) if take[g]] or [np.zeros(0, np.int64)]
    )
    assert np.array_equal(_first_per_group(items, group_of, take, n_groups), expected)


@given(st.lists(st.tuples(st.integers(0, 40_000), st.booleans()), max_size=200))
def test_rank_within_counts_earlier_masked_positions_with_the_same_key(rows):
    keys = np.array([k for k, _ in rows], dtype=np.int64)
    mask = np.array([m for _, m in rows], dtype=bool)
    expected = [sum(1 for j in range(i) if mask[j] and keys[j] == keys[i]) if mask[i] else 0 for i in range(len(rows))]
    assert _rank_within(keys, mask).tolist() == expected
