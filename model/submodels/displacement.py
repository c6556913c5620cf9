"""Submodel 7 (§7.8, §7.13): new displacement, refugees leaving and returning, returns."""

from __future__ import annotations

from model.submodels.compile import kernel
from model.submodels.refugees import N_HOSTS, departures, record_abroad, return_rates


@kernel
def displacement(p, r, w, pv, abroad, o):
    """§7.8: residents flee harm and distress, some abroad; the displaced and refugees return.

    ``new_i = min(displacement_per_casualty · H_i + (displacement_grievance_rate · max(g_i -
    grievance_base, 0) + collapse_displacement_rate · E) · N_i, N_i)`` with ``E =
    economic_collapse``; of them ``out_ih`` (:func:`~model.submodels.refugees.departures`)
    leave for host ``h``, the rest become internally displaced. ``returns_i = return_rate ·
    D_i / (1 + c_i)`` with ``c_i`` this month's casualties per 10k residents; refugees return
    at :func:`~model.submodels.refugees.return_rates`. ``N_i ← N_i + returns_i + back_i -
    new_i``, ``D_i ← D_i + new_i - out_i - returns_i``, ``Q_ih ← Q_ih + out_ih - back_ih``.
    Records ``displaced``, ``returns``, ``displaced_stock``, ``refugees_out``,
    ``refugee_returns`` and the refugees abroad.
    """
    for i in range(len(pv.resident)):
        distress = max(pv.grievance[i] - p.grievance_base, 0.0)
        rate = (p.displacement_grievance_rate * distress
                + p.collapse_displacement_rate * p.economic_collapse)
        new = min(p.displacement_per_casualty * pv.last_harm[i] + rate * pv.resident[i],
                  pv.resident[i])
        out = departures(p, w, i, new)
        returns = p.return_rate * pv.displaced[i] / (1.0 + pv.harm_rate[i])
        rates = return_rates(p, r, pv.security[i])
        left, came_back = 0.0, 0.0
        for h in range(N_HOSTS):
            back = rates[h] * abroad[h, i]
            abroad[h, i] += out[h] - back
            left += out[h]
            came_back += back
        pv.resident[i] += returns + came_back - new
        pv.displaced[i] += new - left - returns
        o.displaced[i], o.returns[i], o.displaced_stock[i] = new, returns, pv.displaced[i]
        o.refugees_out[i], o.refugee_returns[i] = left, came_back
        record_abroad(abroad, i, o)
