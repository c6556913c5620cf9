"""Submodel 1b (§7.1): faction policies and the Republic's force for the month; momentum."""

from __future__ import annotations

from model.state import ISKP, TALIBAN
from model.submodels.compile import kernel
from model.submodels.republic import effective_force


@kernel
def policy(m, p, r, cal, w, pv, sides, o):
    """Set the lines, the pay and the Republic's force for month ``m``.

    ``line_T = taliban_line - doha_moderation · doha_progress(m)`` once the Doha talks have
    started, ``+ taliban_line_shift`` once the Taliban govern; ``line_I = iskp_line``;
    ``pay_T = (1 + taliban_revenue_gain · C̄_T) · (1 - governance_strain [govern]) · (1 -
    aid_financed_spending · economic_collapse [govern])``;
    ``pay_I = iskp_pay · iskp_external_support · (1 + iskp_revenue_gain · C̄_I)``, with
    ``C̄_f = Σ_i w_i s_if`` the faction's population-weighted influence last month; the
    Republic's force ``R_i`` (:func:`~model.submodels.republic.effective_force`). Records
    ``republic_force``.

    Args:
        m: The month.
        p: Parameters.
        r: The dated regime.
        cal: The calendar table (``S(m)``, ``doha_progress(m)``).
        w: Static province data.
        pv: Province state (``republic`` is written).
        sides: Faction state (``line`` and ``pay`` are written).
        o: This month's outputs.

    Returns:
        ISKP's founding wave ``W_m = 0.5^(m / founding_half_life)``.
    """
    line_t = p.taliban_line
    if r.doha_talks:
        line_t -= p.doha_moderation * cal.doha_progress[m]
    if r.governs:
        line_t += p.taliban_line_shift
    sides.line[TALIBAN] = line_t
    sides.line[ISKP] = p.iskp_line
    taliban_share, iskp_share = 0.0, 0.0
    for i in range(len(w.population_weight)):
        taliban_share += w.population_weight[i] * pv.control_taliban[i]
        iskp_share += w.population_weight[i] * pv.control_iskp[i]
    strain, aid_lost = 0.0, 0.0
    if r.governs:
        strain, aid_lost = p.governance_strain, p.aid_financed_spending * p.economic_collapse
    sides.pay[TALIBAN] = ((1.0 + p.taliban_revenue_gain * taliban_share) * (1.0 - strain)
                          * (1.0 - aid_lost))
    sides.pay[ISKP] = (p.iskp_pay * p.iskp_external_support
                       * (1.0 + p.iskp_revenue_gain * iskp_share))
    effective_force(p, cal, pv, m)
    for i in range(len(w.population_weight)):
        o.republic_force[i] = pv.republic[i]
    return 0.5 ** (m / p.founding_half_life)


@kernel
def update_momentum(p, sides, forces):
    """``momentum_f ← memory · momentum_f + (1 - memory) · G_f`` at the end of the month.

    ``G_f = clip((Σ_i F_if - prev_f) / max(prev_f, 50), -1, 1)``; then ``prev_f ← Σ_i F_if``.
    """
    for f in (TALIBAN, ISKP):
        total = 0.0
        for i in range(forces.shape[0]):
            total += forces[i, f]
        previous = sides.previous_total[f]
        growth = min(max((total - previous) / max(previous, 50.0), -1.0), 1.0)
        sides.momentum[f] = (p.momentum_memory * sides.momentum[f]
                             + (1.0 - p.momentum_memory) * growth)
        sides.previous_total[f] = total
