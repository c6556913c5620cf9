"""Submodel 6 (§7.7): civilian harm by cause, ISKP mass-casualty attacks and grievance."""

from __future__ import annotations

import math

import numpy as np

from model.state import ISKP
from model.submodels.compile import kernel
from model.submodels.draws import binomial, categorical, poisson, uniform

ATTACK_SIZE_CAP = 2000  # casualties: physical ceiling of one attack (documented in ODD)
CAUSES = ("war", "clash", "airstrike", "iskp_attack")


@kernel
def attack_size(p, stream):
    """Casualties of one attack: ``clip(ceil(scale · ((1 - u)^(-1 / tail) - 1)), 1, CAP)``.

    A Lomax (Pareto II) draw by inversion, ``scale = attack_size_scale``, ``tail =
    attack_size_tail``: heavy-tailed, so the Kabul-airport size is a rare draw, not an outlier.
    """
    u = uniform(stream)
    size = p.attack_size_scale * ((1.0 - u) ** (-1.0 / p.attack_size_tail) - 1.0)
    return min(max(math.ceil(size), 1.0), ATTACK_SIZE_CAP)


@kernel
def attack_rate(p, r, m, iskp_total):
    """The expected number of ISKP attacks nationwide, ``μ_att``.

    ``iskp_attack_rate · (I / 1000)^α · (1 - exp(-(m + 1) / iskp_maturity_months)) · (1 +
    relocation_attack_gain · V_m)``; zero when ISKP has no fighters.
    """
    if iskp_total <= 0.0:
        return 0.0
    rate = p.iskp_attack_rate * (1.0 - math.exp(-(m + 1) / p.iskp_maturity_months))
    if r.relocation:
        rate *= 1.0 + p.relocation_attack_gain
    return rate * (iskp_total / 1000.0) ** p.iskp_attack_elasticity


@kernel
def attack_weights(neighbours, pv, forces):
    """``ω_i = (N_i / 10⁶)^1.5 · (1 + [ISKP fighters in i or an adjacent province])``."""
    n_prov = forces.shape[0]
    weights = np.empty(n_prov)
    for i in range(n_prov):
        near = forces[i, ISKP] > 0.0
        for j in neighbours[i]:
            near = near or (j >= 0 and forces[j, ISKP] > 0.0)
        weights[i] = (pv.resident[i] / 1e6) ** 1.5 * (2.0 if near else 1.0)
    return weights


@kernel
def iskp_attacks(p, s, r, m, neighbours, pv, forces, stream, o):
    """ISKP's mass-casualty attacks this month.

    ``A ~ Poisson(μ_att · Σ ω_i k_i / Σ ω_i)`` nationwide, each in a province drawn from
    ``ω_i k_i`` with an :func:`attack_size`; ``k_i = iskp_attack_multiplier[i]`` (1 everywhere
    by default, when the factor is exactly 1). Records ``iskp_attacks`` and
    ``civilian_casualties_iskp``.
    """
    total = 0.0
    for i in range(forces.shape[0]):
        total += forces[i, ISKP]
    base = attack_weights(neighbours, pv, forces)
    weights = base * s.iskp_attack_multiplier
    weight_total = weights.sum()
    base_total = base.sum()
    factor = weight_total / base_total if base_total > 0.0 else 1.0
    count = poisson(stream, attack_rate(p, r, m, total) * factor)
    if count == 0:
        return
    for _ in range(count):
        where = categorical(stream, weights, weight_total)
        o.iskp_attacks[where] += 1.0
        o.civilian_casualties_iskp[where] += attack_size(p, stream)


@kernel
def harm(p, s, r, m, neighbours, pv, forces, attack_stream, stream, o):
    """§7.7: civilian casualties by cause, killed and injured, and grievance.

    War ``~ Poisson(war_harm_rate · contact_i)``, clash ``~ Poisson(civ_per_clash · C_i)``,
    airstrike ``~ Poisson(civ_per_strike · S_i)``, and the ISKP attacks; ``killed ~
    Binomial(casualties, share)`` per cause (``war_killed_share``, or ``attack_killed_share``
    for attacks), ``K_i = min(Σ killed, N_i)``. Residents lose the killed; ``H_i`` becomes
    ``last_harm`` and ``c_i = 10⁴ H_i / max(N_i, 1)`` (after the deaths) the ``harm_rate``;
    then grievance (:func:`grievance_update`).
    """
    iskp_attacks(p, s, r, m, neighbours, pv, forces, attack_stream, o)
    for i in range(forces.shape[0]):
        war = poisson(stream, p.war_harm_rate * pv.contact[i])
        clash = poisson(stream, p.civ_per_clash * o.clashes[i])
        air = poisson(stream, p.civ_per_strike * o.ct_strikes[i])
        attack = int(o.civilian_casualties_iskp[i])
        o.civ_cas_war[i], o.civ_cas_clash[i] = war, clash
        o.civ_cas_airstrike[i], o.civ_cas_iskp_attack[i] = air, attack
        killed = (binomial(stream, war, p.war_killed_share)
                  + binomial(stream, clash, p.war_killed_share)
                  + binomial(stream, air, p.war_killed_share)
                  + binomial(stream, attack, p.attack_killed_share))
        casualties = float(war + clash + air + attack)
        killed = min(float(killed), pv.resident[i])
        o.civilians_killed[i] = killed
        o.civilians_injured[i] = casualties - killed
        pv.resident[i] -= killed
        pv.killed_total[i] += killed
        pv.harm_total[i] += casualties
        pv.last_harm[i] = casualties
        pv.harm_rate[i] = 1e4 * casualties / max(pv.resident[i], 1.0)
        pv.grievance[i] = grievance_update(p, pv.grievance[i], pv.harm_rate[i],
                                           s.grievance_shock[i])


@kernel
def grievance_update(p, g, harm_rate, shock):
    """Grievance after a month with ``c`` casualties per 10k residents.

    ``clip(g + grievance_harm_gain · c (1 - g) - grievance_decay · (g - (grievance_base +
    shock)), 0, 1)``.
    """
    change = (p.grievance_harm_gain * harm_rate * (1.0 - g)
              - p.grievance_decay * (g - (p.grievance_base + shock)))
    return min(max(g + change, 0.0), 1.0)
