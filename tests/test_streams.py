"""The counter-based random streams: restartable per month, distinct, and seeded purely."""

from __future__ import annotations

import numpy as np
import pytest

from model.streams import STREAMS, Streams, seed_sequence
from model.submodels import draws


def started(key: np.ndarray, stream: int, month: int) -> np.ndarray:
    state = np.zeros(4, np.uint64)
    draws.start(state, key, stream, month)
    return state


def uniforms(state: np.ndarray, count: int) -> list[float]:
    return [draws.uniform(state) for _ in range(count)]


def test_a_month_restarts_at_the_same_numbers_whatever_came_before():
    key = Streams(np.random.SeedSequence(7)).key
    state = started(key, STREAMS.index("combat"), 5)
    first = uniforms(state, 4)
    uniforms(state, 1000)
    assert uniforms(started(key, STREAMS.index("combat"), 5), 4) == first


def test_streams_and_months_differ():
    key = Streams(np.random.SeedSequence(7)).key
    seen = {tuple(uniforms(started(key, s, m), 3)) for s in range(len(STREAMS)) for m in (0, 1)}
    assert len(seen) == 2 * len(STREAMS)


def test_same_sequence_same_streams_and_seeds_differ():
    sequence = np.random.SeedSequence(11)
    a, b = Streams(sequence), Streams(sequence)  # no spawning: the sequence is not consumed
    np.testing.assert_array_equal(a.key, b.key)
    np.testing.assert_array_equal(a.init.random(5), b.init.random(5))
    c = Streams(np.random.SeedSequence(12))
    assert not np.array_equal(a.key, c.key)
    assert not np.array_equal(Streams(sequence).init.random(5), c.init.random(5))


def test_the_month_key_is_apart_from_the_init_key():
    streams = Streams(np.random.SeedSequence(3))
    init_key = streams.init.bit_generator.state["state"]["key"].view(np.uint32)
    assert not set(streams.key.tolist()) & set(init_key.tolist())
    assert not streams.key.flags.writeable


def test_seed_sequence_accepts_ints_sequences_and_generators():
    sequence = np.random.SeedSequence(3)
    assert seed_sequence(sequence) is sequence
    assert seed_sequence(np.random.default_rng(sequence)) is sequence
    assert seed_sequence(3).entropy == 3
    assert seed_sequence(np.int64(3)).entropy == 3


@pytest.mark.parametrize("bad", [1.5, "3", None, True])
def test_seed_sequence_rejects_other_types(bad):
    with pytest.raises(TypeError, match="seed must be"):
        seed_sequence(bad)
