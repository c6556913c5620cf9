"""Submodel 9 (§7.10): the Republic's army, its effective force, replacement and collapse."""

from __future__ import annotations

from model.submodels.compile import kernel
from model.submodels.defection import sigmoid


@kernel
def effective_force(p, cal, pv, m):
    """Set ``R_i = A_i · andsf_effectiveness · (1 + air_support_gain · S_air(m))`` for ``m``.

    ``A_i`` is the province's ANDSF soldiers and ``S_air(m)`` the international air support
    (weapons released a month over the peak year's rate, §3.2); ``R_i`` is 0 where no
    soldiers are left.
    """
    boost = 1.0 + p.air_support_gain * cal.air_support[m]
    for i in range(len(pv.andsf)):
        pv.republic[i] = pv.andsf[i] * p.andsf_effectiveness * boost


@kernel
def collapse_logit(p, support, local_share, national_share):
    """The monthly logit of an ANDSF soldier's surrendering or deserting to the Taliban.

    ``andsf_collapse_base + andsf_collapse_support_weight · (1 - S(m)) +
    andsf_collapse_control_weight · (s_iT + C̄_T) / 2``: garrisons weigh the Taliban's hold
    around them and across the country (a cascade: the more has fallen, the more falls).
    """
    return (p.andsf_collapse_base + p.andsf_collapse_support_weight * (1.0 - support)
            + p.andsf_collapse_control_weight * 0.5 * (local_share + national_share))


@kernel
def republic(p, r, cal, w, pv, m, o):
    """§7.10: the ANDSF recruits toward its authorized strength and, under pressure, collapses.

    ``A_i ← A_i + andsf_replacement_rate · max(andsf_authorized · w_i - A_i, 0)``, then the
    expected share ``σ(collapse logit)`` of them surrenders or deserts to the Taliban
    (deterministic, like the Republic's operations). Nothing happens once the Taliban govern
    (the Republic is gone). Records ``andsf_surrendered`` and ``andsf_strength``.
    """
    support, national = cal.international_support[m], 0.0
    for i in range(len(pv.andsf)):
        national += w.population_weight[i] * pv.control_taliban[i]
    for i in range(len(pv.andsf)):
        if r.governs:
            pv.andsf[i] = 0.0
        else:
            gap = max(p.andsf_authorized * w.population_weight[i] - pv.andsf[i], 0.0)
            soldiers = pv.andsf[i] + p.andsf_replacement_rate * gap
            share = sigmoid(collapse_logit(p, support, pv.control_taliban[i], national))
            o.andsf_surrendered[i] = soldiers * share
            pv.andsf[i] = soldiers - o.andsf_surrendered[i]
        o.andsf_strength[i] = pv.andsf[i]
