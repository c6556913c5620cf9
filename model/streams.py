"""The random streams of a replicate: one per stochastic submodel, keyed by its seed.

The initial placement (:mod:`model.initialize`) draws once, in Python, from the ``init``
stream, a numpy Philox generator. Every other stream belongs to the compiled month step and
restarts every month at a state fixed by the replicate's key, the stream and the month
(:mod:`model.submodels.draws`). Two runs with the same seed therefore use the same random
numbers for the same submodel in the same month, whatever happened before: scenarios that
diverge from 2021-09 keep common random numbers afterwards, so their paired differences show
the scenario's effect rather than generators drifting apart. Within one (submodel, month) the
draws still follow the state (for example one uniform per living commander).
"""

from __future__ import annotations

import numpy as np

STREAM_KEY = 0x5354  # spawn-key word of the streams' own sequence (apart from Mesa's generator)
STREAMS = ("init", "recruitment", "defection", "movement", "expansion", "combat", "attacks",
           "harm", "external")
"""The streams, numbered by position: the month step's stream ``s`` is ``STREAMS[s]``."""


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
    """The random streams of one replicate.

    Both come from a sequence derived from the replicate's (same entropy, spawn key extended by
    :data:`STREAM_KEY`), without spawning, so the same sequence always gives the same streams.

    Args:
        sequence: The replicate's seed sequence.

    Attributes:
        init: The initial placement's generator (numpy Philox at counter 0).
        key: The month step's stream key, two 32-bit words as ``uint64[2]`` (read-only),
            apart from the init generator's key.
    """

    def __init__(self, sequence: np.random.SeedSequence):
        own = np.random.SeedSequence(sequence.entropy,
                                     spawn_key=(*sequence.spawn_key, STREAM_KEY))
        words = own.generate_state(6, np.uint32)  # 4 for the init key, 2 for the month's
        self.init = np.random.Generator(np.random.Philox(key=words[:4].view(np.uint64)))
        self.key = words[4:].astype(np.uint64)
        self.key.flags.writeable = False
