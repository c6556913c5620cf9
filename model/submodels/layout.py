"""The array layout that the model and its kernels share, and the kernels' named views of it.

The model's state is a handful of plain numpy arrays (:class:`model.state.CommanderTable`,
:class:`model.state.ProvinceState`, the parameter vector and the output block). A kernel does
not index them by number: the fused month step (:mod:`model.submodels.month`) wraps each
array in a named tuple of views at the start of the month, so that kernels read
``p.clash_rate``, ``c.fighters[k]`` or ``pv.grievance[i]`` as the equations in docs/ODD.md §7
do. Building the tuples inside compiled code costs nothing; the builders are generated from
the field lists below (and from the parameter and output tables), so each layout is declared
once.
"""

from __future__ import annotations

from collections import namedtuple

import numba

from model.calendar import CALENDAR_FIELDS
from model.outputs import OUTPUTS
from model.parameters import SPECS
from model.state import (
    COMMANDER_FLOATS,
    COMMANDER_INTS,
    PROVINCE_FIELDS,
    REGIME_FIELDS,
    SIDE_FIELDS,
    WORLD_FIELDS,
)

PARAMETER_FIELDS = tuple(SPECS)
SPATIAL_FIELDS = tuple(name for name, spec in SPECS.items() if spec.spatial)
"""Parameters that interventions may set per province (rows of the spatial table)."""
OUTPUT_FIELDS = tuple(OUTPUTS)


def _views(name: str, fields: tuple[str, ...], args: str, items: list[str]):
    """A named-tuple type and a kernel that builds it from arrays.

    Args:
        name: The type's name.
        fields: Its fields.
        args: The builder's arguments.
        items: The expression of each field (``"v[0]"``, ...).

    Returns:
        The type and its builder.
    """
    cls = namedtuple(name, fields)
    body = ", ".join(items)
    namespace = {name: cls}
    exec(f"def build({args}):\n    return {name}({body})\n", namespace)
    return cls, numba.njit(namespace["build"])  # no source file to cache: compiled into callers


def _rows(fields: tuple[str, ...], array: str = "v", suffix: str = "") -> list[str]:
    return [f"{array}[{k}{suffix}]" for k in range(len(fields))]


Params, params_of = _views("Params", PARAMETER_FIELDS, "v", _rows(PARAMETER_FIELDS))
"""``p``: every parameter's value (a float) by name."""
Spatial, spatial_of = _views("Spatial", SPATIAL_FIELDS, "v", _rows(SPATIAL_FIELDS))
"""``s``: each spatial parameter's values by province."""
Commanders, commanders_of = _views(
    "Commanders", COMMANDER_FLOATS + COMMANDER_INTS, "floats, ints",
    _rows(COMMANDER_FLOATS, "floats") + _rows(COMMANDER_INTS, "ints"))
"""``c``: each commander variable by row (the first ``n`` rows are the living commanders)."""
Provinces, provinces_of = _views("Provinces", PROVINCE_FIELDS, "v", _rows(PROVINCE_FIELDS))
"""``pv``: each province variable by province."""
World, world_of = _views("World", WORLD_FIELDS, "v", _rows(WORLD_FIELDS))
"""``w``: each static province attribute by province."""
Sides, sides_of = _views("Sides", SIDE_FIELDS, "v", _rows(SIDE_FIELDS))
"""``sides``: each faction variable by faction."""
Regime, regime_of = _views("Regime", REGIME_FIELDS, "v", _rows(REGIME_FIELDS))
"""``r``: the dated regime's values (read-only within the month)."""
Calendar, calendar_of = _views("Calendar", CALENDAR_FIELDS, "v", _rows(CALENDAR_FIELDS))
"""``cal``: each calendar function by month."""
Outputs, outputs_at = _views("Outputs", OUTPUT_FIELDS, "out, m",
                             _rows(OUTPUT_FIELDS, "out", ", m"))
"""``o``: this month's row (by province) of every output."""
