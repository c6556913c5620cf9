"""Shared fixtures for the core-model tests: finished runs, province data, a data-dir copy.

Model runs are session-scoped and parametrised over a few seeds, so each (seed, parameter
set) is simulated once however many tests read it. A full run (2015-01..2023-12) takes
about 0.1 s.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from model.calendar import month_index
from model.data import ProvinceData, load_provinces
from model.model import Intervention, KhorasanModel
from model.parameters import Parameters

REPO = Path(__file__).resolve().parents[1]
N_MONTHS = month_index("2023-12") + 1  # 2015-01..2023-12
GOVERN = month_index("2021-09")  # first month after the fall of Kabul (2021-08-15)
WITHDRAWAL = month_index("2021-05")
SEEDS = (1, 2, 3, 4, 5)
ISKP_OFF = {"iskp_initial_fighters": 0, "cross_border_inflow": 0.0}


def run_model(params: Parameters | None = None, seed=0, n_months: int = N_MONTHS,
              interventions: tuple[Intervention, ...] = ()) -> KhorasanModel:
    """Build a :class:`KhorasanModel` and run all its months."""
    model = KhorasanModel(params or Parameters(), n_months, seed, interventions)
    model.run()
    return model


def first_bad(mask: np.ndarray) -> tuple[int, ...] | None:
    """Index of the first True entry of ``mask`` (for failure messages), or None."""
    bad = np.argwhere(mask)
    return tuple(int(k) for k in bad[0]) if len(bad) else None


@pytest.fixture(scope="session")
def provinces() -> ProvinceData:
    return load_provinces()


@pytest.fixture(scope="session", params=SEEDS, ids=lambda s: f"seed{s}")
def default_run(request) -> KhorasanModel:
    """A finished run with the default parameters, one per seed in :data:`SEEDS`."""
    return run_model(seed=request.param)


@pytest.fixture(scope="session", params=SEEDS[:3], ids=lambda s: f"seed{s}")
def iskp_off_run(request) -> KhorasanModel:
    """A finished run without ISKP (no founders, no cross-border inflow)."""
    return run_model(Parameters(ISKP_OFF), seed=request.param)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A writable copy of the packaged data folder (model/data)."""
    target = tmp_path / "data"
    with resources.as_file(resources.files("model") / "data") as source:
        shutil.copytree(source, target)
    return target
