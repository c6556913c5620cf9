"""The Khorasan model: a Mesa model of Taliban and ISKP commanders on the province network."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import Network

from model import initialize
from model.agents import Commander, Province
from model.calendar import DATED_EVENTS, TALIBAN_GOVERN
from model.data import ProvinceData, load_provinces
from model.errors import ParameterError
from model.outputs import OUTPUTS
from model.parameters import SPECS, Parameters, check_name
from model.state import ISKP, MAX_BAND, TALIBAN, CommanderTable, ProvinceState
from model.streams import Streams, seed_sequence
from model.submodels import (
    combat,
    control,
    defection,
    displacement,
    expansion,
    harm,
    movement,
    policy,
    recruitment,
)

CT_FACTOR_2015 = 0.25  # strikes on ISKP before the US authority of 2016-01 (ODD §7.1)
CT_FACTOR_POST_DOHA = 0.5  # strikes on ISKP after the Doha agreement (ODD §7.1)
OUTPUT_GROUPS: dict[str, tuple[str, ...]] = {
    "civ_cas": tuple(f"civ_cas_{cause}" for cause in harm.CAUSES),
    "control": ("control_state", "control_taliban", "control_iskp"),
    "fighters": ("taliban_fighters", "iskp_fighters"),
    "commanders": ("commanders_taliban", "commanders_iskp"),
    "recruits": ("recruits_taliban", "recruits_iskp"),
    "losses": ("taliban_losses", "iskp_losses"),
}
"""Outputs stored next to each other so a submodel records a group with one write."""


@dataclass(frozen=True)
class Intervention:
    """A dated change of parameter values.

    Attributes:
        month: Month index from which the values hold.
        values: Parameter name -> new value.
        provinces: Province indices the change applies to (spatial parameters only), or
            None for all provinces.
    """

    month: int
    values: dict[str, float]
    provinces: tuple[int, ...] | None = field(default=None)


_NETWORK_TABLES: dict[int, tuple[ProvinceData, tuple[np.ndarray, ...]]] = {}


def network_tables(provinces: ProvinceData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read-only lookup tables of the adjacency network (cached per province data).

    Returns:
        ``near`` (``near[i, j] = 1`` if ``j`` is ``i`` or adjacent to it: for fighters
        ``F >= 0``, ``near @ F > 0`` is "present in the province or a neighbour", one BLAS
        product); ``options`` (row ``i``: ``i``, then its neighbours, ``n`` padding); and
        ``option_cells`` (``[i, f]``: flat (province, faction) cells ``2 * option + f``).
    """
    hit = _NETWORK_TABLES.get(id(provinces))
    if hit is not None and hit[0] is provinces:
        return hit[1]
    neighbours = provinces.neighbours
    n = len(neighbours)
    near = np.eye(n)
    for row, nbrs in enumerate(neighbours):
        near[row, nbrs[nbrs >= 0]] = 1.0
    options = np.column_stack([np.arange(n), np.where(neighbours < 0, n, neighbours)])
    option_cells = options[:, None, :] * 2 + np.arange(2)[None, :, None]
    for table in (near, options, option_cells):
        table.flags.writeable = False
    if len(_NETWORK_TABLES) >= 8:
        _NETWORK_TABLES.clear()
    _NETWORK_TABLES[id(provinces)] = (provinces, (near, options, option_cells))
    return near, options, option_cells


