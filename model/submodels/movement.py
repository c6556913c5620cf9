"""Submodel 4: movement of bands between adjacent provinces."""

from __future__ import annotations

import numpy as np

from model.state import ISKP, TALIBAN

STAY_BONUS = 0.5  # score units: inertia of staying put (documented in docs/ODD.md)


def _scores(model, movers: np.ndarray, options: np.ndarray, forces: np.ndarray) -> np.ndarray:
    """Score each option (province index, -1 = none) for each moving commander.

    ``score = -w_s log1p(hostile / 100) + w_r log(resident (1 + g) / 1e6)
    + w_w [own side + band outnumbers the enemy faction there] * crackdown
    + w_h haven [ISKP only] + stay bonus``; haven = hardline weight + [borders Pakistan].
    """
    p, c, ps = model.p, model.commanders, model.pstate
    eff = p.iskp_combat_effectiveness
    fac = c.faction[movers][:, None]
    band = c.fighters[movers][:, None]
    opt = np.where(options < 0, 0, options)
    own = np.where(fac == TALIBAN, forces[opt, TALIBAN], eff * forces[opt, ISKP])
    enemy = np.where(fac == TALIBAN, eff * forces[opt, ISKP], forces[opt, TALIBAN])
    at_home = options == c.location[movers][:, None]
    own = own - np.where(at_home, np.where(fac == TALIBAN, band, eff * band), 0.0)
    hostile = enemy + model.republic[opt]
    reach = np.where(fac == TALIBAN, band, eff * band)
    weak = (enemy > 0) & (own + reach > enemy)
    pursuit = np.where(fac == TALIBAN, model.spatial["taliban_crackdown"][opt] if model.governs
                       else 1.0, 1.0)
    score = (-p.move_safety_weight * np.log1p(hostile / 100.0)
             + p.move_recruit_weight * np.log(ps.resident[opt] * (1 + ps.grievance[opt]) / 1e6)
             + p.move_weak_enemy_weight * weak * pursuit + STAY_BONUS * at_home)
    haven = model.haven[opt] * (fac == ISKP)
    score += p.move_haven_weight * haven
    return np.where(options < 0, -np.inf, score)


def step(model) -> None:
    """Let a random subset of bands choose among staying and the adjacent provinces.

    Choice is a softmax over scores (Gumbel-max sampling).

    Args:
        model: The running :class:`~model.model.KhorasanModel`.
    """
    c, p = model.commanders, model.p
    move_prob = np.array([p.taliban_move_prob, p.iskp_move_prob])[c.faction]
    movers = np.flatnonzero(model.rng.random(c.n) < move_prob)
    if len(movers) == 0:
        return
    home = c.location[movers]
    options = np.column_stack([home, model.provinces.neighbours[home]])
    forces = c.forces(model.n_prov)
    score = _scores(model, movers, options, forces)
    score += model.rng.gumbel(size=score.shape)
    dest = options[np.arange(len(movers)), np.argmax(score, axis=1)]
    moved = dest != home
    c.location[movers[moved]] = dest[moved]
    model.relocate(movers[moved])
    model.out["moves"][model.month] = np.bincount(dest[moved], minlength=model.n_prov)
