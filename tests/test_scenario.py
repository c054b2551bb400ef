import subprocess
import sys

import pytest

from migsim import scenario
from migsim.scenario import ScenarioError


def test_baseline_loads_and_sets_every_parameter(baseline_text, tmp_path):
    s = scenario.load(scenario.BASELINE)
    assert s.name == "baseline"
    assert set(s.sectors) == set(scenario.SECTORS)
    assert len(s.flat()) > 80
    # every parameter is required: removing any line that sets one is an error
    lines = baseline_text.splitlines()
    parameters_end = lines.index("[ranges]")  # the ranges that follow are optional metadata
    key_lines = [
        i
        for i, line in enumerate(lines[:parameters_end])
        if "=" in line
        and not line.lstrip().startswith(("#", "{", "name", "description", "posterior"))
        and not line.rstrip().endswith("[")
    ]  # a multi-line array's first line
    for i in key_lines[:: max(1, len(key_lines) // 12)]:
        path = tmp_path / "cut.toml"
        path.write_text("\n".join(lines[:i] + lines[i + 1 :]), encoding="utf-8")
        with pytest.raises(ScenarioError, match="missing"):
            scenario.load(path)


BAD = [
    ("detection = 0.3", "detection = 1.5", "police.detection: expected less than or equal to 1, got 1.5"),
    ("leave_rate = ", "leave_rate = -0.1 #", "migrants.leave_rate: expected greater than or equal to 0"),
    ("end_date = 2008-12-31", "end_date = 2007-12-31", "run: end_date 2007-12-31 is before start_date 2008-01-01"),
    ("detention_days = 10", 'detention_days = "ten"', "police.detention_days: expected a valid integer"),
    ("share_men = 0.862", "share_men = 0.862\nshare_women = 0.138", "migrants.share_women: unknown key"),
    (
        'detain = ["without_papers", "banned"]',
        'detain = ["everyone"]',
        "police.detain.0: expected 'without_papers', 'banned', 'repeat' or 'all'",
    ),
    ('district = "sairam"', 'district = "almaty"', "legal_aid.centres[0].district: unknown district 'almaty'"),
    ("[sectors.livestock]", "[sectors.fishing]\npeak_demand = 1\n[sectors.livestock]", "sectors.fishing"),
    ("planned_stay_mean_days = 218", "planned_stay_mean_days = 300", "planned_stay_mean_days must lie strictly between"),
    ("profile = [0.7, 0.7, 0.8,", "profile = [0.7, 0.8,", "sectors.bazaar_trade.profile: expected"),
]


@pytest.mark.parametrize("old,new,message", BAD, ids=[b[2][:40] for b in BAD])
def test_bad_values_name_file_key_and_expectation(baseline_text, tmp_path, old, new, message):
    assert old in baseline_text
    path = tmp_path / "bad.toml"
    path.write_text(baseline_text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        scenario.load(path)
    text = str(err.value)
    assert text.startswith(f"{path}: ")
    assert message in text
    assert "\n" not in text


def test_not_toml_and_missing_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[run\nstart_date = 2008-01-01\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"broken.toml: not valid TOML"):
        scenario.load(path)
    with pytest.raises(ScenarioError, match="no such scenario file"):
        scenario.load(tmp_path / "nope.toml")


def test_keyword_overrides_are_validated():
    s = scenario.load(scenario.BASELINE)
    assert s.with_overrides({"police_detection": 0.9}).police.detection == 0.9
    assert s.with_overrides({"sectors_cotton_peak_demand": 5}).sectors["cotton"].peak_demand == 5
    with pytest.raises(ScenarioError, match="keyword parameters: unknown parameter 'police_detectoin'"):
        s.with_overrides({"police_detectoin": 0.9})
    with pytest.raises(ScenarioError, match="police.detection: expected less than or equal to 1"):
        s.with_overrides({"police_detection": 2})


def test_cli_bad_scenario_exits_2_with_one_line_and_writes_nothing(baseline_text, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(baseline_text.replace("detection = 0.3", "detection = -1"), encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "migsim.cli", "run", str(path), "--out", str(out)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"migsim: error: {path}: police.detection: expected greater than or equal to 0")
    assert not out.exists()
