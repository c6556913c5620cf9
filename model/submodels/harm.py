"""Submodel 6 (§7.7): civilian harm by cause, ISKP mass-casualty attacks and grievance."""

from __future__ import annotations

import math

import numpy as np

from model.state import ISKP
from model.submodels.compile import kernel
from model.submodels.draws import binomial, categorical, poisson, uniform

ATTACK_SIZE_CAP = 2000  # casualties: physical ceiling of one attack (documented in ODD)
ATTACK_REFERENCE_FIGHTERS = 2000.0  # ISKP's typical strength of 2015-2021 (FACTS §3)
TARGET_POPULATION_EXPONENT = 1.5  # attack targeting's preference for populous provinces
CAUSES = ("war", "clash", "airstrike", "iskp_attack")


@kernel
def size_scale(p, iskp_total):
    """The attack-size scale: ``attack_size_scale · κ_I^attack_size_elasticity``.

    ISKP's capability ``κ_I = (I / ATTACK_REFERENCE_FIGHTERS) · iskp_external_support``: a
    larger, better-funded ISKP mounts larger attacks.
    """
    capability = iskp_total / ATTACK_REFERENCE_FIGHTERS * p.iskp_external_support
    return p.attack_size_scale * capability ** p.attack_size_elasticity


@kernel
def attack_size(p, scale, stream):
    """Casualties of one attack: ``clip(ceil(scale · ((1 - u)^(-1 / tail) - 1)), 1, CAP)``.

    A Lomax (Pareto II) draw by inversion, ``scale`` from :func:`size_scale`, ``tail =
    attack_size_tail``: heavy-tailed, so the Kabul-airport size is a rare draw, not an outlier.
    """
    u = uniform(stream)
    size = scale * ((1.0 - u) ** (-1.0 / p.attack_size_tail) - 1.0)
    return min(max(math.ceil(size), 1.0), ATTACK_SIZE_CAP)


@kernel
def maturity(p, m):
    """ISKP's organisational maturity ``1 - exp(-(m + 1) / iskp_maturity_months)``."""
    return 1.0 - math.exp(-(m + 1) / p.iskp_maturity_months)


@kernel
def attack_rate(p, r, m, iskp_total, covert):
    """The expected number of ISKP attacks nationwide, ``μ_att``.

    ``iskp_attack_rate · (I / 1000)^α · maturity(m) · (1 + relocation_attack_gain · V_m) ·
    (1 + covert_attack_gain · φ)``, with ``φ`` the covert share
    (:func:`~model.submodels.governance.covert_share`); zero when ISKP has no fighters.
    """
    if iskp_total <= 0.0:
        return 0.0
    rate = p.iskp_attack_rate * maturity(p, m) * (1.0 + p.covert_attack_gain * covert)
    if r.relocation:
        rate *= 1.0 + p.relocation_attack_gain
    return rate * (iskp_total / 1000.0) ** p.iskp_attack_elasticity


@kernel
def attack_weights(p, neighbours, pv, forces, covert):
    """``ω_i = (N_i / 10⁶)^(1.5 + covert_urban_focus · φ) · (1 + [ISKP in i or adjacent])``."""
    n_prov = forces.shape[0]
    exponent = TARGET_POPULATION_EXPONENT + p.covert_urban_focus * covert
    weights = np.empty(n_prov)
    for i in range(n_prov):
        near = forces[i, ISKP] > 0.0
        for j in neighbours[i]:
            near = near or (j >= 0 and forces[j, ISKP] > 0.0)
        weights[i] = (pv.resident[i] / 1e6) ** exponent * (2.0 if near else 1.0)
    return weights