class KhorasanModel(mesa.Model):
    """Taliban and ISKP commanders on Afghanistan's 34-province adjacency network.

    One step is one calendar month from 2015-01. Dated events and interventions are Mesa
    events scheduled half a month before the step they affect.

    ``p`` holds the parameters; ``par`` is a plain-attribute copy of them, ``pa`` the same
    values as 0-d float64 arrays (numpy combines those with arrays faster than Python floats,
    with identical results), and the tables built by :meth:`derive` are per-run constants of
    ``p`` and the spatial arrays, so the monthly submodels avoid repeated lookups. All are
    refreshed whenever ``p`` is set or an intervention changes a spatial value.

    Args:
        params: Parameter values.
        n_months: Number of months to simulate from 2015-01.
        rng: The replicate's seed: an int, a ``numpy.random.SeedSequence`` or a Generator
            built from one. The submodels draw from :class:`~model.streams.Streams` keyed by
            it; Mesa's own generator (``self.rng``) is seeded from it too.
        interventions: Dated parameter changes.
        provinces: Province data; the packaged data by default.
    """

    def __init__(self, params: Parameters, n_months: int, rng,
                 interventions: Sequence[Intervention] = (),
                 provinces: ProvinceData | None = None):
        sequence = seed_sequence(rng)
        super().__init__(rng=np.random.default_rng(sequence))
        self.streams = Streams(sequence)
        self.p = params
        self.provinces = provinces or load_provinces()
        self.n_prov = len(self.provinces.names)
        self.n_months = n_months
        self.pop_weight = self.provinces.population / self.provinces.population.sum()
        self.nangarhar = self.provinces.index("Nangarhar")
        self.jowzjan = self.provinces.index("Jowzjan")
        border = self.provinces.pakistan_border_km > 0
        self.haven = self.provinces.hardline + border
        self.refuge_weight = self.provinces.hardline * border
        self._init_outputs()
        self._init_regime()
        self._init_space()
        self._init_agents()
        self._schedule(interventions)

    @property
    def p(self) -> Parameters:
        """The parameter values in force."""
        return self._p

    @p.setter
    def p(self, params: Parameters) -> None:
        self._p = params
        values = params.to_dict()
        self.par = SimpleNamespace(**values)
        self.pa = SimpleNamespace(**{name: np.array(float(v)) for name, v in values.items()})
        if hasattr(self, "spatial"):
            self.derive()

    def derive(self) -> None:
        """Build the per-run tables that depend only on ``p`` and the spatial values.

        ``move_prob`` (by faction), ``effectiveness`` (``[1, e]`` by faction),
        ``recruit_rates`` (``(n, 2)``: Taliban, ISKP; ISKP's times its appeal ``a + (1 - a)
        hardline`` with ``a = iskp_network_appeal``), ``grievance_target`` (``g0 + shock``),
        ``killed_share`` (killed share of casualties by harm cause), ``pressure_weights``
        (``[[w_s], [s_p]]``: pressure weights of the defection and surrender logits),
        ``retention``
        (``1 - desertion_rate``), and the movement score
        terms by (province, faction), shape ``(n + 1, 2)`` (the last row pads missing
        neighbours): ``weak_enemy_weight`` (``w_w``, times the crackdown for the Taliban once
        they govern; a 0-d ``w_w`` before, when it is the same everywhere) and
        ``haven_score`` (``w_h haven`` for ISKP); ``refuge`` (ISKP fighters out of the Taliban's
        reach by province: ``refuge_capacity * hardline * [borders Pakistan]``).
        """
        par, spatial, n = self.par, self.spatial, self.n_prov
        self.move_prob = np.array([par.taliban_move_prob, par.iskp_move_prob])
        self.effectiveness = np.array([1.0, par.iskp_combat_effectiveness])
        appeal = par.iskp_network_appeal + (1.0 - par.iskp_network_appeal) * self.provinces.hardline
        self.recruit_rates = np.column_stack(
            [spatial["taliban_recruit_rate"],
             spatial["iskp_recruit_rate"] * spatial["iskp_recruit_multiplier"] * appeal])
        self.grievance_target = par.grievance_base + spatial["grievance_shock"]
        self.killed_share = np.array([par.war_killed_share] * 3 + [par.attack_killed_share])
        self.pressure_weights = np.array(
            [[par.defection_pressure_weight], [par.surrender_pressure_weight]])
        self.retention = np.array(1.0 - par.desertion_rate)
        self.weak_enemy_weight = np.array(par.move_weak_enemy_weight)  # 0-d: the same everywhere
        if self.governs:
            self.weak_enemy_weight = np.full((n + 1, 2), par.move_weak_enemy_weight)
            self.weak_enemy_weight[:n, TALIBAN] *= spatial["taliban_crackdown"]
        self.haven_score = np.zeros((n + 1, 2))
        self.haven_score[:n, ISKP] = par.move_haven_weight * self.haven
        self.refuge = par.refuge_capacity * self.refuge_weight
        self.has_refuge = bool(self.refuge.any())

    # --- set-up -------------------------------------------------------------------------------
    def _init_outputs(self) -> None:
        """Allocate the outputs: ``out[name]`` is a ``(months, n)`` slice of one block.

        ``out_groups[group]`` is the ``(k, months, n)`` slice of the :data:`OUTPUT_GROUPS`
        members, so ``out_groups[group][:, month] = rows`` records ``k`` outputs at once.
        """
        order = [name for group in OUTPUT_GROUPS.values() for name in group]
        order += [name for name in OUTPUTS if name not in order]
        block = np.zeros((len(order), self.n_months, self.n_prov))
        self.out = {name: block[order.index(name)] for name in OUTPUTS}
        self.out_groups = {}
        for group, members in OUTPUT_GROUPS.items():
            start = order.index(members[0])
            self.out_groups[group] = block[start: start + len(members)]

    def _init_regime(self) -> None:
        self.month = 0
        self.founding_wave = 1.0  # ISKP founding wave (set monthly by the policy submodel)
        self.spatial = {n: np.full(self.n_prov, float(self.p[n]))
                        for n, spec in SPECS.items() if spec.spatial}
        self.ct_factor = CT_FACTOR_2015
        self.doha_started = self.withdrawal_started = self.governs = False
        self.nangarhar_offensive = False
        self.relocation = False  # IS central's relocation wave (2017-07 to 2019-03)
        self.line = np.zeros(2)
        self.pay = np.ones(2)
        self.momentum = np.zeros(2)
        self.presence = 1.0
        self.republic = np.zeros(self.n_prov)
        self.republic_present = self.republic > 0
        self.republic_pair = np.zeros((self.n_prov, 2))  # ``republic`` for each faction
        self.republic_everywhere = False
        self.republic_force: float | None = None  # R behind ``republic``
        self.contact = np.zeros(self.n_prov)
        self.derive()

    def _init_space(self) -> None:
        graph = nx.Graph()
        graph.add_nodes_from(range(self.n_prov))
        graph.add_edges_from(self.provinces.edges)
        layout = {i: (self.provinces.lon[i], self.provinces.lat[i]) for i in range(self.n_prov)}
        self.space = Network(graph, random=self.random, layout=layout)
        self.cells = [self.space[i] for i in range(self.n_prov)]
        self.near, self.options, self.option_cells = network_tables(self.provinces)
        self.place_score = np.full((self.n_prov + 1, 2), -np.inf)  # movement buffer (pad: -inf)
        self.province_agents = [Province(self, i, self.cells[i]) for i in range(self.n_prov)]

    def _init_agents(self) -> None:
        self.commanders = CommanderTable()
        self.pstate = ProvinceState(self.provinces.population, self.p.grievance_base)
        draws = self.streams.init
        initialize.place_taliban(draws, self.p, self.provinces, self.commanders)
        initialize.place_iskp(draws, self.p, self.provinces, self.commanders)
        self.agent_of: list[Commander] = [
            Commander(self, slot, where)
            for slot, where in enumerate(self.commanders.location.tolist())]
        forces = self.forces = self.commanders.forces(self.n_prov)
        self.pstate.control = initialize.initial_control(self.p, self.provinces, forces)
        self.prev_totals = forces.sum(axis=0)

    def _schedule(self, interventions: Sequence[Intervention]) -> None:
        for event in DATED_EVENTS:
            if event.month < self.n_months:
                handler = getattr(self, f"_on_{event.name}")
                self.schedule_event(handler, at=event.month + 0.5)
        if self.n_months > TALIBAN_GOVERN:
            self.schedule_event(self._on_taliban_govern, at=TALIBAN_GOVERN + 0.5)
        self.interventions = sorted(interventions, key=lambda x: x.month)
        for month in sorted({item.month for item in self.interventions}):
            if month < self.n_months:
                self.schedule_event(self._on_interventions, at=month + 0.5)

    # --- dated events (docs/ODD.md §7.1) --------------------------------------------------------
    def _on_ct_authority(self) -> None:
        self.ct_factor = 1.0

    def _on_caliphate_collapse(self) -> None:
        self.relocation = True

    def _on_caliphate_end(self) -> None:
        self.relocation = False

    def _on_jowzjan_pledge(self) -> None:
        """Qari Hekmat's pledge: Jowzjan's largest Taliban band goes over to an existing ISKP.

        Nothing happens if ISKP has no fighters anywhere, already holds a band in Jowzjan (the
        branch formed on its own), or the Taliban have no band there.
        """
        c = self.commanders
        here = c.location == self.jowzjan
        if not c.fighters[c.faction == ISKP].sum() or np.any(here & (c.faction == ISKP)):
            return
        rows = (here & (c.faction == TALIBAN)).nonzero()[0]
        if len(rows):
            # Events fire before their month's step: record in that month (self.steps)
            defection.pledge(self, int(rows[np.argmax(c.fighters[rows])]), self.steps)

    def _on_doha_talks(self) -> None:
        self.doha_started = True

    def _on_nangarhar_offensive(self) -> None:
        self.nangarhar_offensive = True

    def _on_nangarhar_offensive_end(self) -> None:
        self.nangarhar_offensive = False

    def _on_doha_agreement(self) -> None:
        self.ct_factor = CT_FACTOR_POST_DOHA

    def _on_withdrawal(self) -> None:
        self.withdrawal_started = True

    def _on_fall_of_kabul(self) -> None:
        """Kabul falls mid-month; the withdrawal ramp reaches zero Republic presence."""

    def _on_taliban_govern(self) -> None:
        self.governs = True
        self.ct_factor = 0.0
        self.derive()

    def _on_interventions(self) -> None:
        """Apply, in the given order, the interventions dated for the coming month.

        Mesa keeps only weak references to event callbacks, so one bound method serves all
        interventions instead of a closure per intervention.
        """
        due = int(self.time)
        for item in self.interventions:
            if item.month == due:
                self.apply(item)

    def apply(self, item: Intervention) -> None:
        """Apply a dated intervention (parameter changes, possibly for some provinces).

        Args:
            item: The intervention.
        """
        if item.provinces is None:
            self.p = self.p.replace(**item.values)
        else:
            for name, value in item.values.items():
                spec = check_name(name, "intervention")
                if not spec.spatial:
                    raise ParameterError(f"intervention: key '{name}' cannot be set per "
                                         f"province; spatial parameters: "
                                         f"{', '.join(sorted(self.spatial))}")
                spec.check(value, "intervention")
        for name, value in item.values.items():
            if name in self.spatial:
                where = slice(None) if item.provinces is None else list(item.provinces)
                self.spatial[name][where] = value
        self.derive()

    # --- commander bookkeeping ----------------------------------------------------------------
    def remove_commanders(self, leaving: np.ndarray) -> None:
        """Remove dissolved or surrendered commanders (array rows and Mesa agents).

        Args:
            leaving: Boolean mask over the commander rows.
        """
        rows = leaving.nonzero()[0].tolist()
        if not rows:
            return
        for row in rows:
            self.agent_of[row].remove()
        order = self.commanders.keep(~leaving)
        agents = self.agent_of = [self.agent_of[row] for row in order.tolist()]
        for row in range(rows[0], len(agents)):  # rows before the first leaver keep their slot
            agents[row].slot = row

    def relocate(self, slots: np.ndarray) -> None:
        """Move the Mesa agents of ``slots`` to the cells of their new array locations."""
        agents, cells = self.agent_of, self.cells
        for slot, where in zip(slots.tolist(), self.commanders.location[slots].tolist(),
                               strict=True):
            agents[slot].cell = cells[where]

    def split_large_bands(self) -> None:
        """Split bands above MAX_BAND fighters into two equal bands in the same province."""
        c = self.commanders
        if c.n == 0 or c.fighters.max() <= MAX_BAND:
            return
        big = (c.fighters > MAX_BAND).nonzero()[0]
        c.fighters[big] /= 2.0
        self.spawn_bands(big, c.fighters[big], c.location[big])

    def spawn_bands(self, parents: np.ndarray, fighters: np.ndarray,
                    location: np.ndarray) -> np.ndarray:
        """Add one band per parent row: its faction, ideology, loyalty and origin, pressure 0.

        Args:
            parents: Rows of the parent bands.
            fighters: Fighters of each new band.
            location: Province of each new band.

        Returns:
            The new bands' rows.
        """
        c = self.commanders
        new = c.add(c.faction[parents], fighters, c.ideology[parents], c.loyalty[parents],
                    location)
        c.from_taliban[new] = c.from_taliban[parents]
        self.agent_of.extend(Commander(self, slot, where) for slot, where in
                             zip(new.tolist(), c.location[new].tolist(), strict=True))
        return new

    def update_momentum(self, totals: np.ndarray) -> None:
        """Update faction momentum from this month's totals (see :mod:`submodels.policy`)."""
        policy.update_momentum(self, totals)

    # --- the monthly step ---------------------------------------------------------------------
    def step(self) -> None:
        """Advance one month through the submodels in schedule order (docs/ODD.md §3)."""
        self.month = self.steps - 1
        self.streams.restart(self.month)
        policy.step(self)
        recruitment.step(self)
        self.split_large_bands()
        defection.step(self)
        movement.step(self)
        expansion.step(self)
        combat.step(self)
        harm.step(self)
        displacement.step(self)
        control.step(self)

    def run(self) -> None:
        """Run all ``n_months`` months."""
        for _ in range(self.n_months):
            self.step()

    @property
    def iskp_total(self) -> float:
        """Current ISKP fighters nationwide."""
        return float(self.commanders.forces(self.n_prov)[:, ISKP].sum())
