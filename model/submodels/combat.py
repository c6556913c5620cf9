"""Submodel 5 (§7.6): Taliban-ISKP clashes, Republic operations, counter-terrorism strikes."""

from __future__ import annotations

import math

import numpy as np

from model.state import ISKP, MIN_BAND, TALIBAN
from model.submodels.bands import remove_bands
from model.submodels.compile import kernel
from model.submodels.draws import poisson
from model.submodels.governance import raid_losses

PRESSURE_MEMORY = 0.6  # weight of last month's pressure (documented in docs/ODD.md)


@kernel
def exposed_iskp(p, iskp, refuge_weight):
    """``X_i = max(I_i - ν_i, 0)``, ``ν_i = refuge_capacity · hardline_i · [borders Pakistan]``.

    The combat step passes ``refuge_weight`` times ``border_permeability[i]``.
    """
    return max(iskp - p.refuge_capacity * refuge_weight, 0.0)


@kernel
def clash_rate(p, rate, hostility, taliban, exposed):
    """Expected clashes: ``clash_rate[i] · η_i · sqrt(T_i X_i) / 100 · (X_i / 100)^ψ``.

    ``η_i`` (``hostility``) is ``taliban_crackdown[i]`` once the Taliban govern, 1 before;
    ``ψ = clash_threat_elasticity`` (its factor is skipped at 0).
    """
    expected = rate * hostility * math.sqrt(taliban * exposed) / 100.0
    if p.clash_threat_elasticity != 0.0:
        expected *= (exposed / 100.0) ** p.clash_threat_elasticity
    return expected


@kernel
def clash_losses(p, clashes, taliban, exposed):
    """Fighters lost in clashes, split by the enemy's exposed effective force.

    ``L = clashes · clash_casualties`` (Lanchester aimed fire).

    Returns:
        ``(L e X / (T + e X), min(L T / (T + e X), X))``: the Taliban's and ISKP's losses.
    """
    lost = clashes * p.clash_casualties
    iskp = p.iskp_combat_effectiveness * exposed
    total = max(taliban + iskp, 1e-9)
    return lost * iskp / total, min(lost * taliban / total, exposed)


@kernel
def strike_rates(p, s, r, forces):
    """Expected CT strikes by province: ``rate_i = rate · I_i · I / (I² + h²)``.

    ``rate = ct_strikes_per_month · ct_factor`` before the Taliban govern and
    ``over_the_horizon_strikes[i]`` once they do; ``I = Σ_j I_j``, ``h =
    ct_target_half_saturation`` (a Holling type III response). Zero without ISKP fighters.
    """
    n_prov = forces.shape[0]
    rates = np.zeros(n_prov)
    total = 0.0
    for i in range(n_prov):
        total += forces[i, ISKP]
    if total <= 0.0:
        return rates
    response = total / (total * total + p.ct_target_half_saturation ** 2)
    for i in range(n_prov):
        rate = s.over_the_horizon_strikes[i] if r.governs else p.ct_strikes_per_month * r.ct_factor
        rates[i] = rate * forces[i, ISKP] * response
    return rates


@kernel
def republic_losses(p, intensity, republic, soldiers, taliban, iskp):
    """The Taliban–Republic war and the Republic's operations against ISKP in a province.

    Returns:
        The Taliban's losses ``taliban_war_loss_rate · ι · T R / (R + T)``, ISKP's
        ``republic_iskp_loss_rate · I R / (R + e I)``, the soldiers the ANDSF loses,
        ``andsf_war_loss_rate · ι · T · A / (R + T)`` (the same Lanchester term per soldier:
        without air support each soldier carries more of the fighting), and the war
        contact ``ι · sqrt(T R)``.
    """
    facing = max(republic + taliban, 1e-9)
    return (p.taliban_war_loss_rate * intensity * taliban * republic / facing,
            p.republic_iskp_loss_rate * iskp * republic
            / max(republic + p.iskp_combat_effectiveness * iskp, 1e-9),
            min(p.andsf_war_loss_rate * intensity * taliban * soldiers / facing, soldiers),
            intensity * math.sqrt(taliban * republic))


