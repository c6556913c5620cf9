"""Submodel 6: civilian harm by cause, ISKP mass-casualty attacks and grievance."""

from __future__ import annotations

import numpy as np

from model.state import ISKP

ATTACK_SIZE_CAP = 2000  # casualties: physical ceiling of one attack (documented in ODD)
CAUSES = ("war", "clash", "airstrike", "iskp_attack")


def attack_sizes(rng: np.random.Generator, count: int, scale: float, tail: float) -> np.ndarray:
    """Casualties of ``count`` attacks: Lomax(scale, tail), rounded up, at least 1.

    The tail is heavy (tail index ``tail``), so the Kabul-airport size is a rare draw, not an
    outlier; sizes are capped only at a physical ceiling.
    """
    u = rng.random(count)
    size = scale * (np.power(1.0 - u, -1.0 / tail) - 1.0)
    return np.clip(np.ceil(size), 1, ATTACK_SIZE_CAP)


def attack_weights(model, iskp: np.ndarray) -> np.ndarray:
    """Target weights of ISKP attacks: urban (resident^1.5), doubled near ISKP presence."""
    resident = model.pstate.resident
    present = iskp > 0
    padded = np.append(present, False)
    near = present | padded[model.provinces.neighbours].any(axis=1)
    w = np.power(resident / 1e6, 1.5) * (1.0 + near)
    return w / w.sum()


def iskp_attacks(model, iskp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Draw ISKP mass-casualty attacks; return attack counts and casualties per province.

    ``N ~ Poisson(a * I_total / 1000 * (1 - exp(-(month + 1) / tau)))``.
    """
    p, n = model.p, model.n_prov
    maturity = 1.0 - np.exp(-(model.month + 1) / p.iskp_maturity_months)
    count = model.rng.poisson(p.iskp_attack_rate * iskp.sum() / 1000.0 * maturity)
    if count == 0:
        return np.zeros(n, dtype=np.int64), np.zeros(n)
    where = model.rng.choice(n, size=count, p=attack_weights(model, iskp))
    sizes = attack_sizes(model.rng, count, p.attack_size_scale, p.attack_size_tail)
    return np.bincount(where, minlength=n), np.bincount(where, sizes, minlength=n)


def step(model) -> None:
    """Draw civilian casualties by cause, split killed/injured, update population and grievance.

    Args:
        model: The running :class:`~model.model.KhorasanModel`.
    """
    p, ps, rng, month, out = model.p, model.pstate, model.rng, model.month, model.out
    iskp = model.forces[:, ISKP]
    attacks, attack_cas = iskp_attacks(model, iskp)
    expected = np.stack([p.war_harm_rate * model.contact,
                         p.civ_per_clash * out["clashes"][month],
                         p.civ_per_strike * out["ct_strikes"][month]])
    casualties = np.vstack([rng.poisson(expected), attack_cas[None, :]])
    share = np.array([[p.war_killed_share]] * 3 + [[p.attack_killed_share]])
    killed = rng.binomial(casualties.astype(np.int64), share).sum(axis=0)
    total = casualties.sum(axis=0)
    for cause, row in zip(CAUSES, casualties, strict=True):
        out[f"civ_cas_{cause}"][month] = row
    killed = np.minimum(killed, ps.resident)
    ps.resident -= killed
    ps.killed_total += killed
    ps.harm_total += total
    ps.last_harm = total
    out["civilians_killed"][month] = killed
    out["civilians_injured"][month] = total - killed
    out["civilian_casualties_iskp"][month] = attack_cas
    out["iskp_attacks"][month] = attacks
    update_grievance(model, total)


def update_grievance(model, casualties: np.ndarray) -> None:
    """``g += k_h c (1 - g) - d (g - (g0 + shock))``, with ``c`` casualties per 10k residents."""
    p, ps = model.p, model.pstate
    rate = casualties / np.maximum(ps.resident, 1.0) * 1e4
    target = p.grievance_base + model.spatial["grievance_shock"]
    g = ps.grievance
    g += p.grievance_harm_gain * rate * (1.0 - g) - p.grievance_decay * (g - target)
    np.clip(g, 0.0, 1.0, out=g)
