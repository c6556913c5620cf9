"""Emulators of the calibration statistics and the implausibility they give (history matching).

An emulator predicts the targets' statistics from the free parameters (on the unit cube) without
running the model. One wave's emulator is a small neural network (scikit-learn's
``MLPRegressor``, two hidden layers of 64) fitted to that wave's simulations, every statistic
standardised, all targets at once: the waves hold thousands of simulations, where a Gaussian
process's cubic cost in the design size is out of reach, and screening a million candidate
points costs a few matrix products (a tree ensemble per target took 0.3 ms per point for 47
targets, a minute per wave's screen). Statistics are clipped 10 scale units beyond the
observation (:meth:`TargetArrays.filled`), and runs that failed are left out.

A fifth of the wave is held out. Its residual variance holds the emulator's error about the
*mean* statistic and a single run's noise around that mean; the noise is measured on pairs of
runs of the same points (``noise_pairs`` per wave, other seeds), and the emulator's error
variance V_j is the rest (at least a tenth of the residual variance). The implausibility of a
parameter vector x for target j is

    I_j(x) = miss_j(E_j(x)) / sqrt(1 + V_j / s_j^2)

where ``miss_j`` is the target's miss in units of its scale s_j (0 inside an observed range)
and E_j the emulator's prediction of the mean statistic: the scale is the tolerance the
acceptance criteria allow the median over many runs, V_j what the emulator does not know
about that mean (Vernon et al. 2010; Andrianakis et al. 2015, who add the model's ensemble
variance where the data are compared with one run). x is ruled out when the ``rank``-th
largest I_j exceeds the cutoff (3, after Pukelsheim's three-sigma rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from model.calibration.targets import UNDEFINED_MISS, Target

HOLDOUT = 0.2  # share of a wave held out to measure each emulator's error
ERROR_FLOOR = 0.1  # the emulator's error variance is at least this share of its residuals


@dataclass(frozen=True)
class TargetArrays:
    """The targets' observations as arrays (NaN where a target has a range or a point)."""

    value: np.ndarray
    low: np.ndarray
    high: np.ndarray
    scale: np.ndarray

    @classmethod
    def of(cls, targets: list[Target]) -> TargetArrays:
        """Arrays of the targets' points, ranges and scales, in target order."""
        def get(key: str) -> np.ndarray:
            return np.array([np.nan if getattr(t, key) is None else getattr(t, key)
                             for t in targets], dtype=float)
        return cls(get("value"), get("low"), get("high"), get("scale"))

    def misses(self, stats: np.ndarray) -> np.ndarray:
        """Each statistic's miss in scale units (rows: particles); NaN counts as 10 units."""
        point = np.abs(stats - self.value) / self.scale
        outside = np.maximum(np.maximum(self.low - stats, stats - self.high), 0.0) / self.scale
        miss = np.where(np.isnan(self.value), outside, point)
        return np.where(np.isnan(stats), UNDEFINED_MISS, miss)

    def filled(self, stats: np.ndarray) -> np.ndarray:
        """Statistics clipped to 10 scale units around the observation; NaN (never) above.

        Beyond 10 units every point is ruled out alike, so the emulator need not learn how
        far beyond: a runaway corner of the prior (ISKP casualties in the hundreds of
        thousands) would otherwise dominate its squared error.
        """
        low = np.where(np.isnan(self.value), self.low, self.value) - UNDEFINED_MISS * self.scale
        top = np.where(np.isnan(self.value), self.high, self.value) + UNDEFINED_MISS * self.scale
        return np.clip(np.where(np.isnan(stats), top, stats), low, top)


@dataclass
class Emulators:
    """One wave's emulator: a network over standardised statistics, an error variance each."""

    network: Any
    mean: np.ndarray
    sd: np.ndarray
    error_var: np.ndarray
    r2: np.ndarray

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted statistics, one column per target."""
        return self.network.predict(x).reshape(len(x), -1) * self.sd + self.mean

    def implausibility(self, x: np.ndarray, obs: TargetArrays) -> np.ndarray:
        """I_j(x) for every row of ``x`` and every target."""
        return obs.misses(self.predict(x)) / np.sqrt(1.0 + self.error_var / obs.scale ** 2)


def noise_variance(first: np.ndarray, second: np.ndarray, obs: TargetArrays) -> np.ndarray:
    """Each target's seed-to-seed variance from pairs of runs of the same points."""
    return np.mean((obs.filled(first) - obs.filled(second)) ** 2, axis=0) / 2.0


def fit(x: np.ndarray, stats: np.ndarray, obs: TargetArrays, seed: int,
        noise_var: np.ndarray | None = None) -> Emulators:
    """Fit a wave's emulator to its unit-cube points and simulated statistics.

    The held-out residual variance holds the emulator's error about the mean statistic and
    the single run's noise around that mean. Given the noise (``noise_var``, from pairs of
    runs), the error variance is the rest, but never below :data:`ERROR_FLOOR` of the
    residual variance: the implausibility then asks whether the *mean* statistic (what the
    acceptance criteria judge, through medians over many runs) can be near the observation.

    Runs without any statistic (every one NaN) are left out; the rejection stage rejects
    such points when it meets them.

    Args:
        x: Points, shape ``(n, d)`` in ``[0, 1]^d``.
        stats: Simulated statistics, shape ``(n, targets)`` (NaN: the event never happened).
        obs: The targets' observations.
        seed: Seeds the holdout split and the network's initial weights.
        noise_var: Each target's seed-to-seed variance, or None (then all of the residual
            variance counts as emulator error).
    """
    from sklearn.neural_network import MLPRegressor

    ran = ~np.isnan(stats).all(axis=1)  # a run with no statistic at all teaches nothing smooth
    x, y = x[ran], obs.filled(stats[ran])
    mean, sd = y.mean(axis=0), y.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    test = np.random.default_rng(seed).random(len(x)) < HOLDOUT
    network = MLPRegressor(hidden_layer_sizes=(64, 64), alpha=1e-3, max_iter=400,
                           early_stopping=True, n_iter_no_change=20, random_state=seed % 2**32)
    z = (y[~test] - mean) / sd
    network.fit(x[~test], z if z.shape[1] > 1 else z.ravel())
    emulators = Emulators(network, mean, sd, np.zeros(y.shape[1]), np.zeros(y.shape[1]))
    residual = np.mean((y[test] - emulators.predict(x[test])) ** 2, axis=0)
    spread = np.var(y[test], axis=0)
    emulators.r2 = np.where(spread > 0, 1.0 - residual / np.where(spread > 0, spread, 1.0), 1.0)
    noise = np.zeros_like(residual) if noise_var is None else noise_var
    emulators.error_var = np.maximum(residual - noise, ERROR_FLOOR * residual)
    return emulators


def ruled_out(x: np.ndarray, waves: list[Emulators], obs: TargetArrays, cutoff: float,
              rank: int) -> np.ndarray:
    """Which points some wave's emulators rule out (its ``rank``-th largest I_j > cutoff)."""
    out = np.zeros(len(x), dtype=bool)
    for emulators in waves:
        keep = ~out
        if not keep.any():
            break
        implausible = np.sort(emulators.implausibility(x[keep], obs), axis=1)[:, -rank]
        out[np.flatnonzero(keep)[implausible > cutoff]] = True
    return out
