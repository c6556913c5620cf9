"""Counter-based random streams: one generator per (submodel, month) of a replicate.

Every stochastic submodel draws from its own stream, and each stream restarts every month at
a counter fixed by the replicate's seed, the submodel and the month (Philox is counter-based,
so this is exact and cheap). Two runs with the same seed therefore use the same random
numbers for the same submodel in the same month, whatever happened before: scenarios that
diverge from 2021-09 keep common random numbers afterwards, so their paired differences show
the scenario's effect rather than generators drifting apart. Within one (submodel, month) the
draws still follow the state (for example one uniform per living commander).
"""

from __future__ import annotations

import numpy as np

STREAM_KEY = 0x5354  # spawn-key word of the streams' own sequence (apart from Mesa's generator)
STREAMS = ("init", "recruitment", "defection", "movement", "expansion", "combat", "attacks",
           "harm")


def seed_sequence(seed) -> np.random.SeedSequence:
    """The :class:`numpy.random.SeedSequence` behind an int, a SeedSequence or a Generator.

    Raises:
        TypeError: If ``seed`` is none of these (or a Generator without a seed sequence).
    """
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        sequence = seed.bit_generator.seed_seq
        if isinstance(sequence, np.random.SeedSequence):
            return sequence
        raise TypeError("a Generator passed as the seed must have a SeedSequence")
    if isinstance(seed, int | np.integer) and not isinstance(seed, bool):
        return np.random.SeedSequence(int(seed))
    raise TypeError(f"seed must be an int, a SeedSequence or a Generator, not {type(seed)}")


class Streams:
    """The random streams of one replicate (attribute access by submodel name).

    Args:
        sequence: The replicate's seed sequence; the Philox key comes from a sequence derived
            from it (same entropy, spawn key extended by :data:`STREAM_KEY`), without
            spawning, so the same sequence always gives the same streams.
    """

    def __init__(self, sequence: np.random.SeedSequence):
        own = np.random.SeedSequence(sequence.entropy,
                                     spawn_key=(*sequence.spawn_key, STREAM_KEY))
        self._key = own.generate_state(2, np.uint64)
        self._bits = [np.random.Philox(key=self._key) for _ in STREAMS]
        for name, bits in zip(STREAMS, self._bits, strict=True):
            setattr(self, name, np.random.Generator(bits))
        self._states = [
            {"bit_generator": "Philox",
             "state": {"counter": np.array([0, 0, index, 0], np.uint64), "key": self._key},
             "buffer": np.zeros(4, np.uint64), "buffer_pos": 4, "has_uint32": 0, "uinteger": 0}
            for index in range(len(STREAMS))]
        self.restart(0)

    def restart(self, month: int) -> None:
        """Put every stream at the start of its block for ``month``.

        Stream ``s`` starts at Philox counter ``(0, 0, s, month)``; a block holds 2^128
        draws, far more than a month uses.
        """
        for bits, state in zip(self._bits, self._states, strict=True):
            state["state"]["counter"][3] = month  # the setter copies the state in
            bits.state = state
