"""The classroom app: ``migsim viz`` (or ``solara run sim/viz/app.py``).

A SolaraViz page with the map of places at their coordinates (district circles
sized by people present and coloured by the irregular share), the date and season,
live charts, play/pause/step/reset, a scenario picker and sliders for the main
policy levers and the agent scale.
"""

from __future__ import annotations

import datetime as dt
import os

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import solara  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from mesa.visualization import Slider, SolaraViz, make_plot_component  # noqa: E402
from mesa.visualization.utils import update_counter  # noqa: E402

from sim.calendar import season_name  # noqa: E402
from sim.model import MigrationModel  # noqa: E402
from sim.report import OBLAST_VIEW, draw_oblast, draw_places  # noqa: E402
from sim.scenario import REPO_ROOT, load, validate  # noqa: E402
from sim.status import IRREGULAR  # noqa: E402

SCENARIOS = REPO_ROOT / "scenarios"
DEFAULT_SCALE = 20  # one agent = 20 people: a classroom laptop stays responsive


def scenario_files() -> list[str]:
    """The picker's choices: scenarios/*.toml, and the file `migsim viz` was given."""
    files = sorted(p.name for p in SCENARIOS.glob("*.toml"))
    chosen = os.environ.get("MIGSIM_SCENARIO")
    return files if not chosen or chosen in files else [chosen, *files]


class ClassroomModel(MigrationModel):
    """The model with the classroom's levers as plain keyword arguments (what
    the sliders set); each lever becomes a parameter override or a policy event."""

    def __init__(self, scenario_file: str = "baseline.toml", scale: int = DEFAULT_SCALE, quota_factor: float = 1.0,
                 inspection_factor: float = 1.0, deport_everyone: bool = False, detention_factor: float = 1.0,
                 registration_deadline_days: int | None = None, legal_aid_capacity_factor: float = 1.0,
                 amnesty: bool = False, amnesty_from_month: int = 8,
                 amnesty_to_month: int = 12, rng=20080101):
        scenario = load(SCENARIOS / scenario_file)
        tree = scenario.model_dump()
        police, p = tree["police"], scenario.police
        tree["employers"]["quota_permits"] = int(round(scenario.employers.quota_permits * quota_factor))
        police["workplace_inspections_per_day"] = p.workplace_inspections_per_day * inspection_factor
        if deport_everyone:  # orders: detain everyone caught for deportation
            police["detain"] = ["all"]
        police["detention_places"] = p.detention_places * detention_factor
        police["deportations_per_day"] = p.deportations_per_day * detention_factor
        if registration_deadline_days is not None:
            tree["registration"]["deadline_days"] = int(registration_deadline_days)
        tree["legal_aid"]["centres"] = [{**c, "capacity_per_day": c["capacity_per_day"] * legal_aid_capacity_factor}
                                        for c in tree["legal_aid"]["centres"]]
        if amnesty:
            # a window in the run's first year, from the first of one month to the end of another
            year = scenario.run.start_date.year
            start = max(dt.date(year, int(amnesty_from_month), 1), scenario.run.start_date)
            to = int(max(amnesty_to_month, amnesty_from_month))
            end = min(dt.date(year + to // 12, to % 12 + 1, 1) - dt.timedelta(days=1), scenario.run.end_date)
            tree["events"] = [*tree["events"], {
                "kind": "amnesty", "start": start, "end": max(end, start), "entered_before": start - dt.timedelta(days=1),
                "processing_per_day": 500.0, "card_years": 3.0, "paperwork_usd": 30.0, "filing_days": 10.0,
                "attention_factor": 2.0,
                "note": "classroom amnesty"}]
        super().__init__(validate(tree, f"classroom settings on {scenario_file}"), scale=int(scale), rng=rng)
        self.scenario_file = scenario_file


def district_counts(model: MigrationModel) -> tuple[np.ndarray, np.ndarray]:
    """People present and the irregular share, by district."""
    people = model.population
    present = people.present()
    n = len(model.geo.districts)
    by_district = np.bincount(people.district[present], minlength=n) * model.scale
    irregular = np.bincount(people.district[present[IRREGULAR[model.book.status[present]]]], minlength=n) * model.scale
    return by_district, np.divide(irregular, by_district, out=np.zeros(n), where=by_district > 0)


def draw_map(model: MigrationModel) -> Figure:
    """The oblast (sim.report.draw_oblast) and, beside it, the region with the
    origin regions in Uzbekistan and its neighbours."""
    geo = model.geo
    pos = geo.layout()
    present, share = district_counts(model)
    fig = Figure(figsize=(10, 6), dpi=100)
    ax, overview = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.2, 1]})
    dots = draw_oblast(ax, geo, present, share)
    ax.set_title(f"South Kazakhstan oblast, {model.date:%d %B %Y}\ncircle: people present; colour: irregular share", fontsize=10)
    ax.tick_params(labelsize=7)
    fig.colorbar(dots, ax=ax, shrink=0.6, label="irregular share of people present")
    draw_places(overview, geo, crossing_size=20)
    overview.scatter([pos[d][0] for d in geo.districts], [pos[d][1] for d in geo.districts], s=10, c=share,
                     cmap="RdYlGn_r", vmin=0, vmax=1, zorder=4)
    x0, x1, y0, y1 = OBLAST_VIEW
    overview.plot([x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0], color="#4575b4", linewidth=1)
    overview.set_aspect(1.3)
    overview.set_title("Where migrants come from", fontsize=9)
    overview.tick_params(labelsize=6)
    fig.subplots_adjust(left=0.05, right=0.98, bottom=0.06, top=0.9, wspace=0.12)
    return fig


