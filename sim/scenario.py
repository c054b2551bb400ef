"""Scenario files: TOML, validated on load.

Every parameter of the model lives in a scenario file (``scenarios/baseline.toml``
holds them all, each with its source). Loading checks names, types and ranges;
a mistake stops with one line naming the file, the key path and what was expected.
The model also takes the same parameters as flat keywords (``police_detection``):
the flat name of ``[police] detection`` is ``police_detection``, of
``[sectors.cotton] peak_demand`` it is ``sectors_cotton_peak_demand``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import stat
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from migsim.policies import NOT_LEVERS, AnyEvent, check_events
from migsim.schema import (
    DAYS_MOST,
    EMPLOYERS_MOST,
    NAME,
    PEOPLE_MOST,
    SECTORS,
    Centre,
    Days,
    DaysOrNone,
    Monthly,
    NonNegative,
    NonNegativeDays,
    NonNegativeYears,
    People,
    PeopleRate,
    Positive,
    PositiveDays,
    PositiveYears,
    Probability,
    Range,
    Strict,
    check_in_range,
    check_range,
)

if TYPE_CHECKING:
    import pandas as pd

EVENT_LEVER = re.compile(r"events\[(\d+)\]\.(\w+)")  # an event's lever as an override key
EVENT_ID_LEVER = re.compile(r"([A-Za-z][A-Za-z0-9_]*)\.(\w+)")  # the same, by the event's id
DATA_DIR = Path(__file__).resolve().parent / "data"
SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"  # shipped with the package (the repository's scenarios/)
BASELINE = SCENARIO_DIR / "baseline.toml"
SHIPPED = {"scenario": SCENARIO_DIR, "experiment": Path(__file__).resolve().parent / "experiments" / "definitions"}
__all__ = ["BASELINE", "SCENARIO_DIR", "SECTORS", "Scenario", "ScenarioError", "find", "load"]


class ScenarioError(Exception):
    """A scenario the model cannot run; the message is one line for the user."""


def unknown_parameter(name: str, known: Iterable[str]) -> str:
    """What to tell someone who named a parameter that does not exist."""
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown parameter {name!r}; {hint}`migsim params` lists them all"


class Section(Strict):
    pass


class Run(Section):
    start_date: dt.date
    end_date: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Run:
        if self.end_date < self.start_date:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        if (self.end_date - self.start_date).days >= DAYS_MOST:
            raise ValueError(
                f"{self.start_date} to {self.end_date} is longer than a century ({DAYS_MOST:,} days), the longest run"
            )
        return self


class Migrants(Section):
    potential_migrants: People
    share_men: Probability
    age_mean: Annotated[float, Field(ge=16, le=70)]
    age_sd: NonNegative
    age_min: Annotated[int, Field(ge=14)]
    age_max: Annotated[int, Field(le=80)]
    leave_rate: Probability
    leave_profile: Monthly
    prospects_weight: Probability
    news_days: PositiveDays
    planned_stay_min_days: Days
    planned_stay_max_days: Days
    planned_stay_mean_days: PositiveDays
    planned_stay_concentration: Positive
    initial_seasonal: People
    cash_on_arrival_usd: NonNegative
    living_cost_usd_per_day: NonNegative
    job_horizon_days: PositiveDays
    home_earnings_usd_per_day: Positive
    home_earnings_spread: NonNegative
    deportation_cost_usd: NonNegative
    risk_perception_spread: NonNegative
    alarm_factor: Annotated[float, Field(ge=1.0)]
    other_offence_share: Probability
    job_search_rate: Probability
    relocate_rate: Probability
    travel_cost_usd_per_hour: NonNegative
    return_same_district: Probability
    distance_decay_hours: Positive

    @model_validator(mode="after")
    def _stay_range(self) -> Migrants:
        lo, hi, mean = self.planned_stay_min_days, self.planned_stay_max_days, self.planned_stay_mean_days
        if not lo < mean < hi:
            raise ValueError(f"planned_stay_mean_days must lie strictly between min ({lo}) and max ({hi}), got {mean}")
        # ages are drawn from a normal curve cut to [age_min, age_max]: its middle must lie inside
        if not self.age_min < self.age_max:
            raise ValueError(f"age_min ({self.age_min}) must be below age_max ({self.age_max})")
        if not self.age_min <= self.age_mean <= self.age_max:
            raise ValueError(f"age_mean ({self.age_mean:g}) must lie within age_min and age_max ({self.age_min}-{self.age_max})")
        if self.age_max <= self.age_min:
            raise ValueError(f"age_max ({self.age_max}) must be above age_min ({self.age_min})")
        return self


class News(Section):
    """What would-be migrants had heard from returnees before the first simulated
    day, per day of a stay (the steady state of the baseline)."""

    memory_days: PositiveDays  # returnees' reports fade with this time constant
    prior_person_days: NonNegative  # the weight of what had been heard before the first day
    prior_stay_days: PositiveDays  # the length of a stay in those reports
    earnings_usd_per_day: NonNegative  # wages actually received
    withheld_usd_per_day: NonNegative
    police_usd_per_day: NonNegative  # bribes and fines paid
    catches_per_1000_days: NonNegative
    catches_unregistered_per_1000_days: NonNegative
    deportations_per_1000_days: NonNegative


class LongTerm(Section):
    initial: People
    mean_stay_years: PositiveYears
    share_registered: Probability


class DayTraders(Section):
    people: People
    trip_rate: Probability


class Registration(Section):
    deadline_days: Days
    daily_rate: Probability
    validity_days: Days
    at_border_share: Probability
    cost_usd: NonNegative
    queue_days: NonNegativeDays
    office_payment_usd: NonNegative


class Sector(Section):
    peak_demand: PeopleRate
    profile: Monthly
    employers: Annotated[int, Field(ge=1, le=EMPLOYERS_MOST)]
    wage_usd_per_day: NonNegative
    quota_weight: NonNegative
    inspection_weight: NonNegative


class Employers(Section):
    quota_permits: People
    margin_usd_per_day: NonNegative
    margin_spread: NonNegative
    risk_perception_spread: NonNegative
    permit_cost_usd: NonNegative
    withholding_share: Probability
    withheld_fraction: Probability
    passport_keeping_share: Probability
    passport_return: Probability
    tax_share_of_wage: Probability


DETAIN_ORDERS = ("without_papers", "banned", "repeat", "all")
Orders = list[Literal["without_papers", "banned", "repeat", "all"]]


class Police(Section):
    workplace_inspections_per_day: PeopleRate
    detection: Probability
    street_check_rate: Probability
    route_check_rate: Probability
    exit_check_rate: Probability
    detain: Orders
    corruption_share: Probability
    bribe_ask_share: Probability
    fine_usd: NonNegative
    employer_fine_usd: NonNegative
    detention_places: PeopleRate
    deportations_per_day: PeopleRate
    detention_days: DaysOrNone
    entry_ban_years: NonNegativeYears
    banned_turned_back: Probability
    entry_refusal_share: Probability


class LegalAid(Section):
    centres: list[Centre]
    awareness_share: Probability
    visit_rate: Probability
    trouble_value_usd: NonNegative
    patience_days: Days
    reappeal_days: Days
    resolve_share: Probability


class Scenario(Section):
    name: str
    description: str = ""
    run: Run
    migrants: Migrants
    news: News
    long_term: LongTerm
    day_traders: DayTraders
    registration: Registration
    sectors: dict[str, Sector]
    employers: Employers
    police: Police
    legal_aid: LegalAid
    events: list[AnyEvent] = Field(default_factory=list)
    # Plausible ranges of uncertain parameters (assumptions and calibrated values),
    # by dotted path: "police.detection" = [0.1, 0.5]. Metadata for uncertainty
    # analysis; the run uses the values above.
    ranges: dict[str, Range] = Field(default_factory=dict)
    # The calibration's accepted parameter draws (a CSV next to the file that
    # names it, or one of the model's data files in sim/data; one column per
    # calibrated parameter by flat name): comparisons over parameter uncertainty
    # draw calibrated parameters from these rows.
    posterior: str | None = None

    @field_validator("name")
    @classmethod
    def _a_safe_name(cls, name: str) -> str:
        # names become folder names (results/<name>/): never a path, never empty
        if not NAME.match(name):
            raise ValueError(
                f"{name[:40]!r}: expected a name of letters, digits, '_', '-' or '.', starting with a letter or digit, at most 80 characters"
            )
        return name

    @field_validator("sectors")
    @classmethod
    def _known_sectors(cls, sectors: dict[str, Sector]) -> dict[str, Sector]:
        missing = [s for s in SECTORS if s not in sectors]
        unknown = [s for s in sectors if s not in SECTORS]
        if unknown:
            raise ValueError(f"unknown sector {unknown[0]!r}; expected one of {', '.join(SECTORS)}")
        if missing:
            raise ValueError(f"missing sector {missing[0]!r}; every one of {', '.join(SECTORS)} is needed")
        return sectors

    @model_validator(mode="after")
    def _centres_in_districts(self) -> Scenario:
        from migsim.geography import Geography

        districts = Geography.load().districts
        places = [(f"legal_aid.centres[{i}].district", c.district) for i, c in enumerate(self.legal_aid.centres)]
        for i, event in enumerate(self.events):
            places += [
                (f"events[{i}].add_centres[{j}].district", c.district) for j, c in enumerate(getattr(event, "add_centres", []))
            ]
            places += [(f"events[{i}].close_centres[{j}]", d) for j, d in enumerate(getattr(event, "close_centres", []))]
        for where, district in places:
            if district not in districts:
                raise ValueError(f"{where}: unknown district {district!r}; expected one of {', '.join(districts)}")
        check_events(self.events, self.run.start_date, self.run.end_date)
        ids = [e.id for e in self.events]
        for i, e in enumerate(self.events):
            if e.id and e.id in ids[:i]:  # the second event with an id is the mistake
                raise ValueError(f"events[{i}].id: {e.id!r} names two events; an id names one (it is how its levers are set)")
        people = (
            self.migrants.potential_migrants + self.migrants.initial_seasonal + self.long_term.initial + self.day_traders.people
        )
        if people > PEOPLE_MOST:
            raise ValueError(
                f"migrants.potential_migrants + migrants.initial_seasonal + long_term.initial + day_traders.people "
                f"= {people:,} people; expected at most {PEOPLE_MOST:,} (sources.md 8: all foreigners entering Kazakhstan in a year)"
            )
        tree = self.model_dump(exclude={"name", "description", "events", "ranges", "posterior"})
        for path, bounds in self.ranges.items():
            check_range(f"ranges.{path}", _at_path(tree, path, f"ranges.{path}"), bounds)
        return self

    def check_ranges_hold(self, source: str, own_ranges: set[str] | None = None, own_events: int | None = None) -> None:
        """Every range a file states contains its value (checked on files, not on
        overrides: a sweep may go beyond what the file calls plausible). Only the
        ranges the file itself states (``own_ranges``, and the ranges of its own
        last ``own_events`` events) are checked: a scenario that extends another may
        set a value outside a range its parent states."""
        tree = self.model_dump(exclude={"name", "description", "events", "ranges", "posterior"})
        first_own = 0 if own_events is None else len(self.events) - own_events
        try:
            for path, bounds in self.ranges.items():
                if own_ranges is None or path in own_ranges:
                    check_in_range(f"ranges.{path}", _at_path(tree, path, f"ranges.{path}"), bounds)
            for i, event in enumerate(self.events[first_own:], start=first_own):
                for lever, bounds in event.ranges.items():
                    check_in_range(f"events[{i}].ranges.{lever}", getattr(event, lever), bounds)
        except ValueError as exc:
            raise ScenarioError(f"{source}: {exc}") from None

    def uncertain(self) -> dict[str, tuple[float, float]]:
        """Every stated range: parameters by flat name, event levers as
        ``events[i].lever``."""
        out = {path.replace(".", "_"): bounds for path, bounds in self.ranges.items()}
        for i, event in enumerate(self.events):
            out.update({f"events[{i}].{lever}": bounds for lever, bounds in event.ranges.items()})
        return out

    def flat(self) -> dict[str, Any]:
        """Parameters as flat keywords (the names ``MigrationModel`` accepts)."""
        return dict(_flatten(self.model_dump(exclude={"name", "description", "events", "ranges", "posterior"})))

    def parameters(self) -> dict[str, Any]:
        """Every name an override may use, with its value: the flat parameters and
        the levers the events set (``events[i].lever``, and ``id.lever`` for an
        event with an ``id``)."""
        levers = {}
        for i, e in enumerate(self.events):
            for lever, value in e.levers().items():
                levers[f"events[{i}].{lever}"] = value
                if e.id:
                    levers[f"{e.id}.{lever}"] = value
        return {**self.flat(), **levers}

    def lever_name(self, index: int, lever: str) -> str:
        """How an event's lever is named for people: ``id.lever``, or ``events[i].lever``."""
        event = self.events[index]
        return f"{event.id}.{lever}" if event.id else f"events[{index}].{lever}"

    def event_lever(self, name: str) -> tuple[int, str] | None:
        """(event index, lever) of an override name (``events[i].lever`` or
        ``id.lever``), or None if it names no event's lever."""
        match = EVENT_LEVER.fullmatch(name)
        if match:
            index, lever = int(match[1]), match[2]
        else:
            match = EVENT_ID_LEVER.fullmatch(name)
            ids = [i for i, e in enumerate(self.events) if match and e.id == match[1]]
            if not ids:
                return None
            index, lever = ids[0], match[2]
        if index >= len(self.events) or lever not in type(self.events[index]).model_fields or lever in NOT_LEVERS:
            return None
        return index, lever

    def with_overrides(self, overrides: dict[str, Any], source: str = "keyword parameters") -> Scenario:
        """A copy with flat-named parameters replaced, validated like a file. An
        event's lever is named ``events[i].lever`` (as in ``uncertain``) or, for an
        event with an ``id``, ``id.lever``; naming one lever twice is refused."""
        if not overrides:
            return self
        known = self.flat()
        tree = self.model_dump()
        named: dict[tuple[int, str], str] = {}  # an event's lever -> the name it was set by
        for key, value in overrides.items():
            lever = self.event_lever(key)
            if lever:
                if lever in named:
                    raise ScenarioError(f"{source}: {named[lever]!r} and {key!r} name the same lever; set it once")
                named[lever] = key
                tree["events"][lever[0]][lever[1]] = value
                continue
            if key not in known:
                raise ScenarioError(f"{source}: {unknown_parameter(key, self.parameters())}")
            _assign(tree, _path_of(tree, key), value)
        return validate(tree, source)

    def posterior_draws(self) -> pd.DataFrame | None:
        """The calibration's accepted draws (``posterior``), or None."""
        if self.posterior is None:
            return None
        return read_posterior(Path(self.posterior), set(self.flat()))


