"""Submodel 4: movement of bands between adjacent provinces."""

from __future__ import annotations

import numpy as np

from model.state import ISKP, ONE, TALIBAN, ZERO

STAY_BONUS = 0.5  # score units: inertia of staying put (documented in docs/ODD.md)
_STAY, _HUNDRED, _MILLION = np.array(STAY_BONUS), np.array(100.0), np.array(1e6)


def place_terms(model, forces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Effective forces and place scores by (province, faction), shape ``(n + 1, 2)`` each.

    Effective force ``E[i, f]`` is ``T_i`` for the Taliban and ``e I_i`` for ISKP; the place
    score is ``-w_s log1p(hostile / 100) + w_r log(resident (1 + g) / 1e6)`` with
    ``hostile = E[i, other] + R_i``, plus ``w_c log1p(E[i, ISKP] / 100)`` for the Taliban
    (``taliban_contest_weight``: they seek ISKP out). The last row pads missing neighbours
    (force 0, score ``-inf``, never chosen).
    """
    pa, ps, n = model.pa, model.pstate, model.n_prov
    effective = np.zeros((n + 1, 2))
    np.multiply(forces, model.effectiveness, out=effective[:n])
    hostile = effective[:n, ::-1] + model.republic_pair
    hostile /= _HUNDRED
    np.log1p(hostile, out=hostile)
    hostile *= -pa.move_safety_weight
    if model.par.taliban_contest_weight:
        contest = effective[:n, ISKP] / _HUNDRED
        np.log1p(contest, out=contest)
        contest *= pa.taliban_contest_weight
        hostile[:, TALIBAN] += contest
    recruit = np.add(ONE, ps.grievance)
    recruit *= ps.resident
    recruit /= _MILLION
    np.log(recruit, out=recruit)
    recruit *= pa.move_recruit_weight
    place = model.place_score
    np.add(hostile, recruit[:, None], out=place[:n])
    return effective, place


def scores(model, movers: np.ndarray, faction: np.ndarray, cell: np.ndarray,
           forces: np.ndarray, strength: np.ndarray | None = None) -> np.ndarray:
    """Score each option (column 0 = stay, then neighbours) of each mover.

    ``faction`` is the movers' faction and ``cell`` the flat (option province, faction)
    index ``2 * province + faction`` of each option (province ``n`` pads missing neighbours).

    ``score = -w_s log1p(hostile / 100) + w_r log(resident (1 + g) / 1e6)
    + w_c log1p(e I / 100) [Taliban only]
    + w_w [own side + band outnumbers the enemy faction there] * crackdown
    + stay bonus [stay] + w_h haven [ISKP only]``; haven = hardline weight + [borders
    Pakistan]; the band's own fighters ``b`` (``e b`` for ISKP) are not counted twice at home.
    Terms are looked up by (option, faction) cell from :func:`place_terms` and the model's
    ``weak_enemy_weight`` and ``haven_score`` tables, and added in this order. ``strength``
    (fighters) replaces the movers' own band size ``b`` in the weak-enemy test (a new cell's
    size; its fighters are then not subtracted at home).
    """
    c = model.commanders
    effective, place = place_terms(model, forces)
    reach = (c.fighters[movers] if strength is None else strength.astype(float))
    reach *= model.effectiveness[faction]
    own = effective.take(cell)
    if strength is None:
        own[:, 0] -= reach
    own += reach[:, None]
    enemy = effective.take(cell ^ 1)
    weak = enemy > ZERO
    weak &= own > enemy
    score = place.take(cell)
    weight = model.weak_enemy_weight
    score += weak * (weight.take(cell) if weight.ndim else weight)
    score[:, 0] += _STAY
    score += model.haven_score.take(cell)
    return score


def step(model) -> None:
    """Let a random subset of bands choose among staying and the adjacent provinces.

    A band moves with probability ``taliban_move_prob`` or ``iskp_move_prob``; its choice is
    a softmax over :func:`scores` (Gumbel-max sampling).

    Args:
        model: The running :class:`~model.model.KhorasanModel`.
    """
    c = model.commanders
    movers = (model.streams.movement.random(c.n) < model.move_prob[c.faction]).nonzero()[0]
    if len(movers) == 0:
        return
    home, faction = c.location[movers], c.faction[movers]
    cell = model.option_cells[home, faction]
    score = scores(model, movers, faction, cell, c.forces(model.n_prov))
    score += model.streams.movement.gumbel(size=score.shape)
    choice = score.argmax(axis=1)
    choice += np.arange(0, score.size, score.shape[1])
    dest = cell.take(choice) >> 1  # the chosen province
    moved = dest != home
    if not np.count_nonzero(moved):
        return
    movers, dest = movers[moved], dest[moved]
    c.location[movers] = dest
    c.changed()
    model.relocate(movers)
    model.out["moves"][model.month] = np.bincount(dest, minlength=model.n_prov)
