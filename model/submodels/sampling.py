"""Cheap exact equivalents of numpy ``Generator`` draws on small, mostly-zero arrays.

Each helper returns the same values as the numpy call it replaces *and* leaves the generator
in the same state, so results are bit-identical: numpy draws element by element in C order,
and a Poisson mean of 0 or a binomial with 0 trials returns 0 without consuming the stream.
An array call costs a fixed ~8 µs of argument checking, a scalar call under 1 µs, so when
only a few entries are nonzero the helpers draw those one by one.
"""

from __future__ import annotations

import numpy as np

SPARSE_MAX = 8  # nonzero entries up to which scalar draws beat one array call


def poisson(rng: np.random.Generator, lam: np.ndarray) -> np.ndarray:
    """``rng.poisson(lam)`` for a float array ``lam``, drawing only its nonzero means.

    Raises:
        ValueError: As numpy does, for a negative or NaN mean.
    """
    hits = lam.reshape(-1).nonzero()[0]
    if len(hits) > SPARSE_MAX:
        return rng.poisson(lam)
    out = np.zeros(lam.shape, np.int64)
    if len(hits):
        flat, draw = out.reshape(-1), rng.poisson
        for k, mean in zip(hits.tolist(), lam.reshape(-1)[hits].tolist(), strict=True):
            flat[k] = draw(mean)
    return out


def binomial_rows(rng: np.random.Generator, trials: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """``rng.binomial(trials, prob[:, None])``: row ``r`` of ``trials`` with success ``prob[r]``.

    Args:
        rng: The generator.
        trials: Non-negative integer trials, shape ``(rows, cols)``.
        prob: Success probability of each row, shape ``(rows,)``.
    """
    hits = trials.reshape(-1).nonzero()[0]
    if len(hits) > SPARSE_MAX:
        return rng.binomial(trials, prob[:, None])
    out = np.zeros(trials.shape, np.int64)
    if len(hits):
        flat, cols, draw, p = out.reshape(-1), trials.shape[1], rng.binomial, prob.tolist()
        for k, n in zip(hits.tolist(), trials.reshape(-1)[hits].tolist(), strict=True):
            flat[k] = draw(n, p[k // cols])
    return out


def categorical(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """``rng.choice(len(weights), size, p=weights / weights.sum())`` without its checks.

    Uses numpy's own method: the normalised cumulative sum searched with ``size`` uniforms.

    Raises:
        ValueError: If the weights do not have a positive finite sum.
    """
    total = weights.sum()
    if not 0.0 < total < np.inf:
        raise ValueError("weights must have a positive finite sum")
    cdf = (weights / total).cumsum()
    cdf /= cdf[-1]
    return cdf.searchsorted(rng.random(size), side="right")
