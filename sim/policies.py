"""Dated policy events. Each event changes the rules agents read (``model.rules``,
a copy of the scenario's parameters with the events in force applied) from its
start to its end. Agents never look at events or scenario names, only at rules.

Event kinds (FACTS.md 7): quota, amnesty, enforcement, registration, legal_aid,
economic_shock. A scenario lists them as ``[[events]]`` tables with ``kind``,
``start`` and (optional, default the run's end) ``end``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
CIS = ("UZ", "TJ", "KG", "RU")


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: str
    start: dt.date
    end: dt.date | None = None
    note: str = ""  # what the event stands for, with its source

    @model_validator(mode="after")
    def _ordered(self):
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    def levers(self) -> dict[str, object]:
        """The fields this event sets (None means: leave as it is)."""
        return {k: v for k, v in self.model_dump(exclude={"kind", "start", "end", "note"}).items() if v is not None}

    def conflict_key(self) -> tuple:
        """Events with the same key that overlap in time must not set the same lever."""
        return (self.kind,)

    def apply(self, rules):  # pragma: no cover - every kind overrides
        raise NotImplementedError


def _replace(rules, section: str, **changes):
    """A copy of ``rules`` with fields of one section replaced."""
    return rules.model_copy(update={section: getattr(rules, section).model_copy(update=changes)})


class Quota(Event):
    """The annual foreign-labour quota: the region's permits scaled by ``factor``
    (the 2009 halving is factor 0.5; FACTS.md 7 [2009 cable])."""

    kind: Literal["quota"]
    factor: NonNegative

    def apply(self, rules):
        return _replace(rules, "employers", quota_permits=int(round(rules.employers.quota_permits * self.factor)))


class Amnesty(Event):
    """An amnesty window (FACTS.md 7 [2006 cable]): employers apply for their
    workers until ``end``; eligible are CIS citizens who entered before
    ``entered_before`` and have no other violation; the migration police process
    ``processing_per_day`` applications; an approved worker gets a migrant card
    valid ``card_years``, allowing a change of employer and legal exit and re-entry."""

    kind: Literal["amnesty"]
    entered_before: dt.date
    citizenships: list[str] = list(CIS)
    employer_participation: Probability  # share of employers who apply for their workers
    application_rate: Probability  # daily chance a participating employer files for an eligible worker
    processing_per_day: NonNegative  # people a day the migration police can decide on
    card_years: Annotated[float, Field(gt=0)]
    employer_exempt: bool = True  # employers who apply are not fined for the illegal hiring

    @model_validator(mode="after")
    def _cis(self):
        unknown = [c for c in self.citizenships if c not in CIS]
        if unknown:
            raise ValueError(f"citizenships: unknown code {unknown[0]!r}; expected some of {', '.join(CIS)}")
        return self

    def apply(self, rules):
        return rules  # the window itself is the rule: Schedule puts it in Rules.amnesty


class Enforcement(Event):
    """An enforcement drive or a relaxation (FACTS.md 5, 7 [2009 cable; NGO report])."""

    kind: Literal["enforcement"]
    inspections_factor: NonNegative | None = None  # multiplies workplace inspections a day
    inspection_weights: dict[str, NonNegative] | None = None  # sector -> targeting weight
    street_check_factor: NonNegative | None = None  # multiplies market, road and train checks
    route_check_rate: Probability | None = None
    exit_check_rate: Probability | None = None
    detection: Probability | None = None
    bribe_share: Probability | None = None
    fine_share: Probability | None = None
    deport_share: Probability | None = None
    entry_ban_years: NonNegative | None = None
    entry_refusal_share: Probability | None = None  # barriers at entry: share of all entrants turned back
    employer_fine_usd: NonNegative | None = None

    @model_validator(mode="after")
    def _odds(self):
        given = [self.bribe_share, self.fine_share, self.deport_share]
        if any(v is not None for v in given):
            if any(v is None for v in given):
                raise ValueError("bribe_share, fine_share and deport_share are set together")
            if abs(sum(given) - 1.0) > 1e-6:
                raise ValueError(f"bribe_share + fine_share + deport_share must sum to 1, got {sum(given):g}")
        if self.inspection_weights:
            from sim.scenario import SECTORS

            for sector in self.inspection_weights:
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
        rules = _replace(rules, "police", **change)
        for sector, weight in (self.inspection_weights or {}).items():
            rules = _replace_sector(rules, sector, inspection_weight=weight)
        return rules


class Registration(Event):
    """The registration regime (FACTS.md 3, 7 [OSCE statement]): deadline, cost, how
    easily newcomers register, how long it lasts, and registration at the border."""

    kind: Literal["registration"]
    deadline_days: Annotated[int, Field(ge=1)] | None = None
    daily_rate: Probability | None = None
    validity_days: Annotated[int, Field(ge=1)] | None = None
    renewal_share: Probability | None = None
    at_border_share: Probability | None = None  # share registered at the border post on entry
    cost_usd: NonNegative | None = None  # fee for registering (and renewing); those who cannot pay do not

    def apply(self, rules):
        return _replace(rules, "registration", **self.levers())


class NewCentre(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    district: str
    capacity_per_day: NonNegative


class LegalAid(Event):
    """Legal aid (FACTS.md 6, 7 [legal aid monitoring]): more centres, more
    capacity, awareness campaigns (booklets, media)."""

    kind: Literal["legal_aid"]
    add_centres: list[NewCentre] = []
    close_centres: list[str] = []  # districts whose centre closes
    capacity_factor: NonNegative | None = None
    awareness_share: Probability | None = None  # share who know of the centres (campaigns raise it)
    reach_hours: Annotated[float, Field(gt=0)] | None = None

    def apply(self, rules):
        aid = rules.legal_aid
        factor = 1.0 if self.capacity_factor is None else self.capacity_factor
        centres = [c.model_copy(update={"capacity_per_day": c.capacity_per_day * factor})
                   for c in aid.centres if c.district not in self.close_centres]
        from sim.scenario import Centre

        centres += [Centre(**c.model_dump()) for c in self.add_centres]
        change = {"centres": centres}
        if self.awareness_share is not None:
            change["awareness_share"] = self.awareness_share
        if self.reach_hours is not None:
            change["reach_hours"] = self.reach_hours
        return _replace(rules, "legal_aid", **change)


class EconomicShock(Event):
    """A sector's demand (and wage) scaled from a date: construction closing in
    the 2008-09 crisis (FACTS.md 7 [2009 cable])."""

    kind: Literal["economic_shock"]
    sector: str
    demand_factor: NonNegative = 1.0
    wage_factor: NonNegative = 1.0

    @model_validator(mode="after")
    def _sector(self):
        from sim.scenario import SECTORS

        if self.sector not in SECTORS:
            raise ValueError(f"sector: unknown sector {self.sector!r}; expected one of {', '.join(SECTORS)}")
        return self

    def conflict_key(self) -> tuple:
        return (self.kind, self.sector)

    def apply(self, rules):
        s = rules.sectors[self.sector]
        return _replace_sector(rules, self.sector, peak_demand=s.peak_demand * self.demand_factor,
                               wage_usd_per_day=s.wage_usd_per_day * self.wage_factor)


def _replace_sector(rules, sector: str, **changes):
    sectors = dict(rules.sectors)
    sectors[sector] = sectors[sector].model_copy(update=changes)
    return rules.model_copy(update={"sectors": sectors})


AnyEvent = Annotated[Quota | Amnesty | Enforcement | Registration | LegalAid | EconomicShock, Field(discriminator="kind")]


def check_events(events: list[Event], run_start: dt.date, run_end: dt.date) -> None:
    """Dates inside the run; no two overlapping events of a kind setting one lever."""
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
                both = sorted(set(a.levers()) & set(b.levers()))
                if a.kind == "amnesty" or both:
                    what = "two amnesty windows" if a.kind == "amnesty" else f"both set {', '.join(both)}"
                    raise ValueError(f"events[{i}] and events[{j}] ({a.kind}) overlap in time and {what}; "
                                     "end one before the other starts")


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
