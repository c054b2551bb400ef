"""Counters and outputs. Event counts are added where things happen; stocks are
read off the status array once a day (a vectorised count, no agent loop)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from migsim.people.book import key_type
from migsim.status import IRREGULAR, N_STATUS, STOCK_COLUMNS, TRANSITION_NAMES, Status

if TYPE_CHECKING:
    from migsim.model import MigrationModel

# Event counters a day, in people (or US dollars where named so).
EVENTS = (
    "inspections",
    "bribes",
    "bribe_usd",
    "fines",
    "fines_usd",
    "released",
    "employer_fines",
    "employer_fines_usd",
    "turned_back",
    "trader_shakedowns",
    "registrations",
    "hires_legal",
    "hires_illegal",
    "appeals",
    "appeals_turned_away",
    "wages_withheld_usd",
    "wages_recovered_usd",
    "day_trips",
    "amnesty_applications",
    "amnesty_approvals",
    "amnesty_rejections",
    "amnesty_withdrawn",
    "tax_usd",
)


# Daily flows (everything but the stocks), which also make sense summed over time.
FLOWS = ("arrivals", "departures", "detentions", "deportations", *EVENTS)


class Metrics:
    def __init__(self, model: MigrationModel):
        self.model = model
        self.events: dict[str, float] = defaultdict(float)
        self.totals: dict[str, float] = defaultdict(float)
        self.row: dict[str, object] = {}
        self.district_columns = [f"irregular_{d}" for d in model.geo.districts]
        self.present_columns = [f"present_{d}" for d in model.geo.districts]
        # (status, district) keys: 16 bits for the oblast's districts, wider for a map of thousands
        self._key_type = key_type(N_STATUS * (len(model.geo.districts) + 1))

    def columns(self) -> list[str]:
        return (
            [
                "date",
                "present",
                "irregular",
                *STOCK_COLUMNS.values(),
                "employed",
                "job_seekers",
                "passports_kept",
                "quota_permits",
                "permits_in_use",
            ]
            + ["arrivals", "departures", "detentions", "deportations", "demand", "unfilled_demand"]
            + list(EVENTS)
            + self.district_columns
            + self.present_columns
        )

    def add(self, name: str, amount: float) -> None:
        self.events[name] += amount

    def new_day(self) -> None:
        self.events.clear()

    def record(self, t: int) -> None:
        model, people, book = self.model, self.model.population, self.model.book
        scale = model.scale
        n, n_districts = people.n, len(model.geo.districts)
        # One count of every slot by (status, district) gives every stock. Slots
        # at home (district -1, or a day trader's) fall in the first row, dropped;
        # counting all slots reads the arrays in order, faster than picking the present.
        key = book.status[:n].astype(self._key_type) * n_districts + people.district[:n] + 1
        cells = np.bincount(key, minlength=N_STATUS * n_districts + 1)[1:].reshape(N_STATUS, n_districts) * scale
        cells[Status.HOME] = 0
        stocks = cells.sum(axis=1)
        by_district = cells[IRREGULAR].sum(axis=0)
        row: dict[str, object] = {
            "date": model.dates[t].isoformat(),
            "present": int(stocks.sum()),
            "irregular": int(stocks[IRREGULAR].sum()),
        }
        row.update({name: int(stocks[s]) for s, name in STOCK_COLUMNS.items()})
        row["employed"] = int(model.jobs.employed.sum()) * scale
        row["job_seekers"] = model.employers.idle_after_hiring * scale
        row["passports_kept"] = int(np.count_nonzero(model.papers.passport_kept[:n])) * scale  # none at home
        row["quota_permits"] = int(model.employers.permits.sum()) * scale
        row["permits_in_use"] = int(model.jobs.permits_used.sum()) * scale
        row["arrivals"] = book.counted("arrive") + book.counted("arrive_with_card") + book.counted("arrive_evading_ban")
        row["departures"] = book.counted("departed")
        row["detentions"] = book.counted("detained")
        row["deportations"] = book.counted("deported")
        row["demand"] = int(model.employers.target.sum()) * scale
        row["unfilled_demand"] = model.employers.unfilled * scale
        for name in EVENTS:
            value = self.events.get(name, 0.0)
            row[name] = round(value, 2) if name.endswith("_usd") else int(value)
            self.totals[name] += value
        row.update({c: int(v) for c, v in zip(self.district_columns, by_district)})
        row.update({c: int(v) for c, v in zip(self.present_columns, cells.sum(axis=0))})
        self.row = row

    def _cards_at_home(self) -> int:
        """Valid amnesty cards of people at home: in a slot on their day home, or in the register."""
        model, people, papers = self.model, self.model.population, self.model.papers
        in_slots = papers.card_until[: people.n][model.book.status[: people.n] == 0] > model.t
        in_register = people.home.column(papers, "card_until") > model.t
        return (int(in_slots.sum()) + int(in_register.sum())) * model.scale

    def summary(self, timeseries) -> dict[str, object]:
        """Run totals and the calibration figures (summary.json)."""
        model, people = self.model, self.model.population
        irregular = timeseries["irregular"].to_numpy()
        peak = int(np.argmax(irregular))
        aid = model.legal_aid
        book = model.book
        return {
            "peak_irregular": int(irregular[peak]),
            "peak_irregular_date": pd.Timestamp(timeseries["date"].iloc[peak]).date().isoformat(),
            "mean_irregular": round(float(irregular.mean()), 1),
            "mean_completed_stay_days": (
                round(people.completed_stay_days / people.completed_stays, 2) if people.completed_stays else None
            ),
            "completed_stays": people.completed_stays * model.scale,
            "share_men": round(people.ever_men / people.ever_count, 4) if people.ever_count else None,
            "people_present_during_run": people.ever_count * model.scale,
            "initial_present": model.initial_present,
            "total_arrivals": int(timeseries["arrivals"].sum()),
            "total_departures": int(timeseries["departures"].sum()),
            "total_detentions": int(timeseries["detentions"].sum()),
            "total_deportations": int(timeseries["deportations"].sum()),
            "total_appeals": int(timeseries["appeals"].sum()),
            "amnesty_cards_end": int(timeseries["amnesty_card"].iloc[-1]) + self._cards_at_home(),
            "appeals_by_category": {
                c: int(n) for c, n, modelled in zip(aid.categories, aid.by_category, aid.modelled, strict=True) if modelled
            },
            "appeals_by_centre": dict(sorted(aid.by_centre.items())),
            "catch_outcomes": catch_outcomes(timeseries),
            "totals": {name: round(float(v), 2) for name, v in sorted(self.totals.items())},
            "transitions": {name: int(n) for name, n in zip(TRANSITION_NAMES, book.total)},
        }


def catch_outcomes(timeseries) -> dict[str, int]:
    """How catches of irregular migrants ended: a bribe, a fine, detention (and
    deportation), or let go."""
    return {
        "bribe": int(timeseries["bribes"].sum()),
        "fine": int(timeseries["fines"].sum()),
        "detention": int(timeseries["detentions"].sum()),
        "let_go": int(timeseries["released"].sum()),
    }


CALIBRATION_FIGURES = (
    "irregular_march_mean",
    "irregular_november_mean",
    "irregular_peak",
    "irregular_peak_month",
    "mean_completed_stay_days",
    "share_men",
)


def months(timeseries) -> np.ndarray:
    """The month (1-12) of each day of a time series (its date column as text or as dates)."""
    return pd.to_datetime(timeseries["date"]).dt.month.to_numpy()


def calibration_figures(timeseries, summary: dict) -> dict[str, float]:
    """The figures compared with sim/data/calibration_targets.csv (sources.md 1-2)."""
    irregular = timeseries["irregular"]
    month = months(timeseries)
    peak = int(np.argmax(irregular.to_numpy()))  # a position: the index may not start at 0
    return {
        "irregular_march_mean": float(irregular[month == 3].mean()),
        "irregular_november_mean": float(irregular[month == 11].mean()),
        "irregular_peak": float(irregular.iloc[peak]),
        "irregular_peak_month": int(month[peak]),
        "mean_completed_stay_days": summary["mean_completed_stay_days"],
        "share_men": summary["share_men"],
    }


def outcomes(timeseries, summary: dict) -> dict[str, float]:
    """Every number an experiment may analyse, for one run (``MigrationModel.outcomes``):
    the key outcomes, the calibration figures, the mean irregular stock of each
    month, and each appeal category's share."""
    out = {**key_outcomes(timeseries, summary), **calibration_figures(timeseries, summary)}
    month = months(timeseries)
    for m in range(1, 13):
        values = timeseries["irregular"][month == m]
        if len(values):
            out[f"irregular_month_{m:02d}"] = float(values.mean())
    appeals = summary["appeals_by_category"]
    total = sum(appeals.values())
    for category, count in appeals.items():
        out[f"appeal_share_{category}"] = count / total if total else 0.0
    return {k: float(v) for k, v in out.items() if v is not None}


