"""The monthly step: every submodel in schedule order (docs/ODD.md §3.1), one compiled call.

:func:`month` is the only kernel the model calls each month. It names the state arrays
(:mod:`model.submodels.layout`), starts the month's random streams and runs the submodels,
each of which is one kernel in its own module. Fighters by province are recounted from the
bands wherever a submodel needs them.
"""

from __future__ import annotations

import numpy as np

from model.state import ABROAD
from model.streams import STREAMS
from model.submodels import (
    bands,
    combat,
    control,
    defection,
    displacement,
    expansion,
    external,
    governance,
    harm,
    movement,
    policy,
    recruitment,
    refugees,
    republic,
    security,
)
from model.submodels.compile import kernel
from model.submodels.draws import start
from model.submodels.layout import (
    calendar_of,
    commanders_of,
    outputs_at,
    params_of,
    provinces_of,
    regime_of,
    sides_of,
    spatial_of,
    world_of,
)

RECRUITMENT, DEFECTION, MOVEMENT, EXPANSION, COMBAT, ATTACKS, HARM, EXTERNAL = (
    STREAMS.index(name) for name in ("recruitment", "defection", "movement", "expansion",
                                     "combat", "attacks", "harm", "external"))


@kernel
def month(m, n, key, par, spatial, regime, cal, world, neighbours, nangarhar, side_state,
          floats, ints, provinces, out):
    """Simulate month ``m`` and record its outputs.

    Policy, recruitment and band splitting, defection, movement and ISKP cells, combat (with
    the state's raids), civilian harm and ISKP's attacks abroad, displacement and refugees,
    control, security, the state's capacity and the Republic's army, in this order.

    Args:
        m: The month index (from 2015-01).
        n: The number of living commanders.
        key: The replicate's stream key (``uint64[2]``).
        par: Parameter values in :data:`~model.submodels.layout.PARAMETER_FIELDS` order.
        spatial: Spatial parameter values, one row per spatial parameter.
        regime: The dated regime's values.
        cal: The calendar table.
        world: Static province data.
        neighbours: Padded neighbour table (``-1`` after the last neighbour).
        nangarhar: Nangarhar's province index.
        side_state: Faction state.
        floats: Commander float fields.
        ints: Commander integer fields.
        provinces: Province state.
        out: The output block, ``(outputs, months, provinces)``.

    Returns:
        The number of living commanders at the end of the month.
    """
    p, s, r, w = params_of(par), spatial_of(spatial), regime_of(regime), world_of(world)
    sides, c = sides_of(side_state), commanders_of(floats, ints)
    pv, o, n_prov = provinces_of(provinces), outputs_at(out, m), len(neighbours)
    streams = np.empty((len(STREAMS), 4), np.uint64)
    for stream in range(1, len(STREAMS)):  # stream 0 is the initial placement's
        start(streams[stream], key, stream, m)
    calendar = calendar_of(cal)
    wave = policy.policy(m, p, r, calendar, w, pv, sides, o)
    forces = bands.fighters_by_province(c, n, n_prov)
    recruitment.recruitment(p, s, w, pv, sides, c, n, forces, wave, r.relocation,
                            streams[RECRUITMENT], o)
    n = bands.split_large_bands(c, n)
    forces = bands.fighters_by_province(c, n, n_prov)
    n = defection.defection(p, r, neighbours, pv, sides, c, n, forces, wave,
                            streams[DEFECTION], o)
    forces = bands.fighters_by_province(c, n, n_prov)
    movement.movement(p, s, r, w, neighbours, pv, c, n, forces, streams[MOVEMENT], o)
    forces = bands.fighters_by_province(c, n, n_prov)
    n = expansion.expansion(p, s, r, w, neighbours, pv, c, n, forces, streams[EXPANSION], o)
    forces = bands.fighters_by_province(c, n, n_prov)
    n = combat.combat(p, s, r, w, pv, sides, c, n, forces, nangarhar, streams[COMBAT], o)
    forces = bands.fighters_by_province(c, n, n_prov)
    covert = governance.covert_share(p, sides)
    attacks = harm.harm(p, s, r, m, neighbours, pv, forces, covert, streams[ATTACKS],
                        streams[HARM], o)
    external.external_attacks(p, w, m, forces, streams[EXTERNAL], o)
    displacement.displacement(p, r, w, pv, provinces[ABROAD], o)
    control.control(p, r, pv, forces, covert)
    security.security(p, pv, o)
    governance.state_capacity(p, r, sides, attacks, o)
    republic.republic(p, r, calendar, w, pv, m, o)
    control.record_month_end(c, n, pv, forces, o)
    policy.update_momentum(p, sides, forces)
    return n


@kernel
def jowzjan_pledge(m, n, par, floats, ints, out, province):
    """The dated pledge of :func:`~model.submodels.defection.pledge`, on the model's arrays."""
    return defection.pledge(params_of(par), commanders_of(floats, ints), n, province,
                            outputs_at(out, m))


@kernel
def initial_state(par, cal, world, floats, ints, n, provinces):
    """§5: the initial Republic's force, influence, security and refugees abroad, on the arrays.

    The Republic's force at 2015-01, the influence shares and security it gives, and each
    host's refugees spread over their home provinces.
    """
    p, pv = params_of(par), provinces_of(provinces)
    republic.effective_force(p, calendar_of(cal), pv, 0)
    forces = bands.fighters_by_province(commanders_of(floats, ints), n, len(pv.resident))
    control.initial_control(p, pv, forces)
    security.initial_security(pv)
    refugees.initial_refugees(p, world_of(world), pv, provinces[ABROAD])


@kernel
def iskp_decapitation(par, floats, ints, n, province):
    """The dated decapitation of :func:`~model.submodels.defection.decapitate`, on the arrays."""
    defection.decapitate(params_of(par), commanders_of(floats, ints), n, province)


@kernel
def tally(n, floats, ints, n_prov):
    """Fighters by province and faction, on the model's arrays (for inspection)."""
    return bands.fighters_by_province(commanders_of(floats, ints), n, n_prov)
