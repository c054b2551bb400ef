"""Scenario and experiment files as a hostile user writes them (issue 11): every
mistake ends in one ScenarioError naming the file and the key, before anything
runs; never another exception, a hang, or a run on nonsense.

The property-based test mutates the shipped baseline at random places with
random values (true/false, infinity, NaN, huge and negative numbers, numbers for
dates, text, nested arrays): each mutation is either a valid scenario or one
ScenarioError."""

import copy
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from migsim.experiments.design import DEFINITIONS, load_experiment
from migsim.model import MigrationModel
from migsim.scenario import BASELINE, Scenario, ScenarioError, load, read_tree, validate

TREE = read_tree(BASELINE)


def leaves(tree, path=()):
    """Every place in the tree a value sits: (path, value)."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from leaves(value, (*path, key))
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            yield from leaves(value, (*path, i))
    else:
        yield path, tree


PLACES = [path for path, _ in leaves(TREE)]


def with_value(path, value):
    tree = copy.deepcopy(TREE)
    node = tree
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return tree


def written(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


BASE_TEXT = BASELINE.read_text()


@pytest.mark.parametrize(
    "path,value,says",
    [
        (("migrants", "share_men"), True, "share_men: expected a number, got true"),
        (("migrants", "potential_migrants"), 10**30, "potential_migrants: expected a number no larger than"),
        (("migrants", "potential_migrants"), float("inf"), "potential_migrants: expected a number no larger than"),
        (("migrants", "age_sd"), float("nan"), "age_sd: expected a finite number"),
        (("migrants", "leave_profile"), [1.0] * 11 + [float("inf")], "leave_profile: item 12"),
        (("run", "start_date"), 0.0, "start_date: expected a date such as 2008-01-01, got the number 0.0"),
        (("name",), "", "name: '': expected a name"),
        (("name",), "../../../x", "name: '../../../x': expected a name"),
        (("name",), "a" * 300, "expected a name"),
        (("migrants", "age_mean"), 15.0, "age_mean"),
        # physical bounds: people, days, years and agents a scenario can hold
        (("migrants", "potential_migrants"), 9_000_001, "potential_migrants: expected less than or equal to 9000000"),
        (("long_term", "initial"), 8_990_000, "day_traders.people = 9,419,000 people; expected at most 9,000,000"),
        (("registration", "validity_days"), 40_000, "validity_days: expected less than or equal to 36525"),
        (("police", "entry_ban_years"), 150.0, "entry_ban_years: expected less than or equal to 100"),
        (("sectors", "cotton", "employers"), 10**6, "employers: expected less than or equal to 100000"),
        (("run", "end_date"), dt.date(2300, 1, 1), "longer than a century"),
    ],
)
def test_nonsense_values_are_refused_with_the_key(path, value, says):
    with pytest.raises(ScenarioError, match=None) as refused:
        validate(with_value(path, value), "s.toml")
    assert says in str(refused.value)
    assert "\n" not in str(refused.value)


def test_age_mean_outside_the_age_bounds_is_refused_before_it_can_hang(tmp_path):
    text = BASE_TEXT.replace("age_sd = ", "age_sd = 0.01 # was ", 1)
    tree = read_tree(written(tmp_path, text))
    tree["migrants"]["age_mean"] = tree["migrants"]["age_max"] + 5.0
    with pytest.raises(ScenarioError, match="age_mean"):
        validate(tree, "s.toml")


@pytest.mark.parametrize(
    "extends,says",
    [
        ("/dev/zero", "extends: expected the file name of another scenario in the same folder"),
        ("../baseline.toml", "extends: expected the file name"),
        ("/etc/passwd", "extends: expected the file name"),
        ("sub/baseline.toml", "extends: expected the file name"),
        ("baseline", "extends: expected the file name"),
    ],
)
def test_extends_names_a_scenario_never_a_path(tmp_path, extends, says):
    path = written(tmp_path, f'extends = "{extends}"\nname = "child"\n')
    with pytest.raises(ScenarioError, match=says):
        load(path)


def test_extends_finds_a_shipped_scenario_by_name(tmp_path):
    path = written(tmp_path, 'extends = "baseline.toml"\nname = "child"\n[police]\nworkplace_inspections_per_day = 3\n')
    assert load(path).police.workplace_inspections_per_day == 3


def test_files_that_are_not_regular_files_are_refused(tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    with pytest.raises(ScenarioError, match="not a regular file"):
        load(fifo)  # would block forever if opened
    child = written(tmp_path, 'extends = "pipe.toml"\nname = "child"\n', "child.toml")
    with pytest.raises(ScenarioError, match="not a regular file"):
        load(child)
    with pytest.raises(ScenarioError, match="is a folder"):
        load(tmp_path)
    loop = tmp_path / "loop.toml"
    loop.symlink_to(loop)
    with pytest.raises(ScenarioError, match="cannot be read"):
        load(loop)
    with pytest.raises(ScenarioError, match="cannot be read|no such"):
        load(tmp_path / ("x" * 300 + ".toml"))
    big = written(tmp_path, "# " + "x" * 1_100_000 + "\n", "big.toml")
    with pytest.raises(ScenarioError, match="at most 1,000,000"):
        load(big)


def test_deep_nesting_is_refused(tmp_path):
    deep = written(tmp_path, "x = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ScenarioError, match="nested more than 8 deep"):
        load(deep)
    nested = written(tmp_path, "x = " + "[" * 12 + "1" + "]" * 12 + "\n", "n.toml")
    with pytest.raises(ScenarioError, match="nested more than 8 deep"):
        load(nested)


def test_experiment_files_are_read_as_strictly(tmp_path):
    good = (DEFINITIONS / "sweep_enforcement_quota.toml").read_text()
    text = good  # its scenario is the shipped baseline, by name: found from any folder
    bad_name = written(tmp_path, text.replace('name = "sweep_enforcement_quota"', 'name = "../../x"'), "e.toml")
    with pytest.raises(ScenarioError, match="name"):
        load_experiment(bad_name)
    a_folder = tmp_path / "folder.toml"
    a_folder.mkdir()
    with pytest.raises(ScenarioError, match="is a folder, expected a experiment|is a folder"):
        load_experiment(a_folder)
    garbage = tmp_path / "garbage.toml"
    garbage.write_bytes(bytes(range(256)))
    with pytest.raises(ScenarioError, match="cannot be read|not valid TOML"):
        load_experiment(garbage)


def test_the_cli_refuses_nonsense_in_one_line_and_writes_nothing(tmp_path):
    path = written(tmp_path, BASE_TEXT.replace("share_men = ", "share_men = true # was ", 1))
    out = tmp_path / "out"
    done = subprocess.run(  # noqa: PLW1510 (the exit code is the point)
        [sys.executable, "-m", "migsim.cli", "run", str(path), "--out", str(out), "--scale", "200"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "share_men: expected a number, got true" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()


VALUES = st.one_of(
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=14),
    st.recursive(st.integers(0, 5), lambda inner: st.lists(inner, max_size=3), max_leaves=10),
    st.dictionaries(st.sampled_from(["a", "kind", "start", "factor"]), st.integers(0, 3), max_size=2),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(place=st.sampled_from(PLACES), value=VALUES)
def test_a_mutated_baseline_is_valid_or_one_scenario_error(place, value):
    try:
        scenario = validate(with_value(place, value), "mutated.toml")
    except ScenarioError as refused:
        assert "\n" not in str(refused) and str(refused).startswith("mutated.toml: ")
        event("refused in one line")
        return
    assert isinstance(scenario, Scenario)
    event("valid")


NUMBERS = {
    path: value
    for path, value in leaves(TREE)
    if path[0] in ("migrants", "police", "employers", "registration", "legal_aid")
    and isinstance(value, (int, float))
    and not isinstance(value, bool)
}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(place=st.sampled_from(sorted(NUMBERS, key=str)), factor=st.sampled_from([0.0, 0.5, 2.0, 50.0]))
def test_a_valid_mutation_runs_without_nan(place, factor):
    """Valid but unusual values (zero, half, double, fifty times a number of the
    baseline) run a month at a coarse scale with every count finite and none
    negative."""
    value = NUMBERS[place]
    new = int(value * factor) if isinstance(value, int) else value * factor
    try:
        scenario = validate(with_value(place, new), "mutated.toml")
    except ScenarioError:
        event("refused in one line")
        return
    try:
        model = MigrationModel(scenario, scale=200, rng=1)
    except ScenarioError as refused:  # the other allowed ending: one line (no agent left at this scale)
        assert "\n" not in str(refused)
        event("refused by the model in one line")
        return
    event("ran")
    for _ in range(30):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe().select_dtypes("number")
    assert frame.notna().all().all() and (frame >= 0).all().all(), place


@pytest.mark.parametrize(
    "options,says",
    [
        (["--seed", "-1"], "--seed: expected a whole number from 0"),
        (["--out", "{file}/sub"], "cannot write in"),
        (["--scale", "1000000000"], "more people per agent than the scenario's"),
    ],
)
def test_the_cli_checks_its_options_before_it_computes(tmp_path, options, says):
    a_file = written(tmp_path, "not a folder", "a_file")
    options = [o.replace("{file}", str(a_file)) for o in options]
    done = subprocess.run(  # noqa: PLW1510 (the exit code is the point)
        [
            sys.executable,
            "-m",
            "migsim.cli",
            "run",
            str(BASELINE),
            *(options if "--scale" in options else ["--scale", "200", *options]),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and says in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unexpected_error_is_one_line_and_the_traceback_needs_debug(monkeypatch, capsys):
    from migsim import cli

    def broken(args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli.run, "command", broken)
    assert cli.main(["run", str(BASELINE)]) == 1
    err = capsys.readouterr().err
    assert err == "migsim: unexpected error: RuntimeError: a bug (run with --debug for the traceback)\n"
    with pytest.raises(RuntimeError, match="a bug"):
        cli.main(["--debug", "run", str(BASELINE)])

    def disk_full(args):
        raise OSError(28, "No space left on device", "/results/x/timeseries.csv")

    monkeypatch.setattr(cli.run, "command", disk_full)
    assert cli.main(["run", str(BASELINE)]) == 1
    assert capsys.readouterr().err == (
        "migsim: error: /results/x/timeseries.csv: No space left on device (run with --debug for the traceback)\n"
    )


def test_a_result_is_complete_or_absent(tmp_path, monkeypatch):
    from migsim import cli
    from migsim.output import STAGING, remove_stale, staged

    out = tmp_path / "results" / "run"
    # a failure while writing (a full disk, a kill) leaves nothing under the final name
    with pytest.raises(OSError), staged(out) as stage:
        (stage / "timeseries.csv").write_text("day\n")
        raise OSError(28, "No space left on device")
    assert not out.exists() and not list(out.parent.iterdir())
    # a staging folder whose process is gone (its owner lock is free) is removed by the next run there;
    # one whose process lives (holds the lock) is kept
    import fcntl

    from migsim.output import OWNER

    left = out.parent / f"{STAGING}run-1-abc123"
    (left / "sub").mkdir(parents=True)
    (left / OWNER).touch()
    alive = out.parent / f"{STAGING}other-2-abc123"
    alive.mkdir()
    held = os.open(alive / OWNER, os.O_RDWR | os.O_CREAT)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        assert remove_stale(out.parent) == [left] and alive.exists()
    finally:
        os.close(held)
    assert remove_stale(out.parent) == [alive]
    # a whole run lands under its name with its manifest
    assert cli.main(["run", str(BASELINE), "--scale", "200", "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {"timeseries.csv", "summary.json", "manifest.json", "stocks.png"}
    assert not [p for p in out.parent.iterdir() if p.name.startswith(STAGING)]
    # report refuses run files without their manifest
    (out / "manifest.json").unlink()
    assert cli.main(["report", str(out)]) == 2
    # a failed rerun into an existing folder leaves the old files whole
    (out / "manifest.json").write_text("{}")
    before = (out / "timeseries.csv").read_bytes()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device", "stocks.png")

    monkeypatch.setattr("migsim.report.plot_stocks", full_disk)
    assert cli.main(["run", str(BASELINE), "--scale", "200", "--seed", "2", "--out", str(out)]) == 1
    assert (out / "timeseries.csv").read_bytes() == before
    assert not [p for p in out.parent.iterdir() if p.name.startswith(STAGING)]
    monkeypatch.undo()
    # a rerun replaces the old result whole: nothing of a --replications result stays beside a single run
    assert cli.main(["run", str(BASELINE), "--scale", "200", "--replications", "2", "--workers", "1", "--out", str(out)]) == 0
    assert (out / "ensemble.csv").exists() and (out / "seeds").is_dir()
    assert cli.main(["run", str(BASELINE), "--scale", "200", "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {"timeseries.csv", "summary.json", "manifest.json", "stocks.png"}
    assert cli.main(["report", str(out)]) == 0
    # never a folder of other files
    mine = tmp_path / "my_documents"
    mine.mkdir()
    (mine / "letter.txt").write_text("keep me")
    assert cli.main(["run", str(BASELINE), "--scale", "200", "--out", str(mine)]) == 2
    assert (mine / "letter.txt").read_text() == "keep me"


def test_experiment_outcomes_are_known_ones_and_the_list_is_what_a_run_gives(tmp_path):
    from migsim.experiments.jobs import outcome_names, outcomes_of

    good = (DEFINITIONS / "sweep_enforcement_quota.toml").read_text()
    text = good  # its scenario is the shipped baseline, by name: found from any folder
    for outcomes, says in (("[]", "expected at least one outcome"), ('["peak_irregluar"]', "unknown outcome 'peak_irregluar'")):
        bad = written(tmp_path, re.sub(r"(?m)^outcomes = .*$", f"outcomes = {outcomes}", text), "e.toml")
        with pytest.raises(ScenarioError, match=re.escape(says)) as refused:
            load_experiment(bad)
        assert "peak_irregular" in str(refused.value)  # the valid ones are listed
    model = MigrationModel(BASELINE, scale=400, rng=1)
    for _ in range(40):
        model.step()
    # forty days reach February: the months after it are named but not yet measured
    given = set(outcomes_of(model, model.timeseries()))
    assert given <= set(outcome_names())
    assert set(outcome_names()) - given == {f"irregular_month_{m:02d}" for m in range(3, 13)}


def test_a_second_writer_on_the_same_store_is_refused_with_the_first_ones_pid(tmp_path):
    from migsim.experiments.store import ResultStore, StoreInUse

    path = tmp_path / "results.sqlite"
    script = (
        "import time; from pathlib import Path; from migsim.experiments.store import ResultStore; "
        f"s = ResultStore(Path({str(path)!r}), writer=True); print('ready', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)  # another process
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreInUse, match=f"in use by PID {holder.pid}"):
            ResultStore(path, writer=True)
        ResultStore(path).close()  # reading needs no lock
    finally:
        holder.kill()
        holder.wait()
    ResultStore(path, writer=True).close()  # a killed holder leaves no lock behind


@pytest.mark.parametrize("how", ["TERM", "KILL"])
def test_a_stopped_sweep_leaves_no_workers(tmp_path, how):
    import signal

    import psutil

    experiment = written(
        tmp_path,
        f'name = "stop_me"\nscenario = "{BASELINE}"\nscale = 20\nreplications = 2\nseed = 1\n'
        'outcomes = ["peak_irregular"]\n[design]\nkind = "factorial"\n'
        '[[parameters]]\nname = "police_workplace_inspections_per_day"\nvalues = [0.0, 1.0, 2.0, 4.0]\n',
        "stop_me.toml",
    )
    sweep = subprocess.Popen(
        [sys.executable, "-m", "migsim.cli", "sweep", str(experiment), "--out", str(tmp_path / "out"), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    client = psutil.Process(sweep.pid)
    deadline = time.time() + 60
    workers: list = []
    while time.time() < deadline and len(workers) < 2:  # the pool's workers are at work
        time.sleep(0.3)
        workers = [p for p in client.children(recursive=True) if p.ppid() != client.pid]  # the forkserver's children
    assert len(workers) >= 2, "the sweep's workers did not start"
    family = client.children(recursive=True)
    sweep.send_signal(signal.SIGTERM if how == "TERM" else signal.SIGKILL)
    if how == "TERM":
        sweep.wait(timeout=30)
    # killed, the client stays a zombie until reaped (here: until wait below): its workers must not wait for that
    _, alive = psutil.wait_procs(family, timeout=10)
    sweep.wait(timeout=30)
    assert not alive, f"left running {10} s after the sweep stopped: {[p.pid for p in alive]}"
    if how == "TERM":
        assert sweep.returncode == 130 and "interrupted" in sweep.stderr.read()


def test_a_scheduler_that_is_not_there_leaves_nothing_behind(tmp_path, monkeypatch):
    import socket

    experiment = DEFINITIONS / "sweep_enforcement_quota.toml"
    out = tmp_path / "out"
    base = [sys.executable, "-m", "migsim.cli", "sweep", str(experiment), "--out", str(out), "--backend", "dask"]
    monkeypatch.setenv("MIGSIM_DASK_CONNECT_SECONDS", "2")  # nobody will answer: do not wait the default 10 s
    bad = subprocess.run([*base, "--scheduler", "not a url"], capture_output=True, text=True, timeout=120)  # noqa: PLW1510
    assert bad.returncode == 2 and "--scheduler 'not a url': expected an address such as tcp://" in bad.stderr
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    absent = subprocess.run([*base, "--scheduler", f"tcp://127.0.0.1:{port}"], capture_output=True, text=True, timeout=180)  # noqa: PLW1510
    assert absent.returncode == 2 and "no Dask scheduler answers there" in absent.stderr
    assert absent.stderr.count("\n") == 1 and "Traceback" not in absent.stderr
    assert not out.exists()


def test_overlapping_legal_aid_events_that_set_different_levers_are_allowed():
    from migsim.policies import LegalAid, check_events

    run = (dt.date(2008, 1, 1), dt.date(2008, 12, 31))
    opens = LegalAid(kind="legal_aid", start=dt.date(2008, 3, 1), add_centres=[{"district": "Shymkent", "capacity_per_day": 5}])
    closes = LegalAid(kind="legal_aid", start=dt.date(2008, 4, 1), close_centres=["Arys"])
    check_events([opens, closes], *run)  # empty lists set nothing
    with pytest.raises(ValueError, match="both set add_centres"):
        check_events([opens, opens.model_copy(update={"start": dt.date(2008, 5, 1)})], *run)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make a certificate")
def test_a_tls_cluster_with_certificates(tmp_path):
    """A Dask cluster that only speaks TLS: the sweep runs on it with --tls-*, and
    is refused in one line without them."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1"]
        + ["-subj", "/CN=localhost"],
        check=True,
        capture_output=True,
    )
    script = (
        "import time; from distributed import LocalCluster; from distributed.security import Security\n"
        f"c, k = {str(cert)!r}, {str(key)!r}\n"
        "s = Security(tls_ca_file=c, tls_scheduler_cert=c, tls_scheduler_key=k, tls_worker_cert=c, tls_worker_key=k,"
        " tls_client_cert=c, tls_client_key=k, require_encryption=True)\n"
        "cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol='tls://', host='127.0.0.1',"
        " security=s, dashboard_address=None)\n"
        "print(cluster.scheduler_address, flush=True); time.sleep(300)\n"
    )
    cluster = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        address = cluster.stdout.readline().strip()
        assert address.startswith("tls://"), address
        experiment = written(
            tmp_path,
            f'name = "tls_check"\nscenario = "{BASELINE}"\nscale = 200\nreplications = 1\nseed = 1\n'
            'outcomes = ["peak_irregular"]\n[design]\nkind = "factorial"\n'
            '[[parameters]]\nname = "police_workplace_inspections_per_day"\nvalues = [1.0, 2.0]\n',
            "tls_check.toml",
        )
        out = tmp_path / "out"
        base = [sys.executable, "-m", "migsim.cli", "sweep", str(experiment), "--out", str(out), "--backend", "dask"]
        base += ["--scheduler", address]
        refused = subprocess.run(base, capture_output=True, text=True, timeout=120)  # noqa: PLW1510
        assert refused.returncode == 2 and "needs --tls-ca, --tls-cert and --tls-key" in refused.stderr
        tls = ["--tls-ca", str(cert), "--tls-cert", str(cert), "--tls-key", str(key)]
        done = subprocess.run([*base, *tls], capture_output=True, text=True, timeout=300)  # noqa: PLW1510
        assert done.returncode == 0, done.stderr[-2000:]
        assert "2 jobs: 0 done before, 2 done now, 0 failed" in done.stdout
    finally:
        cluster.kill()
        cluster.wait()


