"""Submodel 3 (§7.4): defection incentives (both ways), surrender under pressure, the pledge."""

from __future__ import annotations

import math

import numpy as np

from model.state import ISKP, TALIBAN
from model.submodels.bands import remove_bands
from model.submodels.compile import kernel
from model.submodels.draws import uniform


@kernel
def sigmoid(x):
    """``1 / (1 + exp(-x))``."""
    return 1.0 / (1.0 + math.exp(-x))


@kernel
def contact(p, neighbours, forces):
    """``c[i, f]``: contact with faction ``f`` from province ``i``.

    1 if ``f`` has fighters in ``i`` or an adjacent province, ``remote_contact`` if only
    elsewhere, 0 if it has no fighters anywhere.
    """
    n_prov = forces.shape[0]
    near = np.zeros(forces.shape)
    for f in (TALIBAN, ISKP):
        anywhere = False
        for i in range(n_prov):
            anywhere = anywhere or forces[i, f] > 0.0
        for i in range(n_prov):
            present = forces[i, f] > 0.0
            for j in neighbours[i]:
                present = present or (j >= 0 and forces[j, f] > 0.0)
            near[i, f] = 1.0 if present else (p.remote_contact if anywhere else 0.0)
    return near


@kernel
def shared_logits(p, r, sides, founding_wave):
    """The part of the defection logit shared by a faction's commanders, by faction.

    ``defection_base + defection_pay_weight · (pay_f' - pay_f) / max(pay_f, 0.1) +
    defection_momentum_weight · (momentum_f' - momentum_f)``, plus ``founding_outreach ·
    W_m`` for the Taliban (skipped once it is below 10⁻⁹).
    """
    shared = np.empty(2)
    for own in (TALIBAN, ISKP):
        other = 1 - own
        pay_gap = (sides.pay[other] - sides.pay[own]) / max(sides.pay[own], 0.1)
        shared[own] = (p.defection_base + p.defection_pay_weight * pay_gap
                       + p.defection_momentum_weight * (sides.momentum[other]
                                                        - sides.momentum[own]))
    outreach = p.founding_outreach * founding_wave
    if outreach > 1e-9:
        shared[TALIBAN] += outreach
    return shared


@kernel
def defection_logit(p, shared, h, line_own, line_other, pressure, loyalty):
    """The log-odds ``x_k`` that commander ``k`` goes over to the other side.

    ``x_k = shared_f + defection_ideology_weight · (|h_k - line_f| - |h_k - line_f'|) +
    defection_pressure_weight · π_k - defection_loyalty_weight · λ̃_k``; ``shared_f`` is
    :func:`shared_logits`, and ``λ̃_k = λ_k (1 - governance_strain)`` for Taliban commanders
    once the Taliban govern, ``λ_k`` otherwise.
    """
    gap = abs(h - line_own) - abs(h - line_other)
    return (shared + p.defection_ideology_weight * gap + p.defection_pressure_weight * pressure
            - p.defection_loyalty_weight * loyalty)


@kernel
def surrender_logit(p, pressure, loyalty, siege, amnesty):
    """The log-odds ``y_k`` that commander ``k`` surrenders.

    ``y_k = surrender_base + surrender_pressure_weight · π_k + surrender_siege_weight · siege
    + amnesty - defection_loyalty_weight · λ_k``, with ``siege = ln(1 + rival / own)``
    (:func:`siege`) and the accepting authority's amnesty.
    """
    return (p.surrender_base + p.surrender_pressure_weight * pressure
            + p.surrender_siege_weight * siege + amnesty
            - p.defection_loyalty_weight * loyalty)


@kernel
def siege(p, forces):
    """``ln(1 + rival / own)`` by (province, faction): how far a branch is outgunned.

    The rival is the other insurgent faction (``T_i`` against ``e I_i``); 0 where the branch
    has no fighters.
    """
    ratio = np.zeros(forces.shape)
    for i in range(forces.shape[0]):
        taliban, iskp = forces[i, TALIBAN], p.iskp_combat_effectiveness * forces[i, ISKP]
        if taliban > 0.0:
            ratio[i, TALIBAN] = math.log1p(iskp / taliban)
        if iskp > 0.0:
            ratio[i, ISKP] = math.log1p(taliban / iskp)
    return ratio


@kernel
def surrender(r, c, k, o):
    """Record commander ``k``'s surrender with the authority it surrenders to.

    The Republic before the Taliban govern, the Taliban after; fighters and commanders, and
    ISKP's fighters apart.
    """
    where, fighters = c.location[k], c.fighters[k]
    o.surrendered_fighters[where] += fighters
    if r.governs:
        o.surrenders_to_taliban[where] += 1.0
        o.surrendered_to_taliban[where] += fighters
    else:
        o.surrenders_to_government[where] += 1.0
        o.surrendered_to_government[where] += fighters
    if c.faction[k] == ISKP:
        o.iskp_surrendered[where] += fighters


