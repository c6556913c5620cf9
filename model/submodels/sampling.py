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
    values = lam.ravel().tolist()
    if len(values) - values.count(0.0) > SPARSE_MAX:
        return rng.poisson(lam)
    draw = rng.poisson
    return np.array([draw(x) if x else 0 for x in values], np.int64).reshape(lam.shape)


def binomial_rows(rng: np.random.Generator, trials: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """``rng.binomial(trials, prob[:, None])``: row ``r`` of ``trials`` with success ``prob[r]``.

    Args:
        rng: The generator.
        trials: Non-negative integer trials, shape ``(rows, cols)``.
        prob: Success probability of each row, shape ``(rows,)``.
    """
    values = trials.ravel().tolist()
    if len(values) - values.count(0) > SPARSE_MAX:
        return rng.binomial(trials, prob[:, None])
    draw, cols, p = rng.binomial, trials.shape[1], prob.tolist()
    draws = [draw(n, p[k // cols]) if n else 0 for k, n in enumerate(values)]
    return np.array(draws, np.int64).reshape(trials.shape)


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
