"""Submodel 2: recruitment from the local population, cross-border inflow and desertion."""

from __future__ import annotations

import numpy as np

from model.state import ISKP, ONE, PER_10K, TALIBAN, ZERO

_TINY = np.array(1e-9)


def recruit_pools(model, forces: np.ndarray) -> np.ndarray:
    """Expected recruits per province and faction this month, shape ``(n, 2)``.

    ``pool[i, f] = rate_f[i] * F_if * (1 + a_g g_i) * (1 + a_h h_i)
    * (pay_f / pay_other)^e * (1 + a_m max(momentum_f, 0)) * room_i``: bands recruit through
    their own networks (so a faction recruits only where it has fighters), ``h_i`` is last
    month's casualties per 10k residents, ``rate_f[i]`` includes the scenario multiplier
    ``iskp_recruit_multiplier`` for ISKP, and
    ``room_i = clip(1 - (T_i + I_i) / (ceiling * resident_i), 0, 1)`` caps mobilisation, so
    growth is logistic within each province. Both factions are computed together on
    ``(n, 2)`` arrays, one factor at a time in the order above.

    Args:
        model: The running model.
        forces: Fighters per province and faction.
    """
    pa, ps = model.pa, model.pstate
    resident = ps.resident
    floor = np.maximum(resident, ONE)
    harm = ps.last_harm / floor
    harm *= PER_10K
    harm *= pa.harm_recruit_gain
    harm += ONE
    attract = pa.grievance_recruit_gain * ps.grievance
    attract += ONE
    attract *= harm
    pools = model.recruit_rates * forces
    pools *= attract[:, None]
    pay, momentum = faction_factors(model)
    pools *= pay
    pools *= momentum
    room = forces[:, TALIBAN] + forces[:, ISKP]
    room /= pa.mobilisation_ceiling * floor
    np.subtract(ONE, room, out=room)  # <= 1 as forces >= 0, so only the floor of 0 binds
    pools *= np.maximum(room, ZERO, out=room)[:, None]
    return pools


def faction_factors(model) -> tuple[np.ndarray, np.ndarray]:
    """Pay factor ``(pay_f / pay_other)^e`` and momentum factor ``1 + a_m max(m_f, 0)``.

    Two factions: plain Python floats (same IEEE results as numpy scalars).

    Returns:
        Two arrays of shape ``(2,)``, indexed by faction.
    """
    par = model.par
    pay, momentum = model.pay.tolist(), model.momentum.tolist()
    elasticity, gain = par.pay_recruit_elasticity, par.momentum_recruit_gain
    pay_factor = [(max(pay[f], 0.0) / max(pay[1 - f], 1e-6)) ** elasticity for f in (0, 1)]
    momentum_factor = [1.0 + gain * max(m, 0.0) for m in momentum]
    return np.array(pay_factor), np.array(momentum_factor)


def cross_border(model, iskp: np.ndarray) -> np.ndarray | None:
    """Expected ISKP inflow from Pakistan per province (border provinces with ISKP fighters).

    ``inflow_i = (c * 0.5^(month / half_life) + relocation_inflow [relocation wave]) * support
    * border_km_i I_i / sum(border_km I)``: newcomers join the networks that already hold
    fighters, where the border is long. None when there is no inflow.

    Args:
        model: The running model.
        iskp: ISKP fighters per province.
    """
    par = model.par
    inflow = par.cross_border_inflow * model.founding_wave
    if model.relocation:
        inflow += par.relocation_inflow
    inflow *= par.iskp_external_support
    if inflow <= 0:
        return None
    border = model.provinces.pakistan_border_km * iskp
    total = border.sum()
    if total <= 0:
        return None
    border *= np.array(inflow)
    border /= total
    return border


def step(model) -> None:
    """Add Poisson recruits to each band in proportion to its share of its side's local force.

    ``recruits_k ~ Poisson(pool[i, f] * fighters_k / F[i, f])`` for band ``k`` of faction
    ``f`` in province ``i`` (ISKP pools include the cross-border inflow); then every band
    loses ``desertion_rate`` of its fighters and gains its recruits.

    Args:
        model: The running :class:`~model.model.KhorasanModel`.
    """
    c, n = model.commanders, model.n_prov
    forces = c.forces(n)
    key = c.key
    share = c.fighters / np.maximum(forces, _TINY).take(key)
    pools = recruit_pools(model, forces)
    inflow = cross_border(model, forces[:, ISKP])
    if inflow is not None:
        pools[:, ISKP] += inflow
    expected = pools.take(key)
    expected *= share
    recruits = model.streams.recruitment.poisson(expected)
    c.fighters *= model.retention
    c.fighters += recruits
    c.changed(key=False)
    by_prov = np.bincount(key, recruits, minlength=2 * n)
    model.out_groups["recruits"][:, model.month] = by_prov.reshape(-1, 2).T
