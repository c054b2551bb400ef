"""The map: origin regions, border crossings and districts, loaded from ``sim/data``.

Places are the nodes of a networkx graph with their coordinates; roads and rail are
its edges with travel times. The model wraps it in a ``mesa.discrete_space.Network``
laid out at (lon, lat), so the map is drawn where places are.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from io import StringIO

import networkx as nx
import numpy as np
from mesa.discrete_space import Cell

EARTH_RADIUS_KM = 6371.0
# Door-to-door speed of a bus, shared taxi or train on these roads, waits included.
TRAVEL_KM_PER_HOUR = {"road": 45.0, "rail": 40.0}


def read_data_csv(name: str) -> list[dict[str, str]]:
    """Rows of a CSV in ``sim/data``; lines starting with '#' are its source notes."""
    text = resources.files("migsim.data").joinpath(name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return list(csv.DictReader(StringIO("\n".join(lines))))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return float(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a)))


class Place(Cell):
    """A cell of the network that knows what place it is."""

    __slots__ = ["border", "country", "kind", "lat", "lon", "name", "place_id"]


@dataclass(frozen=True)
class Geography:
    """Places and routes, with the travel-time matrices the agents use."""

    graph: nx.Graph

    @classmethod
    def load(cls) -> Geography:
        graph = nx.Graph()
        for row in read_data_csv("places.csv"):
            graph.add_node(
                row["id"],
                name=row["name"],
                kind=row["kind"],
                country=row["country"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                border=row["border"] == "1",
            )
        for row in read_data_csv("routes.csv"):
            a, b = row["a"], row["b"]
            for node in (a, b):
                if node not in graph:
                    raise ValueError(f"sim/data/routes.csv: unknown place {node!r}")
            na, nb = graph.nodes[a], graph.nodes[b]
            km = haversine_km(na["lat"], na["lon"], nb["lat"], nb["lon"])
            graph.add_edge(a, b, km=km, mode=row["mode"], hours=km / TRAVEL_KM_PER_HOUR[row["mode"]])
        if not nx.is_connected(graph):
            raise ValueError("sim/data/routes.csv: the network of places is not connected")
        return cls(graph)

    def ids(self, kind: str) -> list[str]:
        return [n for n, d in self.graph.nodes(data=True) if d["kind"] == kind]

    @cached_property
    def districts(self) -> list[str]:
        return self.ids("district")

    @cached_property
    def origins(self) -> list[str]:
        return self.ids("origin")

    @cached_property
    def crossings(self) -> list[str]:
        return self.ids("crossing")

    def layout(self) -> dict[str, tuple[float, float]]:
        """Node -> (lon, lat): x east, y north, so a plot is a map."""
        return {n: (d["lon"], d["lat"]) for n, d in self.graph.nodes(data=True)}

    @cached_property
    def origin_district_hours(self) -> np.ndarray:
        """Shortest travel hours origin -> district. Every such route must enter
        Kazakhstan at a border crossing (checked: the data would be wrong otherwise)."""
        hours = np.zeros((len(self.origins), len(self.districts)))
        crossings = set(self.crossings)
        for i, origin in enumerate(self.origins):
            lengths, paths = nx.single_source_dijkstra(self.graph, origin, weight="hours")
            for j, district in enumerate(self.districts):
                if not crossings.intersection(paths[district]):
                    raise ValueError(f"sim/data/routes.csv: route {origin} -> {district} crosses no border post")
                hours[i, j] = lengths[district]
        return hours

    @cached_property
    def district_hours(self) -> np.ndarray:
        """Travel hours between districts, over Kazakh roads only."""
        inside = self.graph.subgraph(self.districts)
        lengths = dict(nx.all_pairs_dijkstra_path_length(inside, weight="hours"))
        return np.array([[lengths[a][b] for b in self.districts] for a in self.districts])
