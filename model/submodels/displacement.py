"""Submodel 7: new displacement and returns."""

from __future__ import annotations

import numpy as np


def step(model) -> None:
    """Move residents into displacement after harm and distress, and let the displaced return.

    ``new_i = min(resident_i, d_c * casualties_i + d_g * max(g_i - g0, 0) * resident_i)``;
    ``returns_i = r * displaced_i / (1 + casualties per 10k residents)``.

    Args:
        model: The running :class:`~model.model.KhorasanModel`.
    """
    p, ps, month = model.p, model.pstate, model.month
    harm = ps.last_harm
    distress = np.maximum(ps.grievance - p.grievance_base, 0.0)
    new = p.displacement_per_casualty * harm
    new += p.displacement_grievance_rate * distress * ps.resident
    new = np.minimum(new, ps.resident)
    harm_rate = harm / np.maximum(ps.resident, 1.0) * 1e4
    returns = p.return_rate * ps.displaced / (1.0 + harm_rate)
    ps.resident += returns - new
    ps.displaced += new - returns
    model.out["displaced"][month] = new
    model.out["returns"][month] = returns
    model.out["displaced_stock"][month] = ps.displaced
