"""The counter-based random streams: restartable per month, distinct, and seeded purely."""

from __future__ import annotations

import numpy as np
import pytest

from model.streams import STREAMS, Streams, seed_sequence


def test_a_month_restarts_at_the_same_numbers_whatever_came_before():
    streams = Streams(np.random.SeedSequence(7))
    streams.restart(5)
    first = streams.combat.random(4)
    streams.combat.random(1000)
    streams.harm.poisson(3.0, 50)
    streams.restart(5)
    np.testing.assert_array_equal(streams.combat.random(4), first)


def test_streams_and_months_differ():
    streams = Streams(np.random.SeedSequence(7))
    draws = {}
    for month in (0, 1):
        streams.restart(month)
        for name in STREAMS:
            draws[name, month] = getattr(streams, name).random(3).tobytes()
    assert len(set(draws.values())) == len(draws)


def test_same_sequence_same_streams_and_seeds_differ():
    sequence = np.random.SeedSequence(11)
    a, b = Streams(sequence), Streams(sequence)  # no spawning: the sequence is not consumed
    np.testing.assert_array_equal(a.movement.random(5), b.movement.random(5))
    c = Streams(np.random.SeedSequence(12))
    assert not np.array_equal(Streams(sequence).movement.random(5), c.movement.random(5))


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
