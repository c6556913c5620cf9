"""The fixed-seed golden baseline: a default replicate reproduces tests/golden/ exactly.

Both sides are rounded to 6 significant digits by the same function, then compared with a
relative tolerance of 1e-9, so any change of model behaviour beyond the rounding shows up.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

SCRIPT = REPO / "scripts" / "update_golden.py"
RTOL = 1e-9


def _load_script():
    spec = importlib.util.spec_from_file_location("update_golden", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


golden = _load_script()


@pytest.fixture(scope="module")
def stored() -> pd.DataFrame:
    assert golden.GOLDEN.exists(), f"{golden.GOLDEN.name} is missing: run `make golden`"
    return golden.read_golden()


@pytest.fixture(scope="module")
def fresh() -> pd.DataFrame:
    return golden.golden_table()


def mismatch_report(stored: pd.DataFrame, fresh: pd.DataFrame, limit: int = 8) -> str:
    """Human-readable list of the first differing (month, column) cells."""
    close = np.isclose(fresh.to_numpy(), stored.to_numpy(), rtol=RTOL, atol=0.0)
    rows, cols = np.nonzero(~close)
    lines = [f"  {stored.index[r]} {stored.columns[c]}: golden {float(stored.iat[r, c])!r}, "
             f"now {float(fresh.iat[r, c])!r}"
             for r, c in zip(rows[:limit], cols[:limit], strict=True)]
    more = f"\n  ... and {len(rows) - limit} more" if len(rows) > limit else ""
    return (f"{len(rows)} golden values changed (seed {golden.SEED}, rtol {RTOL}):\n"
            + "\n".join(lines) + more + "\nIf this change of model behaviour is intended, run "
            f"`{golden.REFRESH}` and commit the reviewed diff of tests/golden/; otherwise do "
            "NOT refresh: find the change that altered the model's results.")


def test_header_names_the_refresh_command():
    with open(golden.GOLDEN, encoding="utf-8") as fh:
        header = [line for line in fh if line.startswith("#")]
    assert header, "the golden file lacks its comment header"
    assert any(f"`{golden.REFRESH}`" in line for line in header)


def test_golden_layout(stored):
    assert tuple(stored.columns) == golden.COLUMNS
    assert len(stored) == 108
    assert (stored.index[0], stored.index[-1]) == (golden.START, golden.END)


def test_golden_is_not_degenerate(stored):
    for column in ("clashes", "iskp_fighters", "defections_to_iskp", "civilian_casualties_iskp"):
        assert stored[column].sum() > 0, column


def test_matches_golden(stored, fresh):
    assert list(fresh.index) == list(stored.index), f"months differ: run `{golden.REFRESH}`"
    assert list(fresh.columns) == list(stored.columns), f"columns differ: run `{golden.REFRESH}`"
    close = np.isclose(fresh.to_numpy(), stored.to_numpy(), rtol=RTOL, atol=0.0)
    if not close.all():
        pytest.fail(mismatch_report(stored, fresh), pytrace=False)


def test_rounding():
    assert golden.round_significant(123456789.0) == 123457000.0
    assert golden.round_significant(0.000123456789) == 0.000123457
    assert golden.round_significant(0.0) == 0.0