def _at_path(tree: dict[str, Any], path: str, where: str) -> Any:
    node: Any = tree
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            raise ValueError(f"{where}: no such parameter (write it as section.name, e.g. police.detection)")
        node = node[key]
    return node


def _flatten(tree: dict[str, Any], prefix: str = ""):
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, f"{name}_")
        else:
            yield name, value


def _path_of(tree: dict[str, Any], flat_name: str) -> list[str]:
    """The nested path of a flat name (keys may themselves contain '_')."""
    for key, value in tree.items():
        if flat_name == key:
            return [key]
        if isinstance(value, dict) and flat_name.startswith(key + "_"):
            try:
                return [key, *_path_of(value, flat_name[len(key) + 1 :])]
            except KeyError:
                continue
    raise KeyError(flat_name)


def _assign(tree: dict[str, Any], path: list[str], value: Any) -> None:
    for key in path[:-1]:
        tree = tree[key]
    tree[path[-1]] = value


def _describe(error: dict[str, Any]) -> str:
    path = ".".join(str(p) for p in error["loc"])
    kind, msg = error["type"], error["msg"]
    got = error.get("input")
    if kind == "extra_forbidden":
        return f"{path}: unknown key; check its spelling against scenarios/baseline.toml"
    if kind == "missing":
        return f"{path}: missing; every parameter must be set (see scenarios/baseline.toml)"
    where = f"{path}: " if path else ""
    if kind == "value_error":
        return f"{where}{msg.removeprefix('Value error, ')}"
    shown = "" if isinstance(got, (dict, list)) or got is None else f", got {got!r}"
    return f"{where}expected {msg.removeprefix('Input should be ')}{shown}"


