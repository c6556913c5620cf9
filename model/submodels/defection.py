"""Submodel 3: defection incentives (both ways) and surrender under pressure."""

from __future__ import annotations

import numpy as np

from model.state import ISKP, ONE, TALIBAN, ZERO


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-x))``, computed in place in ``x`` (which is returned)."""
    np.negative(x, out=x)
    np.exp(x, out=x)
    x += ONE
    return np.divide(ONE, x, out=x)


def nearby_presence(model, forces: np.ndarray) -> np.ndarray:
    """Boolean ``(n, 2)``: the faction has fighters in the province or a neighbour.

    ``near @ forces > 0`` with ``model.near`` the adjacency matrix plus the diagonal (sums of
    fighters, which are non-negative, so positive exactly where some are present).
    """
    return model.near @ forces > ZERO


def faction_terms(model) -> np.ndarray:
    """Per-faction logit terms, shape ``(2, 3)``: ideology weight sign, pay term, momentum term.

    Row ``f``: ``[±w_i, w_p (pay_other - pay_f) / max(pay_f, 0.1), w_m (m_other - m_f)]``
    (``+w_i`` for the Taliban, ``-w_i`` for ISKP; see :func:`logits`). Two factions: plain
    Python floats, same IEEE results as array arithmetic.
    """
    par = model.par
    (pay_t, pay_i), (mom_t, mom_i) = model.pay.tolist(), model.momentum.tolist()
    w_pay, w_mom, w_ideo = (par.defection_pay_weight, par.defection_momentum_weight,
                            par.defection_ideology_weight)
    return np.array([
        [w_ideo, w_pay * ((pay_i - pay_t) / max(pay_t, 0.1)), w_mom * (mom_i - mom_t)],
        [-w_ideo, w_pay * ((pay_t - pay_i) / max(pay_i, 0.1)), w_mom * (mom_t - mom_i)]])


def logits(model) -> np.ndarray:
    """Defection (row 0) and surrender (row 1) logits of each commander, shape ``(2, n)``.

    Defection: ``b0 + w_i (|h - L_own| - |h - L_other|) + w_p (pay_other - pay_own) /
    pay_own + w_m (m_other - m_own) + w_s pressure - w_l loyalty``; surrender:
    ``s0 + s_p pressure - w_l loyalty``; Taliban commanders add the founding outreach
    ``founding_outreach * founding_wave`` to the defection logit (after the momentum term;
    skipped once it is below 1e-9); each summed in this order, ``loyalty`` being the
    :func:`effective_loyalty` for defection. The ideology gap is ``±(|h - L_T| - |h - L_I|)``
    (minus for ISKP; exact, as ``a - b = -(b - a)`` in floating point).
    """
    pa, c = model.pa, model.commanders
    h = c.ideology
    line_t, line_i = model.line.tolist()
    terms = faction_terms(model).take(c.faction, axis=0)
    gap = h - np.array(line_t)
    np.abs(gap, out=gap)
    other = h - np.array(line_i)
    gap -= np.abs(other, out=other)
    gap *= terms[:, 0]
    gap += pa.defection_base
    gap += terms[:, 1]
    gap += terms[:, 2]
    outreach = model.par.founding_outreach * model.founding_wave
    if outreach > 1e-9:  # IS central's founding drive for pledges, Taliban side only
        gap += outreach * (c.faction == TALIBAN)
    out = model.pressure_weights * c.pressure
    out[0] += gap
    out[1] += pa.surrender_base
    loyalty = pa.defection_loyalty_weight * c.loyalty
    if model.governs:
        out[0] -= pa.defection_loyalty_weight * effective_loyalty(model)
        out[1] -= loyalty
    else:
        out -= loyalty
    return out


def effective_loyalty(model) -> np.ndarray:
    """Loyalty, cut by governance strain for Taliban commanders once the Taliban govern.

    ``loyalty * (1 - governance_strain)`` for Taliban commanders after 2021-09.
    """
    c = model.commanders
    if not model.governs:
        return c.loyalty
    keep = np.array([1.0 - model.par.governance_strain, 1.0])
    return c.loyalty * keep[c.faction]


def contact_factor(model, forces: np.ndarray) -> np.ndarray:
    """Contact with each faction by (province, faction), shape ``(n, 2)``.

    1 if faction ``f`` is in the province or a neighbour, ``remote_contact`` if not, 0 if it
    has no fighters anywhere; a commander looks up the cell of the *other* faction.
    """
    contact = np.where(nearby_presence(model, forces), ONE, model.pa.remote_contact)
    for f in (TALIBAN, ISKP):
        if not np.count_nonzero(forces[:, f]):
            contact[:, f] = 0.0
    return contact


def probabilities(model, forces: np.ndarray) -> np.ndarray:
    """Monthly defection (row 0) and surrender (row 1) probability of each commander.

    Defection: ``sigmoid(logit)`` times :func:`contact_factor` of the other side.
    Surrender: ``sigmoid(logit)`` where an authority can take it: before the Taliban
    govern, either side where the Republic is present; once they govern, only ISKP
    commanders (to the Taliban). See :func:`logits`.

    Args:
        model: The running model.
        forces: Fighters per province and faction.
    """
    c = model.commanders
    prob = _sigmoid(logits(model))
    prob[0] *= contact_factor(model, forces).take(c.key ^ 1)  # cell of the other faction
    if model.governs:
        prob[1] *= c.faction == ISKP
    elif not model.republic_everywhere:  # (times 1 everywhere changes nothing)
        prob[1] *= model.republic_present[c.location]
    return prob


def step(model) -> None:
    """Draw defections and surrenders, apply them and record them by province.

    A commander defects if ``u_0 < p_defect`` and otherwise surrenders if ``u_1 < p_surrender``
    (``u`` uniform). A defector joins the other side with ``defector_loyalty`` and no
    pressure; then every loyalty grows: ``loyalty += loyalty_growth (1 - loyalty)``.

    Args:
        model: The running :class:`~model.model.KhorasanModel`.
    """
    c = model.commanders
    forces = c.forces(model.n_prov)
    hits = model.streams.defection.random((2, c.n)) < probabilities(model, forces)
    surrender = None
    if np.count_nonzero(hits):  # most months: nobody defects or surrenders
        defect, surrender = hits
        surrender &= ~defect
        defect_or_surrender(model, defect, surrender)
    loyalty = c.loyalty
    gain = ONE - loyalty
    gain *= model.pa.loyalty_growth
    loyalty += gain
    if surrender is not None and np.count_nonzero(surrender):
        model.remove_commanders(surrender)


def defect_or_surrender(model, defect: np.ndarray, surrender: np.ndarray) -> None:
    """Switch the defectors' side and record defections and surrendered fighters.

    A defector joins the other side with ``defector_loyalty`` and no pressure; surrendering
    bands are removed afterwards by :func:`step`.
    """
    c, month = model.commanders, model.month
    movers = defect.nonzero()[0]
    if len(movers):
        _record_defections(model, movers)
        to_iskp = c.faction[movers] == TALIBAN
        c.faction[movers] = 1 - c.faction[movers]
        c.changed()
        c.from_taliban[movers] = to_iskp
        c.loyalty[movers] = model.par.defector_loyalty
        c.pressure[movers] = 0.0
    quitters = surrender.nonzero()[0]
    if len(quitters):
        model.out["surrendered_fighters"][month] = np.bincount(
            c.location[quitters], c.fighters[quitters], minlength=model.n_prov)


def pledge(model, band: int, month: int) -> None:
    """Switch one Taliban band to ISKP outside the monthly draw (a dated pledge).

    The band joins as a defector does (``defector_loyalty``, no pressure) and is recorded with
    the defections of ``month``, the month in which it is in force (added to those drawn then).
    """
    c, out = model.commanders, model.out
    where = c.location[band]
    out["defections_to_iskp"][month, where] += 1
    out["defecting_fighters_to_iskp"][month, where] += c.fighters[band]
    c.faction[band] = ISKP
    c.changed()
    c.from_taliban[band] = True
    c.loyalty[band] = model.par.defector_loyalty
    c.pressure[band] = 0.0


def _record_defections(model, movers: np.ndarray) -> None:
    """Add this month's defections (commanders and fighters) by province and direction.

    Added, not assigned, so that a dated pledge recorded for the same month (:func:`pledge`)
    is kept.
    """
    c, n, month, out = model.commanders, model.n_prov, model.month, model.out
    loc = c.location[movers]
    to_iskp = c.faction[movers] == TALIBAN
    out["defections_to_iskp"][month] += np.bincount(loc[to_iskp], minlength=n)
    out["defections_to_taliban"][month] += np.bincount(loc[~to_iskp], minlength=n)
    out["defecting_fighters_to_iskp"][month] += np.bincount(
        loc[to_iskp], c.fighters[movers][to_iskp], minlength=n)
