"""What returnees tell at home: for each origin region, the experience of the
people who came back from a stay (wages received and withheld, money paid to the
police, catches, deportations), weighted by how recent it is. Would-be migrants of
that region decide from it (sim/agents/migrant.py). ``OriginNews`` is the only
writer of these sums; it starts from what had been heard before the first
simulated day (the scenario's ``[news]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from migsim.model import MigrationModel

# The sums kept per origin region (in people, or person-days, or US dollars).
SUMS = ("reports", "days", "received", "withheld", "police_usd", "catches", "catches_unregistered", "deported")


class OriginNews:
    def __init__(self, model: MigrationModel):
        self.model = model
        news = model.params.news
        self.decay = float(np.exp(-1.0 / news.memory_days))
        weights = model.population.origin_weights
        self.row = {name: i for i, name in enumerate(SUMS)}
        self.sums = np.zeros((len(SUMS), len(weights)))  # sum x origin
        # The prior counts as much as `prior_person_days` of stays, shared by origin weight.
        days = news.prior_person_days * weights
        prior = {
            "reports": days / news.prior_stay_days,
            "days": days,
            "received": days * news.earnings_usd_per_day,
            "withheld": days * news.withheld_usd_per_day,
            "police_usd": days * news.police_usd_per_day,
            "catches": days * news.catches_per_1000_days / 1000,
            "catches_unregistered": days * news.catches_unregistered_per_1000_days / 1000,
            "deported": days * news.deportations_per_1000_days / 1000,
        }
        for name, values in prior.items():
            self.sums[self.row[name]] = values
        self._per_day: np.ndarray | None = None

    def new_day(self) -> None:
        """Older reports count for less."""
        self.sums *= self.decay
        self._per_day = None

    def report(self, slots: np.ndarray, t: int, deported: bool) -> None:
        """People home from a stay tell what it was like."""
        if len(slots) == 0:
            return
        model = self.model
        wallets, records = model.wallets, model.records
        told = np.empty((len(slots), len(SUMS)))
        told[:, self.row["reports"]] = 1.0
        told[:, self.row["days"]] = np.maximum(t - model.population.entered[slots], 1)
        told[:, self.row["received"]] = wallets.stay_received[slots]
        told[:, self.row["withheld"]] = wallets.stay_withheld[slots]
        told[:, self.row["police_usd"]] = records.paid_police_usd[slots]
        told[:, self.row["catches"]] = records.catches[slots]
        told[:, self.row["catches_unregistered"]] = records.catches_unregistered[slots]
        told[:, self.row["deported"]] = float(deported)
        n_origins = self.sums.shape[1]
        cell = model.population.origin[slots][:, None].astype(np.intp) + n_origins * np.arange(len(SUMS))
        self.sums += (
            np.bincount(cell.ravel(), weights=told.ravel(), minlength=len(SUMS) * n_origins).reshape(len(SUMS), n_origins)
            * model.scale
        )
        self._per_day = None

    def per_day(self, name: str) -> np.ndarray:
        """A sum per day of stay reported, by origin."""
        if self._per_day is None:
            self._per_day = self.sums / self.sums[self.row["days"]]
        return self._per_day[self.row[name]]

    def expected_net_usd_per_day(self, deportation_cost_usd: float) -> np.ndarray:
        """What a day of a stay brings, by origin, from what returnees said: wages
        received, less money paid to the police, less the cost of a deportation
        times its chance."""
        return self.per_day("received") - self.per_day("police_usd") - self.per_day("deported") * deportation_cost_usd

    def loss_per_catch_usd(self, deportation_cost_usd: float) -> np.ndarray:
        catches = np.maximum(self.sums[self.row["catches"]], 1e-9)
        return (self.sums[self.row["police_usd"]] + self.sums[self.row["deported"]] * deportation_cost_usd) / catches
