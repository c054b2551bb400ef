"""Shipped scenarios and experiments (issue 12): found by name from any folder, a
path always wins over a name, listed, copied out to edit; and every results
folder's manifest says its kind, which the report reads."""

import json

import pytest

from migsim.cli import main
from migsim.experiments.design import DEFINITIONS, load_experiment
from migsim.model import MigrationModel
from migsim.scenario import BASELINE, SCENARIO_DIR, ScenarioError, find, load
from migsim.shipped import copy_out, listing, locate


def test_every_shipped_file_is_listed_once_with_a_description_and_names_are_unique_across_kinds():
    files = listing()
    names = [f.name for f in files]
    assert len(names) == len(set(names))
    on_disk = {p.stem for p in SCENARIO_DIR.glob("*.toml")} | {p.stem for p in DEFINITIONS.glob("*.toml")}
    assert set(names) == on_disk and len(on_disk) >= 13
    assert all(f.description for f in files)
    commands = {f.name: f.command for f in files}
    assert commands["crackdown_2009"] == "run"
    assert commands["sweep_enforcement_quota"] == "sweep"
    assert commands["sensitivity_baseline"] == "sensitivity"
    assert commands["calibrate_baseline"] == "calibrate"


def test_a_scenario_is_found_by_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert find("crackdown_2009") == SCENARIO_DIR / "crackdown_2009.toml"
    assert find("crackdown_2009.toml") == SCENARIO_DIR / "crackdown_2009.toml"
    assert load("crackdown_2009").name == "crackdown_2009"
    model = MigrationModel("package_2009", scale=200, rng=1)
    assert model.params.name == "package_2009"
    exp, scenario_path = load_experiment("sweep_enforcement_quota")
    assert exp.name == "sweep_enforcement_quota" and scenario_path == BASELINE


def test_a_path_that_exists_wins_over_a_shipped_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mine = BASELINE.read_text(encoding="utf-8").replace('name = "baseline"', 'name = "my_baseline"')
    (tmp_path / "baseline.toml").write_text(mine, encoding="utf-8")
    assert load("baseline.toml").name == "my_baseline"  # the file here, not the shipped one
    assert load("baseline").name == "baseline"  # a bare name is the shipped one


