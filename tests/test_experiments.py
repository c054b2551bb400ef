"""The experiment runner: a real Dask cluster gives the local backend's results;
a killed sweep resumes without rerunning finished jobs; failed jobs are recorded;
sensitivity indices rank a known-influential parameter first."""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from support import finished_jobs, kill_after_stored

from migsim.cli import main
from migsim.experiments.design import load_experiment, make_jobs
from migsim.experiments.runner import run_experiment
from migsim.scenario import BASELINE, ScenarioError

BIN = Path(sys.executable).parent


def write_experiment(path: Path, body: str) -> Path:
    short = path.parent / "short.toml"
    short.write_text(BASELINE.read_text().replace("end_date = 2008-12-31", "end_date = 2008-03-31"), encoding="utf-8")
    path.write_text('scenario = "short.toml"\n' + body, encoding="utf-8")
    return path


SWEEP = """name = "tiny_sweep"
scale = 50
replications = 2
seed = 3
outcomes = ["season_mean_irregular", "total_deportations", "total_bribes"]
[design]
kind = "factorial"
[[parameters]]
name = "police_workplace_inspections_per_day"
values = [0.0, 4.0, 16.0]
[[parameters]]
name = "registration_daily_rate"
values = [0.05, 0.3]
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_cluster(tmp_path):
    """`dask scheduler` and two `dask worker` processes on 127.0.0.1, stopped at the end."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    procs = [
        subprocess.Popen(
            [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
    ]
    try:
        deadline = time.time() + 60
        while True:  # wait until the scheduler listens
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("dask scheduler did not start within 60 s")
                time.sleep(0.3)
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        str(BIN / "dask"),
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--no-dashboard",
                        "--memory-limit",
                        "2GiB",
                        "--death-timeout",
                        "60",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env=env,
                    cwd=tmp_path,
                )
            )
        from dask.distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=90)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def outcomes_csv(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "results.csv").sort_values("position").reset_index(drop=True)


def test_dask_cluster_gives_the_local_results(tmp_path, dask_cluster):
    exp = write_experiment(tmp_path / "sweep.toml", SWEEP)
    assert main(["sweep", str(exp), "--backend", "local", "--workers", "2", "--out", str(tmp_path / "local")]) == 0
    assert main(["sweep", str(exp), "--backend", "dask", "--scheduler", dask_cluster, "--out", str(tmp_path / "dask")]) == 0
    local, dask = outcomes_csv(tmp_path / "local"), outcomes_csv(tmp_path / "dask")
    assert len(local) == 12
    pd.testing.assert_frame_equal(local, dask)
    assert local["total_deportations"].nunique() > 1  # the runs really differ by parameter


def reported(out, kind: str) -> str:
    """The folder's manifest says ``kind`` and ``migsim report`` makes its page."""
    assert json.loads((out / "manifest.json").read_text())["kind"] == kind
    assert main(["report", str(out)]) == 0
    return (out / "report.html").read_text()


