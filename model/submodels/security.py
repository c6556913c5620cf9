"""Submodel 11 (§7.12): security provision by province."""

from __future__ import annotations

from model.submodels.compile import kernel


@kernel
def security_target(p, pv, i):
    """``σ*_i = max(s_iS, s_iT) / (1 + security_harm_weight · c_i)``.

    Order needs an authority that holds the province (the Republic or the Taliban; ISKP's
    share and a contested split lower it) and little violence against civilians (``c_i``,
    this month's casualties per 10k residents).
    """
    authority = max(pv.control_state[i], pv.control_taliban[i])
    return authority / (1.0 + p.security_harm_weight * pv.harm_rate[i])


@kernel
def initial_security(pv):
    """§5: ``σ_i = max(s_iS, s_iT)`` at 2015-01 (no harm yet)."""
    for i in range(len(pv.security)):
        pv.security[i] = max(pv.control_state[i], pv.control_taliban[i])


@kernel
def security(p, pv, o):
    """§7.12: ``σ_i ← σ_i + security_adjust_rate · (σ*_i - σ_i)``; records ``security``."""
    for i in range(len(pv.security)):
        pv.security[i] += p.security_adjust_rate * (security_target(p, pv, i) - pv.security[i])
        o.security[i] = pv.security[i]
