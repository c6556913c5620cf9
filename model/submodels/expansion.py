"""Submodel 4b (§7.5): ISKP founds small cells in adjacent provinces."""

from __future__ import annotations

import numpy as np

from model.state import CAPACITY, ISKP
from model.submodels.bands import add_band
from model.submodels.compile import kernel
from model.submodels.draws import uniform
from model.submodels.movement import choose, place_scores


@kernel
def expansion(p, s, r, w, neighbours, pv, c, n, forces, stream, o):
    """§7.5: ISKP bands of at least ``2 · iskp_cell_size`` fighters send out cells.

    An eligible band founds a cell with probability ``iskp_cell_rate`` (one uniform per
    eligible band, in row order). Then each founder, in row order, gives ``iskp_cell_size``
    of its fighters to a cell that goes to an adjacent province (staying excluded), chosen by
    the movement score with the cell's own strength ``e · iskp_cell_size`` on the forces after
    movement. The cell inherits ideology, loyalty and origin
    (:func:`~model.submodels.bands.add_band`). Records ``iskp_cells`` by destination. No cell
    is founded while the commander table is full (``CAPACITY`` bands).

    Returns:
        The new number of commanders.
    """
    if p.iskp_cell_rate <= 0.0:
        return n
    size = p.iskp_cell_size
    founders = np.zeros(n, np.bool_)
    for k in range(n):
        if c.faction[k] == ISKP and c.fighters[k] >= 2.0 * size:
            founders[k] = uniform(stream) < p.iskp_cell_rate
    if not founders.any():
        return n
    effective, place, weak_weight = place_scores(p, s, r, w, pv, forces)
    for k in np.flatnonzero(founders):
        if n >= CAPACITY:  # a full commander table (a runaway): no more cells
            break
        home = c.location[k]
        dest = choose(neighbours[home], effective, place, weak_weight, home, ISKP,
                      p.iskp_combat_effectiveness * size, False, stream)
        c.fighters[k] -= size
        n = add_band(c, n, k, size, dest)
        o.iskp_cells[dest] += 1.0
    return n