# Outcomes compared between scenarios (issue 3): name -> (label, unit).
KEY_OUTCOMES = {
    "peak_irregular": ("peak irregular migrants", "people"),
    "season_mean_irregular": ("mean irregular, March-November", "people"),
    "season_irregular_share": ("irregular share of those present, March-November", "share"),
    "total_deportations": ("deportations", "people"),
    "total_bribes": ("caught and let go for a bribe", "people"),
    "total_fines": ("caught and fined", "people"),
    "total_released": ("caught and let go (no cash, no detention place)", "people"),
    "total_employer_fines": ("employer fines (one per illegal worker found)", "fines"),
    "total_registrations": ("registrations", "people"),
    "total_appeals": ("legal aid appeals", "people"),
    "amnesty_applications": ("amnesty applications filed by employers", "people"),
    "amnesty_approvals": ("amnesty cards issued", "people"),
    "amnesty_cards_end": ("amnesty cards held at the end", "people"),
    "total_tax_usd": ("tax from legal workers", "US dollars"),
    "total_bribe_usd": ("bribes paid to the police", "US dollars"),
    "total_wages_withheld_usd": ("wages withheld by employers", "US dollars"),
}


def key_outcomes(timeseries, summary: dict) -> dict[str, float]:
    """One number per key outcome for a run (a row of comparison tables)."""
    month = months(timeseries)
    season = (month >= 3) & (month <= 11)
    if not season.any():  # a run shorter than the season: use all of it
        season = month > 0
    irregular = timeseries["irregular"][season]
    present = timeseries["present"][season]
    return {
        "peak_irregular": float(summary["peak_irregular"]),
        "season_mean_irregular": float(irregular.mean()),
        "season_irregular_share": float(irregular.sum() / present.sum()) if present.sum() else 0.0,
        "total_deportations": float(summary["total_deportations"]),
        "total_bribes": float(timeseries["bribes"].sum()),
        "total_fines": float(timeseries["fines"].sum()),
        "total_released": float(timeseries["released"].sum()),
        "total_employer_fines": float(timeseries["employer_fines"].sum()),
        "total_registrations": float(timeseries["registrations"].sum()),
        "amnesty_applications": float(timeseries["amnesty_applications"].sum()),
        "amnesty_approvals": float(timeseries["amnesty_approvals"].sum()),
        "total_appeals": float(summary["total_appeals"]),
        "amnesty_cards_end": float(summary["amnesty_cards_end"]),
        "total_tax_usd": float(timeseries["tax_usd"].sum()),
        "total_bribe_usd": float(timeseries["bribe_usd"].sum()),
        "total_wages_withheld_usd": float(timeseries["wages_withheld_usd"].sum()),
    }
