"""Submodel 5: Taliban-ISKP clashes, Republic operations, counter-terrorism strikes."""

from __future__ import annotations

import numpy as np

from model.state import ISKP, MIN_BAND, TALIBAN

PRESSURE_MEMORY = 0.6  # weight of last month's pressure (documented in docs/ODD.md)


def clashes(model, forces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Draw Taliban-ISKP clashes and their fighter losses per province.

    ``clashes_i ~ Poisson(k_i * hostility * sqrt(T_i * I_i) / 100)``; each clash costs
    ``L`` fighters, split in proportion to the enemy's effective force (Lanchester aimed fire):
    ISKP takes ``T / (T + e I)`` of them.

    Returns:
        Clash counts ``(n,)`` and losses ``(n, 2)``.
    """
    p = model.p
    t, i = forces[:, TALIBAN], forces[:, ISKP]
    hostility = model.spatial["taliban_crackdown"] if model.governs else 1.0
    rate = model.spatial["clash_rate"] * hostility * np.sqrt(t * i) / 100.0
    count = model.rng.poisson(rate)
    eff_i = p.iskp_combat_effectiveness * i
    total = np.maximum(t + eff_i, 1e-9)
    lost = count * p.clash_casualties
    losses = np.column_stack([lost * eff_i / total, lost * t / total])
    return count, losses


def republic_operations(model, forces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Losses inflicted by the Republic and the 2019 Nangarhar offensive.

    Taliban lose ``r_T * intensity * T * R / (R + T)``; ISKP lose ``r_I * I * R / (R + e I)``
    plus ``o * I`` in Nangarhar during the offensive.

    Returns:
        Losses ``(n, 2)`` and the war contact ``sqrt(T R) * intensity`` per province.
    """
    p, rep = model.p, model.republic
    t, i = forces[:, TALIBAN], forces[:, ISKP]
    intensity = p.offensive_2021_intensity if model.withdrawal_started else 1.0
    loss_t = p.taliban_war_loss_rate * intensity * t * rep / np.maximum(rep + t, 1e-9)
    eff_i = p.iskp_combat_effectiveness * i
    loss_i = p.republic_iskp_loss_rate * i * rep / np.maximum(rep + eff_i, 1e-9)
    if model.nangarhar_offensive:
        loss_i[model.nangarhar] += p.nangarhar_offensive_2019 * i[model.nangarhar]
    return np.column_stack([loss_t, loss_i]), np.sqrt(t * rep) * intensity


def ct_strikes(model, forces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counter-terrorism strikes on ISKP, allocated to provinces by ISKP fighters.

    Returns:
        Strike counts and ISKP fighters killed, per province.
    """
    p, i = model.p, forces[:, ISKP]
    total = i.sum()
    if total <= 0:
        zero = np.zeros_like(i)
        return zero.astype(np.int64), zero
    if model.governs:
        rate = model.spatial["over_the_horizon_strikes"]
    else:
        rate = p.ct_strikes_per_month * model.ct_factor
    strikes = model.rng.poisson(rate * i / total)
    killed = np.minimum(model.rng.poisson(p.ct_kills_per_strike * strikes), i)
    return strikes, killed


def apply_losses(model, losses: np.ndarray, forces: np.ndarray) -> None:
    """Spread province losses over bands by size, update pressure, dissolve tiny bands."""
    c = model.commanders
    key = c.location, c.faction
    frac = np.minimum(losses[key] / np.maximum(forces[key], 1e-9), 1.0)
    c.fighters *= 1.0 - frac
    c.pressure *= PRESSURE_MEMORY
    c.pressure += (1.0 - PRESSURE_MEMORY) * frac
    model.remove_commanders(c.fighters < MIN_BAND)


def step(model) -> None:
    """Run all combat for the month and record clashes, strikes and losses.

    Args:
        model: The running :class:`~model.model.KhorasanModel`.
    """
    month, out = model.month, model.out
    forces = model.commanders.forces(model.n_prov)
    count, clash_losses = clashes(model, forces)
    rep_losses, contact = republic_operations(model, forces)
    strikes, strike_kills = ct_strikes(model, forces)
    losses = clash_losses + rep_losses
    losses[:, ISKP] += strike_kills
    losses = np.minimum(losses, forces)
    apply_losses(model, losses, forces)
    model.forces = model.commanders.forces(model.n_prov)
    model.contact = contact
    out["clashes"][month] = count
    out["ct_strikes"][month] = strikes
    out["taliban_losses"][month] = losses[:, TALIBAN]
    out["iskp_losses"][month] = losses[:, ISKP]
