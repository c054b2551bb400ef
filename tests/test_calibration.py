"""The baseline against the calibration targets of sim/data/calibration_targets.csv
(sources.md 1-2). The reduced-scale check runs everywhere; the full-scale check is the
one the issue asks for (10 seeds, one agent per person)."""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from migsim import MigrationModel
from migsim.geography import read_data_csv
from migsim.metrics import calibration_figures

TARGETS = {r["target"]: (float(r["low"]), float(r["high"])) for r in read_data_csv("calibration_targets.csv")}


def season_figures(seed: int, scale: int) -> dict[str, float]:
    model = MigrationModel(scale=scale, rng=seed)
    model.run()
    ts = model.timeseries()
    return calibration_figures(ts, model.metrics.summary(ts))


def check(seeds: list[int], scale: int) -> dict[str, float]:
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("forkserver")) as pool:
        runs = list(pool.map(season_figures, seeds, [scale] * len(seeds)))
    mean = {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}
    for run in runs:  # the peak falls in September-October in every run
        assert 9 <= run["irregular_peak_month"] <= 10, run
    for key, (low, high) in TARGETS.items():
        if key == "irregular_peak_month":
            continue
        assert low <= mean[key] <= high, f"{key}: {mean[key]:.3f} outside [{low}, {high}]"
    return mean


def test_reduced_scale_baseline_meets_targets():
    check(seeds=[1, 2, 3], scale=10)


@pytest.mark.slow
def test_full_scale_baseline_meets_targets_over_ten_seeds():
    check(seeds=list(range(1, 11)), scale=1)