def validate(tree: dict[str, Any], source: str) -> Scenario:
    try:
        return Scenario.model_validate(tree)
    except ValidationError as exc:
        errors = exc.errors()
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        raise ScenarioError(f"{source}: {_describe(errors[0])}{more}") from None


LARGEST_FILE = 1_000_000  # bytes: the shipped scenarios are a few kilobytes
DEEPEST = 8  # tables and arrays inside each other: the scenario format needs 4


def read_toml(path: Path, kind: str = "scenario") -> dict[str, Any]:
    """A scenario or experiment file's TOML: a regular file (not a folder, device
    or pipe, which could hang the reader) of at most LARGEST_FILE bytes, nested at
    most DEEPEST deep."""
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ScenarioError(f"{path}: is a folder, expected a {kind} .toml file")
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError(f"{path}: is not a regular file (a device, pipe or socket); expected a {kind} .toml file")
        if info.st_size > LARGEST_FILE:
            raise ScenarioError(f"{path}: {info.st_size:,} bytes; a {kind} file is at most {LARGEST_FILE:,}")
        with open(path, "rb") as f:
            tree = tomllib.load(f)
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such {kind} file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: nested more than {DEEPEST} deep") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ScenarioError(f"{path}: cannot be read: {exc}") from None
    if _depth(tree) > DEEPEST:
        raise ScenarioError(f"{path}: nested more than {DEEPEST} deep (tables and arrays inside each other)")
    return tree


