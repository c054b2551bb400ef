"""The package as a user gets it (issue 12): build the wheel from a copy of the
source, install it into a fresh venv, and from an empty folder run the baseline
from the command line and from Python, and find every shipped file.

The fresh venv borrows the test environment's dependencies (mesa, pandas, ...)
through a path file instead of downloading them again; migsim itself comes only
from the wheel (the test venv's editable install is not visible there, which the
test checks)."""

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP = shutil.ignore_patterns(".venv", ".git", "results", "build", "*.egg-info", "__pycache__", ".pytest_cache")


def run(command: list, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"{command}: exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=SKIP, symlinks=True)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", base / "dist", source], base)
    (wheel,) = (base / "dist").glob("migsim-*.whl")
    venv = base / "venv"
    run([sys.executable, "-m", "venv", venv], base)
    python = venv / "bin" / "python"
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], base).stdout.strip())
    (site / "borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", wheel], base)
    empty = base / "empty"
    empty.mkdir()
    return {"wheel": wheel, "python": python, "migsim": venv / "bin" / "migsim", "empty": empty, "site": site}


def test_the_wheel_holds_the_shipped_files(installed):
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    for wanted in (
        "migsim/scenarios/baseline.toml",
        "migsim/scenarios/crackdown_2009.toml",
        "migsim/experiments/definitions/sweep_enforcement_quota.toml",
        "migsim/data/posterior_baseline.csv",
        "migsim/viz/live_chart.vue",
        "migsim/cli/__init__.py",
    ):
        assert wanted in names, wanted
    shipped = {Path(n).name for n in names if n.startswith("migsim/scenarios/")}
    assert shipped == {p.name for p in (ROOT / "sim" / "scenarios").glob("*.toml")}


def test_the_command_runs_the_baseline_by_name_from_an_empty_folder(installed):
    empty, migsim = installed["empty"], installed["migsim"]
    listed = run([migsim, "scenarios"], empty).stdout
    assert "migsim run baseline" in listed and "migsim sweep sweep_enforcement_quota" in listed
    done = run([migsim, "run", "baseline", "--scale", "100", "--out", "baseline"], empty)
    assert "peak irregular" in done.stdout
    assert {p.name for p in (empty / "baseline").iterdir()} == {"timeseries.csv", "summary.json", "manifest.json", "stocks.png"}
    # a copy to edit, extending the shipped baseline, runs by its path
    run([migsim, "scenarios", "copy", "crackdown_2009", "mine"], empty)
    run([migsim, "run", "mine/crackdown_2009.toml", "--scale", "100", "--out", "crackdown"], empty)
    run([migsim, "report", "crackdown"], empty)
    assert (empty / "crackdown" / "report.html").stat().st_size > 10_000


def test_python_runs_a_shipped_scenario_by_name_from_an_empty_folder(installed):
    code = """
import migsim, sys
from pathlib import Path
assert Path(migsim.__file__).is_relative_to(Path(sys.argv[1])), migsim.__file__  # the wheel's, not the editable one
from migsim import MigrationModel
model = MigrationModel("crackdown_2009", scale=100, rng=1)
model.run()
outcomes = model.outcomes()
assert outcomes["peak_irregular"] > 0, outcomes
assert MigrationModel(scale=200).params.name == "baseline"
from migsim.experiments.design import load_experiment
exp, scenario = load_experiment("sweep_enforcement_quota")
assert scenario.name == "baseline.toml" and scenario.is_file()
from migsim.viz.session import scenario_choices
assert len(scenario_choices()) >= 10 and "package_2009.toml" in scenario_choices()
print("peak", outcomes["peak_irregular"])
"""
    done = run([installed["python"], "-c", code, installed["site"]], installed["empty"])
    assert done.stdout.startswith("peak ")
