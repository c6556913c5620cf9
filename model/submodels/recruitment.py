"""Submodel 2: recruitment from the local population, cross-border inflow and desertion."""

from __future__ import annotations

import numpy as np

from model.state import ISKP, TALIBAN


def recruit_pools(model, forces: np.ndarray) -> np.ndarray:
    """Expected recruits per province and faction this month, shape ``(n, 2)``.

    ``pool[i, f] = rate_f[i] * resident_i / 1e5 * influence_if * (1 + a_g g_i)
    * (1 + a_h h_i) * (pay_f / pay_other)^e * (1 + a_m max(momentum_f, 0)) * room_i``,
    where ``room_i = clip(1 - (T_i + I_i) / (ceiling * resident_i), 0, 1)``.

    Args:
        model: The running model.
        forces: Fighters per province and faction.
    """
    p, ps = model.p, model.pstate
    harm_rate = ps.last_harm / np.maximum(ps.resident, 1.0) * 1e4
    attract = 1.0 + p.grievance_recruit_gain * ps.grievance
    attract *= 1.0 + p.harm_recruit_gain * harm_rate
    pools = np.zeros_like(forces)
    rates = (model.spatial["taliban_recruit_rate"], model.spatial["iskp_recruit_rate"])
    for f in (TALIBAN, ISKP):
        influence = ps.control[:, f + 1]
        if f == ISKP:
            influence = np.maximum(influence, p.iskp_presence_reach)
        other_pay = max(model.pay[1 - f], 1e-6)
        pay = (max(model.pay[f], 0.0) / other_pay) ** p.pay_recruit_elasticity
        momentum = 1.0 + p.momentum_recruit_gain * max(model.momentum[f], 0.0)
        present = forces[:, f] > 0
        pools[:, f] = rates[f] * ps.resident / 1e5 * influence * attract * pay * momentum * present
    room = 1.0 - forces.sum(axis=1) / (p.mobilisation_ceiling * np.maximum(ps.resident, 1.0))
    return pools * np.clip(room, 0.0, 1.0)[:, None]


def cross_border(model, forces: np.ndarray) -> np.ndarray:
    """Expected ISKP inflow from Pakistan per province (border provinces with ISKP bands)."""
    p = model.p
    inflow = p.cross_border_inflow * p.iskp_external_support
    inflow *= 0.5 ** (model.month / p.cross_border_half_life)
    border = model.provinces.pakistan_border_km * (forces[:, ISKP] > 0)
    if inflow <= 0 or border.sum() <= 0:
        return np.zeros(len(border))
    return inflow * border / border.sum()


def step(model) -> None:
    """Add Poisson recruits to each band in proportion to its share of its side's local force.

    Args:
        model: The running :class:`~model.model.KhorasanModel`.
    """
    c, n = model.commanders, model.n_prov
    forces = c.forces(n)
    loc, fac = c.location, c.faction
    share = c.fighters / np.maximum(forces[loc, fac], 1e-9)
    pools = recruit_pools(model, forces)
    pools[:, ISKP] += cross_border(model, forces)
    recruits = model.rng.poisson(pools[loc, fac] * share)
    c.fighters *= 1.0 - model.p.desertion_rate
    c.fighters += recruits
    key = loc * 2 + fac
    by_prov = np.bincount(key, recruits, minlength=2 * n).reshape(-1, 2)
    model.out["recruits_taliban"][model.month] = by_prov[:, TALIBAN]
    model.out["recruits_iskp"][model.month] = by_prov[:, ISKP]