def _depth(value: Any, level: int = 0) -> int:
    if level > DEEPEST:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def read_tree(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """A scenario's TOML with what it ``extends`` merged in under it: tables merge
    key by key, the child's values win, and events add to the parent's. A
    ``posterior`` file is found next to the file that names it, or else among
    the model's data files (sim/data)."""
    tree = read_toml(path)
    if isinstance(tree.get("posterior"), str):
        beside = path.parent / tree["posterior"]
        tree["posterior"] = str(beside.resolve() if beside.exists() else DATA_DIR / tree["posterior"])
    parent_name = tree.pop("extends", None)
    if parent_name is None:
        return tree
    # another scenario in the same folder, or a shipped one, by its file name: never a path elsewhere
    if not isinstance(parent_name, str) or not parent_name.endswith(".toml") or not NAME.match(parent_name):
        raise ScenarioError(
            f"{path}: extends: expected the file name of another scenario in the same folder, such as "
            f"baseline.toml, got {parent_name!r:.60}"
        )
    parent = (path.parent / parent_name).resolve()
    if not parent.exists() and (SCENARIO_DIR / parent_name).exists():
        parent = (SCENARIO_DIR / parent_name).resolve()
    if parent in seen or parent == path.resolve():
        raise ScenarioError(f"{path}: extends: {parent_name} extends this file again (a cycle)")
    if not parent.exists():
        raise ScenarioError(f"{path}: extends: no such scenario file {parent_name!r} next to it")
    if "name" not in tree:
        raise ScenarioError(f"{path}: name: missing; a scenario that extends another needs its own name")
    base = read_tree(parent, (*seen, path.resolve()))
    base.pop("description", None)  # the parent's description does not describe the child
    return _merge(base, tree)


def _merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in child.items():
        if key == "events":
            merged[key] = [*base.get("events", []), *value] if isinstance(value, list) else value
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value)
        else:
            merged[key] = value
    return merged


