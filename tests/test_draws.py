"""The kernels' random numbers: the generators against reference values, the samplers against
their distributions (fixed seeds, so each test is deterministic and fails only on a bug)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit
from scipy import stats

from model.submodels import draws

N = 200_000
MASK64 = (1 << 64) - 1


def fresh_state(seed: int) -> np.ndarray:
    state = np.zeros(4, np.uint64)
    draws.start(state, np.array([seed, 99], np.uint64), 3, 17)
    return state


@njit
def _uniforms(state, n):
    return np.array([draws.uniform(state) for _ in range(n)])


@njit
def _gumbels(state, n):
    return np.array([draws.gumbel(state) for _ in range(n)])


@njit
def _poissons(state, mean, n):
    return np.array([draws.poisson(state, mean) for _ in range(n)])


@njit
def _binomials(state, trials, prob, n):
    return np.array([draws.binomial(state, trials, prob) for _ in range(n)])


@njit
def _categoricals(state, weights, n):
    total = weights.sum()
    return np.array([draws.categorical(state, weights, total) for _ in range(n)])


def chi_square_p(sample: np.ndarray, pmf, support_max: int) -> float:
    """Chi-square goodness of fit of an integer sample, bins pooled to >= 20 expected."""
    counts = np.bincount(sample, minlength=support_max + 1)[: support_max + 1].astype(float)
    counts[-1] += (sample > support_max).sum()
    expected = pmf(np.arange(support_max + 1)) * len(sample)
    expected[-1] += (1.0 - pmf(np.arange(support_max + 1)).sum()) * len(sample)
    observed, wanted, bins = [], [], [0.0, 0.0]
    for o, e in zip(counts, expected, strict=True):
        bins = [bins[0] + o, bins[1] + e]
        if bins[1] >= 20:
            observed.append(bins[0])
            wanted.append(bins[1])
            bins = [0.0, 0.0]
    observed[-1] += bins[0]
    wanted[-1] += bins[1]
    return stats.chisquare(observed, wanted).pvalue


# --- generators -------------------------------------------------------------------------------
@pytest.mark.parametrize("counter, key, expected", [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
])
def test_philox_matches_the_random123_known_answers(counter, key, expected):
    words = draws.philox4x32(*(np.uint64(x) for x in counter + key))
    assert tuple(int(w) for w in words) == expected


def _xoshiro_reference(state: list[int], count: int) -> list[int]:
    """xoshiro256** in Python integers (Blackman & Vigna's reference code)."""
    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK64
    s, out = list(state), []
    for _ in range(count):
        out.append(rotl((s[1] * 5) & MASK64, 7) * 9 & MASK64)
        t = (s[1] << 17) & MASK64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
    return out


def test_xoshiro_matches_the_reference_algorithm():
    state = fresh_state(5)
    expected = _xoshiro_reference([int(x) for x in state], 1000)
    assert [int(draws.next_u64(state)) for _ in range(1000)] == expected


def test_start_depends_on_key_stream_and_month_only():
    key = np.array([1, 2], np.uint64)
    states = set()
    for stream in range(3):
        for month in range(3):
            a, b = np.zeros(4, np.uint64), np.full(4, 7, np.uint64)
            draws.start(a, key, stream, month)
            draws.start(b, key, stream, month)
            assert a.tolist() == b.tolist()
            states.add(tuple(a.tolist()))
    assert len(states) == 9


# --- samplers ---------------------------------------------------------------------------------
def test_uniforms_are_uniform_on_the_unit_interval():
    sample = _uniforms(fresh_state(1), N)
    assert sample.min() >= 0.0 and sample.max() < 1.0
    assert stats.kstest(sample, "uniform").pvalue > 1e-3


def test_gumbel_draws_are_standard_gumbel():
    assert stats.kstest(_gumbels(fresh_state(2), N), "gumbel_r").pvalue > 1e-3


@pytest.mark.parametrize("mean", [0.3, 4.0, 9.99, 10.0, 37.0, 1500.0])
def test_poisson_draws_follow_the_poisson_law(mean):
    sample = _poissons(fresh_state(3), mean, N)
    top = int(mean + 8 * math.sqrt(mean) + 10)
    assert chi_square_p(sample, lambda k: stats.poisson.pmf(k, mean), top) > 1e-3


@pytest.mark.parametrize("trials, prob", [(5, 0.3), (40, 0.2), (30, 0.32), (200, 0.35),
                                          (200, 0.9), (2000, 0.02), (1000, 0.5)])
def test_binomial_draws_follow_the_binomial_law(trials, prob):
    sample = _binomials(fresh_state(4), trials, prob, N)
    assert sample.min() >= 0 and sample.max() <= trials
    assert chi_square_p(sample, lambda k: stats.binom.pmf(k, trials, prob), trials) > 1e-3


def test_categorical_draws_follow_the_weights():
    weights = np.array([0.0, 3.0, 1.0, 0.0, 6.0])
    sample = _categoricals(fresh_state(6), weights, N)
    counts = np.bincount(sample, minlength=5)
    assert counts[0] == counts[3] == 0
    assert stats.chisquare(counts[[1, 2, 4]], N * weights[[1, 2, 4]] / 10.0).pvalue > 1e-3


def test_degenerate_draws_take_no_random_numbers():
    state = fresh_state(7)
    before = state.copy()
    assert draws.poisson(state, 0.0) == 0
    assert draws.binomial(state, 0, 0.5) == 0
    assert draws.binomial(state, 10, 0.0) == 0
    assert draws.binomial(state, 10, 1.0) == 10
    np.testing.assert_array_equal(state, before)


@pytest.mark.parametrize("x", [1.0, 1.5, 2.0, 3.0, 6.5, 7.0, 11.0, 123.5, 1e4, 1e7])
def test_log_gamma_matches_the_library(x):
    assert draws.log_gamma(x) == pytest.approx(math.lgamma(x), rel=1e-13, abs=1e-14)
