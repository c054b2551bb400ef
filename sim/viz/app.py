"""The classroom app: ``migsim viz`` (Solara).

Every browser page gets its own simulation (``ClassroomSession``, made inside the
page component, so two students never share one). Play steps a few days a
picture; a lever moved during the run becomes a dated policy event from the next
day, marked on the charts. The pictures are Vega-Lite specifications drawn by the
browser (``sim/viz/charts.py``): each chart is drawn once and then sent only its
new data (``sim/viz/live_chart.py``), and a picture redraws only the pictures, not
the controls. ``migsim viz --servers N`` puts N of these servers behind one
address (``sim/viz/front.py``).

Why not Mesa's SolaraViz page: it builds one model when the module is imported
(shared by every browser), applies parameters only on Reset, and shows its
developer controls; a classroom needs the opposite of all three. The model is the
same Mesa model and its charts read the model's DataCollector.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import threading
import time

import numpy as np
import solara
import solara.lab

from migsim.calendar import season_name
from migsim.scenario import SCENARIO_DIR
from migsim.viz.charts import MapPicture, bars, timeline
from migsim.viz.live_chart import LiveChart
from migsim.viz.session import DEFAULT_SCALE, LEVERS, ClassroomSession, describe, scenario_choices, teachers_choice

log = logging.getLogger("migsim.classroom")

DAYS_PER_PICTURE = 3  # Play draws every third day: smooth enough to follow a week
SECONDS_PER_PICTURE = 0.2  # at most five pictures a second: 15 simulated days a second
# A picture costs the server more than a simulated day does: when the server is
# busy (many students) and a picture is late, the next one covers more days, up
# to a week, so the year still moves at a pace a class can watch.
MOST_DAYS_PER_PICTURE = 7
FRIENDLY_ERROR = "Something went wrong in this simulation. Press New run to start again (the details are in the server's log)."
STOCKS = {  # chart label -> (timeseries column, colour)
    "Irregular, all": ("irregular", "#000000"),
    "Not registered": ("irregular_stay", "#d73027"),
    "Working without permit": ("irregular_work", "#f28e2b"),
    "Detained": ("detained", "#762a83"),
    "Registered": ("registered", "#5aae61"),
    "Work permit": ("permitted", "#1b7837"),
    "Amnesty card": ("amnesty_card", "#2166ac"),
}
FLOWS = {
    "Arrivals": ("arrivals", "#4575b4"),
    "Detentions": ("detentions", "#f46d43"),
    "Deportations": ("deportations", "#a50026"),
}
EXPLAIN = (
    "What am I looking at? Migrant workers from Uzbekistan and its neighbours in South Kazakhstan, day by day. "
    "On the map each circle is a district: its size is the migrants there, its colour whether the number there "
    "illegally rose (red) or fell (blue) over the last 30 days. The charts show people by legal status and the daily "
    "flows; a dashed purple line marks each change you made. Every number is people."
)


def pictures(session: ClassroomSession, mapper: MapPicture) -> dict:
    """Everything a frame shows, read under the session's lock (Play steps in
    another thread)."""
    model = session.model
    data = model.datacollector.model_vars
    run = (model.dates[0], model.dates[-1])
    dates = data.get("date", [])
    n = len(dates)
    started = n > 0
    view: dict = {
        "date": model.date if started else model.dates[0],
        "started": started,
        "over": not session.running,
        "scenario": session.scenario_file,
        "scale": model.scale,
        "marks": list(session.marks),
    }
    geo = model.geo
    if started:
        row = model.metrics.row
        present = np.array([row[f"present_{d}"] for d in geo.districts], dtype=float)
        irregular = np.array([row[f"irregular_{d}"] for d in geo.districts], dtype=float)
        back = max(n - 31, 0)
        month_ago = np.array([data[f"irregular_{d}"][back] for d in geo.districts], dtype=float)
        week = slice(max(n - 7, 0), n)
        view["headline"] = {
            "present": row["present"],
            "irregular": row["irregular"],
            **{k: int(sum(data[k][week])) for k in ("arrivals", "detentions", "deportations")},
        }
    else:
        present = irregular = month_ago = np.zeros(len(geo.districts))
    people = model.population
    here = people.present()
    from_origin = np.bincount(people.origin[here], minlength=len(geo.origins)) * model.scale
    view["map"] = mapper.spec(present, irregular, month_ago, width=360, height=440)
    view["origins"] = mapper.origins(from_origin, width=220, height=260)
    charts = (
        ("stocks", "Migrants present, by legal status", STOCKS, "people", 190, "Irregular, all", list),
        ("flows", "Arrivals, detentions and deportations", FLOWS, "people a day (7-day mean)", 140, None, _week_mean),
    )
    for key, title, lines, y_title, height, thick, shape in charts:
        values = {label: shape(data.get(column, [])) for label, (column, _) in lines.items()}
        colours = {label: colour for label, (_, colour) in lines.items()}
        view[key] = timeline(title, dates, values, colours, session.marks, run, y_title, width=400, height=height, thick=thick)
    aid = model.legal_aid
    view["appeals"] = bars(
        "Appeals to legal aid centres so far, by topic",
        [c.replace("_", " ") for c in aid.categories],
        [int(v) for v in aid.by_category],
        "people",
        width=330,
        height=230,
    )
    story = session.story
    view["story"] = (story.title, list(story.lines)) if story else None
    return view


def days_per_picture(seconds_taken: float) -> int:
    """Days the next picture covers, from how long the last one took: three on
    time, more when late, at most a week."""
    late = seconds_taken / SECONDS_PER_PICTURE
    return int(min(MOST_DAYS_PER_PICTURE, max(DAYS_PER_PICTURE, np.ceil(DAYS_PER_PICTURE * late - 1e-9))))


def _week_mean(values: list) -> list[float]:
    if not values:
        return []
    x = np.asarray(values, dtype=float)
    sums = np.cumsum(np.r_[0.0, x])
    k = np.minimum(np.arange(1, len(x) + 1), 7)
    return np.round((sums[1:] - sums[np.arange(len(x)) + 1 - k]) / k, 1).tolist()


def initial_scenario(choices: dict) -> str:
    """The picker's first choice (``choices``: the picker's names): the teacher's
    file if they gave one, else the shipped scenario they named, else the baseline."""
    teachers = teachers_choice({path.name: path for path in SCENARIO_DIR.glob("*.toml")})
    chosen = teachers[0] if teachers is not None else os.environ.get("MIGSIM_SCENARIO", "baseline.toml")
    return chosen if chosen in choices else "baseline.toml"


@solara.component
def Page():
    """The page: the classroom, and one friendly line if drawing it ever fails."""
    error, clear = solara.use_exception()
    if error is not None:
        log.error("classroom: error while drawing the page", exc_info=error)
        with solara.Column(style={"padding": "24px"}):
            solara.Error(FRIENDLY_ERROR)
            solara.Button("New run", color="primary", on_click=clear)
        return
    Classroom()


@solara.component
def Classroom():
    choices = solara.use_memo(lambda: {name: describe(path) for name, path in scenario_choices().items()}, [])
    scenario = solara.use_reactive(initial_scenario(choices))
    scale = solara.use_reactive(DEFAULT_SCALE)
    generation = solara.use_reactive(0)  # New run makes a new session
    playing = solara.use_reactive(False)
    notice = solara.use_reactive("")
    failure = solara.use_reactive("")
    # what changes every picture lives in `view`, read only by Pictures: a picture
    # redraws the pictures, not the controls; `over` and `levers` change rarely
    view = solara.use_reactive(None)
    over = solara.use_reactive(False)
    levers = solara.use_reactive({})
    lock = solara.use_memo(threading.RLock, [])
    box = solara.use_memo(dict, [])  # this page's session and map (kept across renders)

    def new_session():
        with lock:
            try:
                made = ClassroomSession(scenario.value, scale=scale.value)
                box["mapper"] = box.get("mapper") or MapPicture(made.model.geo)
                first = pictures(made, box["mapper"])
            except Exception:  # a bad scenario file on the server, a bug: the class sees one line
                log.exception("classroom: could not start %s", scenario.value)
                failure.value = FRIENDLY_ERROR
                return None
            box["session"] = made
            failure.value = ""
            notice.value = ""
            view.value = first
            over.value = False
            levers.value = dict(made.values)
            return made

    solara.use_memo(new_session, [generation.value])
    session: ClassroomSession | None = box.get("session")

    def refresh():
        current = box["session"]
        view.value = pictures(current, box["mapper"])
        over.value = not current.running
        levers.value = dict(current.values)

    def guarded(action):
        def run(*args):
            try:
                with lock:
                    action(*args)
                    refresh()
            except Exception:
                log.exception("classroom: error")
                playing.value = False
                failure.value = FRIENDLY_ERROR

        return run

    def play_loop():
        days = DAYS_PER_PICTURE
        while playing.value and box["session"].running and not failure.value:
            started = time.perf_counter()
            guarded(lambda days=days: box["session"].advance(days))()
            took = time.perf_counter() - started
            days = days_per_picture(took)
            if took < SECONDS_PER_PICTURE:
                time.sleep(SECONDS_PER_PICTURE - took)
        playing.value = False

    solara.lab.use_task(play_loop, dependencies=[playing.value, generation.value], prefer_threaded=True)

    def start_over():
        playing.value = False
        generation.value += 1

    def set_lever(name):
        def apply(value):
            def act():
                notice.value = box["session"].set_lever(name, value) or ""

            guarded(act)()

        return apply

    with solara.AppBar():
        solara.AppBarTitle("migsim: migrant workers in South Kazakhstan")
    with solara.Sidebar():
        Controls(
            session, over.value, levers.value, choices, scenario, scale, playing, guarded, start_over, set_lever, notice.value
        )
    with solara.Column(style={"padding": "4px 12px"}):
        if failure.value:
            solara.Error(failure.value)
            solara.Button("New run", color="primary", on_click=start_over)
            return
        if session is None:
            solara.Text("Starting...")
            return
        Pictures(view, guarded(lambda: notice.set(box["session"].follow() or "")))


@solara.component
def Pictures(view, on_follow):
    """What a picture shows: redrawn every picture while the rest of the page stays."""
    current = view.value
    if current is None:
        solara.Text("Starting...")
        return
    Headline(current)
    Note(EXPLAIN, "font-size:14px;color:#444;max-width:1150px;margin-bottom:4px")
    with solara.Row(style={"flex-wrap": "wrap", "gap": "8px", "align-items": "flex-start"}):
        Drawn(current["map"])
        with solara.Column(gap="4px"):
            Drawn(current["stocks"])
            Drawn(current["flows"])
    with solara.Row(style={"flex-wrap": "wrap", "gap": "16px", "align-items": "flex-start"}):
        with solara.Column(style={"min-width": "420px", "max-width": "640px"}):
            StoryView(current["story"], on_follow)
        Drawn(current["appeals"])
        Drawn(current["origins"])


def Drawn(chart):
    return LiveChart.element(spec=chart.spec, datasets=chart.datasets)


def Note(text: str, style: str = ""):
    """A block of plain text (escaped)."""
    return solara.HTML(tag="div", unsafe_innerHTML=html.escape(text), style=style)


@solara.component
def Headline(current: dict):
    date: dt.date = current["date"]
    if not current["started"]:
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<h2 style='margin:4px 0'>{date:%d %B %Y}</h2>"
            "<div style='font-size:17px'>Press <b>Play</b> or <b>Step</b> to start the year.</div>",
        )
        return
    h = current["headline"]
    share = h["irregular"] / h["present"] if h["present"] else 0.0
    over = (
        (
            "<div style='font-size:17px;color:#a50026;margin-top:4px'><b>The year is over.</b> Press <b>New run</b> to start "
            "again, or pick another scenario or year first.</div>"
        )
        if current["over"]
        else ""
    )
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            f"<h2 style='margin:4px 0'>{date:%d %B %Y}: {season_name(date)}</h2>"
            f"<div style='font-size:17px'><b>{h['present']:,}</b> migrants present, <b>{h['irregular']:,}</b> of them "
            f"irregular ({share:.0%}). Last 7 days: {h['arrivals']:,} arrived, {h['detentions']:,} detained, "
            f"{h['deportations']:,} deported.</div>{over}"
        ),
    )


@solara.component
def StoryView(story, on_follow):
    solara.Button("Follow a migrant", color="secondary", on_click=on_follow, icon_name="mdi-account-search")
    if story is None:
        Note("Pick someone and watch what happens to them: papers, work, wages, the police, going home.", "font-size:15px")
        return
    title, lines = story
    items = "".join(f"<li><b>{d:%d %b}</b> {text}</li>" for d, text in lines[-14:])
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f"<div style='font-size:16px;font-weight:bold;margin-top:6px'>{title}</div>"
        f"<ul style='font-size:15px;margin:4px 0;padding-left:18px'>{items}</ul>",
    )


@solara.component
def Controls(session, over, values, choices, scenario, scale, playing, guarded, start_over, set_lever, notice):
    with solara.Card("Run", style={"margin-bottom": "6px"}):
        with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
            solara.Button(
                "Pause" if playing.value else "Play",
                color="primary",
                icon_name="mdi-pause" if playing.value else "mdi-play",
                on_click=lambda: playing.set(not playing.value),
                disabled=over or session is None,
            )
            solara.Button(
                "Step a day", on_click=guarded(lambda: session.advance(1)), disabled=over or playing.value or session is None
            )
            solara.Button(
                "Step a week", on_click=guarded(lambda: session.advance(7)), disabled=over or playing.value or session is None
            )
            solara.Button("New run", color="primary" if over else None, on_click=start_over, outlined=not over)
        solara.Select(
            "Scenario (for the next run)",
            values=list(choices),
            value=scenario.value,
            on_value=lambda v: scenario.set(v) if v in choices else None,
        )
        Note(choices.get(scenario.value, ""), "font-size:14px;color:#555")
        Note(f"People per agent (next run): {scale.value}", "font-size:15px;margin-top:8px")
        solara.SliderInt("", value=scale.value, min=5, max=100, step=5, on_value=scale.set)
        if session is not None and (scenario.value != session.scenario_file or scale.value != session.model.scale):
            solara.Warning("Changed: press New run to use it.", dense=True)
    if session is None:
        return
    with solara.Card("Policy, from tomorrow", style={"margin-bottom": "6px"}):
        for name, lever in LEVERS.items():
            if name == "detain_all":
                solara.Checkbox(label=lever.label, value=bool(values[name]), on_value=set_lever(name), disabled=over)
                continue
            shown = f"{values[name]:g} {lever.unit}" if lever.unit != "x" else f"\u00d7{values[name]:g}"
            Note(f"{lever.label}: {shown}", "font-size:15px;font-weight:500;margin-top:6px")
            if lever.unit == "days":
                solara.SliderInt(
                    "",
                    value=int(values[name]),
                    min=int(lever.low),
                    max=int(lever.high),
                    step=int(lever.step),
                    on_value=set_lever(name),
                    disabled=over,
                )
            else:
                solara.SliderFloat(
                    "",
                    value=float(values[name]),
                    min=lever.low,
                    max=lever.high,
                    step=lever.step,
                    on_value=set_lever(name),
                    disabled=over,
                )
        solara.Checkbox(
            label="Amnesty from tomorrow (as in 2006: employers apply for their workers, 5 months)",
            value=bool(values["amnesty"]),
            on_value=set_lever("amnesty"),
            disabled=over,
        )
        if notice:
            solara.Info(notice, dense=True)
