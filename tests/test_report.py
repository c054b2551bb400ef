"""`migsim report`: one self-contained HTML page per results folder."""

import pytest

from migsim.cli import main


@pytest.fixture
def short(baseline_text, tmp_path):
    path = tmp_path / "short.toml"
    path.write_text(baseline_text.replace("end_date = 2008-12-31", "end_date = 2008-06-30"), encoding="utf-8")
    return path


def test_report_of_a_run_embeds_stocks_map_and_appeals(short, tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(short), "--scale", "50", "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 3
    for words in ("peak irregular", "Stocks by legal status", "districts at the peak", "Legal aid appeals"):
        assert words in page
    for png in ("report_stocks.png", "report_district_map.png", "report_appeals.png"):
        assert (out / png).stat().st_size > 10_000


def test_report_of_a_comparison_has_the_table_and_plots(short, tmp_path):
    copy = tmp_path / "other.toml"
    copy.write_text('extends = "short.toml"\nname = "other"\n[police]\ndetection = 0.6\n', encoding="utf-8")
    out = tmp_path / "cmp"
    assert (
        main(["compare", str(short), str(copy), "--replications", "2", "--scale", "50", "--draws", "0", "--out", str(out)]) == 0
    )
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert "<title>Scenario comparison: other against baseline</title>" in page  # the scenarios, not the folder
    assert "Executive summary" in page and "What each scenario does" in page and "Sources and assumptions" in page
    assert "<table" in page and "seed-only 95% interval" in page and "Parameters were not drawn" in page
    assert "detection 0.6" in page  # what the scenario sets differently from the reference
    assert page.count("data:image/png;base64,") == 4


def test_report_of_a_folder_without_results_is_an_error(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "no manifest.json: not a finished migsim result" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing")]) == 2
    assert "no such results folder" in capsys.readouterr().err
