"""Submodel 5: Taliban-ISKP clashes, Republic operations, counter-terrorism strikes."""

from __future__ import annotations

import numpy as np

from model.state import ISKP, MIN_BAND, ONE, TALIBAN, ZERO
from model.submodels import sampling

PRESSURE_MEMORY = 0.6  # weight of last month's pressure (documented in docs/ODD.md)
_MEMORY, _FRESH = np.array(PRESSURE_MEMORY), np.array(1.0 - PRESSURE_MEMORY)
_TINY, _HUNDRED = np.array(1e-9), np.array(100.0)


def clash_rate(model, forces: np.ndarray, out: np.ndarray) -> None:
    """Expected Taliban-ISKP clashes per province, written into ``out``.

    ``rate_i = k_i * hostility * sqrt(T_i * I_i) / 100 * (I_i / 100)^psi``, with hostility
    the crackdown once the Taliban govern (1 before) and ``psi`` the
    ``clash_threat_elasticity`` (the last factor is skipped when ``psi`` is 0).
    """
    rate = model.spatial["clash_rate"]
    if model.governs:
        rate = rate * model.spatial["taliban_crackdown"]
    contact = forces[:, TALIBAN] * forces[:, ISKP]
    np.multiply(rate, np.sqrt(contact, out=contact), out=out)
    out /= _HUNDRED
    psi = model.par.clash_threat_elasticity
    if psi:
        out *= np.power(forces[:, ISKP] / _HUNDRED, psi)


def exposed_forces(model, forces: np.ndarray) -> np.ndarray:
    """Fighters within the Taliban's reach: ISKP fighters beyond the refuge, ``(n, 2)``.

    ``[T_i, max(I_i - refuge_i, 0)]`` with ``refuge_i = refuge_capacity * hardline_i *
    [borders Pakistan]`` (a constant-number refuge); ``forces`` itself when there is none.
    """
    if not model.has_refuge:
        return forces
    exposed = forces.copy()
    np.subtract(exposed[:, ISKP], model.refuge, out=exposed[:, ISKP])
    np.maximum(exposed[:, ISKP], ZERO, out=exposed[:, ISKP])
    return exposed


def clash_losses(model, count: np.ndarray, exposed: np.ndarray, losses: np.ndarray) -> None:
    """Write the fighter losses of ``count`` clashes per province into ``losses``.

    Each clash costs ``L`` fighters, split in proportion to the enemy's exposed effective
    force (Lanchester aimed fire): the Taliban take ``e X / (T + e X)`` of them and ISKP
    ``T / (T + e X)``, ``X`` being ISKP's exposed fighters; ISKP loses at most ``X``.

    Args:
        model: The running model.
        count: Clashes per province.
        exposed: Exposed forces ``[T, X]`` per province (:func:`exposed_forces`).
        losses: ``(n, 2)`` zeros, overwritten with the clash losses.
    """
    effective = exposed * model.effectiveness
    total = np.add(effective[:, TALIBAN], effective[:, ISKP])
    np.maximum(total, _TINY, out=total)
    lost = count * model.pa.clash_casualties
    np.multiply(lost[:, None], effective[:, ::-1], out=losses)
    losses /= total[:, None]
    np.minimum(losses[:, ISKP], exposed[:, ISKP], out=losses[:, ISKP])


def republic_operations(model, forces: np.ndarray, effective: np.ndarray,
                        losses: np.ndarray) -> np.ndarray:
    """Add the losses inflicted by the Republic and the 2019 Nangarhar offensive to ``losses``.

    Taliban lose ``r_T * intensity * T * R / (R + T)``; ISKP lose ``r_I * I * R / (R + e I)``
    plus ``o * I`` in Nangarhar during the offensive (both factions on ``(n, 2)`` arrays, in
    this order). Without a Republic (and no offensive) every term is zero and nothing is added.

    Returns:
        The war contact ``sqrt(T R) * intensity`` per province.
    """
    par, rep = model.par, model.republic
    if model.presence == 0.0 and not model.nangarhar_offensive:
        return np.zeros(model.n_prov)
    intensity = par.offensive_2021_intensity if model.withdrawal_started else 1.0
    rates = np.array([par.taliban_war_loss_rate * intensity, par.republic_iskp_loss_rate])
    war = rates * forces
    war *= model.republic_pair
    war /= np.maximum(np.add(effective, model.republic_pair), _TINY)
    if model.nangarhar_offensive:
        where = model.nangarhar
        war[where, ISKP] += par.nangarhar_offensive_2019 * forces[where, ISKP]
    losses += war
    contact = forces[:, TALIBAN] * rep
    np.sqrt(contact, out=contact)
    contact *= np.array(intensity)
    return contact