@kernel
def iskp_attacks(p, s, r, m, neighbours, pv, forces, covert, stream, o):
    """ISKP's mass-casualty attacks in Afghanistan this month.

    ``A ~ Poisson(μ_att · Σ ω_i k_i / Σ ω_i)`` nationwide, each in a province drawn from
    ``ω_i k_i`` with an :func:`attack_size` of casualties, of whom ``Binomial(size,
    attack_killed_share)`` are killed; ``k_i = iskp_attack_multiplier[i]`` (1 everywhere by
    default, when the factor is exactly 1). Records ``iskp_attacks``,
    ``civilian_casualties_iskp`` and ``iskp_largest_attack_killed``; sets ``last_attacks``.

    Returns:
        The people killed by the attacks, by province, and the number of attacks.
    """
    n_prov = forces.shape[0]
    killed = np.zeros(n_prov)
    total = 0.0
    for i in range(n_prov):
        total += forces[i, ISKP]
        pv.last_attacks[i] = 0.0
    base = attack_weights(p, neighbours, pv, forces, covert)
    weights = base * s.iskp_attack_multiplier
    weight_total = weights.sum()
    base_total = base.sum()
    factor = weight_total / base_total if base_total > 0.0 else 1.0
    count = poisson(stream, attack_rate(p, r, m, total, covert) * factor)
    if count == 0:
        return killed, 0
    scale = size_scale(p, total)
    for _ in range(count):
        where = categorical(stream, weights, weight_total)
        size = attack_size(p, scale, stream)
        dead = binomial(stream, int(size), p.attack_killed_share)
        killed[where] += dead
        pv.last_attacks[where] += 1.0
        o.iskp_attacks[where] += 1.0
        o.civilian_casualties_iskp[where] += size
        o.iskp_largest_attack_killed[where] = max(o.iskp_largest_attack_killed[where], dead)
    return killed, count


@kernel
def harm(p, s, r, m, neighbours, pv, forces, covert, attack_stream, stream, o):
    """§7.7: civilian casualties by cause, killed and injured, and grievance.

    War ``~ Poisson(war_harm_rate · contact_i)``, clash ``~ Poisson(civ_per_clash · C_i)``,
    airstrike ``~ Poisson(civ_per_strike · S_i)``, and the ISKP attacks
    (:func:`iskp_attacks`); ``killed ~ Binomial(casualties, war_killed_share)`` for each of
    the first three causes, plus the attacks' dead, ``K_i = min(Σ killed, N_i)``. Residents
    lose the killed; ``H_i`` becomes ``last_harm`` and ``c_i = 10⁴ H_i / max(N_i, 1)`` (after
    the deaths) the ``harm_rate``; then grievance (:func:`grievance_update`).

    Returns:
        The number of ISKP attacks in Afghanistan this month.
    """
    attack_killed, attacks = iskp_attacks(p, s, r, m, neighbours, pv, forces, covert,
                                          attack_stream, o)
    for i in range(forces.shape[0]):
        war = poisson(stream, p.war_harm_rate * pv.contact[i])
        clash = poisson(stream, p.civ_per_clash * o.clashes[i])
        air = poisson(stream, p.civ_per_strike * o.ct_strikes[i])
        attack = int(o.civilian_casualties_iskp[i])
        o.civ_cas_war[i], o.civ_cas_clash[i] = war, clash
        o.civ_cas_airstrike[i], o.civ_cas_iskp_attack[i] = air, attack
        killed = (binomial(stream, war, p.war_killed_share)
                  + binomial(stream, clash, p.war_killed_share)
                  + binomial(stream, air, p.war_killed_share) + attack_killed[i])
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
                                           grievance_target(p, s, pv, i))
    return attacks


@kernel
def grievance_target(p, s, pv, i):
    """The grievance target: hardship and a ruler who cannot protect (Epstein 2002).

    ``ḡ_i = grievance_base + grievance_shock[i] + security_grievance_weight · (1 - σ_i) +
    collapse_grievance · E``, ``E = economic_collapse``.
    """
    return (p.grievance_base + s.grievance_shock[i]
            + p.security_grievance_weight * (1.0 - pv.security[i])
            + p.collapse_grievance * p.economic_collapse)


@kernel
def grievance_update(p, g, harm_rate, target):
    """Grievance after a month with ``c`` casualties per 10k residents.

    ``clip(g + grievance_harm_gain · c (1 - g) - grievance_decay · (g - ḡ_i), 0, 1)`` with
    the target ``ḡ_i`` (:func:`grievance_target`).
    """
    change = (p.grievance_harm_gain * harm_rate * (1.0 - g)
              - p.grievance_decay * (g - target))
    return min(max(g + change, 0.0), 1.0)
