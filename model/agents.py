"""Mesa agents: provinces (fixed on the adjacency network) and commanders (mobile bands).

Agents are thin views on the model's array state (:mod:`model.state`). Their attributes read
and write the arrays, so Mesa's AgentSet API (``select``, ``agg``, ``groupby``) sees the same
state that the vectorised submodels update. Agents hold no logic of their own: each process
is a submodel in :mod:`model.submodels` acting on all agents at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa.discrete_space import CellAgent, FixedAgent

from model.state import FACTION_NAMES

if TYPE_CHECKING:
    from model.model import KhorasanModel


class Province(FixedAgent):
    """One of the 34 provinces, fixed on its cell of the adjacency network.

    Args:
        model: The model.
        index: Province index into the model's province arrays.
        cell: The network cell of the province.
    """

    def __init__(self, model: KhorasanModel, index: int, cell):
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

    Args:
        model: The model.
        slot: Index into the model's commander arrays.
        location: Province index of the band, if known (read from the arrays otherwise).
    """

    def __init__(self, model: KhorasanModel, slot: int, location: int | None = None):
        super().__init__(model)
        self.slot = slot
        if location is None:
            location = int(model.commanders.location[slot])
        self.cell = model.cells[location]

    def _get(self, name: str):
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
