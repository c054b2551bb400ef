"""Plausible ranges in scenario files (issue 8, part 6): every assumption and
calibrated parameter of the baseline has one, every event lever whose size the
sources do not give has one, and a malformed range is one clear error."""

import math
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migsim import scenario
from migsim.scenario import SCENARIO_DIR, ScenarioError

SCENARIOS = SCENARIO_DIR


def test_every_assumption_and_calibrated_parameter_of_the_baseline_has_a_range():
    s = scenario.load(scenario.BASELINE)
    text = scenario.BASELINE.read_text(encoding="utf-8")
    section = None
    missing = []
    for line in text[: text.index("[ranges]")].splitlines():
        head = re.match(r"^\[(.+)\]$", line)
        if head:
            section = head.group(1)
            continue
        key = re.match(r"^(\w+) = ([-\d.]+)\s*#.*\b(assumption|calibrated)\b", line)
        if key and section:
            path = f"{section}.{key.group(1)}"
            if path not in s.ranges:
                missing.append(path)
    assert len(s.ranges) > 60
    assert not missing, f"no range for: {', '.join(missing)}"


@pytest.mark.parametrize("name", ["crackdown_2009", "crisis_2009", "amnesty_2006", "registration_reform", "legal_aid_expansion"])
def test_event_levers_that_are_assumptions_have_ranges(name):
    s = scenario.load(SCENARIOS / f"{name}.toml")
    assert any(event.ranges for event in s.events)
    uncertain = s.uncertain()
    assert any(key.startswith("events[") for key in uncertain)


def write(tmp_path, extra: str):
    path = tmp_path / "ranged.toml"
    path.write_text('extends = "baseline.toml"\nname = "ranged"\n' + extra, encoding="utf-8")  # a shipped scenario, by name
    return path


def test_a_value_outside_its_range_names_the_file_and_the_range(tmp_path):
    path = write(tmp_path, '[ranges]\n"police.detection" = [0.5, 0.9]\n')
    with pytest.raises(
        ScenarioError, match=r"ranged.toml: ranges.police.detection: value 0.3 lies outside its stated range \[0.5, 0.9\]"
    ):
        scenario.load(path)


def test_a_range_of_no_parameter_or_upside_down_is_an_error(tmp_path):
    with pytest.raises(ScenarioError, match=r"ranges.police.detectoin: no such parameter"):
        scenario.load(write(tmp_path, '[ranges]\n"police.detectoin" = [0.1, 0.9]\n'))
    with pytest.raises(ScenarioError, match=r"range \[0.9, 0.1\]: low must be below high"):
        scenario.load(write(tmp_path, '[ranges]\n"police.detection" = [0.9, 0.1]\n'))
    with pytest.raises(ScenarioError, match=r"a range needs a number"):
        scenario.load(write(tmp_path, '[ranges]\n"police.detain" = [0.1, 0.9]\n'))


def test_an_event_range_of_a_lever_it_does_not_have_is_an_error(tmp_path):
    event = '[[events]]\nkind = "quota"\nstart = 2008-03-01\nfactor = 0.5\nranges = { size = [0.1, 0.9] }\n'
    with pytest.raises(ScenarioError, match=r"ranges.size: not a lever of a quota event"):
        scenario.load(write(tmp_path, event))


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(low=finite, high=finite, value=st.floats(min_value=0.0, max_value=1.0))
def test_any_detection_range_loads_exactly_when_it_holds_its_value(tmp_path, low, high, value):
    path = write(tmp_path, f'[police]\ndetection = {value!r}\n[ranges]\n"police.detection" = [{low!r}, {high!r}]\n')
    holds = low < high and low <= value <= high
    if holds:
        assert scenario.load(path).ranges["police.detection"] == (low, high)
    else:
        with pytest.raises(ScenarioError) as err:
            scenario.load(path)
        message = str(err.value)
        assert message.startswith(f"{path}: ") and "\n" not in message
        assert "ranges.police.detection" in message
    assert math.isfinite(low)
