"""Submodel 8: control and influence from force ratios."""

from __future__ import annotations

import numpy as np

from model.state import ZERO

_TINY = np.array(1e-9)
GOVERNED = np.array([0.0, 1.0, 0.0])  # influence target of a forceless province under Taliban rule


def step(model) -> None:
    """Relax each province's influence shares toward its effective force shares.

    Effective forces are the Republic's force ``R``, Taliban fighters ``T`` and ISKP fighters
    weighted by their effectiveness ``e I``; ``s += rate * (E / sum(E) - s)``, then ``s`` is
    renormalised to sum to 1. A province with no force anywhere keeps its shares before the
    Taliban govern, and relaxes toward full Taliban control once they do (``GOVERNED``).

    Args:
        model: The running :class:`~model.model.KhorasanModel`.
    """
    pa, ps, month = model.pa, model.pstate, model.month
    forces, control = model.forces, ps.control
    effective = np.empty((model.n_prov, 3))
    effective[:, 0] = model.republic
    np.multiply(forces, model.effectiveness, out=effective[:, 1:])
    total = effective.sum(axis=1, keepdims=True)
    target = effective / np.maximum(total, _TINY)
    positive = total > ZERO
    if np.count_nonzero(positive) < len(positive):
        target = np.where(positive, target, GOVERNED if model.governs else control)
    target -= control
    target *= pa.control_adjust_rate
    control += target
    control /= control.sum(axis=1, keepdims=True)
    model.out_groups["control"][:, month] = control.T
    record_forces(model)
    model.update_momentum(forces.sum(axis=0))


def record_forces(model) -> None:
    """Record fighters, defector fighters, residents, grievance and commanders by province."""
    c, ps, month, out, forces = model.commanders, model.pstate, model.month, model.out, model.forces
    model.out_groups["fighters"][:, month] = forces.T
    if np.count_nonzero(c.from_taliban):
        out["iskp_fighters_from_taliban"][month] = _defector_fighters(model)
    out["resident"][month] = ps.resident
    out["grievance"][month] = ps.grievance
    model.out_groups["commanders"][:, month] = c.bands(model.n_prov).T


def _defector_fighters(model) -> np.ndarray:
    c = model.commanders
    weight = c.fighters * c.from_taliban  # from_taliban implies ISKP (set on joining ISKP)
    return np.bincount(c.location, weight, minlength=model.n_prov)
