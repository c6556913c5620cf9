"""Submodel 10 (§7.11): the Taliban as the state: counter-ISKP capacity, raids, ISKP's answer.

Once the Taliban govern they build what the Republic had: an intelligence service, police
and checkpoints in the cities. Their capacity ``κ`` grows with the state's money and with
ISKP's attacks; it drives raids that kill or detain exposed ISKP fighters where the Taliban
hold sway, and ISKP answers by going covert: holding less ground, attacking more, in the
largest cities (:mod:`model.submodels.harm`, :mod:`model.submodels.control`).
"""

from __future__ import annotations

from model.state import TALIBAN
from model.submodels.compile import kernel


@kernel
def covert_share(p, sides):
    """``φ = iskp_covert_shift · κ``: the share of ISKP's force that has gone covert."""
    return p.iskp_covert_shift * sides.capacity[TALIBAN]


@kernel
def fiscal_capacity(p, sides):
    """``f_T = clip(pay_T / (1 + taliban_revenue_gain), 0, 1)``: the state's money, relative."""
    return min(max(sides.pay[TALIBAN] / (1.0 + p.taliban_revenue_gain), 0.0), 1.0)


@kernel
def raid_losses(p, sides, pv, exposed, i):
    """ISKP fighters in province ``i`` killed or detained by the state's raids this month.

    ``D_i = min(state_raid_rate · κ · s_iT · (1 + raid_attack_exposure · A_i), 1) · X_i``:
    raids reach the exposed fighters ``X_i`` (not those in the cross-border refuge) where the
    Taliban hold sway (``s_iT``), and more after each of last month's ``A_i`` attacks there.
    """
    kappa = sides.capacity[TALIBAN]
    if kappa <= 0.0:
        return 0.0
    rate = (p.state_raid_rate * kappa * pv.control_taliban[i]
            * (1.0 + p.raid_attack_exposure * pv.last_attacks[i]))
    return min(rate, 1.0) * exposed


@kernel
def state_capacity(p, r, sides, attacks, o):
    """§7.11: the governing Taliban's capacity grows toward 1; records ``state_capacity``.

    Once the Taliban govern, ``κ ← κ + (state_capacity_build_rate · f_T +
    state_capacity_attack_response · A / (1 + A)) · (1 - κ)`` with ``f_T``
    (:func:`fiscal_capacity`) and ``A`` the month's ISKP attacks in Afghanistan; 0 before.
    """
    kappa = sides.capacity[TALIBAN]
    if r.governs:
        growth = (p.state_capacity_build_rate * fiscal_capacity(p, sides)
                  + p.state_capacity_attack_response * attacks / (1.0 + attacks))
        kappa = min(kappa + growth * (1.0 - kappa), 1.0)
        sides.capacity[TALIBAN] = kappa
    for i in range(len(o.state_capacity)):
        o.state_capacity[i] = kappa
