"""Array state of commanders and provinces.

The Mesa agents in :mod:`model.agents` are views on these arrays: submodels update whole
arrays at once (numpy), so one month costs a fixed number of vector operations rather than
one Python call per agent.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

TALIBAN, ISKP = 0, 1
FACTION_NAMES = ("Taliban", "ISKP")
MIN_BAND = 5.0  # fighters: a band below this dissolves
MAX_BAND = 1000.0  # fighters: a band above this splits in two
CAPACITY = 2048  # commander slots per run
# 0-d constants: numpy combines a 0-d array with an array faster than a Python float (same result)
ZERO, ONE, PER_10K = np.array(0.0), np.array(1.0), np.array(1e4)


class CommanderTable:
    """Dense struct-of-arrays state of the living commanders of one run.

    Row ``k`` of every array is commander ``k``; rows are compacted when commanders leave, so
    every array attribute is a view of length :attr:`n` and submodels work on whole views
    without masks. Write in place (``table.fighters[...] = x``), never rebind an attribute.

    Attributes:
        n: Number of living commanders.
        faction: TALIBAN or ISKP.
        fighters: Fighters in the band.
        ideology: Hardline ideology in [0, 1].
        loyalty: Loyalty to the current faction in [0, 1].
        pressure: Exponential moving average of the monthly loss fraction.
        location: Province index.
        from_taliban: The commander joined ISKP by defecting from the Taliban (so only ISKP
            commanders have it; defecting back clears it).
    """

    FIELDS: ClassVar[dict[str, type]] = {
        "faction": np.int64, "fighters": np.float64, "ideology": np.float64,
        "loyalty": np.float64, "pressure": np.float64, "location": np.int64,
        "from_taliban": np.bool_,
    }

    def __init__(self, capacity: int = CAPACITY):
        self.n = 0
        self._full = {name: np.zeros(capacity, dtype) for name, dtype in self.FIELDS.items()}
        self._key: np.ndarray | None = None
        self._forces: np.ndarray | None = None
        self._rebind()

    def changed(self, key: bool = True) -> None:
        """Invalidate the cached forces (and the cached ``key`` if ``key``).

        Call after writing ``fighters`` (``key=False``) or ``location``/``faction`` in place;
        :meth:`add` and :meth:`keep` call it themselves.
        """
        self._forces = None
        if key:
            self._key = None

    @property
    def key(self) -> np.ndarray:
        """Flat (province, faction) cell of each commander: ``location * 2 + faction``."""
        if self._key is None:
            self._key = self.location * 2 + self.faction
        return self._key

    def _rebind(self) -> None:
        for name, array in self._full.items():
            setattr(self, name, array[: self.n])
        self.changed()

    def add(self, faction, fighters, ideology, loyalty, location) -> np.ndarray:
        """Append commanders (array or scalar arguments) and return their rows.

        Raises:
            RuntimeError: If the table is full.
        """
        count = len(fighters)
        start = self.n
        if start + count > len(self._full["fighters"]):
            raise RuntimeError(f"commander capacity {len(self._full['fighters'])} exceeded")
        values = {"faction": faction, "fighters": fighters, "ideology": ideology,
                  "loyalty": loyalty, "pressure": 0.0, "location": location,
                  "from_taliban": False}
        for name, value in values.items():
            self._full[name][start: start + count] = value
        self.n = start + count
        self._rebind()
        return np.arange(start, self.n)

    def keep(self, mask: np.ndarray) -> np.ndarray:
        """Keep the rows where ``mask`` is True (in order) and return their old row numbers."""
        order = mask.nonzero()[0]
        for array in self._full.values():
            array[: len(order)] = array[order]
        self.n = len(order)
        self._rebind()
        return order

    def forces(self, n_provinces: int) -> np.ndarray:
        """Fighters per province and faction, shape ``(n_provinces, 2)`` (read-only).

        Cached until the next :meth:`changed`, so submodels that do not move, convert or
        resize bands share one ``bincount``.
        """
        cached = self._forces
        if cached is None or len(cached) != n_provinces:
            cached = np.bincount(self.key, self.fighters, minlength=2 * n_provinces)
            cached = cached.reshape(-1, 2)
            cached.flags.writeable = False
            self._forces = cached
        return cached

    def bands(self, n_provinces: int) -> np.ndarray:
        """Number of living commanders per province and faction, shape ``(n_provinces, 2)``."""
        return np.bincount(self.key, minlength=2 * n_provinces).reshape(-1, 2)


class ProvinceState:
    """Dynamic state of the 34 provinces.

    Attributes:
        resident: People living in the province (excludes the displaced and the killed).
        displaced: People displaced from the province and not yet returned.
        killed_total: Civilians killed so far.
        harm_total: Civilian casualties (killed + injured) so far.
        grievance: Civilian grievance in [0, 1].
        control: Influence shares, shape ``(n, 3)``: Republic, Taliban, ISKP; rows sum to 1.
        last_harm: Civilian casualties in the previous month.
        harm_rate: Those casualties per 10k residents (set with them by the harm submodel).
    """

    def __init__(self, population: np.ndarray, grievance: float):
        self.population0 = population.astype(float).copy()
        self.resident = self.population0.copy()
        self.displaced = np.zeros_like(self.resident)
        self.killed_total = np.zeros_like(self.resident)
        self.harm_total = np.zeros_like(self.resident)
        self.grievance = np.full_like(self.resident, grievance)
        self.control = np.zeros((len(population), 3))
        self.control[:, 0] = 1.0
        self.last_harm = np.zeros_like(self.resident)
        self.harm_rate = np.zeros_like(self.resident)
