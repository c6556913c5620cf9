"""Initial state at 2015-01 (docs/ODD.md §5)."""

from __future__ import annotations

import numpy as np

from model.data import ProvinceData
from model.parameters import Parameters
from model.state import ISKP, TALIBAN, CommanderTable

IDEOLOGY_BETA = {TALIBAN: (2.0, 3.0), ISKP: (8.0, 2.0)}  # Beta(a, b) of commander ideology
LOYALTY_BETA = {TALIBAN: (5.0, 2.0), ISKP: (4.0, 2.0)}  # Beta(a, b) of commander loyalty
BAND_SIZE_SHAPE = 4.0  # gamma shape of initial band sizes (coefficient of variation 0.5)
ISKP_FOUNDING = {"Nangarhar": 0.75, "Kunar": 0.25}  # FACTS §2: founding areas and weights


def _band_sizes(rng: np.random.Generator, count: int, total: float) -> np.ndarray:
    sizes = rng.gamma(BAND_SIZE_SHAPE, 1.0, size=count)
    return total * sizes / sizes.sum()


def taliban_ideology(rng, p: Parameters, data: ProvinceData, location: np.ndarray) -> np.ndarray:
    """A Taliban commander's ideology: ``clip(Beta(2, 3) + hardline_offset · hardline, 0, 1)``."""
    a, b = IDEOLOGY_BETA[TALIBAN]
    ideology = rng.beta(a, b, size=len(location)) + p.hardline_offset * data.hardline[location]
    return np.clip(ideology, 0.0, 1.0)


def place_taliban(rng, p: Parameters, data: ProvinceData, table: CommanderTable) -> None:
    """Place Taliban commanders by population x regional affinity; hardliners by network."""
    count = p.taliban_commanders
    weight = data.population * data.taliban_affinity
    location = rng.choice(len(weight), size=count, p=weight / weight.sum())
    table.add(
        faction=TALIBAN,
        fighters=_band_sizes(rng, count, p.taliban_initial_fighters),
        ideology=taliban_ideology(rng, p, data, location),
        loyalty=rng.beta(*LOYALTY_BETA[TALIBAN], size=count),
        location=location,
    )


def place_iskp(rng, p: Parameters, data: ProvinceData, table: CommanderTable) -> None:
    """Place the founding ISKP commanders in Nangarhar and Kunar.

    A share ``iskp_pragmatist_share`` of them are pragmatists, ex-Taliban whose ideology is
    drawn from the Taliban's distribution (``Beta(IDEOLOGY_BETA[Taliban])``, without the
    hardline networks' offset: what makes them pragmatists); the others are hardliners
    (``Beta(IDEOLOGY_BETA[ISKP])``).
    """
    count = p.iskp_initial_commanders if p.iskp_initial_fighters > 0 else 0
    if count == 0:
        return
    names = list(ISKP_FOUNDING)
    share = np.array(list(ISKP_FOUNDING.values()))
    where = rng.choice(len(names), size=count, p=share / share.sum())
    location = np.array([data.index(names[k]) for k in where])
    fighters = _band_sizes(rng, count, p.iskp_initial_fighters)
    hardline = rng.beta(*IDEOLOGY_BETA[ISKP], size=count)
    loyalty = rng.beta(*LOYALTY_BETA[ISKP], size=count)
    pragmatist = rng.random(count) < p.iskp_pragmatist_share
    ideology = np.where(pragmatist, rng.beta(*IDEOLOGY_BETA[TALIBAN], size=count), hardline)
    table.add(faction=ISKP, fighters=fighters, ideology=ideology, loyalty=loyalty,
              location=location)
