"""Random draws shared by the agents' rules (always from the model's generator)."""

from __future__ import annotations

import numpy as np


def sample(rng: np.random.Generator, items: np.ndarray, rate: float) -> np.ndarray:
    """Each item independently with probability ``rate``, in random order: a
    binomial count then a draw without replacement, cheaper than one uniform per
    item when the rate is small."""
    return items[sample_positions(rng, len(items), rate)]


def sample_positions(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """``sample`` of the positions 0..n-1, without building them (the work
    follows the count drawn, not n)."""
    count = rng.binomial(n, rate)
    return rng.choice(n, size=count, replace=False) if count else np.zeros(0, dtype=np.int64)


def truncated_normal(rng: np.random.Generator, mean: float, sd: float, lo: float, hi: float, size: int) -> np.ndarray:
    """Normal draws restricted to [lo, hi], by redrawing those outside."""
    if size == 0:
        return np.zeros(0)
    x = rng.normal(mean, sd, size)
    bad = np.flatnonzero((x < lo) | (x > hi))
    while len(bad):
        x[bad] = rng.normal(mean, sd, len(bad))
        bad = bad[(x[bad] < lo) | (x[bad] > hi)]
    return x


def stochastic_round(rng: np.random.Generator, x: float) -> int:
    """A whole number whose expectation is x: floor(x), plus one with chance of the
    fraction. Capacities and counts given in people become whole agents this way,
    so every count agrees in expectation at any agent scale."""
    whole = int(np.floor(x))
    return whole + int(rng.random() < x - whole)
