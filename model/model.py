"""The Khorasan model: a Mesa model of Taliban and ISKP commanders on the province network."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace

import mesa
import networkx as nx
import numpy as np
from mesa.agentset import AgentSet
from mesa.discrete_space import Network

from model import initialize
from model.agents import Commander, Province
from model.calendar import DATED_EVENTS, TALIBAN_GOVERN, calendar_table
from model.data import ProvinceData, load_provinces
from model.errors import ParameterError
from model.outputs import OUTPUTS
from model.parameters import Parameters, check_name
from model.state import (
    ISKP,
    REGIME_FIELDS,
    SIDE_FIELDS,
    WORLD_FIELDS,
    CommanderTable,
    ProvinceState,
)
from model.streams import Streams, seed_sequence
from model.submodels import layout
from model.submodels import month as kernels
from model.submodels.compile import entry
from model.submodels.layout import PARAMETER_FIELDS, SPATIAL_FIELDS

CT_FACTOR_2015 = 0.25  # strikes on ISKP before the US authority of 2016-01 (ODD §7.1)
CT_FACTOR_POST_DOHA = 0.5  # strikes on ISKP after the Doha agreement (ODD §7.1)
_REGIME = {name: k for k, name in enumerate(REGIME_FIELDS)}
_month, _pledge, _decapitate, _initial_state, _tally = (
    entry(kernel) for kernel in (kernels.month, kernels.jowzjan_pledge,
                                 kernels.iskp_decapitation, kernels.initial_state,
                                 kernels.tally))


@dataclass(frozen=True)
class Intervention:
    """A dated change of parameter values.

    Attributes:
        month: Month index from which the values hold.
        values: Parameter name -> new value.
        provinces: Province indices the change applies to (spatial parameters only), or
            None for all provinces.
        scale: Parameter name -> factor that multiplies the value in force (each replicate's
            own posterior draw, or an earlier intervention's value).
    """

    month: int
    values: dict[str, float]
    provinces: tuple[int, ...] | None = field(default=None)
    scale: dict[str, float] = field(default_factory=dict)


def _per_data(build):
    """Cache ``build(provinces)`` per ProvinceData object (by identity; arrays do not hash)."""
    cache: dict[int, tuple[ProvinceData, np.ndarray]] = {}

    @functools.wraps(build)
    def cached(provinces: ProvinceData) -> np.ndarray:
        hit = cache.get(id(provinces))
        if hit is None or hit[0] is not provinces:
            if len(cache) >= 8:
                cache.clear()
            hit = cache[id(provinces)] = (provinces, build(provinces))
        return hit[1]

    return cached


@_per_data
def world_table(provinces: ProvinceData) -> np.ndarray:
    """Static province data for the month step, one row per :data:`~model.state.WORLD_FIELDS`.

    Population weight ``w_i``, Pakistan border ``B_i`` (km), ``hardline_i``, the haven score
    ``hardline_i + [B_i > 0]``, the refuge weight ``hardline_i · [B_i > 0]`` and whether the
    province borders each refugee host (Pakistan, Iran, Central Asia); read-only.
    """
    border = provinces.pakistan_border_km > 0
    rows = {"population_weight": provinces.population / provinces.population.sum(),
            "border_km": provinces.pakistan_border_km, "hardline": provinces.hardline,
            "haven": provinces.hardline + border, "refuge_weight": provinces.hardline * border,
            "borders_pakistan": border, "borders_iran": provinces.borders_iran,
            "borders_central_asia": provinces.borders_central_asia}
    table = np.array([rows[name] for name in WORLD_FIELDS], dtype=float)
    table.flags.writeable = False
    return table


@_per_data
def neighbour_table(provinces: ProvinceData) -> np.ndarray:
    """The padded neighbour table (``-1`` after the last neighbour), as int64, read-only."""
    table = np.ascontiguousarray(provinces.neighbours, dtype=np.int64)
    table.flags.writeable = False
    return table


class KhorasanModel(mesa.Model):
    """Taliban and ISKP commanders on Afghanistan's 34-province adjacency network.

    One step is one calendar month from 2015-01, simulated by one call of the compiled month
    step (:func:`model.submodels.month.month`) on the model's arrays. Dated events and
    interventions are Mesa events scheduled half a month before the step they affect.

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
        self.provinces = provinces or load_provinces()
        self.n_prov = len(self.provinces.names)
        self.n_months = n_months
        self.month = 0
        self.nangarhar = self.provinces.index("Nangarhar")
        self.jowzjan = self.provinces.index("Jowzjan")
        self.world = world_table(self.provinces)
        self.neighbours = neighbour_table(self.provinces)
        self.calendar = calendar_table(n_months)
        self.regime = np.zeros(len(REGIME_FIELDS))
        self.regime[_REGIME["ct_factor"]] = CT_FACTOR_2015
        self.sides = np.zeros((len(SIDE_FIELDS), 2))
        self.sides[SIDE_FIELDS.index("pay")] = 1.0
        self.output_block = np.zeros((len(OUTPUTS), n_months, self.n_prov))
        self.out = dict(zip(OUTPUTS, self.output_block, strict=True))
        self.spatial_values = np.array([np.full(self.n_prov, float(params[name]))
                                        for name in SPATIAL_FIELDS])
        self.spatial = dict(zip(SPATIAL_FIELDS, self.spatial_values, strict=True))
        self.p = params
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
        self.par = np.array([float(params[name]) for name in PARAMETER_FIELDS])

    # --- set-up -------------------------------------------------------------------------------
    def _init_space(self) -> None:
        graph = nx.Graph()
        graph.add_nodes_from(range(self.n_prov))
        graph.add_edges_from(self.provinces.edges)
        layout = {i: (self.provinces.lon[i], self.provinces.lat[i]) for i in range(self.n_prov)}
        self.space = Network(graph, random=self.random, layout=layout)
        self.cells = [self.space[i] for i in range(self.n_prov)]
        self.province_agents = [Province(self, i, self.cells[i]) for i in range(self.n_prov)]
        self._commander_views: list[Commander] = []

    def _init_agents(self) -> None:
        self.commanders = CommanderTable()
        self.pstate = ProvinceState(self.provinces.population, self.p.grievance_base)
        draws = self.streams.init
        initialize.place_taliban(draws, self.p, self.provinces, self.commanders)
        initialize.place_iskp(draws, self.p, self.provinces, self.commanders)
        self.pstate.andsf[:] = self.p.andsf_initial_strength * self.world[
            WORLD_FIELDS.index("population_weight")]
        c = self.commanders
        _initial_state(self.par, self.calendar, self.world, c.floats, c.ints, c.n,
                       self.pstate.values)
        self.sides[SIDE_FIELDS.index("previous_total")] = self.forces.sum(axis=0)

    def _schedule(self, interventions: Sequence[Intervention]) -> None:
        for event in DATED_EVENTS:
            if event.month < self.n_months:
                handler = getattr(self, f"_on_{event.name}")
                self.schedule_event(handler, at=event.month + 0.5)
        if self.n_months > TALIBAN_GOVERN:
            self.schedule_event(self._on_taliban_govern, at=TALIBAN_GOVERN + 0.5)
        self.interventions = sorted(interventions, key=lambda x: x.month)
        for due in sorted({item.month for item in self.interventions}):
            if due < self.n_months:
                self.schedule_event(self._on_interventions, at=due + 0.5)

    # --- dated events (docs/ODD.md §3.2, §7.1) ------------------------------------------------
    def _set(self, **values: float) -> None:
        for name, value in values.items():
            self.regime[_REGIME[name]] = value

    def _on_ct_authority(self) -> None:
        self._set(ct_factor=1.0)

    def _on_caliphate_collapse(self) -> None:
        self._set(relocation=1.0)

    def _on_caliphate_end(self) -> None:
        self._set(relocation=0.0)

    def _on_iskp_leader_killed(self) -> None:
        self._decapitate(-1)

    def _on_qari_hekmat_killed(self) -> None:
        self._decapitate(self.jowzjan)

    def _on_iskp_leader_arrested(self) -> None:
        self._decapitate(-1)

    def _decapitate(self, province: int) -> None:
        """ISKP's commanders (in ``province``, or everywhere if it is -1) lose loyalty."""
        c = self.commanders
        _decapitate(self.par, c.floats, c.ints, c.n, province)

    def _on_jowzjan_pledge(self) -> None:
        """Qari Hekmat's pledge: Jowzjan's largest Taliban band goes over to an existing ISKP.

        Events fire before their month's step, so it is recorded in that month (``steps``).
        """
        c = self.commanders
        _pledge(self.steps, c.n, self.par, c.floats, c.ints, self.output_block, self.jowzjan)

    def _on_pakistan_return_drive(self) -> None:
        self._set(return_drive=1.0)

    def _on_pakistan_return_drive_end(self) -> None:
        self._set(return_drive=0.0)

    def _on_doha_talks(self) -> None:
        self._set(doha_talks=1.0)

    def _on_nangarhar_offensive(self) -> None:
        self._set(nangarhar_offensive=1.0)

    def _on_nangarhar_offensive_end(self) -> None:
        self._set(nangarhar_offensive=0.0)

    def _on_doha_agreement(self) -> None:
        self._set(ct_factor=CT_FACTOR_POST_DOHA)

    def _on_withdrawal(self) -> None:
        self._set(withdrawal=1.0)

    def _on_fall_of_kabul(self) -> None:
        """Kabul falls mid-month; the Republic is gone from the next month."""

    def _on_taliban_govern(self) -> None:
        self._set(governs=1.0, ct_factor=0.0)
        self.pstate.andsf[:] = 0.0  # the Republic is gone

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

        ``set`` values replace the value in force; ``scale`` factors multiply it.

        Args:
            item: The intervention.

        Raises:
            ParameterError: If a value is invalid, or a parameter that cannot be set per
                province is given with provinces.
        """
        names = [*item.values, *item.scale]
        if item.provinces is None:
            scaled = {n: self._scaled(n, self.p[n], f) for n, f in item.scale.items()}
            self.p = self.p.replace(**item.values, **scaled)
        else:
            for name in names:
                spec = check_name(name, "intervention")
                if not spec.spatial:
                    raise ParameterError(f"intervention: key '{name}' cannot be set per "
                                         f"province; spatial parameters: "
                                         f"{', '.join(sorted(self.spatial))}")
            for name, value in item.values.items():
                check_name(name).check(value, "intervention")
        where = slice(None) if item.provinces is None else list(item.provinces)
        for name, value in item.values.items():
            if name in self.spatial:
                self.spatial[name][where] = value
        for name, factor in item.scale.items():
            if name in self.spatial:
                values = self.spatial[name]
                values[where] = [self._scaled(name, v, factor) for v in values[where]]

    @staticmethod
    def _scaled(name: str, value: float, factor: float) -> float:
        """``value · factor``, checked against the parameter's bounds (rounded for ints)."""
        spec = check_name(name, "intervention")
        scaled = value * factor
        return spec.check(round(scaled) if spec.kind == "int" else scaled, "intervention scale")

    # --- the monthly step ---------------------------------------------------------------------
    def step(self) -> None:
        """Advance one month: one call of the compiled month step (docs/ODD.md §3.1)."""
        self.month = self.steps - 1
        for agent in self._commander_views:
            agent.remove()
        self._commander_views = []
        c = self.commanders
        c.n = _month(self.month, c.n, self.streams.key, self.par, self.spatial_values,
                     self.regime, self.calendar, self.world, self.neighbours, self.nangarhar,
                     self.sides, c.floats, c.ints, self.pstate.values, self.output_block)

    def run(self) -> None:
        """Run all ``n_months`` months (from wherever the model stands: the rest of them)."""
        self.run_for(self.n_months - self.steps)

    # --- inspection ---------------------------------------------------------------------------
    @property
    def forces(self) -> np.ndarray:
        """Fighters by province and faction now, shape ``(n_prov, 2)``."""
        c = self.commanders
        return _tally(c.n, c.floats, c.ints, self.n_prov)

    @property
    def iskp_total(self) -> float:
        """Current ISKP fighters nationwide."""
        return float(self.forces[:, ISKP].sum())

    def views(self) -> SimpleNamespace:
        """The kernels' named views of the state now, for inspecting or testing a kernel.

        Returns:
            ``p`` (parameters), ``s`` (spatial parameters), ``r`` (regime), ``w`` (static
            province data), ``pv`` (province state), ``sides`` (faction state), ``c``
            (commanders; the first ``commanders.n`` rows are alive) and ``o`` (this month's
            outputs): the named tuples of :mod:`model.submodels.layout`, on the model's arrays.
        """
        c = self.commanders
        return SimpleNamespace(
            p=layout.Params(*self.par), s=layout.Spatial(*self.spatial_values),
            r=layout.Regime(*self.regime), w=layout.World(*self.world),
            pv=layout.Provinces(*self.pstate.values), sides=layout.Sides(*self.sides),
            c=layout.Commanders(*c.floats, *c.ints),
            o=layout.Outputs(*self.output_block[:, self.month]))

    def commander_agents(self) -> AgentSet:
        """The living commanders as Mesa agents, built now and removed at the next step.

        Returns:
            An AgentSet of :class:`~model.agents.Commander` views, one per living commander;
            they also appear in ``agents_by_type[Commander]`` until the next step.
        """
        if not self._commander_views:
            self._commander_views = [Commander(self, slot)
                                     for slot in range(self.commanders.n)]
        return AgentSet(self._commander_views, random=self.random)


def load_kernels() -> None:
    """Compile the model's kernels, or load them from the disk cache, in this process.

    Call it before starting worker processes: the workers then find the kernels in the cache
    (or, forked, in memory) instead of each compiling them at once after a change.
    """
    model = KhorasanModel(Parameters(), 1, 0)  # the initial-state and tally kernels
    model.step()  # the month step
    model._on_jowzjan_pledge()  # the dated events' kernels
    model._on_iskp_leader_killed()
