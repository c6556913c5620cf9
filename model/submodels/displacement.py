"""Submodel 7: new displacement and returns."""

from __future__ import annotations

import numpy as np

from model.state import ONE, ZERO


def step(model) -> None:
    """Move residents into displacement after harm and distress, and let the displaced return.

    ``new_i = min(resident_i, d_c * casualties_i + d_g * max(g_i - g0, 0) * resident_i)``;
    ``returns_i = r * displaced_i / (1 + casualties per 10k residents)`` (this month's
    ``pstate.harm_rate``, from :mod:`submodels.harm`). Both are computed in their output rows.

    Args:
        model: The running :class:`~model.model.KhorasanModel`.
    """
    pa, ps, month, out = model.pa, model.pstate, model.month, model.out
    resident = ps.resident
    distress = ps.grievance - pa.grievance_base
    np.maximum(distress, ZERO, out=distress)
    distress *= pa.displacement_grievance_rate
    distress *= resident
    new = np.multiply(pa.displacement_per_casualty, ps.last_harm, out=out["displaced"][month])
    new += distress
    np.minimum(new, resident, out=new)
    returns = np.multiply(pa.return_rate, ps.displaced, out=out["returns"][month])
    returns /= ps.harm_rate + ONE
    change = np.subtract(returns, new, out=distress)
    resident += change
    ps.displaced -= change  # += new - returns, exactly
    out["displaced_stock"][month] = ps.displaced
