"""Band bookkeeping: fighters by province, new bands, removed bands, and band splitting (§7.3).

Commanders live in the first ``n`` rows of the commander arrays (:class:`~model.state.
CommanderTable`); a new band is appended at row ``n`` and a removed one closes its gap, rows
keeping their order, so that draws made "in row order" are reproducible.
"""

from __future__ import annotations

import numpy as np

from model.state import CAPACITY, MAX_BAND
from model.submodels.compile import kernel


@kernel
def fighters_by_province(c, n, n_prov):
    """``F[i, f]``: the fighters of faction ``f`` in province ``i``, shape ``(n_prov, 2)``."""
    forces = np.zeros((n_prov, 2))
    for k in range(n):
        forces[c.location[k], c.faction[k]] += c.fighters[k]
    return forces


@kernel
def bands_by_province(c, n, n_prov):
    """The number of bands of each faction in each province, shape ``(n_prov, 2)``."""
    count = np.zeros((n_prov, 2))
    for k in range(n):
        count[c.location[k], c.faction[k]] += 1.0
    return count


@kernel
def add_band(c, n, parent, fighters, location):
    """Append a band with ``parent``'s faction, ideology, loyalty and origin, and pressure 0.

    Returns:
        The new number of bands, ``n + 1``.
    """
    if n >= CAPACITY:
        raise RuntimeError("commander capacity exceeded")
    c.fighters[n] = fighters
    c.ideology[n] = c.ideology[parent]
    c.loyalty[n] = c.loyalty[parent]
    c.pressure[n] = 0.0
    c.faction[n] = c.faction[parent]
    c.location[n] = location
    c.from_taliban[n] = c.from_taliban[parent]
    return n + 1


@kernel
def remove_bands(c, n, leaving):
    """Remove the bands flagged in ``leaving`` (bool, length ``n``), keeping the others' order.

    Returns:
        The number of bands left.
    """
    kept = 0
    for k in range(n):
        if leaving[k]:
            continue
        if kept != k:
            c.fighters[kept] = c.fighters[k]
            c.ideology[kept] = c.ideology[k]
            c.loyalty[kept] = c.loyalty[k]
            c.pressure[kept] = c.pressure[k]
            c.faction[kept] = c.faction[k]
            c.location[kept] = c.location[k]
            c.from_taliban[kept] = c.from_taliban[k]
        kept += 1
    return kept


@kernel
def split_large_bands(c, n):
    """§7.3: every band above ``MAX_BAND`` fighters splits into two equal bands in place.

    The second half is a new band (:func:`add_band`); bands split at most once a month, and
    not while the commander table is full (``CAPACITY`` bands: a runaway).

    Returns:
        The new number of bands.
    """
    for k in range(n):
        if c.fighters[k] > MAX_BAND and n < CAPACITY:
            c.fighters[k] /= 2.0
            n = add_band(c, n, k, c.fighters[k], c.location[k])
    return n