def test_killed_sweep_resumes_without_rerunning_finished_jobs(tmp_path):
    exp = write_experiment(tmp_path / "sweep.toml", SWEEP.replace("values = [0.05, 0.3]", "values = [0.05, 0.1, 0.2, 0.3]"))
    out = tmp_path / "killed"
    before = kill_after_stored(
        [str(BIN / "migsim"), "sweep", str(exp), "--out", str(out), "--workers", "2"], out / "results.sqlite", at_least=4
    )
    assert 4 <= len(before) < 24
    assert not (out / "manifest.json").exists() and main(["report", str(out)]) == 2  # not a finished result
    result = subprocess.run(
        [str(BIN / "migsim"), "sweep", str(exp), "--out", str(out), "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"24 jobs: {len(before)} done before, {24 - len(before)} done now, 0 failed" in result.stdout
    after = finished_jobs(out / "results.sqlite")
    assert len(after) == 24
    assert all(after[job] == finished for job, finished in before.items())  # none ran twice
    assert "24 finished jobs" in reported(out, "sweep")
    fresh = tmp_path / "fresh"
    assert main(["sweep", str(exp), "--out", str(fresh), "--workers", "2"]) == 0
    pd.testing.assert_frame_equal(outcomes_csv(out), outcomes_csv(fresh))


def test_failed_jobs_are_recorded_and_the_others_go_on(tmp_path, monkeypatch):
    exp_path = write_experiment(tmp_path / "sweep.toml", SWEEP)
    exp, scenario = load_experiment(exp_path)
    jobs = make_jobs(exp, scenario)
    import migsim.model

    real_run = migsim.model.MigrationModel.run

    def flaky(self, progress=None):
        if self.params.police.workplace_inspections_per_day == 16.0 and self._seed == 4:
            raise RuntimeError("simulated crash")
        return real_run(self, progress)

    monkeypatch.setattr(migsim.model.MigrationModel, "run", flaky)
    counts = run_experiment(jobs, tmp_path / "out" / "results.sqlite", backend="inprocess")
    assert counts == {"total": 12, "skipped": 0, "done": 10, "failed": 2}
    with sqlite3.connect(tmp_path / "out" / "results.sqlite") as db:
        errors = db.execute("SELECT parameters, seed, error FROM jobs WHERE status='failed'").fetchall()
    assert len(errors) == 2 and all("simulated crash" in e for _, _, e in errors)
    assert all(json.loads(p)["police_workplace_inspections_per_day"] == 16.0 and s == 4 for p, s, _ in errors)
    monkeypatch.setattr(migsim.model.MigrationModel, "run", real_run)
    again = run_experiment(jobs, tmp_path / "out" / "results.sqlite", backend="inprocess")
    assert again == {"total": 12, "skipped": 10, "done": 2, "failed": 0}  # failed jobs are retried


def test_morris_ranks_the_influential_parameter_first(tmp_path):
    exp = write_experiment(
        tmp_path / "sens.toml",
        """name = "tiny_morris"
scale = 50
replications = 1
seed = 2
outcomes = ["total_deportations", "total_bribes"]
[design]
kind = "morris"
samples = 4
levels = 4
[[parameters]]
name = "police_workplace_inspections_per_day"
low = 0.0
high = 20.0
[[parameters]]
name = "day_traders_trip_rate"
low = 0.1
high = 0.9
[[parameters]]
name = "legal_aid_resolve_share"
low = 0.1
high = 0.9
""",
    )
    out = tmp_path / "sens"
    assert main(["sensitivity", str(exp), "--out", str(out), "--workers", "2"]) == 0
    table = pd.read_csv(out / "sensitivity_morris.csv")
    assert len(table) == 3 * 2  # parameters x outcomes
    assert set(table.columns) >= {"outcome", "parameter", "mu_star", "mu_star_conf", "sigma", "rank"}
    first = table[(table["outcome"] == "total_deportations") & (table["rank"] == 1)]["parameter"].item()
    assert first == "police_workplace_inspections_per_day"
    assert (out / "sensitivity_morris.png").exists()
    assert "sensitivity morris" in reported(out, "sensitivity")


def test_experiment_file_errors_are_named(tmp_path, capsys):
    exp = write_experiment(tmp_path / "bad.toml", SWEEP.replace("registration_daily_rate", "registration_daily_rat"))
    assert main(["sweep", str(exp), "--out", str(tmp_path / "o")]) == 2
    assert "parameters[1].name: unknown parameter 'registration_daily_rat'" in capsys.readouterr().err
    exp = write_experiment(tmp_path / "bad2.toml", SWEEP.replace("values = [0.05, 0.3]", "values = [0.05, 3.0]"))
    assert main(["sweep", str(exp), "--out", str(tmp_path / "o")]) == 2
    assert "registration.daily_rate: expected less than or equal to 1" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_rejection_abc_keeps_the_draws_closest_to_the_targets():
    from migsim.experiments.calibrate import observed_targets, rejection_abc

    obs = observed_targets()
    perfect = {k: v["observed"] for k, v in obs.items()}
    draws = pd.DataFrame([{"a": i, **{k: v * (1 + 0.05 * i) for k, v in perfect.items()}} for i in range(10)])
    table = rejection_abc(draws, ["a"], ["irregular_march_mean", "irregular_peak", "share_men"], accept=0.2)
    assert list(table[table["accepted"]]["a"]) == [0, 1]
    assert table["distance"].iloc[0] == 0 and table["distance"].iloc[3] == pytest.approx(0.15)


def test_calibrate_writes_accepted_sets_fit_report_and_plot(tmp_path):
    exp = tmp_path / "cal.toml"
    exp.write_text(
        f'scenario = "{BASELINE}"\n'
        + """name = "tiny_calibration"
description = "test"
scale = 50
outcomes = ["irregular_peak"]
[design]
kind = "lhs"
samples = 6
[calibration]
targets = ["irregular_march_mean", "irregular_peak", "irregular_november_mean", "mean_completed_stay_days", "share_men"]
accept = 0.34
[[parameters]]
name = "migrants_leave_rate"
low = 0.001
high = 0.004
""",
        encoding="utf-8",
    )
    out = tmp_path / "cal"
    assert main(["calibrate", str(exp), "--out", str(out), "--workers", "2"]) == 0
    draws = pd.read_csv(out / "draws.csv")
    accepted = pd.read_csv(out / "accepted.csv")
    assert len(draws) == 6 and len(accepted) == 3
    assert accepted["distance"].max() <= draws[~draws["accepted"]]["distance"].min()
    report = pd.read_csv(out / "fit_report.csv")
    assert {"irregular_peak", "share_men"} <= set(report["target"])
    assert "seasonal_curve" in " ".join(report["target"])
    assert (out / "calibration_fit.png").exists() and "Accepted parameter sets" in (out / "fit_report.md").read_text()
    assert "Accepted parameter sets" in reported(out, "calibrate")


def test_sobol_indices_with_intervals(tmp_path):
    exp = write_experiment(
        tmp_path / "sobol.toml",
        """name = "tiny_sobol"
scale = 50
seed = 5
outcomes = ["total_deportations"]
[design]
kind = "sobol"
samples = 8
[[parameters]]
name = "police_workplace_inspections_per_day"
low = 0.0
high = 20.0
[[parameters]]
name = "day_traders_trip_rate"
low = 0.1
high = 0.9
""",
    )
    out = tmp_path / "sobol"
    assert main(["sensitivity", str(exp), "--out", str(out), "--workers", "2"]) == 0
    table = pd.read_csv(out / "sensitivity_sobol.csv")
    assert len(table) == 2 and {"S1", "S1_conf", "ST", "ST_conf"} <= set(table.columns)
    first = table[table["rank"] == 1]["parameter"].item()
    assert first == "police_workplace_inspections_per_day"
    assert "sensitivity sobol" in reported(out, "sensitivity")


def test_dask_backend_with_no_scheduler_there_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MIGSIM_DASK_CONNECT_SECONDS", "2")  # nobody will answer: do not wait the default 10 s
    exp = write_experiment(tmp_path / "sweep.toml", SWEEP)
    port = free_port()
    assert (
        main(["sweep", str(exp), "--backend", "dask", "--scheduler", f"tcp://127.0.0.1:{port}", "--out", str(tmp_path / "o")])
        == 2
    )
    assert "no Dask scheduler answers there" in capsys.readouterr().err


def test_a_sweep_can_vary_a_policy_event_lever(tmp_path):
    """An event's lever is a parameter like any other (``events[i].lever``); a
    misspelt name gets the closest real one."""
    short = tmp_path / "drive.toml"
    short.write_text(
        'extends = "baseline.toml"\nname = "drive"\n[run]\nstart_date = 2008-01-01\nend_date = 2008-03-31\n'
        '[[events]]\nkind = "enforcement"\nstart = 2008-02-01\ninspections_factor = 3.0\n',
        encoding="utf-8",
    )
    (tmp_path / "baseline.toml").write_text(BASELINE.read_text(), encoding="utf-8")
    body = """name = "lever_sweep"
scenario = "drive.toml"
scale = 100
replications = 1
seed = 3
outcomes = ["total_fines"]
[design]
kind = "factorial"
[[parameters]]
name = "events[0].inspections_factor"
values = [1.0, 8.0]
"""
    (tmp_path / "sweep.toml").write_text(body, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["sweep", str(tmp_path / "sweep.toml"), "--out", str(out), "--backend", "inprocess"]) == 0
    table = pd.read_csv(out / "results.csv")
    assert sorted(table["events[0].inspections_factor"]) == [1.0, 8.0]
    low, high = (table.set_index("events[0].inspections_factor")["total_fines"][f] for f in (1.0, 8.0))
    assert high > low
    (tmp_path / "typo.toml").write_text(body.replace("inspections_factor", "inspection_factor"), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"did you mean 'events\[0\].inspections_factor'\?"):
        load_experiment(tmp_path / "typo.toml")
