"""The classroom session without a browser: its own model, levers that act from
the next day through the scenario path, the end of the year, and a followed
migrant's story. (tests/test_viz_browser.py drives the same in Chromium.)"""

import datetime as dt
import json

import pytest

from migsim.model import MigrationModel
from migsim.scenario import ScenarioError
from migsim.viz.app import pictures
from migsim.viz.charts import MapPicture
from migsim.viz.session import LEVERS, ClassroomSession

SCALE = 40


def series(session, column="irregular"):
    return list(session.model.datacollector.model_vars[column])


def test_sessions_are_independent():
    a, b = ClassroomSession(scale=SCALE), ClassroomSession(scale=SCALE)
    a.advance(20)
    assert a.model.date == dt.date(2008, 1, 20)
    assert b.model.t == -1 and series(b) == []  # the second student is still at the start
    b.advance(20)
    assert series(a) == series(b)  # same seed, same year


def test_a_lever_moved_mid_run_acts_from_the_next_day():
    moved, unmoved = ClassroomSession(scale=SCALE), ClassroomSession(scale=SCALE)
    moved.advance(150)
    unmoved.advance(150)
    assert moved.set_lever("inspections", 4.0) is None
    assert moved.marks == [(dt.date(2008, 5, 30), "Workplace inspections \u00d74")]
    assert moved.model.params.events[-1].start == dt.date(2008, 5, 30)
    moved.advance(120)
    unmoved.advance(120)
    before, after = slice(0, 150), slice(150, 270)
    assert series(moved, "detentions")[before] == series(unmoved, "detentions")[before]
    assert series(moved)[before] == series(unmoved)[before]
    # four times the inspections: more people caught from that day on
    assert sum(series(moved, "detentions")[after]) + sum(series(moved, "fines")[after]) > 1.5 * (
        sum(series(unmoved, "detentions")[after]) + sum(series(unmoved, "fines")[after])
    )


def test_moving_a_lever_again_ends_the_earlier_change():
    s = ClassroomSession(scale=SCALE)
    s.advance(30)
    s.set_lever("inspections", 2.0)
    s.set_lever("inspections", 3.0)  # again the same day: one mark, the last value
    assert s.marks == [(dt.date(2008, 1, 31), "Workplace inspections \u00d73")]
    s.advance(30)
    s.set_lever("inspections", 1.0)  # back to the scenario: the change ends today
    enforcement = [e for e in s.model.params.events if e.kind == "enforcement"]
    assert [(e.start, e.end, e.inspections_factor) for e in enforcement] == [(dt.date(2008, 1, 31), dt.date(2008, 2, 29), 3.0)]
    assert s.model.rules.police.workplace_inspections_per_day == pytest.approx(
        3 * s.model.params.police.workplace_inspections_per_day
    )  # in force today
    s.advance(1)
    assert s.model.rules.police.workplace_inspections_per_day == s.model.params.police.workplace_inspections_per_day


def test_factors_compose_with_the_scenarios_own_policy():
    """Under the 2009 crackdown (three times the inspections) the classroom's
    factor multiplies what is in force; an order the scenario sets outright cannot
    be changed while it is in force, and the class is told so."""
    s = ClassroomSession("crackdown_2009.toml", scale=SCALE)
    s.advance(40)
    base = s.model.params.police.workplace_inspections_per_day
    assert s.model.rules.police.workplace_inspections_per_day == pytest.approx(3 * base)
    assert s.set_lever("detention", 2.0) is None
    assert s.set_lever("inspections", 2.0) is None
    s.advance(1)
    assert s.model.rules.police.workplace_inspections_per_day == pytest.approx(6 * base)
    message = s.set_lever("detain_all", True)
    assert message and "cannot change it" in message
    assert s.values["detain_all"] is False


def test_an_amnesty_from_tomorrow_uses_the_2006_rules():
    s = ClassroomSession(scale=SCALE)
    s.advance(200)
    assert s.set_lever("amnesty", True) is None
    window = s.model.params.events[-1]
    assert (window.kind, window.start, window.end) == ("amnesty", dt.date(2008, 7, 19), dt.date(2008, 12, 18))
    assert window.entered_before == dt.date(2008, 7, 18)
    s.advance(60)
    assert s.model.amnesty.cards_issued > 0


def test_levers_before_the_first_day_apply_from_the_first_day():
    s = ClassroomSession(scale=SCALE)
    s.set_lever("quota", 0.0)
    assert s.marks == [(dt.date(2008, 1, 1), "Quota permits \u00d70")]
    s.advance(1)
    assert s.model.rules.employers.quota_permits == 0


def test_the_end_of_the_year_stops_quietly():
    s = ClassroomSession(scale=100)
    assert s.advance(400) == 366
    assert not s.running and s.model.date == dt.date(2008, 12, 31)
    assert s.advance(7) == 0
    assert s.set_lever("inspections", 2.0).startswith("The year is over")
    # and plain Python: a step after the last day does nothing
    rows = len(series(s))
    s.model.step()
    assert len(series(s)) == rows and s.model.date == dt.date(2008, 12, 31)
    view = pictures(s, MapPicture(s.model.geo))
    assert view["over"]


