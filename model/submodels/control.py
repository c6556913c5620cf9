"""Submodel 8 (§7.9): control and influence from force ratios; the month-end record."""

from __future__ import annotations

import numpy as np

from model.state import ISKP, TALIBAN
from model.submodels.compile import kernel

GOVERNED = (0.0, 1.0, 0.0)  # influence target of a forceless province under Taliban rule


@kernel
def effective_forces(p, pv, forces, i, covert):
    """``E_i = (R_i, T_i, e (1 - φ) I_i)``: the Republic's, the Taliban's and ISKP's force.

    ISKP's covert share ``φ`` (:func:`~model.submodels.governance.covert_share`) holds no
    ground.
    """
    iskp = p.iskp_combat_effectiveness * (1.0 - covert) * forces[i, ISKP]
    return pv.republic[i], forces[i, TALIBAN], iskp


@kernel
def initial_control(p, pv, forces):
    """§5: influence shares start at the effective force shares, ``s_i = E_i / ΣE_i``."""
    shares = (pv.control_state, pv.control_taliban, pv.control_iskp)
    for i in range(len(pv.resident)):
        effective = effective_forces(p, pv, forces, i, 0.0)
        total = effective[0] + effective[1] + effective[2]
        if total > 0.0:
            for a in range(3):
                shares[a][i] = effective[a] / total


@kernel
def control(p, r, pv, forces, covert):
    """§7.9: influence shares relax toward the effective force shares.

    ``E_i`` from :func:`effective_forces`; ``s_i ← s_i + control_adjust_rate · (E_i / ΣE_i -
    s_i)``, then
    ``s_i ← s_i / Σ s_i``. A province with no force keeps its shares before the Taliban govern
    and relaxes toward ``GOVERNED`` once they do.
    """
    shares = (pv.control_state, pv.control_taliban, pv.control_iskp)
    for i in range(len(pv.resident)):
        effective = effective_forces(p, pv, forces, i, covert)
        total = effective[0] + effective[1] + effective[2]
        if total <= 0.0 and not r.governs:
            continue
        norm = 0.0
        for a in range(3):
            target = effective[a] / total if total > 0.0 else GOVERNED[a]
            shares[a][i] += p.control_adjust_rate * (target - shares[a][i])
            norm += shares[a][i]
        for a in range(3):
            shares[a][i] /= norm


@kernel
def record_month_end(c, n, pv, forces, o):
    """Record the month-end stocks by province.

    Fighters, defectors' fighters, commanders, residents, grievance and influence shares.
    """
    commanders, defectors = np.zeros(forces.shape), np.zeros(forces.shape[0])
    for k in range(n):
        commanders[c.location[k], c.faction[k]] += 1.0
        if c.from_taliban[k]:  # only ISKP commanders have it
            defectors[c.location[k]] += c.fighters[k]
    for i in range(forces.shape[0]):
        o.taliban_fighters[i], o.iskp_fighters[i] = forces[i, TALIBAN], forces[i, ISKP]
        o.commanders_taliban[i], o.commanders_iskp[i] = commanders[i, TALIBAN], commanders[i, ISKP]
        o.iskp_fighters_from_taliban[i] = defectors[i]
        o.resident[i], o.grievance[i] = pv.resident[i], pv.grievance[i]
        o.control_state[i] = pv.control_state[i]
        o.control_taliban[i] = pv.control_taliban[i]
        o.control_iskp[i] = pv.control_iskp[i]
