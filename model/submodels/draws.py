"""Counter-based random streams of the compiled monthly step, and the draws made from them.

A *stream* is the random source of one submodel in one month. Its state is the four 64-bit
words of a xoshiro256** generator (Blackman & Vigna 2021), set at the start of the month from
two blocks of the Philox4x32-10 function (Salmon et al. 2011) at the counters
``(j, 0, stream, month)``, ``j = 0, 1``, under the replicate's 64-bit key. The same key, stream
and month therefore always start the same sequence, whatever happened in earlier months
(docs/ODD.md §4.9). Within a month the stream is a plain sequential generator, so its state is
a ``uint64[4]`` row that the draws below advance in place.

Every function is a numba kernel. Run as plain Python (``NUMBA_DISABLE_JIT=1``) they give the
same numbers: integers wrap modulo 2^64 in both (numpy warns about the wrap in plain Python;
see :func:`model.submodels.uncompiled`), and floats use only ``+ - * /``, ``sqrt``, ``log``,
``exp`` and ``floor``, which the compiled code takes from the same C library.
"""

from __future__ import annotations

import math

import numpy as np

from model.submodels.compile import inline, kernel

# Philox4x32-10 (Random123): multipliers and Weyl key increments.
_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)
_LOW32 = np.uint64(0xFFFFFFFF)
_U5, _U7, _U9, _U11, _U17, _U32, _U45, _U64 = (np.uint64(k) for k in (5, 7, 9, 11, 17, 32,
                                                                       45, 64))
_ZERO = np.uint64(0)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2^-53
_INVERSION_MAX = 10.0  # mean below which Poisson and binomial draws use inversion
_STIRLING = (1.0 / 12.0, -1.0 / 360.0, 1.0 / 1260.0, -1.0 / 1680.0, 1.0 / 1188.0,
             -691.0 / 360360.0, 1.0 / 156.0, -3617.0 / 122400.0, 43867.0 / 244188.0,
             -174611.0 / 125400.0)
"""Coefficients ``B_2k / (2k (2k - 1))`` of the Stirling series of ``log Γ`` (k = 1..10)."""


@kernel
def philox4x32(c0, c1, c2, c3, k0, k1):
    """The Philox4x32-10 block function: four 32-bit words (held in uint64) of a counter.

    Args:
        c0: Counter word 0 (< 2^32, as are all words).
        c1: Counter word 1.
        c2: Counter word 2.
        c3: Counter word 3.
        k0: Key word 0.
        k1: Key word 1.

    Returns:
        The four output words.
    """
    for round_ in range(10):
        if round_:
            k0 = (k0 + _W0) & _LOW32
            k1 = (k1 + _W1) & _LOW32
        p0 = _M0 * c0
        p1 = _M1 * c2
        c0, c1, c2, c3 = ((p1 >> _U32) ^ c1 ^ k0, p1 & _LOW32, (p0 >> _U32) ^ c3 ^ k1,
                          p0 & _LOW32)
    return c0, c1, c2, c3


@kernel
def start(state, key, stream, month):
    """Set ``state`` (``uint64[4]``) to the start of ``stream`` in ``month`` under ``key``.

    Args:
        state: The stream's xoshiro256** state, overwritten.
        key: The replicate's key, ``uint64[2]`` of 32-bit words.
        stream: The stream number.
        month: The month index.
    """
    for block in range(2):
        w0, w1, w2, w3 = philox4x32(np.uint64(block), _ZERO, np.uint64(stream),
                                    np.uint64(month), key[0], key[1])
        state[2 * block] = (w0 << _U32) | w1
        state[2 * block + 1] = (w2 << _U32) | w3
    if state[0] == 0 and state[1] == 0 and state[2] == 0 and state[3] == 0:
        state[0] = np.uint64(1)  # the one state xoshiro cannot leave (probability 2^-256)


@inline
def _rotl(x, k):
    return (x << k) | (x >> (_U64 - k))


@inline
def next_u64(state):
    """The next 64-bit output of xoshiro256** (state advanced in place)."""
    result = _rotl(state[1] * _U5, _U7) * _U9
    shifted = state[1] << _U17
    state[2] ^= state[0]
    state[3] ^= state[1]
    state[1] ^= state[2]
    state[0] ^= state[3]
    state[2] ^= shifted
    state[3] = _rotl(state[3], _U45)
    return result


@inline
def uniform(state):
    """A uniform double in [0, 1) with 53 random bits."""
    return float(next_u64(state) >> _U11) * _TO_UNIT


@inline
def gumbel(state):
    """A standard Gumbel draw ``-log(-log(u))``, ``u`` uniform in (0, 1)."""
    u = uniform(state)
    while u == 0.0:
        u = uniform(state)
    return -math.log(-math.log(u))


@kernel
def categorical(state, weights, total):
    """Index ``j`` with probability ``weights[j] / total`` (``total`` = the weights' sum > 0).

    Inversion: the first ``j`` whose cumulative weight exceeds ``u * total``.
    """
    target = uniform(state) * total
    last = len(weights) - 1
    cumulative = 0.0
    for j in range(last):
        cumulative += weights[j]
        if target < cumulative:
            return j
    while weights[last] <= 0.0 and last > 0:  # rounding left the target past the last weight
        last -= 1
    return last


