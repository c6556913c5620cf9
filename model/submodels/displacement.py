"""Submodel 7: new displacement and returns."""

from __future__ import annotations

import numpy as np

from model.state import ONE, PER_10K, ZERO


def step(model) -> None:
    """Move residents into displacement after harm and distress, and let the displaced return.

    ``new_i = min(resident_i, d_c * casualties_i + d_g * max(g_i - g0, 0) * resident_i)``;
    ``returns_i = r * displaced_i / (1 + casualties per 10k residents)``.

    Args:
        model: The running :class:`~model.model.KhorasanModel`.
    """
    pa, ps, month, out = model.pa, model.pstate, model.month, model.out
    harm, resident = ps.last_harm, ps.resident
    distress = ps.grievance - pa.grievance_base
    np.maximum(distress, ZERO, out=distress)
    distress *= pa.displacement_grievance_rate
    distress *= resident
    new = pa.displacement_per_casualty * harm
    new += distress
    np.minimum(new, resident, out=new)
    harm_rate = harm / np.maximum(resident, ONE)
    harm_rate *= PER_10K
    harm_rate += ONE
    returns = pa.return_rate * ps.displaced
    returns /= harm_rate
    change = np.subtract(returns, new, out=distress)
    resident += change
    ps.displaced -= change  # += new - returns, exactly
    out["displaced"][month] = new
    out["returns"][month] = returns
    out["displaced_stock"][month] = ps.displaced
