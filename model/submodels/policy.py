"""Submodel 1b: faction policies and the Republic's presence for the month."""

from __future__ import annotations

import numpy as np

from model.calendar import doha_progress, withdrawal_factor
from model.state import ISKP, TALIBAN


def step(model) -> None:
    """Set ideological lines, pay and the Republic's force for the current month.

    ``line_T = L_T - doha_moderation * doha_progress`` (once the Doha talks start)
    ``+ taliban_line_shift`` (once the Taliban govern),
    ``line_I = L_I``; ``pay_T = (1 + revenue_gain * national Taliban influence)
    * (1 - governance_strain [once they govern])``, ``pay_I = iskp_pay * external_support``;
    ``republic_i = R * population share_i * presence``, where presence is the withdrawal
    ramp (1 before, 0 once the Taliban govern); ``founding_wave = 0.5^(month /
    founding_half_life)`` scales ISKP's cross-border inflow and pledge outreach.

    Args:
        model: The running :class:`~model.model.KhorasanModel`.
    """
    par, month = model.par, model.month
    model.founding_wave = 0.5 ** (month / par.founding_half_life)
    moderation = par.doha_moderation * doha_progress(month) if model.doha_started else 0.0
    line, pay = model.line, model.pay
    line[TALIBAN] = par.taliban_line - moderation
    if model.governs:
        line[TALIBAN] += par.taliban_line_shift
    line[ISKP] = par.iskp_line
    national_taliban = float(model.pstate.control[:, 1] @ model.pop_weight)
    strain = par.governance_strain if model.governs else 0.0
    pay[TALIBAN] = (1.0 + par.taliban_revenue_gain * national_taliban) * (1.0 - strain)
    pay[ISKP] = par.iskp_pay * par.iskp_external_support
    presence = withdrawal_factor(month) if model.withdrawal_started else 1.0
    if model.governs:
        presence = 0.0
    if presence != model.presence or model.republic_force != par.republic_effective_force:
        model.republic = par.republic_effective_force * model.pop_weight * presence
        model.republic_pair = np.repeat(model.republic[:, None], 2, axis=1)
        model.republic_present = model.republic > 0
        model.republic_everywhere = np.count_nonzero(model.republic_present) == model.n_prov
        model.republic_force = par.republic_effective_force
    model.presence = presence
    model.out["republic_force"][month] = model.republic


def update_momentum(model, totals: np.ndarray) -> None:
    """Update each faction's momentum from its change in total fighters.

    Momentum is an exponential moving average of the monthly relative change in fighters,
    clipped to [-1, 1] each month (two factions: plain Python floats, same IEEE results):
    ``m = memory * m + (1 - memory) * clip((F - F_prev) / max(F_prev, 50), -1, 1)``.

    Args:
        model: The running model.
        totals: Total fighters per faction after this month's processes (not modified).
    """
    memory, momentum = model.par.momentum_memory, []
    for total, prev, m in zip(totals.tolist(), model.prev_totals.tolist(),
                              model.momentum.tolist(), strict=True):
        growth = min(max((total - prev) / max(prev, 50.0), -1.0), 1.0)
        momentum.append(memory * m + (1.0 - memory) * growth)
    model.momentum = np.array(momentum)
    model.prev_totals = totals
