"""Submodel 4b: ISKP founds small cells in adjacent provinces."""

from __future__ import annotations

import numpy as np

from model.state import ISKP
from model.submodels import movement


def founders(model) -> np.ndarray:
    """Rows of the ISKP bands that found a cell this month.

    An ISKP band with at least twice ``iskp_cell_size`` fighters founds one with probability
    ``iskp_cell_rate`` (one uniform per eligible band, in row order).
    """
    c, par = model.commanders, model.par
    if par.iskp_cell_rate <= 0 or c.n == 0:
        return np.zeros(0, np.int64)
    able = (c.faction == ISKP) & (c.fighters >= 2.0 * par.iskp_cell_size)
    rows = able.nonzero()[0]
    if len(rows) == 0:
        return rows
    return rows[model.streams.expansion.random(len(rows)) < par.iskp_cell_rate]


def step(model) -> None:
    """Let ISKP bands send cells of ``iskp_cell_size`` fighters to adjacent provinces.

    A founding band gives ``iskp_cell_size`` of its fighters to a new band (same ideology,
    loyalty and origin, pressure 0) in an adjacent province, chosen by the movement score of
    :func:`model.submodels.movement.scores` (the cell's own strength in the weak-enemy test;
    staying home excluded) with Gumbel-max sampling. Recorded as ``iskp_cells`` by
    destination.

    Args:
        model: The running :class:`~model.model.KhorasanModel`.
    """
    rows = founders(model)
    if len(rows) == 0:
        return
    c, size = model.commanders, model.par.iskp_cell_size
    faction = np.full(len(rows), ISKP)
    cell = model.option_cells[c.location[rows], faction]
    reach = np.full(len(rows), size)
    score = movement.scores(model, rows, faction, cell, c.forces(model.n_prov), reach)
    score[:, 0] = -np.inf  # a cell leaves its band's province
    score += model.streams.expansion.gumbel(size=score.shape)
    choice = score.argmax(axis=1)
    dest = cell[np.arange(len(rows)), choice] >> 1
    c.fighters[rows] -= size
    c.changed(key=False)
    model.spawn_bands(rows, reach, dest)
    model.out["iskp_cells"][model.month] = np.bincount(dest, minlength=model.n_prov)