def shipped(name: str | Path, folder: Path = SCENARIO_DIR) -> Path | None:
    """The file shipped in ``folder`` called ``name`` (``crackdown_2009``, with or
    without .toml), or None."""
    text = str(name)
    if not NAME.match(text):  # a name, never a path
        return None
    candidate = folder / f"{text.removesuffix('.toml')}.toml"
    return candidate if candidate.is_file() else None


def find(name_or_path: str | Path, folder: Path = SCENARIO_DIR, kind: str = "scenario") -> Path:
    """A scenario (or experiment) file by its path, or a shipped one by its name:
    a file that exists wins, so a user's own ``baseline.toml`` is never shadowed;
    a folder does not (``migsim run baseline --out baseline`` leaves a folder
    called baseline, and the name must still mean the shipped scenario)."""
    path = Path(name_or_path)
    try:
        exists, folder_here = path.exists() or path.is_symlink(), path.is_dir()
    except (OSError, ValueError):
        return path  # read_toml says what is wrong with it
    if exists and not folder_here:
        return path
    found = shipped(name_or_path, folder)
    if found is not None:
        return found
    if exists:
        return path  # a folder: read_toml says so
    for other_kind, other in SHIPPED.items():
        if other != folder and shipped(name_or_path, other) is not None:
            raise ScenarioError(
                f"{path}: a shipped {other_kind}, not {'an' if kind[0] in 'aeiou' else 'a'} {kind} "
                "(`migsim scenarios` lists both, each with its command)"
            )
    names = sorted(p.stem for p in folder.glob("*.toml"))
    close = difflib.get_close_matches(path.stem, names, n=1)
    hint = f"; did you mean the shipped {kind} {close[0]!r}?" if close else ""
    raise ScenarioError(f"{path}: no such {kind} file, nor a shipped {kind} of that name{hint} (`migsim scenarios` lists them)")


