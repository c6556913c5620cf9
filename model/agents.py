"""Mesa agents: provinces (fixed on the adjacency network) and commanders (mobile bands).

Agents are views on the model's array state (:mod:`model.state`): their attributes read the
arrays that the compiled month step updates, so Mesa's AgentSet API (``select``, ``agg``,
``groupby``) sees the model's state. Agents hold no logic of their own: each process is a
submodel kernel in :mod:`model.submodels`.

Province agents live for the whole run. Commander agents are built on request
(``KhorasanModel.commander_agents()``) for the commanders alive at that moment and removed at
the next step, because the month step adds, removes and reorders commander rows.
"""

from __future__ import annotations

import mesa
from mesa.discrete_space import CellAgent, FixedAgent

from model.state import FACTION_NAMES


class Province(FixedAgent):
    """One of the 34 provinces, fixed on its cell of the adjacency network.

    Args:
        model: The model.
        index: Province index into the model's province arrays.
        cell: The network cell of the province.
    """

    def __init__(self, model: mesa.Model, index: int, cell):
        super().__init__(model)
        self.index = index
        self.name = model.provinces.names[index]
        self.borders_pakistan = bool(model.provinces.pakistan_border_km[index] > 0)
        self.cell = cell

    @property
    def population(self) -> float:
        """Resident population (people)."""
        return float(self.model.pstate.resident[self.index])

    @property
    def displaced(self) -> float:
        """People displaced from this province (people)."""
        return float(self.model.pstate.displaced[self.index])

    @property
    def grievance(self) -> float:
        """Civilian grievance in [0, 1]."""
        return float(self.model.pstate.grievance[self.index])

    @property
    def cumulative_harm(self) -> float:
        """Civilian casualties so far (killed + injured)."""
        return float(self.model.pstate.harm_total[self.index])

    @property
    def influence(self) -> dict[str, float]:
        """Influence shares of the Republic, the Taliban and ISKP."""
        r, t, i = self.model.pstate.control[self.index]
        return {"Republic": float(r), "Taliban": float(t), "ISKP": float(i)}


class Commander(CellAgent):
    """An armed band and its local leader: the unit of recruitment, movement and defection.

    A view of row ``slot`` of the commander arrays, valid until the model's next step.

    Args:
        model: The model.
        slot: Row of the commander arrays.
    """

    def __init__(self, model: mesa.Model, slot: int):
        super().__init__(model)
        self.slot = slot
        self.built_at = model.steps
        self.cell = model.cells[int(model.commanders.location[slot])]

    def _get(self, name: str):
        if self.model.steps != self.built_at:
            raise RuntimeError("this Commander view is from an earlier step; call "
                               "model.commander_agents() again")
        return getattr(self.model.commanders, name)[self.slot]

    @property
    def faction(self) -> str:
        """``"Taliban"`` or ``"ISKP"``."""
        return FACTION_NAMES[int(self._get("faction"))]

    @property
    def fighters(self) -> float:
        """Fighters in the band."""
        return float(self._get("fighters"))

    @property
    def ideology(self) -> float:
        """Hardline ideology in [0, 1]."""
        return float(self._get("ideology"))

    @property
    def loyalty(self) -> float:
        """Loyalty to the current faction in [0, 1]."""
        return float(self._get("loyalty"))

    @property
    def province(self) -> str:
        """Name of the province the band is in."""
        return self.model.provinces.names[int(self._get("location"))]

    @property
    def defected_from_taliban(self) -> bool:
        """True for an ISKP commander who came over from the Taliban."""
        return bool(self._get("from_taliban"))
