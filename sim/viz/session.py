"""One classroom session: its own model, the levers the sliders move, a dated
mark for every change, and the story of one followed migrant.

No Solara here: the page (``sim/viz/app.py``) shows what a session holds, and the
tests drive a session directly. A lever moved during the run becomes a dated
policy event (``MigrationModel.enact``), the same kind of ``[[events]]`` table a
scenario file holds, validated the same way; it applies from the next day.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from migsim.agents.migrant import Group
from migsim.model import MigrationModel
from migsim.people.book import NEVER
from migsim.scenario import SCENARIO_DIR, ScenarioError, load
from migsim.schema import SECTORS
from migsim.status import Status

DEFAULT_SCALE = 20  # one agent = 20 people: thirty laptops' worth of sessions share one server
DEFAULT_SEED = 20080101
STORY_LENGTH = 200  # lines kept of a followed migrant's story

log = logging.getLogger("migsim.classroom")


def scenario_choices() -> dict[str, Path]:
    """The scenarios a class may pick, by name: the shipped ones and the file the
    teacher gave ``migsim viz``. Only these are ever loaded, whatever name a
    browser sends."""
    files = {p.name: p for p in sorted(SCENARIO_DIR.glob("*.toml"))}
    teachers = teachers_choice(files)
    return files if teachers is None else {teachers[0]: teachers[1], **files}


def teachers_choice(shipped: dict[str, Path]) -> tuple[str, Path] | None:
    """The teacher's own file (``migsim viz FILE``) and its name in the picker: its
    file name, or, for an edited copy of a shipped scenario (the same file name),
    "NAME (your copy).toml", so the copy is never hidden behind the shipped one."""
    teachers = os.environ.get("MIGSIM_SCENARIO")
    if not teachers or teachers in shipped:  # none, or a shipped one by its name
        return None
    path = Path(teachers)
    name = path.name if path.name not in shipped else f"{path.stem} (your copy){path.suffix}"
    return name, path


def describe(path: Path) -> str:
    return load(path).description


@dataclass(frozen=True)
class Lever:
    """A slider or a tick box, and the policy event it makes."""

    label: str
    kind: str  # the event kind (sim/policies.py)
    fields: tuple[str, ...]  # the event fields the value sets
    low: float = 0.0
    high: float = 5.0
    step: float = 0.25
    neutral: Any = 1.0  # "as the scenario says": no event
    unit: str = "x"

    def event(self, value: Any) -> dict[str, Any]:
        if isinstance(value, bool):  # a tick box: orders, not a number
            levers = {"detain": ["all"]}
        else:
            levers = dict.fromkeys(self.fields, value)
        return {"kind": self.kind, **levers, "note": f"classroom: {self.describe(value)}"}

    def describe(self, value: Any) -> str:
        if isinstance(value, bool):
            return f"{self.label}: {'on' if value else 'off'}"
        if self.unit == "x":
            return f"{self.label} \u00d7{value:g}"
        return f"{self.label} {value:g} {self.unit}"


LEVERS: dict[str, Lever] = {
    "inspections": Lever("Workplace inspections", "enforcement", ("inspections_factor",)),
    "detain_all": Lever("Orders: detain everyone caught", "enforcement", ("detain",), neutral=False, unit=""),
    "detention": Lever("Detention places and transport", "enforcement", ("detention_places_factor", "deportations_factor")),
    "quota": Lever("Quota permits", "quota", ("factor",), high=4.0),
    "legal_aid": Lever("Legal aid capacity", "legal_aid", ("capacity_factor",), step=0.5),
    "deadline": Lever("Registration deadline", "registration", ("deadline_days",), 1, 90, 1, neutral=None, unit="days"),
}
AMNESTY_TEMPLATE = SCENARIO_DIR / "amnesty_2006.toml"  # the 2006 window's rules and length


class ClassroomSession:
    """A student's own simulation: a scenario, a seed, the levers in force."""

    def __init__(self, scenario_file: str = "baseline.toml", scale: int = DEFAULT_SCALE, seed: int = DEFAULT_SEED):
        choices = scenario_choices()
        if scenario_file not in choices:
            raise ScenarioError(f"classroom: unknown scenario {scenario_file!r}; expected one of {', '.join(choices)}")
        self.scenario_file = scenario_file
        self.model = MigrationModel(choices[scenario_file], scale=scale, rng=seed)
        self.values: dict[str, Any] = {name: self.neutral(name) for name in LEVERS} | {"amnesty": False}
        self.enacted: dict[str, Any] = {}  # lever -> the event it made, as the schedule holds it
        self.marks: list[tuple[dt.date, str]] = []  # (first day in force, label), one per lever and day
        self._marked: dict[tuple[str, dt.date], int] = {}  # (lever, day) -> its place in marks
        self.story: Story | None = None

    # ---- levers ----------------------------------------------------------------------------

    def neutral(self, name: str) -> Any:
        if name == "deadline":
            return int(self.model.params.registration.deadline_days)
        return LEVERS[name].neutral

    @property
    def starts_on(self) -> dt.date:
        """The first day a change made now is in force."""
        model = self.model
        return model.date_of(model.t + 1) if model.running else model.dates[-1]

    def set_lever(self, name: str, value: Any) -> str | None:
        """Move a lever from tomorrow (from the first day, before the run starts).
        Returns a message for the class when the change cannot be made."""
        if name == "amnesty":
            return self._set_amnesty(bool(value))
        lever = LEVERS[name]
        if value == self.values[name]:
            return None
        if not self.model.running:
            return "The year is over: start a new run to try this."
        new = None if value == self.neutral(name) else lever.event(value)
        return self._replace(name, new, lever.describe(value), value)

    def _set_amnesty(self, on: bool) -> str | None:
        if on == self.values["amnesty"]:
            return None
        if not self.model.running:
            return "The year is over: start a new run to try this."
        new = None
        if on:
            template = load(AMNESTY_TEMPLATE).events[0]
            start = self.starts_on
            end = min(start + (template.end - template.start), self.model.dates[-1])
            new = template.model_dump() | {
                "start": start,
                "end": end,
                "entered_before": start - dt.timedelta(days=1),
                "note": "classroom: an amnesty as in 2006, from today",
                "ranges": {},
                "id": None,  # a class may open an amnesty more than once a year; an id names one event
            }
        label = f"Amnesty {'opens' if on else 'closes'}"
        return self._replace("amnesty", new, label, on)

    def _replace(self, name: str, event: dict[str, Any] | None, label: str, value: Any) -> str | None:
        try:
            made = self.model.enact(event, replacing=self.enacted.get(name)) if event else None
            if event is None and name in self.enacted:
                self.model.repeal(self.enacted[name])
        except ScenarioError as err:
            log.info("classroom lever %s=%r refused: %s", name, value, err)
            return plain_refusal(str(err))
        self.enacted.pop(name, None)
        if made is not None:
            self.enacted[name] = made
        self.values[name] = value
        day = self.starts_on
        if (name, day) in self._marked:  # moved again before the day began: one mark, the last value
            self.marks[self._marked[(name, day)]] = (day, label)
        else:
            self._marked[(name, day)] = len(self.marks)
            self.marks.append((day, label))
        return None

    # ---- time ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return bool(self.model.running)

    def advance(self, days: int) -> int:
        """Step up to ``days`` days (never past the last); returns the days stepped."""
        done = 0
        while done < days and self.model.running:
            self.model.step()
            done += 1
            if self.story is not None:
                self.story.observe()
        return done

    # ---- following a migrant ---------------------------------------------------------------

    def follow(self, seed: int | None = None) -> str | None:
        """Follow someone who came recently (or anyone present); the choice uses its
        own random numbers, so following never changes the run."""
        model = self.model
        people = model.population
        present = people.present()
        present = present[people.group[present] != Group.DAY_TRADER]
        if len(present) == 0:
            return "No migrant is here yet: step a few days first."
        recent = present[people.entered[present] >= model.t - 7]
        pool = recent if len(recent) else present
        pick = np.random.default_rng([seed if seed is not None else len(self.marks), max(model.t, 0)]).choice(pool)
        self.story = Story(model, int(pick))
        return None


