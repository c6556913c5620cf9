"""Submodel 2 (§7.2): recruitment from the local population, cross-border inflow, desertion."""

from __future__ import annotations

import numpy as np

from model.state import ISKP, TALIBAN
from model.submodels.compile import kernel
from model.submodels.draws import poisson


@kernel
def faction_factors(p, sides):
    """The pay factor ``Π_f`` and the momentum factor ``M_f`` of each faction.

    ``Π_f = (max(pay_f, 0) / max(pay_f', 10⁻⁶))^pay_recruit_elasticity``;
    ``M_f = 1 + momentum_recruit_gain · max(momentum_f, 0)``.
    """
    pay_factor, momentum_factor = np.empty(2), np.empty(2)
    for f in (TALIBAN, ISKP):
        ratio = max(sides.pay[f], 0.0) / max(sides.pay[1 - f], 1e-6)
        pay_factor[f] = ratio ** p.pay_recruit_elasticity
        momentum_factor[f] = 1.0 + p.momentum_recruit_gain * max(sides.momentum[f], 0.0)
    return pay_factor, momentum_factor


@kernel
def cross_border_inflow(p, w, forces, founding_wave, relocation):
    """``X_i``: ISKP's expected inflow from Pakistan into each province.

    ``X_i = (cross_border_inflow · W_m + relocation_inflow · V_m) · iskp_external_support ·
    B_i I_i / Σ_j B_j I_j``, zero everywhere if no border province holds ISKP fighters.
    """
    n_prov = forces.shape[0]
    inflow = np.zeros(n_prov)
    total = p.cross_border_inflow * founding_wave
    if relocation:
        total += p.relocation_inflow
    total *= p.iskp_external_support
    reach = 0.0
    for i in range(n_prov):
        reach += w.border_km[i] * forces[i, ISKP]
    if total <= 0.0 or reach <= 0.0:
        return inflow
    for i in range(n_prov):
        inflow[i] = total * w.border_km[i] * forces[i, ISKP] / reach
    return inflow


@kernel
def recruit_pools(p, s, w, pv, sides, forces, inflow):
    """``pool[i, f]``: the expected recruits of faction ``f`` in province ``i`` this month.

    ``pool_iT = taliban_recruit_rate[i] · T_i · G_i · K_iT · Π_T · M_T · room_i`` and
    ``pool_iI = iskp_recruit_rate[i] · iskp_recruit_multiplier[i] · a_i · I_i · G_i · K_iI ·
    Π_I · M_I · room_i + X_i · border_permeability[i]``, with ``G_i = (1 +
    grievance_recruit_gain · g_i) · (1 + harm_recruit_gain · harm_i)``, ``harm_i = 10⁴ H_i /
    max(N_i, 1)``, the control factor
    ``K_if = 1 + control_recruit_gain · s_if`` (the faction's influence share last month),
    ``a_i = iskp_network_appeal + (1 - iskp_network_appeal) · hardline_i`` and ``room_i =
    max(1 - (T_i + I_i) / (mobilisation_ceiling · max(N_i, 1)), 0)``.
    """
    pay_factor, momentum_factor = faction_factors(p, sides)
    pools = np.zeros(forces.shape)
    for i in range(forces.shape[0]):
        residents = max(pv.resident[i], 1.0)
        harm = 1e4 * pv.last_harm[i] / residents
        attract = ((1.0 + p.grievance_recruit_gain * pv.grievance[i])
                   * (1.0 + p.harm_recruit_gain * harm))
        room = max(1.0 - (forces[i, TALIBAN] + forces[i, ISKP])
                   / (p.mobilisation_ceiling * residents), 0.0)
        appeal = p.iskp_network_appeal + (1.0 - p.iskp_network_appeal) * w.hardline[i]
        control_t = 1.0 + p.control_recruit_gain * pv.control_taliban[i]
        control_i = 1.0 + p.control_recruit_gain * pv.control_iskp[i]
        pools[i, TALIBAN] = (s.taliban_recruit_rate[i] * forces[i, TALIBAN] * attract
                             * control_t * pay_factor[TALIBAN] * momentum_factor[TALIBAN]
                             * room)
        pools[i, ISKP] = (s.iskp_recruit_rate[i] * s.iskp_recruit_multiplier[i] * appeal
                          * forces[i, ISKP] * attract * control_i * pay_factor[ISKP]
                          * momentum_factor[ISKP] * room
                          + inflow[i] * s.border_permeability[i])
    return pools


@kernel
def recruitment(p, s, w, pv, sides, c, n, forces, founding_wave, relocation, stream, o):
    """§7.2: each band recruits its share of its side's local pool and loses deserters.

    ``r_k ~ Poisson(pool[loc(k), f(k)] · n_k / F[loc(k), f(k)])`` (one draw per band, in row
    order); ``n_k ← n_k · (1 - desertion_rate) + r_k``. Records ``recruits_taliban`` and
    ``recruits_iskp`` (cross-border inflow included).

    Args:
        p: Parameters.
        s: Spatial parameters.
        w: Static province data.
        pv: Province state.
        sides: Faction state.
        c: Commanders.
        n: Number of commanders.
        forces: Fighters by province and faction at the start of the month.
        founding_wave: ISKP's founding wave ``W_m``.
        relocation: Whether IS central's relocation wave is on (``V_m``).
        stream: The recruitment stream.
        o: This month's outputs.
    """
    inflow = cross_border_inflow(p, w, forces, founding_wave, relocation)
    pools = recruit_pools(p, s, w, pv, sides, forces, inflow)
    for k in range(n):
        i, f = c.location[k], c.faction[k]
        recruits = poisson(stream, pools[i, f] * c.fighters[k] / max(forces[i, f], 1e-9))
        c.fighters[k] = c.fighters[k] * (1.0 - p.desertion_rate) + recruits
        if f == TALIBAN:
            o.recruits_taliban[i] += recruits
        else:
            o.recruits_iskp[i] += recruits
