"""How much each person fears the police, relative to what they have heard from
returnees. ``Beliefs`` is the only writer."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from migsim.people.book import PersonBook


class Beliefs(PersonBook):
    FIELDS: ClassVar[dict[str, tuple[type, object]]] = {
        "risk_view": (np.float64, 1.0),  # multiplies the police risk heard of
    }
    KEPT = ("risk_view",)

    def form(self, slots: np.ndarray, risk_view: np.ndarray) -> None:
        """New people's views."""
        self.risk_view[slots] = risk_view

    def alarm(self, slots: np.ndarray, factor: float) -> None:
        """Being caught makes a person fear the police more."""
        self.risk_view[slots] *= factor
