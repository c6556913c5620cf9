"""Fit the attack-size distribution (docs/ODD.md §7.7) to ISKP's attacks of 2015-2021.

Two sources constrain the Lomax (Pareto II) of casualties per attack, ``S(x) = (1 +
x/scale)^-tail``, capped at ``ATTACK_SIZE_CAP``:

- the claimed attacks in Afghanistan listed in ``model/data/iskp_attacks.csv`` (FACTS §7.4
  and §7.7): reported attacks, so a sample that misses many small ones; the fit uses those
  of at least ``THRESHOLD`` casualties, whose likelihood is that of the excesses,
  ``S(x) / S(u)``;
- UNAMA's casualties per claimed attack (FACTS §7.4: 183 in 7 attacks in 2017 H1, 595 in 15
  in 2018 H1): a mean of 35 to 40 casualties, which fixes the scale for each tail index.

- the record's largest attack (the list's largest, Kabul airport 2021-08-26): among the
  ~``N_ATTACKS`` claimed attacks of 2015-01..2021-08 (UNAMA's 7 in 2017 H1 and 15 in 2018 H1,
  extrapolated), about one attack at least that large is expected.

The list constrains the tail index weakly (its log-likelihood varies by about one unit from
1.05 to 3); the record's largest attack is what rules out the heaviest tails. For each tail
index the script prints the scale that gives the mean, the list's negative log-likelihood
there, the chance of an airport-sized attack and the expected number of attacks at least as
large as the record's largest. Run: ``python scripts/fit_attack_sizes.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from model.submodels.harm import ATTACK_SIZE_CAP

EVENTS = Path(__file__).resolve().parents[1] / "model" / "data" / "iskp_attacks.csv"
THRESHOLD = 25.0  # casualties: below it the record of attacks is too incomplete to use
MEANS = (35.0, 40.0)  # casualties per claimed attack, UNAMA 2017 H1 and 2018 H1
N_ATTACKS = 120  # claimed attacks in Afghanistan, 2015-01..2021-08 (approximate)
TAILS = (1.05, 1.1, 1.2, 1.3, 1.5, 1.7, 2.0, 2.5, 3.0)
AIRPORT_CASUALTIES = 486  # 170 killed at the attack-killed share 0.35


def excess_nll(sizes: np.ndarray, threshold: float, scale: float, tail: float) -> float:
    """Negative log-likelihood of sizes above ``threshold`` under the Lomax."""
    return float(-np.sum(np.log(tail) - np.log(scale + threshold)
                         - (tail + 1) * np.log((scale + sizes) / (scale + threshold))))


def capped_mean(scale: float, tail: float) -> float:
    """Mean of ``min(X, ATTACK_SIZE_CAP)``: the integral of the survival function."""
    xs = np.linspace(0.0, ATTACK_SIZE_CAP, 20001)
    return float(np.trapezoid((1.0 + xs / scale) ** -tail, xs))


def main() -> None:
    """Print the fit table."""
    events = pd.read_csv(EVENTS)
    used = events[(events.country == "Afghanistan") & (events.used == "yes")]
    sizes = (used.killed + used.injured).to_numpy(float)
    sizes, threshold = sizes[sizes >= THRESHOLD], THRESHOLD
    print(f"{len(sizes)} claimed attacks in Afghanistan of >= {threshold:.0f} casualties")
    largest = sizes.max()
    print(f"mean  tail   scale   list NLL   P(size >= airport)   E[attacks >= {largest:.0f}] "
          f"in {N_ATTACKS}")
    for mean in MEANS:
        for tail in TAILS:
            scale = brentq(lambda s, t=tail, m=mean: capped_mean(s, t) - m, 0.01, 1000.0)
            nll = excess_nll(sizes, threshold, scale, tail)
            tail_p = (1.0 + AIRPORT_CASUALTIES / scale) ** -tail
            expected = N_ATTACKS * (1.0 + largest / scale) ** -tail
            print(f"{mean:4.0f}  {tail:4.2f}  {scale:6.1f}   {nll:8.2f}   {tail_p:18.4f}   "
                  f"{expected:6.2f}")


if __name__ == "__main__":
    main()
