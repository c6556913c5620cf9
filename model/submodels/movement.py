"""Submodel 4 (§7.5): movement of bands between adjacent provinces."""

from __future__ import annotations

import math

import numpy as np

from model.state import ISKP, TALIBAN
from model.submodels.compile import kernel
from model.submodels.draws import gumbel, uniform

STAY_BONUS = 0.5  # score units: inertia of staying put (documented in docs/ODD.md)


@kernel
def log_or_minus_infinity(x):
    """``ln x``, and ``-inf`` for ``x = 0`` (an empty province is never chosen)."""
    return math.log(x) if x > 0.0 else -math.inf


@kernel
def place_scores(p, s, r, w, pv, forces):
    """The province part of every option's score, by (province, faction).

    Returns:
        ``E`` (effective forces: ``E_jT = T_j``, ``E_jI = e · I_j``); ``place[j, f] =
        -move_safety_weight · ln(1 + (E_jf' + R_j) / 100) + move_recruit_weight · ln(N_j (1 +
        g_j) / 10⁶)``, plus ``taliban_contest_weight · ln(1 + E_jI / 100)`` for the Taliban
        and ``move_haven_weight · haven_j`` for ISKP; and the weak-enemy weight
        ``move_weak_enemy_weight · ρ_jf``, with ``ρ_jT = taliban_crackdown[j]`` once the
        Taliban govern and 1 otherwise. Each of shape ``(n_prov, 2)``.
    """
    effective, place = np.empty(forces.shape), np.empty(forces.shape)
    weak_weight = np.full(forces.shape, p.move_weak_enemy_weight)
    for j in range(forces.shape[0]):
        effective[j, TALIBAN] = forces[j, TALIBAN]
        effective[j, ISKP] = p.iskp_combat_effectiveness * forces[j, ISKP]
    for j in range(forces.shape[0]):
        recruits = p.move_recruit_weight * log_or_minus_infinity(
            pv.resident[j] * (1.0 + pv.grievance[j]) / 1e6)
        for f in (TALIBAN, ISKP):
            hostile = effective[j, 1 - f] + pv.republic[j]
            place[j, f] = -p.move_safety_weight * math.log1p(hostile / 100.0) + recruits
        place[j, TALIBAN] += p.taliban_contest_weight * math.log1p(effective[j, ISKP] / 100.0)
        place[j, ISKP] += p.move_haven_weight * w.haven[j]
        if r.governs:
            weak_weight[j, TALIBAN] *= s.taliban_crackdown[j]
    return effective, place, weak_weight


@kernel
def option_score(place, weak_weight, own, enemy, at_home):
    """The score of one option, from the province part of :func:`place_scores`.

    ``score_kj = place[j, f] + weak_weight[j, f] · [enemy > 0] · [own + b_k > enemy] +
    STAY_BONUS · [j = loc(k)]``; ``own`` is the band's side there including the band.
    """
    score = place
    if enemy > 0.0 and own > enemy:
        score += weak_weight
    if at_home:
        score += STAY_BONUS
    return score


@kernel
def choose(options, effective, place, weak_weight, home, f, strength, may_stay, stream):
    """Gumbel-max choice among staying (if ``may_stay``) and the adjacent ``options``.

    ``dest = argmax_j (score_kj + G_kj)``, ``G_kj ~ Gumbel(0, 1)`` drawn in option order
    (home first): the softmax choice ``P(j) ∝ exp(score_kj)``. A band of effective
    ``strength`` is already counted in ``E`` at home; elsewhere it adds to its side.
    """
    best, dest = -math.inf, home
    if may_stay:
        best = option_score(place[home, f], weak_weight[home, f], effective[home, f],
                            effective[home, 1 - f], True) + gumbel(stream)
    for j in options:
        if j < 0:
            break
        value = option_score(place[j, f], weak_weight[j, f], effective[j, f] + strength,
                             effective[j, 1 - f], False) + gumbel(stream)
        if value > best:
            best, dest = value, j
    return dest


@kernel
def movement(p, s, r, w, neighbours, pv, c, n, forces, stream, o):
    """§7.5: a band considers moving with its faction's probability and chooses by score.

    First one uniform per band (in row order) against ``taliban_move_prob`` or
    ``iskp_move_prob``; then each mover, in row order, chooses among its options scored on the
    forces before any move (simultaneous choice), with its own strength ``b_k = n_k``
    (Taliban) or ``e · n_k`` (ISKP). Records ``moves`` by destination.
    """
    movers = np.zeros(n, np.bool_)
    for k in range(n):
        move_prob = p.taliban_move_prob if c.faction[k] == TALIBAN else p.iskp_move_prob
        movers[k] = uniform(stream) < move_prob
    if not movers.any():
        return
    effective, place, weak_weight = place_scores(p, s, r, w, pv, forces)
    for k in np.flatnonzero(movers):
        f, home = c.faction[k], c.location[k]
        strength = c.fighters[k] if f == TALIBAN else p.iskp_combat_effectiveness * c.fighters[k]
        dest = choose(neighbours[home], effective, place, weak_weight, home, f, strength, True,
                      stream)
        if dest != home:
            c.location[k] = dest
            o.moves[dest] += 1.0
