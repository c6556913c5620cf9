"""Submodel 6: civilian harm by cause, ISKP mass-casualty attacks and grievance."""

from __future__ import annotations

import functools

import numpy as np

from model.state import ISKP, ONE, PER_10K, ZERO
from model.submodels import sampling

ATTACK_SIZE_CAP = 2000  # casualties: physical ceiling of one attack (documented in ODD)
CAUSES = ("war", "clash", "airstrike", "iskp_attack")
_MILLION, _POWER = np.array(1e6), np.array(1.5)


def attack_sizes(rng: np.random.Generator, count: int, scale: float, tail: float) -> np.ndarray:
    """Casualties of ``count`` attacks: Lomax(scale, tail), rounded up, at least 1.

    ``size = scale * ((1 - u)^(-1 / tail) - 1)`` for uniform ``u``. The tail is heavy (tail
    index ``tail``), so the Kabul-airport size is a rare draw, not an outlier; sizes are
    capped only at a physical ceiling.
    """
    size = np.subtract(ONE, rng.random(count))
    np.power(size, -1.0 / tail, out=size)
    size -= ONE
    size *= scale
    np.ceil(size, out=size)
    np.maximum(size, ONE, out=size)
    return np.minimum(size, ATTACK_SIZE_CAP, out=size)


def attack_weights(model, iskp: np.ndarray) -> np.ndarray:
    """Target weights of ISKP attacks: urban (resident^1.5), doubled near ISKP presence.

    ``w_i = (resident_i / 1e6)^1.5 * (1 + [ISKP in i or a neighbour])`` (not normalised).
    """
    near = model.near @ iskp > ZERO  # ISKP fighters (>= 0) in i or a neighbour
    weights = model.pstate.resident / _MILLION
    np.power(weights, _POWER, out=weights)
    weights *= np.add(ONE, near)
    return weights


def iskp_attacks(model, iskp: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Draw ISKP mass-casualty attacks; return attack counts and casualties per province.

    ``N ~ Poisson(a * (I_total / 1000)^alpha * (1 - exp(-(month + 1) / tau)) * (1 + gain
    [relocation wave]))``, ``alpha`` being ``iskp_attack_elasticity``; each attack hits a
    province drawn with :func:`attack_weights` and has :func:`attack_sizes` casualties.

    Returns:
        Attack counts and casualties per province, or None if there was no attack.
    """
    par, n = model.par, model.n_prov
    rate = par.iskp_attack_rate * _maturity(model.month, par.iskp_maturity_months)
    if model.relocation:
        rate *= 1.0 + par.relocation_attack_gain
    rate *= _size_factor(iskp.sum(), par.iskp_attack_elasticity)
    count = model.streams.attacks.poisson(rate)
    if count == 0:
        return None
    where = sampling.categorical(model.streams.attacks, attack_weights(model, iskp), count)
    sizes = attack_sizes(model.streams.attacks, count, par.attack_size_scale, par.attack_size_tail)
    return np.bincount(where, minlength=n), np.bincount(where, sizes, minlength=n)


def _size_factor(total: float, elasticity: float) -> float:
    """``(I_total / 1000)^alpha`` (IEEE ``pow(x, 1)`` is ``x`` exactly, so the default is too)."""
    return (total / 1000.0) ** elasticity


@functools.lru_cache(maxsize=4096)
def _maturity(month: int, tau: float) -> float:
    """ISKP attack maturity ``1 - exp(-(month + 1) / tau)`` (cached: a function of its args)."""
    return 1.0 - np.exp(-(month + 1) / tau)


def casualties_by_cause(model, attack_cas: np.ndarray | None) -> np.ndarray:
    """Civilian casualties by cause (rows: :data:`CAUSES`), integers of shape ``(4, n)``.

    War ``~ Poisson(war_harm_rate * contact)``, clash ``~ Poisson(civ_per_clash * clashes)``,
    airstrike ``~ Poisson(civ_per_strike * strikes)``; ISKP attacks as drawn.
    """
    pa, out, month = model.pa, model.out, model.month
    expected = np.empty((3, model.n_prov))
    np.multiply(pa.war_harm_rate, model.contact, out=expected[0])
    np.multiply(pa.civ_per_clash, out["clashes"][month], out=expected[1])
    np.multiply(pa.civ_per_strike, out["ct_strikes"][month], out=expected[2])
    casualties = np.empty((4, model.n_prov), np.int64)
    casualties[:3] = sampling.poisson(model.streams.harm, expected)
    casualties[3] = 0 if attack_cas is None else attack_cas
    return casualties


def step(model) -> None:
    """Draw civilian casualties by cause, split killed/injured, update population and grievance.

    ``killed ~ Binomial(casualties, share)`` per cause (``war_killed_share`` for war, clash and
    airstrike, ``attack_killed_share`` for ISKP attacks), capped at the residents.

    Args:
        model: The running :class:`~model.model.KhorasanModel`.
    """
    ps, month, out = model.pstate, model.month, model.out
    attacks = iskp_attacks(model, model.forces[:, ISKP])
    casualties = casualties_by_cause(model, None if attacks is None else attacks[1])
    killed = sampling.binomial_rows(model.streams.harm, casualties, model.killed_share).sum(axis=0)
    total = casualties.sum(axis=0, dtype=np.float64)
    model.out_groups["civ_cas"][:, month] = casualties  # rows in CAUSES order
    killed = np.minimum(killed, ps.resident, out=out["civilians_killed"][month])
    ps.resident -= killed
    ps.killed_total += killed
    ps.harm_total += total
    ps.last_harm = total
    np.subtract(total, killed, out=out["civilians_injured"][month])
    if attacks is not None:
        out["civilian_casualties_iskp"][month] = attacks[1]
        out["iskp_attacks"][month] = attacks[0]
    update_grievance(model, total)


def update_grievance(model, casualties: np.ndarray) -> None:
    """``g += k_h c (1 - g) - d (g - (g0 + shock))``, with ``c`` casualties per 10k residents.

    The result is clipped to [0, 1]. ``c`` is kept as ``pstate.harm_rate`` for displacement.
    """
    pa, ps = model.pa, model.pstate
    g = ps.grievance
    ps.harm_rate = casualties / np.maximum(ps.resident, ONE)
    ps.harm_rate *= PER_10K
    rate = pa.grievance_harm_gain * ps.harm_rate
    rate *= ONE - g
    decay = g - model.grievance_target
    decay *= pa.grievance_decay
    rate -= decay
    g += rate
    np.minimum(np.maximum(g, ZERO, out=g), ONE, out=g)
