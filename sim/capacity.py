"""A daily service capacity given in people, spent on whole agents.

One agent stands for ``scale`` people. Rounding a centre's five appeals a day to
a whole agent each day (0 or 1 agent of 20 people) is right on average while a
queue is waiting, but loses capacity whenever the queue happens to be empty on a
day that drew an agent, so coarse runs served fewer people than fine ones. Here
the capacity is spent as people would be served one by one: an agent whose turn
comes takes ``scale`` people's worth of service, and the office stays busy with
them (its credit goes below zero) for as many days as that takes. Capacity left
on a day with nobody waiting lapses, as it would for people. People served per
day are then min(people waiting, capacity) in expectation at any scale.
"""

from __future__ import annotations


class ServiceCapacity:
    """How many agents a service (a centre, an office, transport) takes today."""

    def __init__(self, people_per_day: float, scale: int):
        self.per_day = people_per_day / scale  # agents a day
        self.credit = 0.0  # today's capacity left, in agents; below zero while busy with earlier agents

    def serve(self, waiting: int) -> int:
        """The number of the ``waiting`` agents (in queue order) served today."""
        self.credit = min(self.credit, 0.0) + self.per_day
        if self.credit <= 0.0 or waiting == 0:
            return 0
        served = min(waiting, int(-(-self.credit // 1)))  # agents begun while capacity is left
        self.credit -= served
        return served
