"""Submodel 7 (§7.8): new displacement and returns."""

from __future__ import annotations

from model.submodels.compile import kernel


@kernel
def displacement(p, pv, o):
    """§7.8: residents flee harm and distress; the displaced return where violence allows.

    ``new_i = min(displacement_per_casualty · H_i + displacement_grievance_rate ·
    max(g_i - grievance_base, 0) · N_i, N_i)``; ``returns_i = return_rate · D_i / (1 + c_i)``
    with ``c_i`` this month's casualties per 10k residents; ``N_i ← N_i + returns_i - new_i``,
    ``D_i ← D_i + new_i - returns_i``. Records ``displaced``, ``returns``, ``displaced_stock``.
    """
    for i in range(len(pv.resident)):
        distress = max(pv.grievance[i] - p.grievance_base, 0.0)
        new = min(p.displacement_per_casualty * pv.last_harm[i]
                  + p.displacement_grievance_rate * distress * pv.resident[i], pv.resident[i])
        returns = p.return_rate * pv.displaced[i] / (1.0 + pv.harm_rate[i])
        pv.resident[i] += returns - new
        pv.displaced[i] += new - returns
        o.displaced[i] = new
        o.returns[i] = returns
        o.displaced_stock[i] = pv.displaced[i]