def load(path: str | Path) -> Scenario:
    """Read and validate a scenario file, given by its path or a shipped scenario's
    name (``load("crackdown_2009")``); ScenarioError names what is wrong."""
    path = find(path)
    scenario = validate(read_tree(path), str(path))
    own = read_toml(path)
    own_events = own.get("events", [])
    scenario.check_ranges_hold(str(path), set(own.get("ranges", {})), len(own_events) if isinstance(own_events, list) else 0)
    try:
        scenario.posterior_draws()
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    return scenario


def read_posterior(path: Path, known: set[str]) -> pd.DataFrame:
    """Accepted parameter draws: numeric columns named by known flat parameters
    (a ``distance`` column, if any, is dropped)."""
    import pandas as pd

    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise ScenarioError(
            f"posterior: no such file {path.name} next to the scenario file that names it, nor in sim/data"
        ) from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"posterior {path.name}: not a readable CSV of parameter draws: {exc}") from None
    frame = frame.drop(columns=[c for c in ("distance",) if c in frame])
    if frame.empty or frame.shape[1] == 0:
        raise ScenarioError(
            f"posterior {path.name}: no parameter draws (expected a header of flat parameter names and one row per draw)"
        )
    for column in frame.columns:
        if column not in known:
            raise ScenarioError(
                f"posterior {path.name}: column {column!r}: not a parameter; expected flat names such as migrants_leave_rate"
            )
        if not pd.api.types.is_numeric_dtype(frame[column]) or frame[column].isna().any():
            raise ScenarioError(f"posterior {path.name}: column {column!r}: expected a number in every row")
    return frame


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
