"""Replications and scenario comparison through the command line, at reduced scale."""

import json

import numpy as np
import pandas as pd
import pytest

from migsim.cli import main
from migsim.experiments.compare import mean_interval, paired_comparison
from migsim.metrics import KEY_OUTCOMES

SHORT = "end_date = 2008-05-31"


@pytest.fixture
def short(baseline_text, tmp_path):
    """A short baseline and a copy with a tough enforcement drive."""
    base = tmp_path / "base.toml"
    base.write_text(baseline_text.replace("end_date = 2008-12-31", SHORT), encoding="utf-8")
    drive = tmp_path / "drive.toml"
    drive.write_text(
        'extends = "base.toml"\nname = "drive"\n[[events]]\nkind = "enforcement"\nstart = 2008-02-01\n'
        "inspections_factor = 4.0\nstreet_check_factor = 4.0\n",
        encoding="utf-8",
    )
    return base, drive


def test_replications_write_each_run_an_ensemble_and_a_fan_chart(short, tmp_path):
    base, _ = short
    out = tmp_path / "reps"
    assert (
        main(["run", str(base), "--replications", "3", "--scale", "50", "--seed", "7", "--out", str(out), "--workers", "2"]) == 0
    )
    assert sorted(p.name for p in (out / "seeds").iterdir()) == ["seed-7", "seed-8", "seed-9"]
    runs = [pd.read_csv(out / "seeds" / f"seed-{s}" / "timeseries.csv") for s in (7, 8, 9)]
    ens = pd.read_csv(out / "ensemble.csv")
    assert len(ens) == len(runs[0]) == 152
    cube = np.stack([r["irregular"] for r in runs])
    assert np.allclose(ens["irregular_mean"], cube.mean(axis=0), atol=1e-3)  # written to 3 decimals
    assert (ens["irregular_lo95"] <= ens["irregular_mean"]).all() and (ens["irregular_mean"] <= ens["irregular_hi95"]).all()
    assert np.allclose(ens["deportations_cum_mean"], np.stack([r["deportations"].cumsum() for r in runs]).mean(axis=0), atol=1e-3)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seeds"] == [7, 8, 9] and set(summary["outcomes"]) == set(KEY_OUTCOMES)
    assert json.loads((out / "manifest.json").read_text())["seeds"] == [7, 8, 9]
    assert (out / "stocks.png").read_bytes()[:4] == b"\x89PNG"


def test_compare_a_scenario_with_itself_gives_zero_differences(short, tmp_path):
    base, _ = short
    copy = tmp_path / "copy.toml"
    copy.write_text(base.read_text().replace('name = "baseline"', 'name = "copy"'), encoding="utf-8")
    out = tmp_path / "same"
    assert main(["compare", str(base), str(copy), "--replications", "3", "--scale", "50", "--draws", "0", "--out", str(out)]) == 0
    table = pd.read_csv(out / "comparison.csv")
    copy_rows = table[table["scenario"] == "copy"]
    assert (copy_rows["diff"] == 0).all()  # common random numbers: same seeds, same runs
    assert not copy_rows["distinguishable"].any()


def test_compare_writes_tables_plots_and_plain_words(short, tmp_path):
    base, drive = short
    out = tmp_path / "cmp"
    assert (
        main(["compare", str(base), str(drive), "--replications", "3", "--scale", "50", "--draws", "0", "--out", str(out)]) == 0
    )
    for name in (
        "comparison.md",
        "comparison.csv",
        "outcomes_by_seed.csv",
        "compare_irregular.png",
        "compare_status.png",
        "compare_enforcement.png",
        "compare_legal_aid.png",
        "manifest.json",
    ):
        assert (out / name).exists(), name
    table = pd.read_csv(out / "comparison.csv")
    assert len(table) == 2 * len(KEY_OUTCOMES)
    assert set(table["scenario"]) == {"baseline", "drive"}
    deport = table[(table["scenario"] == "drive") & (table["outcome"] == "total_deportations")].iloc[0]
    assert deport["diff"] > 0 and deport["diff_lo95"] > 0 and deport["distinguishable"]
    by_seed = pd.read_csv(out / "outcomes_by_seed.csv")
    assert sorted(by_seed["seed"].unique()) == [20080101, 20080102, 20080103]
    md = (out / "comparison.md").read_text()
    assert "Reference: baseline." in md and "deportations up" in md and "In plain words" in md
    assert "**" not in md  # plain names: the HTML report shows this text as it is
    assert (out / "scenarios" / "drive" / "ensemble.csv").exists()


def test_compare_needs_two_distinct_valid_scenarios(short, tmp_path, capsys):
    base, _ = short
    assert main(["compare", str(base)]) == 2
    assert "two or more scenarios" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "base.toml"\nname = "bad"\n[police]\ndetection = 7\n')
    out = tmp_path / "never"
    assert main(["compare", str(base), str(bad), "--out", str(out)]) == 2
    assert "bad.toml: police.detection" in capsys.readouterr().err
    assert not out.exists()


def test_paired_interval_arithmetic():
    mean, lo, hi = mean_interval([1.0, 2.0, 3.0])
    assert (
        mean == 2.0
        and lo == pytest.approx(2 - 4.303 / np.sqrt(3), abs=1e-3)
        and hi == pytest.approx(2 + 4.303 / np.sqrt(3), abs=1e-3)
    )
    outcomes = pd.DataFrame(
        [
            {"scenario": s, "seed": seed, **{o: v + (10 if s == "b" else 0) + seed for o in KEY_OUTCOMES}}
            for s in ("a", "b")
            for seed, v in ((1, 100.0), (2, 50.0), (3, 70.0))
        ]
    )
    table = paired_comparison(outcomes, "a")
    b = table[table["scenario"] == "b"]
    # seed effects cancel in the paired difference: exactly +10 with no spread (a share's +10 is +1,000 points)
    expected = np.where(b["unit"] == "percent", 1000.0, 10.0)
    assert (b["diff"] == expected).all() and (b["diff_lo95"] == expected).all() and b["distinguishable"].all()
