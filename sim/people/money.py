"""Money each person holds (US dollars, per person at any agent scale), the wages
an employer owes them, and what this stay has paid so far. ``Wallets`` is the
only writer."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from migsim.people.book import PersonBook


class Wallets(PersonBook):
    FIELDS: ClassVar[dict[str, tuple[type, object]]] = {
        "savings": (np.float64, 0.0),
        "unpaid_claim": (np.float64, 0.0),  # wages withheld: a claim legal aid may recover
        # this stay (cleared on entry): what the returnee will tell at home
        "stay_received": (np.float64, 0.0),  # wages received
        "stay_withheld": (np.float64, 0.0),  # wages kept back
    }

    def arrive_with(self, slots: np.ndarray, cash: np.ndarray) -> None:
        self.savings[slots] = cash
        self.stay_received[slots] = 0.0
        self.stay_withheld[slots] = 0.0

    def receive_wages(self, slots: np.ndarray, amounts: np.ndarray | float) -> None:
        self.savings[slots] += amounts
        self.stay_received[slots] += amounts

    def take(self, slots: np.ndarray, amounts: np.ndarray | float) -> None:
        """Money paid out (a fee, a fine, a bribe, a day's food and bed), never below zero."""
        self.savings[slots] = np.maximum(self.savings[slots] - amounts, 0.0)

    def withhold(self, slots: np.ndarray, amounts: np.ndarray | float) -> None:
        """Wages earned but kept back by the employer become a claim."""
        self.unpaid_claim[slots] += amounts
        self.stay_withheld[slots] += amounts

    def recover_claims(self, slots: np.ndarray) -> float:
        """Claims paid out (through legal aid); returns the total recovered."""
        claims = self.unpaid_claim[slots]
        self.savings[slots] += claims
        self.stay_received[slots] += claims
        self.stay_withheld[slots] -= claims
        self.unpaid_claim[slots] = 0.0
        return float(claims.sum())

    def forfeit_claims(self, slots: np.ndarray) -> None:
        """Claims are lost when a stay ends."""
        self.unpaid_claim[slots] = 0.0
