"""Submodel 5: Taliban-ISKP clashes, Republic operations, counter-terrorism strikes."""

from __future__ import annotations

import numpy as np

from model.state import ISKP, MIN_BAND, ONE, TALIBAN
from model.submodels import sampling

PRESSURE_MEMORY = 0.6  # weight of last month's pressure (documented in docs/ODD.md)
_MEMORY, _FRESH = np.array(PRESSURE_MEMORY), np.array(1.0 - PRESSURE_MEMORY)
_TINY, _HUNDRED = np.array(1e-9), np.array(100.0)


def clashes(model, forces: np.ndarray, losses: np.ndarray) -> np.ndarray:
    """Draw Taliban-ISKP clashes and add their fighter losses per province to ``losses``.

    ``clashes_i ~ Poisson(k_i * hostility * sqrt(T_i * I_i) / 100)``; each clash costs
    ``L`` fighters, split in proportion to the enemy's effective force (Lanchester aimed fire):
    ISKP takes ``T / (T + e I)`` of them.

    Args:
        model: The running model.
        forces: Fighters per province and faction.
        losses: ``(n, 2)`` zeros, overwritten with the clash losses.

    Returns:
        Clash counts ``(n,)``.
    """
    pa = model.pa
    t, i = forces[:, TALIBAN], forces[:, ISKP]
    rate = model.spatial["clash_rate"]
    if model.governs:
        rate = rate * model.spatial["taliban_crackdown"]
    contact = t * i
    rate = rate * np.sqrt(contact, out=contact)
    rate /= _HUNDRED
    count = sampling.poisson(model.rng, rate)
    if count.any():
        eff_i = pa.iskp_combat_effectiveness * i
        total = np.maximum(t + eff_i, _TINY)
        lost = count * pa.clash_casualties
        np.multiply(lost, eff_i, out=losses[:, TALIBAN])
        np.multiply(lost, t, out=losses[:, ISKP])
        losses /= total[:, None]
    return count


def republic_operations(model, forces: np.ndarray, losses: np.ndarray) -> np.ndarray:
    """Add the losses inflicted by the Republic and the 2019 Nangarhar offensive to ``losses``.

    Taliban lose ``r_T * intensity * T * R / (R + T)``; ISKP lose ``r_I * I * R / (R + e I)``
    plus ``o * I`` in Nangarhar during the offensive. Without a Republic (and no offensive)
    every term is zero and nothing is added.

    Returns:
        The war contact ``sqrt(T R) * intensity`` per province.
    """
    par, pa, rep = model.par, model.pa, model.republic
    if model.presence == 0.0 and not model.nangarhar_offensive:
        return np.zeros(model.n_prov)
    t, i = forces[:, TALIBAN], forces[:, ISKP]
    intensity = par.offensive_2021_intensity if model.withdrawal_started else 1.0
    loss_t = np.array(par.taliban_war_loss_rate * intensity) * t
    loss_t *= rep
    loss_t /= np.maximum(rep + t, _TINY)
    eff_i = pa.iskp_combat_effectiveness * i
    loss_i = pa.republic_iskp_loss_rate * i
    loss_i *= rep
    loss_i /= np.maximum(np.add(rep, eff_i, out=eff_i), _TINY, out=eff_i)
    if model.nangarhar_offensive:
        loss_i[model.nangarhar] += par.nangarhar_offensive_2019 * i[model.nangarhar]
    losses[:, TALIBAN] += loss_t
    losses[:, ISKP] += loss_i
    contact = t * rep
    np.sqrt(contact, out=contact)
    contact *= np.array(intensity)
    return contact


def ct_strikes(model, forces: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Counter-terrorism strikes on ISKP, allocated to provinces by ISKP fighters.

    ``strikes_i ~ Poisson(rate * I_i / I_total)`` with ``rate = ct_strikes_per_month *
    ct_factor`` (``over_the_horizon_strikes`` once the Taliban govern);
    ``killed_i = min(Poisson(ct_kills_per_strike * strikes_i), I_i)``.

    Returns:
        Strike counts and ISKP fighters killed per province (None if there were no strikes).
    """
    par, i = model.par, forces[:, ISKP]
    total = i.sum()
    if total <= 0:
        return np.zeros(len(i), np.int64), None
    if model.governs:
        rate = model.spatial["over_the_horizon_strikes"]
    else:
        rate = par.ct_strikes_per_month * model.ct_factor
    expected = np.array(rate) * i
    expected /= total
    strikes = sampling.poisson(model.rng, expected)
    if not strikes.any():
        return strikes, None
    killed = sampling.poisson(model.rng, model.pa.ct_kills_per_strike * strikes)
    return strikes, np.minimum(killed, i)


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

    Province losses are clash losses plus Republic losses plus strike kills (ISKP), capped
    at the fighters present.

    Args:
        model: The running :class:`~model.model.KhorasanModel`.
    """
    month, out = model.month, model.out
    forces = model.commanders.forces(model.n_prov)
    losses = np.zeros(forces.shape)
    count = clashes(model, forces, losses)
    contact = republic_operations(model, forces, losses)
    strikes, strike_kills = ct_strikes(model, forces)
    if strike_kills is not None:
        losses[:, ISKP] += strike_kills
    np.minimum(losses, forces, out=losses)
    apply_losses(model, losses, forces)
    model.forces = model.commanders.forces(model.n_prov)
    model.contact = contact
    out["clashes"][month] = count
    out["ct_strikes"][month] = strikes
    out["taliban_losses"][month] = losses[:, TALIBAN]
    out["iskp_losses"][month] = losses[:, ISKP]