def plain_refusal(message: str) -> str:
    """A scenario checker's message, for a class."""
    if "overlap in time" in message:
        return (
            "The scenario's own policy already sets this for these dates, so the slider cannot change it "
            "while that policy is in force."
        )
    return message


class Story:
    """What happens to one person, read off the books each day (only for this
    person, so following costs nothing measurable)."""

    def __init__(self, model: MigrationModel, slot: int):
        self.model = model
        self.lines: deque[tuple[dt.date, str]] = deque(maxlen=STORY_LENGTH)
        model.book.watch(slot)
        self.origin = model.geo.graph.nodes[model.geo.origins[model.population.origin[slot]]]["name"]
        self.agent_id = model.migrants.materialize()[slot].unique_id
        self.last = self._read()
        self.month_received = self.month_withheld = 0.0
        people = model.population
        entered = int(people.entered[slot])
        when = model.date_of(entered) if entered > NEVER and entered >= -3650 else None
        group = {Group.SEASONAL: "a seasonal worker", Group.LONG_TERM: "a long-term migrant"}.get(
            Group(people.group[slot]), "a migrant"
        )
        who = f"{'man' if people.male[slot] else 'woman'} of {people.age[slot]}"
        self.title = f"Migrant #{self.agent_id}: a {who} from {self._origin()}, {group}"
        arrived = (
            f"Crossed the border on {when:%d %B %Y}"
            if when and when >= model.dates[0]
            else "Was already here when the year began"
        )
        self._say(model.date, f"{arrived}; now in {self._district()}, {self._status()}.")

    @property
    def slot(self) -> int:
        """The person's slot in the books; -1 while they are at home between
        stays (their memory waits in the home register, sim/people/home.py, and
        the status book watches their new slot when they come back)."""
        return max(self.model.book.watched, -1)

    # what the story reads, each day: from the books while the person holds a
    # slot; from what their slot held when they gave it up while they are at home
    READS: ClassVar[dict[str, tuple[type, str]]] = {
        "district": (int, "district"),
        "employer": (int, "employer"),
        "received": (float, "stay_received"),
        "withheld": (float, "stay_withheld"),
        "savings": (float, "savings"),
        "passport_kept": (bool, "passport_kept"),
        "documents_lost": (bool, "documents_lost"),
        "catches": (int, "catches"),
        "violations": (int, "violations"),
        "extorted_day": (int, "extorted_day"),
        "bribe": (float, "last_bribe_usd"),
        "paid_police": (float, "paid_police_usd"),
        "ban_until": (int, "ban_until"),
        "appeals": (int, "recent_appellants"),
        "filed": (bool, "filed"),
        "card_until": (int, "card_until"),
    }

    def _read(self) -> dict[str, float]:
        m, s = self.model, self.slot
        if s < 0:
            last = m.population.watched_snapshot
            return {"status": int(Status.HOME), **{k: kind(last[f]) for k, (kind, f) in self.READS.items()}}
        fields = {f: book for book in m.population.books for f in book.FIELDS}
        return {"status": int(m.book.status[s]), **{k: kind(getattr(fields[f], f)[s]) for k, (kind, f) in self.READS.items()}}

    def observe(self) -> None:
        m, now = self.model, self._read()
        before, self.last = self.last, now
        today = m.date
        reasons = m.book.take_watched_reasons()
        for reason in reasons:
            line = self._reason_line(reason, now, before)
            if line:
                self._say(today, line)
        if now["catches"] > before["catches"] and "detained" not in reasons:
            if now["extorted_day"] == m.t:
                self._say(today, f"Stopped by the police; paid a bribe of ${now['bribe']:,.0f} to be let go.")
            elif now["violations"] > before["violations"]:
                self._say(today, f"Stopped by the police and fined ${now['paid_police'] - before['paid_police']:,.0f}.")
            else:
                self._say(today, "Stopped by the police and let go.")
        if now["passport_kept"] and not before["passport_kept"]:
            self._say(today, "The employer kept their passport.")
        if now["documents_lost"] and not before["documents_lost"]:
            self._say(today, "The passport was not handed back: now without documents.")
        if now["appeals"] > before["appeals"]:
            self._say(today, "Went to a legal aid centre for help.")
        if now["filed"] and not before["filed"]:
            self._say(today, "The employer applied for an amnesty card for them.")
        if now["district"] != before["district"] and now["district"] >= 0 and before["district"] >= 0:
            self._say(today, f"Moved to {self._district()} to look for work.")
        self.month_received += max(now["received"] - before["received"], 0.0)
        self.month_withheld += max(now["withheld"] - before["withheld"], 0.0)
        if (today + dt.timedelta(days=1)).day == 1 or "departed" in reasons or "deported" in reasons:
            if self.month_received or self.month_withheld:
                kept = f", ${self.month_withheld:,.0f} withheld by the employer" if self.month_withheld else ""
                self._say(today, f"Wages in {today:%B}: ${self.month_received:,.0f} paid{kept}.")
            self.month_received = self.month_withheld = 0.0

    def _reason_line(self, reason: str, now: dict, before: dict) -> str | None:
        m = self.model
        deadline = m.rules.registration.deadline_days
        match reason:
            case "arrive":
                return f"Crossed the border from {self._origin()}; heading for {self._district()}."
            case "arrive_with_card":
                return f"Came back from {self._origin()} with an amnesty migrant card; to {self._district()}."
            case "arrive_evading_ban":
                return f"Came back from {self._origin()} on a bypass road despite an entry ban."
            case "register":
                return "Registered with the migration police."
            case "deadline_passed":
                return f"The {deadline}-day registration deadline passed without registering: now here illegally."
            case "registration_expired":
                return "The registration ran out: now here illegally."
            case "hired_with_permit":
                return f"Hired with a quota work permit by {self._employer(now)}."
            case "hired_without_permit":
                return f"Hired without a work permit by {self._employer(now)}."
            case "dismissed":
                return "Lost the job."
            case "amnesty_granted":
                return f"Got an amnesty migrant card, valid until {m.date_of(now['card_until']):%B %Y}."
            case "card_expired":
                return "The amnesty card ran out."
            case "detained":
                return "Caught by the police and detained for deportation."
            case "deported":
                if now["ban_until"] > m.t:
                    return f"Deported to {self._origin()}; banned from Kazakhstan until {m.date_of(now['ban_until']):%d %B %Y}."
                return f"Deported to {self._origin()}."
            case "departed":
                return f"Went home to {self._origin()} with about ${now['savings']:,.0f} in savings."
        return None

    def _say(self, date: dt.date, text: str) -> None:
        self.lines.append((date, text))

    def _origin(self) -> str:
        return self.origin

    def _district(self) -> str:
        m = self.model
        d = int(m.population.district[self.slot]) if self.slot >= 0 else -1
        return m.geo.graph.nodes[m.geo.districts[d]]["name"] if d >= 0 else "home"

    def _employer(self, now: dict) -> str:
        m, e = self.model, now["employer"]
        if e < 0:
            return "an employer"
        district = m.geo.graph.nodes[m.geo.districts[m.employers.district[e]]]["name"]
        return f"a {SECTORS[m.employers.sector[e]].replace('_', ' ')} employer in {district} (employer #{e})"

    def _status(self) -> str:
        return {
            Status.HOME: "at home",
            Status.ENTERED: "legal, within the registration deadline",
            Status.REGISTERED: "registered",
            Status.PERMITTED: "working with a permit",
            Status.AMNESTY_CARD: "holding an amnesty card",
            Status.IRREGULAR_STAY: "here illegally (not registered)",
            Status.IRREGULAR_WORK: "working illegally",
            Status.DETAINED: "detained",
        }[Status(self.model.book.status[self.slot]) if self.slot >= 0 else Status.HOME]
