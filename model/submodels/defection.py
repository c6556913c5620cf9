"""Submodel 3: defection incentives (both ways) and surrender under pressure."""

from __future__ import annotations

import numpy as np

from model.state import ISKP, TALIBAN


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def nearby_presence(model, forces: np.ndarray) -> np.ndarray:
    """Boolean ``(n, 2)``: the faction has fighters in the province or a neighbour."""
    present = forces > 0
    padded = np.vstack([present, np.zeros((1, 2), dtype=bool)])
    return present | padded[model.provinces.neighbours].any(axis=1)


def defection_probability(model, forces: np.ndarray) -> np.ndarray:
    """Monthly probability that each commander switches sides.

    ``logit = b0 + w_i (|h - L_own| - |h - L_other|) + w_p (pay_other - pay_own) / pay_own
    + w_m (m_other - m_own) + w_s pressure - w_l loyalty``, times the contact factor
    (1 if the other side is in the province or a neighbour, ``remote_contact`` if not,
    0 if the other side has no fighters anywhere).

    Args:
        model: The running model.
        forces: Fighters per province and faction.
    """
    p, c = model.p, model.commanders
    own = c.faction
    other = 1 - own
    h = c.ideology
    ideology_gap = np.abs(h - model.line[own]) - np.abs(h - model.line[other])
    pay_gap = (model.pay[other] - model.pay[own]) / np.maximum(model.pay[own], 0.1)
    momentum_gap = model.momentum[other] - model.momentum[own]
    logit = (p.defection_base + p.defection_ideology_weight * ideology_gap
             + p.defection_pay_weight * pay_gap + p.defection_momentum_weight * momentum_gap
             + p.defection_pressure_weight * c.pressure
             - p.defection_loyalty_weight * effective_loyalty(model))
    near = nearby_presence(model, forces)[c.location, other]
    contact = np.where(near, 1.0, p.remote_contact) * (forces.sum(axis=0)[other] > 0)
    return _sigmoid(logit) * contact


def effective_loyalty(model) -> np.ndarray:
    """Loyalty, cut by governance strain for Taliban commanders once the Taliban govern."""
    c = model.commanders
    loyalty = c.loyalty
    if model.governs:
        strain = model.p.governance_strain * (c.faction == TALIBAN)
        loyalty = loyalty * (1.0 - strain)
    return loyalty


def surrender_probability(model) -> np.ndarray:
    """Monthly probability of surrender to the governing authority.

    Before the Taliban govern, either side may surrender where the Republic is present; once
    they govern, only ISKP commanders may, to the Taliban.
    """
    p, c = model.p, model.commanders
    logit = (p.surrender_base + p.surrender_pressure_weight * c.pressure
             - p.defection_loyalty_weight * c.loyalty)
    authority = c.faction == ISKP if model.governs else model.republic[c.location] > 0
    return _sigmoid(logit) * authority


def step(model) -> None:
    """Draw defections and surrenders, apply them and record them by province.

    Args:
        model: The running :class:`~model.model.KhorasanModel`.
    """
    c, n, month, out = model.commanders, model.n_prov, model.month, model.out
    forces = c.forces(n)
    draws = model.rng.random((2, c.n))
    defect = draws[0] < defection_probability(model, forces)
    surrender = ~defect & (draws[1] < surrender_probability(model))
    movers, quitters = np.flatnonzero(defect), np.flatnonzero(surrender)
    loc = c.location[movers]
    to_iskp = c.faction[movers] == TALIBAN
    out["defections_to_iskp"][month] = np.bincount(loc[to_iskp], minlength=n)
    out["defections_to_taliban"][month] = np.bincount(loc[~to_iskp], minlength=n)
    out["defecting_fighters_to_iskp"][month] = np.bincount(
        loc[to_iskp], c.fighters[movers][to_iskp], minlength=n)
    out["surrendered_fighters"][month] = np.bincount(
        c.location[quitters], c.fighters[quitters], minlength=n)
    c.faction[movers] = 1 - c.faction[movers]
    c.from_taliban[movers] = to_iskp
    c.loyalty[movers] = model.p.defector_loyalty
    c.pressure[movers] = 0.0
    c.loyalty += model.p.loyalty_growth * (1.0 - c.loyalty)
    model.remove_commanders(surrender)