EXPERIMENTS = {
    name: tomllib.loads((DEFINITIONS / f"{name}.toml").read_text())
    for name in ("sweep_enforcement_quota", "sensitivity_baseline", "calibrate_baseline")
}


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_mutated_experiment_file_is_valid_or_one_scenario_error(data):
    """The shipped experiment files, mutated like the scenarios: each is a valid
    experiment whose design points can be made, or one ScenarioError."""
    name = data.draw(st.sampled_from(sorted(EXPERIMENTS)))
    tree = copy.deepcopy(EXPERIMENTS[name])
    tree["scenario"] = str(BASELINE)
    path, _ = data.draw(st.sampled_from([(p, v) for p, v in leaves(tree) if p != ("scenario",)]))
    node = tree
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = data.draw(VALUES)
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "mutated.toml"
        try:
            file.write_text(tomli_w_dumps(tree))
        except (TypeError, ValueError):  # a value TOML cannot hold (NaN keys and such): nothing to test
            event("not writable as TOML")
            return
        try:
            experiment, _ = load_experiment(file)
        except ScenarioError as refused:
            assert "\n" not in str(refused) and str(refused).startswith(str(file))
            event("refused in one line")
            return
    event("valid")
    if experiment.design.samples <= 1000:
        assert len(experiment.points()) >= 1


