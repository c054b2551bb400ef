"""The parameter catalogue (``migsim params``, sim/catalogue.py): every parameter
once, its allowed values the ones validation enforces, and a meaning for each."""

import io
import re
from contextlib import redirect_stdout

import pandas as pd
import pytest

from migsim.catalogue import catalogue
from migsim.cli import main
from migsim.scenario import BASELINE, SCENARIO_DIR, ScenarioError, load

SCENARIOS = sorted(SCENARIO_DIR.glob("*.toml"))
BOUND = re.compile(r"^([\[(])(-?[\d,.]+), (-?[\d,.]+)([\])])$|^(>=|>|<=|<) (-?[\d,.]+)$")


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_parameter_and_lever_once(path):
    scenario = load(path)
    table = catalogue(path)
    levers = [scenario.lever_name(i, lever) for i, event in enumerate(scenario.events) for lever in event.levers()]
    assert list(table["parameter"]) == [*scenario.flat(), *levers]
    for name in levers:  # each lever's name is one an override accepts
        assert name in scenario.parameters()
    ranged = table["kind"].str.startswith("policy lever") & ~table["kind"].str.endswith("fixed")
    assert table.loc[ranged, "low"].notna().all()  # a lever drawn has its range
    assert table["type"].ne("").all() and table["kind"].ne("").all()


def bounds(allowed: str) -> tuple[float | None, bool, float | None, bool]:
    """(low, low is open, high, high is open) of an allowed column."""
    m = BOUND.match(allowed)
    if not m:
        return None, False, None, False
    num = lambda text: float(text.replace(",", ""))
    if m.group(1):
        return num(m.group(2)), m.group(1) == "(", num(m.group(3)), m.group(4) == ")"
    op, value = m.group(5), num(m.group(6))
    return (value, op == ">", None, False) if op.startswith(">") else (None, False, value, op == "<")


def field_of(name: str, scenario) -> str:
    """The key a flat name ends in (section names contain '_')."""
    sections = [*(f"sectors_{s}" for s in scenario.sectors), *type(scenario).model_fields]
    section = max((s for s in sections if name.startswith(f"{s}_")), key=len)
    return name[len(section) + 1 :]


def test_the_allowed_values_are_what_validation_enforces():
    """Just outside each stated bound is refused, naming the parameter; the bound
    itself (when closed) is accepted."""
    scenario = load(BASELINE)
    table = catalogue(BASELINE)
    checked = 0
    for _, row in table[table["type"].isin(["int", "float"]) & table["parameter"].str.match(r"^[a-z]")].iterrows():
        low, low_open, high, high_open = bounds(row["allowed"])
        step = 1 if row["type"] == "int" else 1e-6 * max(1.0, abs(low or high or 1.0))
        for edge, outside, is_open in ((low, -step, low_open), (high, step, high_open)):
            if edge is None:
                continue
            value = int(edge) if row["type"] == "int" else edge
            field = field_of(row["parameter"], scenario)
            with pytest.raises(ScenarioError, match=f"{field}: "):
                scenario.with_overrides({row["parameter"]: value + outside if not is_open else value})
            if not is_open:  # the bound itself passes the field's own check (a rule across fields may still object)
                try:
                    scenario.with_overrides({row["parameter"]: value})
                except ScenarioError as refused:
                    assert f"{field}: expected" not in str(refused), str(refused)
            checked += 1
    assert checked > 100  # most parameters have a bound, and every one was tried


def test_each_baseline_parameter_says_what_it_is_and_where_it_comes_from():
    table = catalogue(BASELINE)
    assert table["meaning_and_source"].str.len().gt(0).all(), list(table.loc[table["meaning_and_source"] == "", "parameter"])
    row = table.set_index("parameter").loc["migrants_share_men"]
    assert row["unit"] == "share or chance (0-1)" and "86.2% men" in row["meaning_and_source"] and row["allowed"] == "[0, 1]"
    assert table.set_index("parameter").loc["police_fine_usd", "unit"] == "US dollars"


def test_the_command_writes_csv_and_markdown():
    for shape, check in (
        ("--csv", lambda text: len(pd.read_csv(io.StringIO(text))) == len(catalogue(BASELINE))),
        ("--markdown", lambda text: all(line.count(" | ") == 7 for line in text.splitlines()[2:])),
    ):
        out = io.StringIO()
        with redirect_stdout(out):
            assert main(["params", shape]) == 0
        assert check(out.getvalue()), shape


def test_an_event_with_an_id_names_its_levers():
    """``crackdown.inspections_factor`` sets the crackdown's lever wherever
    overrides are accepted; ids are unique; a misspelt one gets the real one."""
    from migsim.model import MigrationModel

    path = SCENARIO_DIR / "package_2009.toml"
    model = MigrationModel(path, scale=500, rng=1, **{"crackdown.inspections_factor": 4.5, "quota_cut.factor": 0.25})
    kinds = {e.id: e for e in model.params.events}
    assert kinds["crackdown"].inspections_factor == 4.5 and kinds["quota_cut"].factor == 0.25
    scenario = load(path)
    assert scenario.with_overrides({"events[0].inspections_factor": 4.5}) == model.params.with_overrides(
        {"quota_cut.factor": scenario.events[2].factor}
    )
    with pytest.raises(ScenarioError, match=r"did you mean 'crackdown.inspections_factor'"):
        scenario.with_overrides({"crackdwn.inspections_factor": 2.0})
    with pytest.raises(ScenarioError, match="name the same lever; set it once"):
        scenario.with_overrides({"events[0].inspections_factor": 2.0, "crackdown.inspections_factor": 3.0})
    tree = scenario.model_dump()
    tree["events"][1]["id"] = "crackdown"
    from migsim.scenario import validate

    with pytest.raises(ScenarioError, match=r"events\[1\]\.id: 'crackdown' names two events"):
        validate(tree, "twice.toml")
