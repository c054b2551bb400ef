"""Dated policy events. Each event changes the rules agents read (``model.rules``,
a copy of the scenario's parameters with the events in force applied) from its
start to its end. Agents never look at events or scenario names, only at rules.

Event kinds (sources.md 7): quota, amnesty, enforcement, registration, legal_aid,
economic_shock. A scenario lists them as ``[[events]]`` tables with ``kind``,
``start`` and (optional, default the run's end) ``end``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, model_validator

from migsim.schema import (
    SECTORS,
    Centre,
    Days,
    NonNegative,
    NonNegativeDays,
    PeopleRate,
    PositiveDays,
    PositiveYears,
    Probability,
    Range,
    Strict,
    check_range,
)

CIS = ("UZ", "TJ", "KG", "RU")
DetainOrders = list[Literal["without_papers", "banned", "repeat", "all"]]


EVENT_ID = r"^[A-Za-z][A-Za-z0-9_]{0,39}$"  # names a policy in override names: "crackdown.inspections_factor"
NOT_LEVERS = ("id", "kind", "start", "end", "note", "ranges")


class Event(Strict):
    id: Annotated[str, Field(pattern=EVENT_ID)] | None = None
    kind: str
    start: dt.date
    end: dt.date | None = None
    note: str = ""  # what the event stands for, with its source
    # plausible ranges of levers whose size the sources do not give: lever -> [low, high]
    ranges: dict[str, Range] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ordered(self):
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        for lever, bounds in self.ranges.items():
            if lever not in type(self).model_fields or lever in NOT_LEVERS:
                raise ValueError(f"ranges.{lever}: not a lever of a {self.kind} event")
            check_range(f"ranges.{lever}", getattr(self, lever), bounds)
        return self

    def levers(self) -> dict[str, object]:
        """The fields this event sets (None means: leave as it is)."""
        dumped = self.model_dump(exclude=set(NOT_LEVERS))
        return {k: v for k, v in dumped.items() if v is not None and v != []}  # an empty list sets nothing

    def conflict_key(self) -> tuple:
        """Events with the same key that overlap in time must not set the same lever."""
        return (self.kind,)

    def describe(self) -> str:
        """What the event sets and when, in one line (for reports)."""
        when = f"from {self.start}" + (f" to {self.end}" if self.end else "")
        changed = self.model_dump(exclude_defaults=True, exclude=set(NOT_LEVERS))
        levers = "; ".join(f"{k.replace('_', ' ')} {_plain_value(v)}" for k, v in changed.items())
        return f"{self.kind.replace('_', ' ')} {when}" + (f": {levers}" if levers else "")

    def apply(self, rules):  # pragma: no cover - every kind overrides
        raise NotImplementedError


def _plain_value(value) -> str:
    if isinstance(value, list):
        return ", ".join(_plain_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_plain_value(v)}" for k, v in value.items())
    return f"{value:g}" if isinstance(value, float) else str(value)


def _replace(rules, section: str, **changes):
    """A copy of ``rules`` with fields of one section replaced."""
    return rules.model_copy(update={section: getattr(rules, section).model_copy(update=changes)})


class Quota(Event):
    """The annual foreign-labour quota: the region's permits scaled by ``factor``
    (the 2009 halving is factor 0.5; sources.md 7 [2009 cable])."""

    kind: Literal["quota"]
    factor: NonNegative

    def apply(self, rules):
        return _replace(rules, "employers", quota_permits=round(rules.employers.quota_permits * self.factor))


class Amnesty(Event):
    """An amnesty window (2006 cable): employers apply for their workers until
    ``end``, with the worker's papers; eligible are CIS citizens who entered
    before ``entered_before`` and broke no law other than the migration rules the
    amnesty pardons; the migration police decide ``processing_per_day``
    applications; an approved worker gets a migrant card valid ``card_years``,
    allowing a change of employer and legal exit and re-entry. Whether an employer
    files is its own decision (sim/agents/employer.py)."""

    kind: Literal["amnesty"]
    entered_before: dt.date
    citizenships: list[str] = Field(default_factory=lambda: list(CIS))
    processing_per_day: PeopleRate  # people a day the migration police can decide on
    card_years: PositiveYears
    employer_exempt: bool = True  # no employer fine for a worker it has filed for
    paperwork_usd: NonNegative  # an employer's cost of one application (copies, contract, visits)
    filing_days: PositiveDays  # mean days to put one application together
    attention_factor: Annotated[float, Field(ge=1.0)]  # police visit employers who filed this much more often

    @model_validator(mode="after")
    def _cis(self):
        unknown = [c for c in self.citizenships if c not in CIS]
        if unknown:
            raise ValueError(f"citizenships: unknown code {unknown[0]!r}; expected some of {', '.join(CIS)}")
        return self

    def apply(self, rules):
        return rules  # the window itself is the rule: Schedule puts it in Rules.amnesty


class Enforcement(Event):
    """An enforcement drive or a relaxation (2009 cable; NGO expert report): the
    police's orders (how many inspections and checks, whom to detain for
    deportation), their detention places and deportation transport, and fines.
    What share of catches ends in a bribe, a fine or a deportation is an outcome."""

    kind: Literal["enforcement"]
    inspections_factor: NonNegative | None = None  # multiplies workplace inspections a day
    inspection_weights: dict[str, NonNegative] | None = None  # sector -> targeting weight
    street_check_factor: NonNegative | None = None  # multiplies market, road and train checks
    route_check_rate: Probability | None = None
    exit_check_rate: Probability | None = None
    detection: Probability | None = None
    detain: DetainOrders | None = None  # whom the orders say to detain for deportation
    corruption_share: Probability | None = None
    detention_places_factor: NonNegative | None = None
    deportations_factor: NonNegative | None = None  # multiplies deportation transport a day
    fine_usd: NonNegative | None = None
    employer_fine_usd: NonNegative | None = None
    entry_ban_years: NonNegative | None = None
    entry_refusal_share: Probability | None = None  # barriers at entry: share of all entrants turned back

    @model_validator(mode="after")
    def _sectors(self):
        for sector in self.inspection_weights or {}:
            if sector not in SECTORS:
                raise ValueError(f"inspection_weights: unknown sector {sector!r}; expected one of {', '.join(SECTORS)}")
        return self

    def apply(self, rules):
        p = rules.police
        change = {k: v for k, v in self.levers().items() if k in type(p).model_fields}
        if self.inspections_factor is not None:
            change["workplace_inspections_per_day"] = p.workplace_inspections_per_day * self.inspections_factor
        if self.street_check_factor is not None:
            change["street_check_rate"] = min(1.0, p.street_check_rate * self.street_check_factor)
        if self.detention_places_factor is not None:
            change["detention_places"] = p.detention_places * self.detention_places_factor
        if self.deportations_factor is not None:
            change["deportations_per_day"] = p.deportations_per_day * self.deportations_factor
        rules = _replace(rules, "police", **change)
        for sector, weight in (self.inspection_weights or {}).items():
            rules = _replace_sector(rules, sector, inspection_weight=weight)
        return rules


class Registration(Event):
    """The registration regime (OSCE statement): deadline, fee, how long the
    queue takes, informal payments at the office, how long a registration lasts,
    and registration at the border post."""

    kind: Literal["registration"]
    deadline_days: Days | None = None
    daily_rate: Probability | None = None  # daily chance a migrant gets to an office
    validity_days: Days | None = None
    at_border_share: Probability | None = None  # share registered at the border post on entry
    cost_usd: NonNegative | None = None  # official fee for registering (and renewing)
    queue_days: NonNegativeDays | None = None  # working days lost queueing
    office_payment_usd: NonNegative | None = None  # informal payment asked at the office

    def apply(self, rules):
        return _replace(rules, "registration", **self.levers())


class LegalAid(Event):
    """Legal aid (sources.md 6, 7 [legal aid monitoring]): more centres, more
    capacity, awareness campaigns (booklets, media)."""

    kind: Literal["legal_aid"]
    add_centres: list[Centre] = Field(default_factory=list)
    close_centres: list[str] = Field(default_factory=list)  # districts whose centre closes
    capacity_factor: NonNegative | None = None
    awareness_share: Probability | None = None  # share who know of the centres (campaigns raise it)

    def apply(self, rules):
        aid = rules.legal_aid
        factor = 1.0 if self.capacity_factor is None else self.capacity_factor
        centres = [
            c.model_copy(update={"capacity_per_day": c.capacity_per_day * factor})
            for c in aid.centres
            if c.district not in self.close_centres
        ]
        centres += list(self.add_centres)
        change = {"centres": centres}
        if self.awareness_share is not None:
            change["awareness_share"] = self.awareness_share
        return _replace(rules, "legal_aid", **change)


class EconomicShock(Event):
    """A sector's demand (and wage) scaled from a date: construction closing in
    the 2008-09 crisis (sources.md 7 [2009 cable])."""

    kind: Literal["economic_shock"]
    sector: str
    demand_factor: NonNegative = 1.0
    wage_factor: NonNegative = 1.0

    @model_validator(mode="after")
    def _sector(self):
        if self.sector not in SECTORS:
            raise ValueError(f"sector: unknown sector {self.sector!r}; expected one of {', '.join(SECTORS)}")
        return self

    def conflict_key(self) -> tuple:
        return (self.kind, self.sector)

    def apply(self, rules):
        s = rules.sectors[self.sector]
        return _replace_sector(
            rules,
            self.sector,
            peak_demand=s.peak_demand * self.demand_factor,
            wage_usd_per_day=s.wage_usd_per_day * self.wage_factor,
        )


def _replace_sector(rules, sector: str, **changes):
    sectors = dict(rules.sectors)
    sectors[sector] = sectors[sector].model_copy(update=changes)
    return rules.model_copy(update={"sectors": sectors})


AnyEvent = Annotated[Quota | Amnesty | Enforcement | Registration | LegalAid | EconomicShock, Field(discriminator="kind")]


def composes(lever: str) -> bool:
    """Factors multiply what is in force, in the order the events start, so two
    overlapping events may both set one (a classroom doubling inspections during a
    crackdown that tripled them gives six times); a value set outright may not."""
    return lever == "factor" or lever.endswith("_factor")


def check_events(events: list[Event], run_start: dt.date, run_end: dt.date) -> None:
    """Dates inside the run; no two overlapping events of a kind setting one lever
    outright (factors compose)."""
    for i, e in enumerate(events):
        end = e.end or run_end
        if not (run_start <= e.start <= run_end):
            raise ValueError(f"events[{i}] ({e.kind}): start {e.start} is outside the run ({run_start} to {run_end})")
        if not (run_start <= end <= run_end):
            raise ValueError(f"events[{i}] ({e.kind}): end {end} is outside the run ({run_start} to {run_end})")
    for i, a in enumerate(events):
        for j in range(i + 1, len(events)):
            b = events[j]
            if a.conflict_key() != b.conflict_key():
                continue
            if a.start <= (b.end or run_end) and b.start <= (a.end or run_end):
                both = sorted(lever for lever in set(a.levers()) & set(b.levers()) if not composes(lever))
                if a.kind == "amnesty" or both:
                    what = "two amnesty windows" if a.kind == "amnesty" else f"both set {', '.join(both)}"
                    raise ValueError(
                        f"events[{i}] and events[{j}] ({a.kind}) overlap in time and {what}; end one before the other starts"
                    )


class Rules:
    """The rules in force on a day: the scenario's parameters with the active
    events applied, plus the open amnesty window (or None)."""

    def __init__(self, params, amnesty: Amnesty | None = None):
        self.params = params
        self.amnesty = amnesty

    def __getattr__(self, name: str):
        return getattr(self.params, name)


class Schedule:
    """Which events are in force on each day, and the rules that follow."""

    def __init__(self, params, dates: list[dt.date]):
        self.params = params
        self.events: list[Event] = sorted(params.events, key=lambda e: e.start)
        end = dates[-1]
        self.active_by_day = [tuple(i for i, e in enumerate(self.events) if e.start <= d <= (e.end or end)) for d in dates]

    def changes_on(self, t: int) -> bool:
        return t == 0 or self.active_by_day[t] != self.active_by_day[t - 1]

    def rules_on(self, t: int) -> Rules:
        params, amnesty = self.params, None
        for i in self.active_by_day[t]:
            event = self.events[i]
            if isinstance(event, Amnesty):
                amnesty = event
            params = event.apply(params)
        return Rules(params, amnesty)