def tomli_w_dumps(tree) -> str:
    """TOML text of a tree of tables, arrays, numbers, strings, dates and booleans
    (enough for these files; the standard library reads TOML but does not write it)."""
    import json
    import math

    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            if math.isnan(v):
                return "nan"
            if math.isinf(v):
                return "inf" if v > 0 else "-inf"
            return repr(v)
        if isinstance(v, (int, dt.date)):
            return str(v) if not isinstance(v, dt.date) else v.isoformat()
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + "}"
        raise TypeError(type(v).__name__)

    return "".join(f"{json.dumps(k)} = {value(v)}\n" for k, v in tree.items())


@pytest.mark.parametrize("path", sorted(DEFINITIONS.glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_experiment_file_loads(path):
    experiment, _ = load_experiment(path)
    assert len(experiment.points()) >= 1


def test_optional_event_levers_are_read_as_strictly():
    from pydantic import ValidationError

    from migsim.policies import Enforcement

    for lever, value, says in (("fine_usd", 1e300, "no larger than"), ("fine_usd", True, "expected a number, got true")):
        with pytest.raises(ValidationError, match=re.escape(says)):
            Enforcement(kind="enforcement", start=dt.date(2008, 1, 1), **{lever: value})
    with pytest.raises(ValidationError, match="expected a date such as 2008-01-01"):
        Enforcement(kind="enforcement", start=dt.date(2008, 1, 1), end=20081231)