def test_plain_model_step_after_the_end_is_harmless():
    model = MigrationModel(scale=100, rng=1)
    model.run()
    model.step()
    model.step()
    assert not model.running and len(model.timeseries()) == 366


def test_only_listed_scenarios_open():
    with pytest.raises(ScenarioError, match="unknown scenario"):
        ClassroomSession("../../etc/passwd")


def test_following_a_migrant_tells_their_story_without_changing_the_run():
    followed, plain = ClassroomSession(scale=SCALE), ClassroomSession(scale=SCALE)
    followed.advance(60)
    plain.advance(60)
    assert followed.follow(seed=3) is None
    story = followed.story
    assert story.title.startswith("Migrant #")
    _, first = story.lines[0]
    assert "Crossed the border" in first or "already here" in first
    followed.advance(306)
    plain.advance(306)
    assert series(followed) == series(plain)
    assert len(story.lines) >= 2, list(story.lines)


def test_follow_before_anyone_is_here():
    s = ClassroomSession(scale=SCALE)
    # on the first morning people are already present (winter remainder, residents)
    assert s.follow(seed=1) is None


def test_pictures_are_small_and_dated():
    s = ClassroomSession(scale=SCALE)
    mapper = MapPicture(s.model.geo)
    s.advance(40)
    s.set_lever("inspections", 2.0)
    s.advance(10)
    view = pictures(s, mapper)
    stocks = view["stocks"].spec
    assert stocks["layer"][0]["encoding"]["x"]["type"] == "temporal"
    assert "Irregular, all" in stocks["layer"][0]["transform"][3]["calculate"]
    assert view["stocks"].datasets["marks"] == [{"d": "2008-02-10", "label": "Workplace inspections \u00d72"}]
    (lines,) = view["stocks"].datasets["lines"]
    assert lines["d"][0] == "2008-01-01" and len(lines["d"]) == len(lines["s0"]) == 50
    texts = [layer["mark"].get("fontSize", 13) for layer in view["map"].spec["layer"] if layer["mark"]["type"] == "text"]
    assert min(texts) >= 12
    # the next picture sends new data, not a new chart (the browser updates, it does not redraw)
    s.advance(3)
    later = pictures(s, mapper)
    charts = ("map", "stocks", "flows", "appeals", "origins")
    assert all(later[k].spec == view[k].spec for k in charts)
    assert later["stocks"].datasets != view["stocks"].datasets
    assert sum(len(json.dumps(later[k].datasets)) for k in charts) < 30_000
    assert set(LEVERS) <= set(s.values)


def test_the_front_door_sends_new_pages_to_each_server_in_turn():
    import threading
    import urllib.error
    import urllib.request

    from migsim.viz.front import FrontDoor, backend_address

    door = FrontDoor("127.0.0.1", 0, [9001, 9002])
    threading.Thread(target=door.serve_forever, daemon=True).start()
    port = door.server_address[1]

    class Keep(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args):
            return None

    opener = urllib.request.build_opener(Keep)
    places = []
    try:
        for _ in range(3):
            with pytest.raises(urllib.error.HTTPError) as answer:
                opener.open(f"http://localhost:{port}/page?x=1")
            assert answer.value.code == 307
            places.append(answer.value.headers["Location"])
    finally:
        door.shutdown()
        door.server_close()
    # the host the student typed, the next server's port, the same path
    assert places == ["http://localhost:9001/page?x=1", "http://localhost:9002/page?x=1", "http://localhost:9001/page?x=1"]
    assert door.sent == {9001: 2, 9002: 1}
    assert backend_address("10.0.0.5:8765", "0.0.0.0", 8766) == "http://10.0.0.5:8766"
    assert backend_address(None, "127.0.0.1", 8766) == "http://127.0.0.1:8766"
    assert backend_address("[::1]:8765", "::", 8766) == "http://[::1]:8766"


def test_a_late_picture_covers_more_days_up_to_a_week():
    from migsim.viz.app import days_per_picture

    assert days_per_picture(0.05) == 3  # on time: every third day
    assert days_per_picture(0.2) == 3
    assert days_per_picture(0.3) == 5  # half as late again: half as many days again
    assert days_per_picture(5.0) == 7  # never more than a week


def test_a_port_that_connects_to_itself_is_not_an_app_server(monkeypatch):
    """Polling a port in the ephemeral range where nobody listens can connect the
    socket to itself (source port = destination port; it then echoes what it is
    sent): the front door must not take that for a started server."""
    import socket

    from migsim.viz import front

    def connected_to_itself(address, timeout=None):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.connect(s.getsockname())
        return s

    monkeypatch.setattr(front.socket, "create_connection", connected_to_itself)
    assert front.wait_until_answering("127.0.0.1", [8765], 0.5) == [8765]