@kernel
def apply_losses(c, n, forces, losses):
    """Spread province losses over bands by size; update pressure; dissolve tiny bands.

    ``q_k = min(loss[loc(k), f(k)] / F[loc(k), f(k)], 1)``; ``n_k ← n_k (1 - q_k)``;
    ``π_k ← PRESSURE_MEMORY · π_k + (1 - PRESSURE_MEMORY) · q_k``; bands under ``MIN_BAND``
    fighters dissolve.

    Returns:
        The number of bands left.
    """
    small = np.zeros(n, np.bool_)
    for k in range(n):
        i, f = c.location[k], c.faction[k]
        lost = min(losses[i, f] / max(forces[i, f], 1e-9), 1.0)
        c.fighters[k] *= 1.0 - lost
        c.pressure[k] = PRESSURE_MEMORY * c.pressure[k] + (1.0 - PRESSURE_MEMORY) * lost
        small[k] = c.fighters[k] < MIN_BAND
    return remove_bands(c, n, small)


@kernel
def combat(p, s, r, w, pv, sides, c, n, forces, nangarhar, stream, o):
    """§7.6: clashes, Republic operations, strikes and the state's raids; losses applied.

    ``C_i ~ Poisson(clash rate on the exposed ISKP X_i)`` for every province, then ``S_i ~
    Poisson(strike rate)`` for every province. A clash costs ``clash_casualties`` fighters,
    split by the enemy's exposed effective force: the Taliban take ``e X_i / (T_i + e X_i)``
    of them, ISKP ``T_i / (T_i + e X_i)`` (at most ``X_i``). Strikes kill ``K_i =
    min(Poisson(ct_kills_per_strike · S_i), I_i)``. Province losses are capped at the force
    present; the ANDSF's dead leave its soldiers (:func:`republic_losses`). Once the Taliban
    govern, their state's raids take ``D_i`` of the exposed ISKP
    (:func:`~model.submodels.governance.raid_losses`). Records ``clashes``, ``ct_strikes``,
    ``taliban_losses``, ``iskp_losses``, ``iskp_detained``, ``andsf_killed``; sets
    ``contact``.

    Returns:
        The number of bands left.
    """
    n_prov = forces.shape[0]
    exposed = np.empty(n_prov)
    for i in range(n_prov):
        exposed[i] = exposed_iskp(p, forces[i, ISKP],
                                  w.refuge_weight[i] * s.border_permeability[i])
        hostility = s.taliban_crackdown[i] if r.governs else 1.0
        rate = clash_rate(p, s.clash_rate[i], hostility, forces[i, TALIBAN], exposed[i])
        o.clashes[i] = poisson(stream, rate)
    rates = strike_rates(p, s, r, forces)
    for i in range(n_prov):
        o.ct_strikes[i] = poisson(stream, rates[i])
    intensity = p.offensive_2021_intensity if r.withdrawal else 1.0
    losses = np.zeros(forces.shape)
    for i in range(n_prov):
        taliban, iskp = forces[i, TALIBAN], forces[i, ISKP]
        if o.clashes[i] > 0.0:
            losses[i, TALIBAN], losses[i, ISKP] = clash_losses(p, o.clashes[i], taliban,
                                                               exposed[i])
        on_taliban, on_iskp, killed, pv.contact[i] = republic_losses(
            p, intensity, pv.republic[i], pv.andsf[i], taliban, iskp)
        losses[i, TALIBAN] += on_taliban
        losses[i, ISKP] += on_iskp
        o.andsf_killed[i] = killed
        pv.andsf[i] -= killed
        if r.nangarhar_offensive and i == nangarhar:
            losses[i, ISKP] += p.nangarhar_offensive_2019 * iskp
        if o.ct_strikes[i] > 0.0:
            struck = poisson(stream, p.ct_kills_per_strike * o.ct_strikes[i])
            losses[i, ISKP] += min(struck, iskp)
        raided = min(raid_losses(p, sides, pv, exposed[i], i),
                     max(iskp - losses[i, ISKP], 0.0))
        o.iskp_detained[i] = raided
        losses[i, ISKP] += raided
        losses[i, TALIBAN] = min(losses[i, TALIBAN], taliban)
        losses[i, ISKP] = min(losses[i, ISKP], iskp)
        o.taliban_losses[i] = losses[i, TALIBAN]
        o.iskp_losses[i] = losses[i, ISKP]
    return apply_losses(c, n, forces, losses)