@kernel
def log_gamma(x):
    """``log Γ(x)`` for ``x >= 1`` (Stirling series, shifted to ``x >= 7``)."""
    if x == 1.0 or x == 2.0:
        return 0.0
    shift = 0
    if x < 7.0:
        shift = int(7.0 - x)
    x0 = x + shift
    inv_sq = 1.0 / (x0 * x0)
    series = _STIRLING[9]
    for k in range(8, -1, -1):
        series = series * inv_sq + _STIRLING[k]
    value = series / x0 + 0.5 * math.log(2.0 * math.pi) + (x0 - 0.5) * math.log(x0) - x0
    for _ in range(shift):
        x0 -= 1.0
        value -= math.log(x0)
    return value


@inline
def poisson(state, mean):
    """A Poisson draw; a mean of 0 (or less) gives 0 without consuming the stream.

    Inversion below a mean of 10, else the transformed rejection PTRS (Hörmann 1993).
    """
    if mean <= 0.0:
        return 0
    if mean < _INVERSION_MAX:
        return _poisson_inversion(state, mean)
    return _poisson_ptrs(state, mean)


@kernel
def _poisson_inversion(state, mean):
    first = math.exp(-mean)
    while True:
        u = uniform(state)
        k, term = 0, first
        while u > term and k < 1000:
            u -= term
            k += 1
            term *= mean / k
        if k < 1000:  # else rounding left u beyond the summed terms: draw again
            return k


@kernel
def _candidate(state, a, b, centre):
    """One candidate of Hörmann's transformed rejection (PTRS, BTRS): ``(u_s, v, k)``.

    ``u = U - 1/2``, ``v = V``, ``u_s = 1/2 - |u|`` (redrawn while ``u_s ≤ 0``) and ``k =
    ⌊(2a / u_s + b) u + centre⌋``.
    """
    while True:
        u = uniform(state) - 0.5
        v = uniform(state)
        us = 0.5 - abs(u)
        if us > 0.0:
            return us, v, math.floor((2.0 * a / us + b) * u + centre)


@kernel
def _poisson_ptrs(state, mean):
    root = math.sqrt(mean)
    log_mean = math.log(mean)
    b = 0.931 + 2.53 * root
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        us, v, k = _candidate(state, a, b, mean + 0.43)
        if us >= 0.07 and v <= v_r:
            return int(k)
        if k < 0.0 or (us < 0.013 and v > us):
            continue
        if (math.log(v) + math.log(inv_alpha) - math.log(a / (us * us) + b)
                <= -mean + k * log_mean - log_gamma(k + 1.0)):
            return int(k)


@inline
def binomial(state, trials, prob):
    """A binomial draw; no trials or a probability of 0 gives 0 without a draw (1 gives ``trials``).

    Drawn for ``q = min(prob, 1 - prob)`` and mirrored: by inversion when ``trials · q < 10``,
    else by the transformed rejection BTRS (Hörmann 1993).
    """
    if trials <= 0 or prob <= 0.0:
        return 0
    if prob >= 1.0:
        return trials
    q = min(prob, 1.0 - prob)
    if trials * q < _INVERSION_MAX:
        k = _binomial_inversion(state, trials, q)
    else:
        k = _binomial_btrs(state, trials, q)
    return k if q == prob else trials - k


@kernel
def _binomial_inversion(state, trials, q):
    first = math.pow(1.0 - q, float(trials))
    odds = q / (1.0 - q)
    while True:
        u = uniform(state)
        k, term = 0, first
        while u > term and k < trials:
            u -= term
            k += 1
            term *= odds * (trials - k + 1) / k
        if u <= term:
            return k


@kernel
def _stirling_tail(k):
    """``log k! - ((k + 1/2) log(k + 1) - (k + 1) + log(2π) / 2)``."""
    if k <= 9.0:
        return log_gamma(k + 1.0) - ((k + 0.5) * math.log(k + 1.0) - (k + 1.0)
                                     + 0.5 * math.log(2.0 * math.pi))
    sq = (k + 1.0) * (k + 1.0)
    return (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / 1260.0 / sq) / sq) / (k + 1.0)


@kernel
def _binomial_btrs(state, trials, q):
    n = float(trials)
    spread = math.sqrt(n * q * (1.0 - q))
    b = 1.15 + 2.53 * spread
    a = -0.0873 + 0.0248 * b + 0.01 * q
    c = n * q + 0.5
    v_r = 0.92 - 4.2 / b
    odds = q / (1.0 - q)
    alpha = (2.83 + 5.1 / b) * spread
    mode = math.floor((n + 1.0) * q)
    while True:
        us, v, k = _candidate(state, a, b, c)
        if k < 0.0 or k > n:
            continue
        if us >= 0.07 and v <= v_r:
            return int(k)
        v = math.log(v * alpha / (a / (us * us) + b))
        bound = ((mode + 0.5) * math.log((mode + 1.0) / (odds * (n - mode + 1.0)))
                 + (n + 1.0) * math.log((n - mode + 1.0) / (n - k + 1.0))
                 + (k + 0.5) * math.log(odds * (n - k + 1.0) / (k + 1.0))
                 + _stirling_tail(mode) + _stirling_tail(n - mode)
                 - _stirling_tail(k) - _stirling_tail(n - k))
        if v <= bound:
            return int(k)
