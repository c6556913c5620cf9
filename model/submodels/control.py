"""Submodel 8: control and influence from force ratios."""

from __future__ import annotations

import numpy as np

from model.state import ISKP, TALIBAN, ZERO

_TINY = np.array(1e-9)


def step(model) -> None:
    """Relax each province's influence shares toward its effective force shares.

    Effective forces are the Republic's force ``R``, Taliban fighters ``T`` and ISKP fighters
    weighted by their effectiveness ``e I``; ``s += rate * (E / sum(E) - s)``, then ``s`` is
    renormalised to sum to 1. A province with no force anywhere keeps its shares.

    Args:
        model: The running :class:`~model.model.KhorasanModel`.
    """
    pa, ps, month, out = model.pa, model.pstate, model.month, model.out
    forces, control = model.forces, ps.control
    effective = np.empty((model.n_prov, 3))
    effective[:, 0] = model.republic
    effective[:, 1] = forces[:, TALIBAN]
    np.multiply(pa.iskp_combat_effectiveness, forces[:, ISKP], out=effective[:, 2])
    total = effective.sum(axis=1, keepdims=True)
    target = effective / np.maximum(total, _TINY)
    if not total.all():
        target = np.where(total > ZERO, target, control)
    target -= control
    target *= pa.control_adjust_rate
    control += target
    control /= control.sum(axis=1, keepdims=True)
    out["control_state"][month] = control[:, 0]
    out["control_taliban"][month] = control[:, 1]
    out["control_iskp"][month] = control[:, 2]
    record_forces(model)
    model.update_momentum(forces.sum(axis=0))


def record_forces(model) -> None:
    """Record fighters, defector fighters, residents, grievance and commanders by province."""
    c, ps, month, out, forces = model.commanders, model.pstate, model.month, model.out, model.forces
    out["taliban_fighters"][month] = forces[:, TALIBAN]
    out["iskp_fighters"][month] = forces[:, ISKP]
    if c.from_taliban.any():
        out["iskp_fighters_from_taliban"][month] = _defector_fighters(model)
    out["resident"][month] = ps.resident
    out["grievance"][month] = ps.grievance
    bands = c.bands(model.n_prov)
    out["commanders_taliban"][month] = bands[:, TALIBAN]
    out["commanders_iskp"][month] = bands[:, ISKP]


def _defector_fighters(model) -> np.ndarray:
    c = model.commanders
    weight = c.fighters * ((c.faction == ISKP) & c.from_taliban)
    return np.bincount(c.location, weight, minlength=model.n_prov)
