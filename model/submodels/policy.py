"""Submodel 1b: faction policies and the Republic's presence for the month."""

from __future__ import annotations

import numpy as np

from model.calendar import doha_progress, withdrawal_factor
from model.state import ISKP, TALIBAN


def step(model) -> None:
    """Set ideological lines, pay and the Republic's force for the current month.

    Args:
        model: The running :class:`~model.model.KhorasanModel`.
    """
    p, month = model.p, model.month
    moderation = p.doha_moderation * doha_progress(month) if model.doha_started else 0.0
    model.line[TALIBAN] = p.taliban_line - moderation
    model.line[ISKP] = p.iskp_line
    national_taliban = float(model.pstate.control[:, 1] @ model.pop_weight)
    strain = p.governance_strain if model.governs else 0.0
    model.pay[TALIBAN] = (1.0 + p.taliban_revenue_gain * national_taliban) * (1.0 - strain)
    model.pay[ISKP] = p.iskp_pay * p.iskp_external_support
    presence = withdrawal_factor(month) if model.withdrawal_started else 1.0
    if model.governs:
        presence = 0.0
    model.presence = presence
    model.republic = p.republic_effective_force * model.pop_weight * presence
    model.out["republic_force"][month] = model.republic


def update_momentum(model, totals: np.ndarray) -> None:
    """Update each faction's momentum from its change in total fighters.

    Momentum is an exponential moving average of the monthly relative change in fighters,
    clipped to [-1, 1] each month.

    Args:
        model: The running model.
        totals: Total fighters per faction after this month's processes.
    """
    growth = (totals - model.prev_totals) / np.maximum(model.prev_totals, 50.0)
    growth = np.clip(growth, -1.0, 1.0)
    memory = model.p.momentum_memory
    model.momentum = memory * model.momentum + (1.0 - memory) * growth
    model.prev_totals = totals.copy()
