"""Submodel 6b (§7.13): ISKP's attacks outside Afghanistan (Pakistan, Central Asia, beyond)."""

from __future__ import annotations

import numpy as np

from model.state import ISKP
from model.submodels.compile import kernel
from model.submodels.draws import categorical, poisson
from model.submodels.harm import maturity

PAKISTAN, CENTRAL_ASIA, BEYOND = 0, 1, 2  # model.state.REGIONS order


@kernel
def reach_weights(p, w, forces, region):
    """``ρ_ir = I_i · (b_ir + external_reach · (1 - b_ir))``: ISKP's fighters able to reach ``r``.

    ``b_ir`` is 1 where province ``i`` borders the region (Pakistan, a Central Asian state)
    and 1 everywhere for ``beyond``.
    """
    n_prov = forces.shape[0]
    weights = np.empty(n_prov)
    for i in range(n_prov):
        if region == PAKISTAN:
            near = w.borders_pakistan[i]
        elif region == CENTRAL_ASIA:
            near = w.borders_central_asia[i]
        else:
            near = 1.0
        weights[i] = forces[i, ISKP] * (near + p.external_reach * (1.0 - near))
    return weights


@kernel
def region_rate(p, m, reach, region):
    """The expected attacks in ``region`` this month with ``reach`` fighters able to strike it.

    ``rate_r · iskp_external_support · iskp_safe_haven · (reach / 1000)^α · (1 - exp(-(m +
    1) / iskp_maturity_months))``; ``rate_r`` is the region's ``iskp_*_attack_rate``.
    """
    if region == PAKISTAN:
        rate = p.iskp_pakistan_attack_rate
    elif region == CENTRAL_ASIA:
        rate = p.iskp_central_asia_attack_rate
    else:
        rate = p.iskp_beyond_attack_rate
    return (rate * p.iskp_external_support * p.iskp_safe_haven
            * (reach / 1000.0) ** p.iskp_attack_elasticity * maturity(p, m))


@kernel
def external_attacks(p, w, m, forces, stream, o):
    """§7.13: ISKP's attacks abroad this month, by region, in the province that mounted them.

    ``A_r ~ Poisson(region_rate(Σ_i ρ_ir))`` (:func:`region_rate`, ``α =
    iskp_attack_elasticity``); each attack is credited to a province drawn from ``ρ_ir``.
    Records ``iskp_attacks_pakistan``, ``iskp_attacks_central_asia``, ``iskp_attacks_beyond``
    and their sum ``iskp_external_attacks``.
    """
    records = (o.iskp_attacks_pakistan, o.iskp_attacks_central_asia, o.iskp_attacks_beyond)
    for region in range(3):
        weights = reach_weights(p, w, forces, region)
        reach = weights.sum()
        if reach <= 0.0:
            continue
        for _ in range(poisson(stream, region_rate(p, m, reach, region))):
            where = categorical(stream, weights, reach)
            records[region][where] += 1.0
            o.iskp_external_attacks[where] += 1.0
