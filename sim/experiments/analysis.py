"""Turning an experiment's stored results into tables, indices and plots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from migsim.experiments.store import ResultStore


def results_table(store_path: Path, jobs: list) -> pd.DataFrame:
    """One row per job of the experiment whose result is stored: position, the
    varied parameters, seed, outcomes. (A design may repeat a point; the same job
    is run once and its result serves every position.)"""
    store = ResultStore(store_path)
    try:
        done = {r["job_id"]: r["outcomes"] for r in store.rows("done")}
    finally:
        store.close()
    records = [
        {"position": job.position, **job.parameters, "seed": job.seed, **done[job.job_id]} for job in jobs if job.job_id in done
    ]
    return pd.DataFrame(records)


def failures(store_path: Path) -> pd.DataFrame:
    store = ResultStore(store_path)
    try:
        rows = store.rows("failed")
    finally:
        store.close()
    return pd.DataFrame([{"position": r["position"], **r["parameters"], "seed": r["seed"], "error": r["error"]} for r in rows])


def point_means(table: pd.DataFrame, replications: int, n_points: int, outcomes: list[str]) -> np.ndarray:
    """Outcomes averaged over replications, one row per design point in design order."""
    point = table["position"] // replications
    means = table.groupby(point)[outcomes].mean()
    if len(means) != n_points:
        raise ValueError(f"{n_points - len(means)} design points have no finished job; rerun to complete them")
    return means.sort_index().to_numpy()


def morris_indices(problem: dict, x: np.ndarray, y: np.ndarray, outcomes: list[str], levels: int, seed: int) -> pd.DataFrame:
    from SALib.analyze import morris

    rows = []
    for j, outcome in enumerate(outcomes):
        res = morris.analyze(problem, x, y[:, j], num_levels=levels, seed=seed, print_to_console=False)
        for i, name in enumerate(problem["names"]):
            rows.append(
                {
                    "outcome": outcome,
                    "parameter": name,
                    "mu_star": res["mu_star"][i],
                    "mu_star_conf": res["mu_star_conf"][i],
                    "mu": res["mu"][i],
                    "sigma": res["sigma"][i],
                }
            )
    table = pd.DataFrame(rows)
    table["rank"] = table.groupby("outcome")["mu_star"].rank(ascending=False, method="first").astype(int)
    return table


def sobol_indices(problem: dict, y: np.ndarray, outcomes: list[str], seed: int) -> pd.DataFrame:
    from SALib.analyze import sobol

    rows = []
    for j, outcome in enumerate(outcomes):
        res = sobol.analyze(problem, y[:, j], calc_second_order=False, seed=seed, print_to_console=False)
        for i, name in enumerate(problem["names"]):
            rows.append(
                {
                    "outcome": outcome,
                    "parameter": name,
                    "S1": res["S1"][i],
                    "S1_conf": res["S1_conf"][i],
                    "ST": res["ST"][i],
                    "ST_conf": res["ST_conf"][i],
                }
            )
    table = pd.DataFrame(rows)
    table["rank"] = table.groupby("outcome")["ST"].rank(ascending=False, method="first").astype(int)
    return table