def strike_rate(model, forces: np.ndarray, out: np.ndarray) -> None:
    """Expected counter-terrorism strikes on ISKP per province, written into ``out``.

    ``rate * I_i * I_total / (I_total^2 + h^2)`` with ``rate = ct_strikes_per_month *
    ct_factor`` (``over_the_horizon_strikes`` once the Taliban govern) and ``h =
    ct_target_half_saturation``: strikes need intelligence on targets, which a larger network
    gives away more than in proportion (a Holling type III response: half the rate at
    ``I_total = h``, per-fighter risk falling to zero as ISKP shrinks). Zero without ISKP
    fighters.
    """
    par, i = model.par, forces[:, ISKP]
    total = i.sum()
    if total <= 0:
        out[:] = 0.0
        return
    if model.governs:
        rate = model.spatial["over_the_horizon_strikes"]
    else:
        rate = par.ct_strikes_per_month * model.ct_factor
    np.multiply(np.array(rate), i, out=out)
    out *= total / (total * total + par.ct_target_half_saturation ** 2)


def strike_kills(model, strikes: np.ndarray, forces: np.ndarray) -> np.ndarray | None:
    """ISKP fighters killed by ``strikes`` per province (None if there were no strikes).

    ``killed_i = min(Poisson(ct_kills_per_strike * strikes_i), I_i)``.
    """
    if not np.count_nonzero(strikes):
        return None
    killed = sampling.poisson(model.streams.combat, model.pa.ct_kills_per_strike * strikes)
    return np.minimum(killed, forces[:, ISKP])


def apply_losses(model, losses: np.ndarray, forces: np.ndarray) -> None:
    """Spread province losses over bands by size, update pressure, dissolve tiny bands.

    Each band loses the fraction ``frac = min(loss[i, f] / F[i, f], 1)`` of its fighters;
    ``pressure = 0.6 pressure + 0.4 frac``; bands below ``MIN_BAND`` dissolve.
    """
    c = model.commanders
    frac = losses / np.maximum(forces, _TINY)
    np.minimum(frac, ONE, out=frac)
    frac = frac.take(c.key)
    c.fighters *= ONE - frac
    c.changed(key=False)
    c.pressure *= _MEMORY
    frac *= _FRESH
    c.pressure += frac
    if c.n and c.fighters.min() < MIN_BAND:
        model.remove_commanders(c.fighters < MIN_BAND)


def step(model) -> None:
    """Run all combat for the month and record clashes, strikes and losses.

    ``clashes_i ~ Poisson(clash_rate_i)`` (on the exposed forces) and ``strikes_i ~
    Poisson(strike_rate_i)`` (drawn in this order); province losses are clash losses plus
    Republic losses plus strike kills (ISKP), capped at the fighters present.

    Args:
        model: The running :class:`~model.model.KhorasanModel`.
    """
    month, out = model.month, model.out
    forces = model.commanders.forces(model.n_prov)
    effective = forces * model.effectiveness
    exposed = exposed_forces(model, forces)
    rates = np.empty((2, model.n_prov))
    clash_rate(model, exposed, rates[0])
    strike_rate(model, forces, rates[1])
    count, strikes = sampling.poisson(model.streams.combat, rates)  # clashes, then strikes
    losses = np.zeros(forces.shape)
    if np.count_nonzero(count):
        clash_losses(model, count, exposed, losses)
    contact = republic_operations(model, forces, effective, losses)
    kills = strike_kills(model, strikes, forces)
    if kills is not None:
        losses[:, ISKP] += kills
    np.minimum(losses, forces, out=losses)
    apply_losses(model, losses, forces)
    model.forces = model.commanders.forces(model.n_prov)
    model.contact = contact
    out["clashes"][month] = count
    out["ct_strikes"][month] = strikes
    model.out_groups["losses"][:, month] = losses.T
