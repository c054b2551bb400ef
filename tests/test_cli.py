import argparse
import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from migsim.cli import main

SHORT = "end_date = 2008-04-30"


@pytest.fixture
def short_scenario(baseline_text, tmp_path):
    path = tmp_path / "short.toml"
    path.write_text(baseline_text.replace("end_date = 2008-12-31", SHORT), encoding="utf-8")
    return path


def test_run_writes_the_four_outputs(short_scenario, tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(short_scenario), "--scale", "20", "--out", str(out), "--seed", "5"]) == 0
    ts = pd.read_csv(out / "timeseries.csv")
    required = [
        "date",
        "present",
        "irregular",
        "registered",
        "permitted",
        "arrivals",
        "departures",
        "detentions",
        "deportations",
        "bribes",
        "appeals",
        "irregular_shymkent",
        "irregular_maktaaral",
    ]
    assert set(required) <= set(ts.columns)
    assert len(ts) == 121
    summary = json.loads((out / "summary.json").read_text())
    for key in (
        "peak_irregular",
        "peak_irregular_date",
        "mean_completed_stay_days",
        "share_men",
        "total_deportations",
        "total_appeals",
        "appeals_by_category",
    ):
        assert key in summary
    assert summary["peak_irregular"] == ts["irregular"].max()
    assert sum(summary["appeals_by_category"].values()) == summary["total_appeals"] == ts["appeals"].sum()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 5 and manifest["scale"] == 20
    for key in ("scenario_sha256", "migsim_version", "mesa_version", "started", "wall_seconds"):
        assert manifest[key]
    assert (out / "stocks.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.glob(".*tmp"))


def test_same_seed_gives_byte_identical_timeseries(short_scenario, tmp_path):
    outputs = []
    for name in ("a", "b"):
        out = tmp_path / name
        assert main(["run", str(short_scenario), "--scale", "20", "--out", str(out)]) == 0
        outputs.append((out / "timeseries.csv").read_bytes())
    assert outputs[0] == outputs[1]
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["seed"] == 20080101  # the fixed default seed is recorded


def test_default_out_dir_is_under_results(short_scenario, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(short_scenario), "--scale", "50"]) == 0
    runs = list((tmp_path / "results" / "baseline").iterdir())
    assert len(runs) == 1 and (runs[0] / "timeseries.csv").exists()


def test_help_explains_each_option():
    env = {**os.environ, "COLUMNS": "300"}  # no line wrapping inside phrases
    proc = subprocess.run(
        [sys.executable, "-m", "migsim.cli", "run", "--help"], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0
    for option in ("--seed", "--out", "--scale", "SCENARIO", "shipped scenario", "byte-identical", "people"):
        assert option in proc.stdout


@pytest.mark.parametrize(
    "args,message",
    [
        (["--scale", "0"], "--scale: expected a whole number >= 1, got 0"),
        (["--out", "FILE"], "exists and is not a folder"),
    ],
)
def test_bad_options_exit_2(short_scenario, tmp_path, capsys, args, message):
    file = tmp_path / "FILE"
    file.write_text("x")
    args = [str(file) if a == "FILE" else a for a in args]
    assert main(["run", str(short_scenario), *args]) == 2
    assert message in capsys.readouterr().err
    assert file.read_text() == "x"


def test_missing_scenario_file_exits_2(tmp_path, capsys):
    assert main(["run", str(tmp_path / "none.toml")]) == 2
    assert "none.toml: no such scenario file" in capsys.readouterr().err


def test_every_commands_help_is_clean(capsys):
    """Each command's --help: every option explained, no doubled or empty default,
    no stray %%, and the example files it cites exist."""
    import re

    from migsim.cli import build_parser
    from migsim.shipped import listing

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    assert {"run", "compare", "sweep", "sensitivity", "calibrate", "report", "viz"} <= set(commands)
    options = [a for a in parser._actions if not isinstance(a, argparse._SubParsersAction)]
    assert all(action.help for action in options), "migsim: an option without help"
    for name, sub in commands.items():
        for action in sub._actions:
            assert action.help, f"{name} {action.option_strings or action.dest}: no help"
        text = sub.format_help()
        assert "(default: None)" not in text and "%%" not in text, name
        assert text.count("(default:") == len(re.findall(r"\(default: [^)]", text)), name
        for cited in re.findall(r"(?:experiments|scenarios)/[\w.]+\.toml", text.replace("\n", " ").replace("  ", " ")):
            assert cited == "scenarios/baseline.toml", f"{name} cites {cited}, not the README's example"
    shipped = {f.name: f.command for f in listing()}
    for name in ("sweep", "sensitivity", "calibrate"):  # each cites a shipped experiment of its own kind
        example = re.search(r"shipped experiment's name: (\w+)", " ".join(commands[name].format_help().split()))
        assert example and shipped.get(example.group(1)) == name, name


def test_a_reader_that_stops_early_is_not_an_error():
    """``migsim params | head``: the pipe closes before the table is written."""
    proc = subprocess.Popen([sys.executable, "-m", "migsim.cli", "params"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # before the command has written anything (it takes a second to start)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and err == b""