@solara.component
def MapView(model):
    update_counter.get()
    solara.FigureMatplotlib(draw_map(model), format="png")


@solara.component
def DateView(model):
    update_counter.get()
    row = model.metrics.row
    if not row:
        solara.Markdown(f"## {model.params.run.start_date:%d %B %Y}\nPress **Step** or **Play** to start the season.")
        return
    present, irregular = row["present"], row["irregular"]
    share = irregular / present if present else 0.0
    solara.Markdown(
        f"## {model.date:%d %B %Y}: {season_name(model.date)}\n"
        f"**{present:,}** migrants present, **{irregular:,}** irregular ({share:.0%}). "
        f"Today: {row['arrivals']:,} arrived, {row['detentions']:,} detained, {row['deportations']:,} deported. "
        f"Scenario: `{getattr(model, 'scenario_file', model.params.name)}`; one agent = {model.scale} people."
    )


@solara.component
def AppealsView(model):
    update_counter.get()
    aid = model.legal_aid
    fig = Figure(figsize=(6, 4), dpi=100)
    ax = fig.subplots()
    order = np.argsort(aid.by_category)
    ax.barh([aid.categories[i].replace("_", " ") for i in order], aid.by_category[order], color="#4575b4")
    ax.set_xlabel("appeals to legal aid centres so far (people)")
    ax.set_title("Appeals by category", fontsize=10)
    ax.tick_params(labelsize=7)
    fig.tight_layout()
    solara.FigureMatplotlib(fig, format="png")


STATUS_COLOURS = {"irregular_stay": "#d73027", "irregular_work": "#fdae61", "registered": "#5aae61",
                  "permitted": "#1b7837", "amnesty_card": "#2166ac", "detained": "#762a83"}
FLOW_COLOURS = {"arrivals": "#4575b4", "detentions": "#f46d43", "deportations": "#a50026"}

model_params = {
    "scenario_file": {"type": "Select", "value": os.environ.get("MIGSIM_SCENARIO", "baseline.toml"),
                      "values": scenario_files(), "label": "Scenario"},
    "scale": Slider("Agent scale (people per agent)", DEFAULT_SCALE, 5, 100, 5, dtype=int),
    "quota_factor": Slider("Quota permits (x scenario)", 1.0, 0.0, 4.0, 0.25),
    "inspection_factor": Slider("Inspections (x scenario)", 1.0, 0.0, 5.0, 0.25),
    "deport_everyone": {"type": "Checkbox", "value": False, "label": "Orders: detain everyone caught for deportation"},
    "detention_factor": Slider("Detention places and transport (x scenario)", 1.0, 0.0, 5.0, 0.25),
    "registration_deadline_days": Slider("Registration deadline (days)", 5, 1, 90, 1, dtype=int),
    "legal_aid_capacity_factor": Slider("Legal aid capacity (x scenario)", 1.0, 0.0, 5.0, 0.5),
    "amnesty": {"type": "Checkbox", "value": False, "label": "Amnesty (employers apply for their workers)"},
    "amnesty_from_month": Slider("Amnesty opens (month)", 8, 1, 12, 1, dtype=int),
    "amnesty_to_month": Slider("Amnesty closes (month, end of)", 12, 1, 12, 1, dtype=int),
}


def make_page():
    model = ClassroomModel(scenario_file=os.environ.get("MIGSIM_SCENARIO", "baseline.toml"))
    return SolaraViz(
        model,
        components=[
            (DateView, 0),
            (MapView, 0),
            make_plot_component(STATUS_COLOURS, page=0),
            make_plot_component(FLOW_COLOURS, page=0),
            (AppealsView, 0),
        ],
        model_params=model_params,
        name="migsim: seasonal labour migration into South Kazakhstan",
        play_interval=20,
        render_interval=7,  # one frame (and one Step) is a week: the season moves at 5+ days a second
    )


page = make_page()
