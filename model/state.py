"""The array state of commanders and provinces, and the constants of band bookkeeping.

The state is plain numpy arrays, one row per variable, so that the compiled month step
(:mod:`model.submodels.month`) takes it in a handful of arguments. The Mesa agents of
:mod:`model.agents` and the attributes below are views on the same rows.
"""

from __future__ import annotations

import numpy as np

TALIBAN, ISKP = 0, 1
FACTION_NAMES = ("Taliban", "ISKP")
MIN_BAND = 5.0  # fighters: a band below this dissolves
MAX_BAND = 1000.0  # fighters: a band above this splits in two
CAPACITY = 2048  # commander slots per run

COMMANDER_FLOATS = ("fighters", "ideology", "loyalty", "pressure")
COMMANDER_INTS = ("faction", "location", "from_taliban")
HOSTS = ("pakistan", "iran", "central_asia")
"""The neighbouring hosts of refugees, and the regions in ISKP's reach besides ``beyond``."""
REGIONS = ("pakistan", "central_asia", "beyond")
"""The regions of ISKP's attacks abroad: Pakistan, Central Asia and beyond the region."""
PROVINCE_FIELDS = ("resident", "displaced", "killed_total", "harm_total", "grievance",
                   "last_harm", "harm_rate", "control_state", "control_taliban", "control_iskp",
                   "republic", "contact", "andsf", "security", "last_attacks",
                   *(f"abroad_{host}" for host in HOSTS))
"""Rows of the province state: the ODD §2.1 variables, then ``R_i``, ``contact_i``, the
ANDSF soldiers ``A_i``, security ``σ_i``, last month's ISKP attacks ``A_i`` and the province's
refugees abroad ``Q_ih`` per host."""
WORLD_FIELDS = ("population_weight", "border_km", "hardline", "haven", "refuge_weight",
                *(f"borders_{host}" for host in HOSTS))
"""Static province data: ``w_i``, ``B_i``, ``hardline_i``, ``haven_i``, ``hardline_i ·
[B_i > 0]`` (the refuge's weight) and whether the province borders each host (0 or 1)."""
SIDE_FIELDS = ("line", "pay", "momentum", "previous_total", "capacity")
"""Rows of the faction state (columns TALIBAN, ISKP); ``capacity`` is the governing
Taliban's counter-ISKP capacity ``κ`` (Taliban column)."""
REGIME_FIELDS = ("ct_factor", "doha_talks", "relocation", "nangarhar_offensive", "withdrawal",
                 "governs", "return_drive")
"""Values set by the dated events (flags are 0 or 1)."""
_CONTROL = slice(PROVINCE_FIELDS.index("control_state"), PROVINCE_FIELDS.index("control_iskp") + 1)
ABROAD = slice(PROVINCE_FIELDS.index("abroad_pakistan"), len(PROVINCE_FIELDS))
"""The rows of refugees abroad by host, in :data:`HOSTS` order."""


class CommanderTable:
    """The commanders of one run: row ``k`` of every array is commander ``k``.

    The living commanders are the first :attr:`n` rows; the month step appends new bands and
    closes the gaps of removed ones, keeping the order. Attribute access (``table.fighters``)
    gives a writable view of the living rows.

    Attributes:
        n: Number of living commanders.
        floats: ``fighters`` (fighters in the band), ``ideology`` (hardline ideology in
            [0, 1]), ``loyalty`` (to the current faction, in [0, 1]) and ``pressure``
            (moving average of the monthly loss fraction), shape ``(4, capacity)``.
        ints: ``faction`` (TALIBAN or ISKP), ``location`` (province index) and
            ``from_taliban`` (1 if the band joined ISKP by defecting from the Taliban),
            shape ``(3, capacity)``.
    """

    def __init__(self, capacity: int = CAPACITY):
        self.n = 0
        self.floats = np.zeros((len(COMMANDER_FLOATS), capacity))
        self.ints = np.zeros((len(COMMANDER_INTS), capacity), np.int64)

    def __getattr__(self, name: str) -> np.ndarray:
        if name in COMMANDER_FLOATS:
            return self.floats[COMMANDER_FLOATS.index(name), : self.n]
        if name in COMMANDER_INTS:
            return self.ints[COMMANDER_INTS.index(name), : self.n]
        raise AttributeError(f"CommanderTable has no attribute '{name}'")

    def add(self, faction, fighters, ideology, loyalty, location) -> np.ndarray:
        """Append commanders (array or scalar arguments; pressure 0) and return their rows.

        Raises:
            RuntimeError: If the table is full.
        """
        count, start = len(fighters), self.n
        if start + count > self.floats.shape[1]:
            raise RuntimeError(f"commander capacity {self.floats.shape[1]} exceeded")
        rows = slice(start, start + count)
        self.floats[:, rows] = np.array(
            np.broadcast_arrays(fighters, ideology, loyalty, 0.0), dtype=float)
        self.ints[:, rows] = np.array(np.broadcast_arrays(faction, location, 0), dtype=np.int64)
        self.n = start + count
        return np.arange(start, self.n)


class ProvinceState:
    """Dynamic state of the provinces: one row of :attr:`values` per :data:`PROVINCE_FIELDS`.

    Attribute access (``state.grievance``) gives a writable view of a row; :attr:`control` is
    the ``(n, 3)`` view of the influence shares (Republic, Taliban, ISKP; rows sum to 1).

    Args:
        population: Initial residents per province.
        grievance: Initial grievance (the same in every province).
    """

    def __init__(self, population: np.ndarray, grievance: float):
        self.population0 = population.astype(float).copy()
        self.values = np.zeros((len(PROVINCE_FIELDS), len(population)))
        self.resident[:] = self.population0
        self.grievance[:] = grievance
        self.control_state[:] = 1.0

    def __getattr__(self, name: str) -> np.ndarray:
        if name in PROVINCE_FIELDS:
            return self.values[PROVINCE_FIELDS.index(name)]
        raise AttributeError(f"ProvinceState has no attribute '{name}'")

    @property
    def control(self) -> np.ndarray:
        """Influence shares, shape ``(n, 3)``: Republic, Taliban, ISKP (a writable view)."""
        return self.values[_CONTROL].T

    @property
    def abroad(self) -> np.ndarray:
        """Refugees abroad by host and home province, shape ``(3, n)`` (a writable view)."""
        return self.values[ABROAD]
