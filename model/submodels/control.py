"""Submodel 8: control and influence from force ratios."""

from __future__ import annotations

import numpy as np

from model.state import ISKP, TALIBAN


def step(model) -> None:
    """Relax each province's influence shares toward its effective force shares.

    Effective forces are the Republic's force ``R``, Taliban fighters ``T`` and ISKP fighters
    weighted by their effectiveness ``e I``; ``s += rate * (E / sum(E) - s)``. A province with
    no force anywhere keeps its shares.

    Args:
        model: The running :class:`~model.model.KhorasanModel`.
    """
    p, ps, month, out = model.p, model.pstate, model.month, model.out
    forces = model.forces
    effective = np.column_stack([
        model.republic, forces[:, TALIBAN], p.iskp_combat_effectiveness * forces[:, ISKP]])
    total = effective.sum(axis=1, keepdims=True)
    target = np.where(total > 0, effective / np.maximum(total, 1e-9), ps.control)
    ps.control += p.control_adjust_rate * (target - ps.control)
    ps.control /= ps.control.sum(axis=1, keepdims=True)
    out["control_state"][month] = ps.control[:, 0]
    out["control_taliban"][month] = ps.control[:, 1]
    out["control_iskp"][month] = ps.control[:, 2]
    out["taliban_fighters"][month] = forces[:, TALIBAN]
    out["iskp_fighters"][month] = forces[:, ISKP]
    out["iskp_fighters_from_taliban"][month] = _defector_fighters(model)
    out["resident"][month] = ps.resident
    out["grievance"][month] = ps.grievance
    out["commanders_taliban"][month], out["commanders_iskp"][month] = \
        model.commanders.bands(model.n_prov).T
    model.update_momentum(forces.sum(axis=0))


def _defector_fighters(model) -> np.ndarray:
    c = model.commanders
    weight = c.fighters * ((c.faction == ISKP) & c.from_taliban)
    return np.bincount(c.location, weight, minlength=model.n_prov)