@pytest.mark.parametrize(
    ("given", "hint"),
    [
        ("crakdown_2009", "did you mean the shipped scenario 'crackdown_2009'?"),
        ("scenarios/quota_cut_2009.toml", "did you mean the shipped scenario 'quota_cut_2009'?"),
        ("nothing_like_it_at_all", "`migsim scenarios` lists them"),
    ],
)
def test_a_name_that_is_not_shipped_gets_one_line_with_the_closest(given, hint, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError, match="no such scenario file, nor a shipped scenario of that name") as caught:
        load(given)
    assert hint in str(caught.value)
    assert main(["run", given, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and hint in err
    assert not (tmp_path / "out").exists()


def test_a_copy_runs_where_it_is_and_extends_the_shipped_parent(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["scenarios", "copy", "crackdown_2009", "mine"]) == 0
    copied = tmp_path / "mine" / "crackdown_2009.toml"
    assert copied.read_bytes() == (SCENARIO_DIR / "crackdown_2009.toml").read_bytes()
    assert "migsim run mine/crackdown_2009.toml" in capsys.readouterr().out
    assert load(copied).flat() == load("crackdown_2009").flat()
    # an edit takes effect: the copy is the user's file
    edited = copied.read_text(encoding="utf-8").replace("inspections_factor = 3.0", "inspections_factor = 4.0")
    assert edited != copied.read_text(encoding="utf-8")
    copied.write_text(edited, encoding="utf-8")
    assert load(copied).parameters()["crackdown.inspections_factor"] == 4.0
    # copying again keeps the user's file, unless --force
    assert main(["scenarios", "copy", "crackdown_2009", "mine"]) == 2
    assert "exists; give --force" in capsys.readouterr().err
    assert copied.read_text(encoding="utf-8") == edited
    assert main(["scenarios", "copy", "crackdown_2009", "mine", "--force"]) == 0
    assert copied.read_bytes() == (SCENARIO_DIR / "crackdown_2009.toml").read_bytes()
    # an experiment copy names its scenario by name, so it runs from here too
    target = copy_out("sweep_enforcement_quota", tmp_path / "mine")
    exp, scenario_path = load_experiment(target)
    assert scenario_path == BASELINE and exp.name == "sweep_enforcement_quota"
    with pytest.raises(ScenarioError, match="did you mean 'legal_aid_expansion'"):
        locate("legal_aid_expnasion")
    (tmp_path / "file").write_text("x")
    assert main(["scenarios", "copy", "baseline", str(tmp_path / "file")]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err


def test_the_list_names_every_command_and_the_csv_every_file(capsys):
    assert main(["scenarios"]) == 0
    text = capsys.readouterr().out
    for f in listing():
        assert f"migsim {f.command} {f.name}" in text
    assert main(["scenarios", "--csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "kind,name,command,based_on,description,file" and len(lines) == len(listing()) + 1


def test_each_results_folder_says_its_kind_and_the_report_reads_it(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "baseline", "--scale", "200", "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "run" and manifest["scenario"] == str(BASELINE)
    reps = tmp_path / "reps"
    assert main(["run", "baseline", "--scale", "200", "--replications", "2", "--workers", "1", "--out", str(reps)]) == 0
    assert json.loads((reps / "manifest.json").read_text())["kind"] == "replications"
    seed = reps / "seeds" / f"seed-{manifest['seed']}"
    assert json.loads((seed / "manifest.json").read_text())["kind"] == "run"
    # the report follows the manifest, not the file names: a run folder said to be replications is refused
    assert main(["report", str(seed)]) == 0
    (out / "manifest.json").write_text(json.dumps({**manifest, "kind": "replications"}))
    assert main(["report", str(out)]) == 2
    assert "incomplete or unexpected results" in capsys.readouterr().err
    (out / "manifest.json").write_text(json.dumps({k: v for k, v in manifest.items() if k != "kind"}))
    assert main(["report", str(out)]) == 2
    assert "kind: expected one of run, replications" in capsys.readouterr().err


def test_a_folder_named_like_a_shipped_scenario_does_not_hide_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "baseline").mkdir()  # as `migsim run baseline --out baseline` leaves
    (tmp_path / "sweep_enforcement_quota").mkdir()
    assert find("baseline") == BASELINE
    assert load_experiment("sweep_enforcement_quota")[0].name == "sweep_enforcement_quota"
    with pytest.raises(ScenarioError, match="is a folder"):
        load(tmp_path / "baseline")  # a folder given by its path is still a folder


def test_an_experiment_copied_beside_an_edited_scenario_runs_on_the_copy(tmp_path):
    copy_out("baseline", tmp_path)
    copy_out("sweep_enforcement_quota", tmp_path)
    _, scenario_path = load_experiment(tmp_path / "sweep_enforcement_quota.toml")
    assert scenario_path == (tmp_path / "baseline.toml").resolve()  # the user's copy, not the shipped file


def test_the_classroom_lists_a_teachers_copy_beside_the_shipped_scenario(tmp_path, monkeypatch):
    from migsim.viz.app import initial_scenario
    from migsim.viz.session import describe, scenario_choices

    mine = copy_out("crackdown_2009", tmp_path)
    monkeypatch.setenv("MIGSIM_SCENARIO", str(mine))
    choices = scenario_choices()
    assert choices["crackdown_2009 (your copy).toml"] == mine
    assert choices["crackdown_2009.toml"] == SCENARIO_DIR / "crackdown_2009.toml"
    # the page's picker maps each name to its description, as Classroom() builds it
    assert initial_scenario({name: describe(path) for name, path in choices.items()}) == "crackdown_2009 (your copy).toml"
    monkeypatch.setenv("MIGSIM_SCENARIO", "quota_cut_2009.toml")  # `migsim viz quota_cut_2009`
    assert initial_scenario({name: describe(path) for name, path in scenario_choices().items()}) == "quota_cut_2009.toml"
    monkeypatch.delenv("MIGSIM_SCENARIO")
    assert initial_scenario({name: describe(path) for name, path in scenario_choices().items()}) == "baseline.toml"
    assert len(scenario_choices()) == len(list(SCENARIO_DIR.glob("*.toml")))


def test_no_result_replaces_an_experiments_folder_or_a_folder_of_other_files(tmp_path, capsys, monkeypatch):
    from migsim.output import experiment_folder_usable, replaceable

    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "results.sqlite").write_bytes(b"")
    (sweep / "results.csv").write_text("position\n")
    (sweep / "manifest.json").write_text(json.dumps({"kind": "sweep"}))
    assert not replaceable(sweep) and experiment_folder_usable(sweep)
    assert main(["run", "baseline", "--scale", "200", "--out", str(sweep)]) == 2
    assert "holds other files" in capsys.readouterr().err and (sweep / "results.csv").exists()
    mine = tmp_path / "my_documents"
    mine.mkdir()
    (mine / "letter.txt").write_text("keep me")
    assert main(["sweep", "sweep_enforcement_quota", "--out", str(mine)]) == 2
    assert "holds other files" in capsys.readouterr().err
    assert [p.name for p in mine.iterdir()] == ["letter.txt"]
    older = tmp_path / "older_run"  # a run written before manifests said their kind
    older.mkdir()
    (older / "timeseries.csv").write_text("date\n")
    (older / "manifest.json").write_text(json.dumps({"seed": 1}))
    assert replaceable(older)

    # a rerun takes the manifest away first: stopped midway, the folder is not a finished result
    def stopped(*args, **kwargs):
        raise SystemExit(130)

    monkeypatch.setattr("migsim.cli.experiment.run_stored", stopped)
    with pytest.raises(SystemExit):
        main(["sweep", "sweep_enforcement_quota", "--out", str(sweep)])
    assert not (sweep / "manifest.json").exists()
    assert main(["report", str(sweep)]) == 2


def test_a_shipped_file_of_the_other_kind_is_named_as_such_and_odd_folders_are_one_line(tmp_path, capsys):
    assert main(["sweep", "baseline"]) == 2
    err = capsys.readouterr().err
    assert "baseline: a shipped scenario, not an experiment" in err and err.count("\n") == 1
    assert main(["run", "sweep_enforcement_quota"]) == 2
    assert "a shipped experiment, not a scenario" in capsys.readouterr().err
    (tmp_path / "baseline.toml").mkdir()
    assert main(["scenarios", "copy", "baseline", str(tmp_path), "--force"]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert main(["scenarios", "copy", "baseline", str(tmp_path / "a\0b")]) == 2
    assert "not a usable folder name" in capsys.readouterr().err