@kernel
def switch_side(p, c, k, o):
    """Commander ``k`` goes over to the other side (loyalty reset, no pressure); recorded.

    Records ``defections_to_iskp`` and ``defecting_fighters_to_iskp``, or
    ``defections_to_taliban`` and ``defecting_fighters_to_taliban``, in its province.
    """
    where = c.location[k]
    if c.faction[k] == TALIBAN:
        o.defections_to_iskp[where] += 1.0
        o.defecting_fighters_to_iskp[where] += c.fighters[k]
        c.faction[k] = ISKP
        c.from_taliban[k] = 1
    else:
        o.defections_to_taliban[where] += 1.0
        o.defecting_fighters_to_taliban[where] += c.fighters[k]
        c.faction[k] = TALIBAN
        c.from_taliban[k] = 0
    c.loyalty[k] = p.defector_loyalty
    c.pressure[k] = 0.0


@kernel
def defection(p, r, neighbours, pv, sides, c, n, forces, founding_wave, stream, o):
    """§7.4: each commander defects, surrenders or stays; then loyalties grow.

    Two uniforms per commander, in row order: ``k`` defects if ``u1 < σ(x_k) · c[loc(k), f']``
    and otherwise surrenders if ``u2 < σ(y_k) · a_k``. The authority is the Republic
    (``a_k = [R_loc(k) > 0]``, amnesty ``republic_amnesty``) before the Taliban govern, and
    the Taliban for ISKP commanders once they do (``a_k = [f(k) = I]``, amnesty
    ``taliban_amnesty``). Then ``λ_k ← λ_k + loyalty_growth (1 - λ_k)`` for all; surrendering
    bands leave with their fighters (:func:`surrender`).

    Returns:
        The number of commanders left.
    """
    near, besieged = contact(p, neighbours, forces), siege(p, forces)
    shared = shared_logits(p, r, sides, founding_wave)
    amnesty = p.taliban_amnesty if r.governs else p.republic_amnesty
    strain_cut = (1.0 - p.governance_strain) if r.governs else 1.0  # of Taliban loyalty
    leaving = np.zeros(n, np.bool_)
    for k in range(n):
        where, own = c.location[k], c.faction[k]
        loyalty = c.loyalty[k] * (strain_cut if own == TALIBAN else 1.0)
        x = defection_logit(p, shared[own], c.ideology[k], sides.line[own],
                            sides.line[1 - own], c.pressure[k], loyalty)
        p_defect = sigmoid(x) * near[where, 1 - own]
        authority = own == ISKP if r.governs else pv.republic[where] > 0.0
        y = surrender_logit(p, c.pressure[k], c.loyalty[k], besieged[where, own], amnesty)
        p_surrender = sigmoid(y) * authority
        u_defect, u_surrender = uniform(stream), uniform(stream)
        if u_defect < p_defect:
            switch_side(p, c, k, o)
        elif u_surrender < p_surrender:
            leaving[k] = True
            surrender(r, c, k, o)
        c.loyalty[k] += p.loyalty_growth * (1.0 - c.loyalty[k])
    return remove_bands(c, n, leaving)


@kernel
def pledge(p, c, n, province, o):
    """A dated pledge: the largest Taliban band in ``province`` goes over to ISKP (§3.2).

    Nothing happens if ISKP has no fighters anywhere, already holds a band in the province, or
    the Taliban have none there. The pledge is recorded with the defections of the month in
    which it is in force.

    Returns:
        Whether a band went over.
    """
    iskp_fighters, band, largest = 0.0, -1, -1.0
    for k in range(n):
        if c.faction[k] == ISKP:
            iskp_fighters += c.fighters[k]
            if c.location[k] == province:
                return False
        elif c.location[k] == province and c.fighters[k] > largest:
            band, largest = k, c.fighters[k]
    if iskp_fighters <= 0.0 or band < 0:
        return False
    switch_side(p, c, band, o)
    return True


@kernel
def decapitate(p, c, n, province):
    """ISKP's leader is killed or arrested: ``λ_k ← λ_k (1 - decapitation_loyalty_loss)``.

    For ISKP's commanders in ``province``, or in every province if ``province`` is negative.
    """
    for k in range(n):
        if c.faction[k] == ISKP and (province < 0 or c.location[k] == province):
            c.loyalty[k] *= 1.0 - p.decapitation_loyalty_loss
