"""Public Python API: run one replicate and get tidy tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.calendar import CALENDAR_START, month_dates, month_index
from model.data import load_provinces
from model.errors import KhorasanError
from model.model import Intervention, KhorasanModel
from model.outputs import OUTPUTS
from model.parameters import Parameters


@dataclass(frozen=True)
class Replicate:
    """The output of one replicate.

    Attributes:
        arrays: Column name -> array of shape ``(months, 34)`` (from 2015-01).
        first_month: Index of the first month in the tables (``start``).
    """

    arrays: dict[str, np.ndarray]
    first_month: int = 0

    @property
    def provinces(self) -> pd.DataFrame:
        """One row per month x province: ``date``, ``province`` and every output column."""
        arrays = {k: v[self.first_month:] for k, v in self.arrays.items()}
        n_months, n_prov = next(iter(arrays.values())).shape
        names = load_provinces().names
        dates = month_dates(self.first_month + n_months)[self.first_month:]
        frame = {
            "date": np.repeat(dates.astype("datetime64[ns]"), n_prov),
            "province": pd.Categorical(np.tile(names, n_months), categories=names),
        }
        frame.update({k: v.reshape(-1) for k, v in arrays.items()})
        return pd.DataFrame(frame)

    @property
    def national(self) -> pd.DataFrame:
        """One row per month: counts and stocks summed, shares population-weighted."""
        return national_table(self.arrays, self.first_month)


def national_table(arrays: Mapping[str, np.ndarray], first_month: int = 0) -> pd.DataFrame:
    """Aggregate province arrays to a national table (see :data:`model.outputs.OUTPUTS`).

    Args:
        arrays: Column name -> ``(months, 34)`` arrays from 2015-01.
        first_month: First month index to keep.
    """
    weight = load_provinces().population
    weight = weight / weight.sum()
    n_months = next(iter(arrays.values())).shape[0]
    frame = {"date": month_dates(n_months)[first_month:].astype("datetime64[ns]")}
    for name, (how, _, _) in OUTPUTS.items():
        values = arrays[name][first_month:]
        if how == "popmean":
            frame[name] = values @ weight
        else:
            frame[name] = values.max(axis=1) if how == "max" else values.sum(axis=1)
    return pd.DataFrame(frame)


def simulate(params: Parameters, n_months: int, seed,
             interventions: Sequence[Intervention] = ()) -> dict[str, np.ndarray]:
    """Run the model for ``n_months`` from 2015-01 and return the raw output arrays.

    This is the hot path used by calibration and sweeps (no DataFrames).

    Args:
        params: Parameter values.
        n_months: Months to simulate.
        seed: An int, a ``numpy.random.SeedSequence`` or a ``Generator``.
        interventions: Dated parameter changes.
    """
    model = KhorasanModel(params, n_months, seed, interventions)
    model.run()
    return model.out


def run_replicate(params: Parameters | Mapping[str, float] | None = None,
                  start: str = CALENDAR_START, end: str = "2023-12", seed=0,
                  interventions: Sequence[Intervention] = ()) -> Replicate:
    """Run one replicate and return its tables.

    The simulation always begins at 2015-01 (the initial conditions are dated); ``start``
    is the first month kept in the tables.

    Args:
        params: A :class:`Parameters`, a mapping of overrides, or None for the defaults.
        start: First month in the tables (``YYYY-MM``).
        end: Last month simulated (``YYYY-MM``, inclusive).
        seed: An int, a ``numpy.random.SeedSequence`` or a ``Generator``.
        interventions: Dated parameter changes.

    Returns:
        A :class:`Replicate` with ``provinces`` and ``national`` tables.

    Raises:
        KhorasanError: If the dates are malformed, out of the calendar or reversed.
        ParameterError: If a parameter is unknown or invalid.
    """
    if not isinstance(params, Parameters):
        params = Parameters(params)
    first, last = month_index(start, "start"), month_index(end, "end")
    if last < first:
        raise KhorasanError(f"end: '{end}' is before start '{start}'; end must be >= start")
    arrays = simulate(params, last + 1, seed, interventions)
    return Replicate(arrays=arrays, first_month=first)
