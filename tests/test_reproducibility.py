"""Seeds: same seed, same tables; equivalent seed forms agree; different seeds differ.

``KhorasanModel`` passes the seed to ``numpy.random.default_rng``, so an int ``s``,
``SeedSequence(s)`` and ``Generator(PCG64(s))`` all start the same stream, while a spawned
child sequence of ``SeedSequence(s)`` starts another one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model.api import Replicate, run_replicate, simulate
from model.parameters import Parameters

SEED = 11
END = "2023-12"


def run(seed, params=None, **kwargs) -> Replicate:
    return run_replicate(params, end=END, seed=seed, **kwargs)


def assert_same(a: Replicate, b: Replicate) -> None:
    pd.testing.assert_frame_equal(a.provinces, b.provinces, check_exact=True)
    pd.testing.assert_frame_equal(a.national, b.national, check_exact=True)


def assert_differ(a: Replicate, b: Replicate) -> None:
    assert not a.national.equals(b.national)
    assert not a.provinces.equals(b.provinces)


@pytest.fixture(scope="module")
def reference() -> Replicate:
    return run(SEED)


def test_same_seed_same_tables(reference):
    assert_same(reference, run(SEED))


def test_unrelated_run_in_between_changes_nothing(reference):
    """Caches and module state do not leak from one run into the next."""
    run(SEED + 1, {"iskp_maturity_months": 3.0, "clash_rate": 0.4, "taliban_commanders": 90})
    assert_same(reference, run(SEED))


@pytest.mark.parametrize("seed", [np.random.SeedSequence(SEED),
                                  np.random.Generator(np.random.PCG64(SEED))],
                         ids=["SeedSequence", "Generator"])
def test_equivalent_seed_forms_agree(reference, seed):
    assert_same(reference, run(seed))


def test_numpy_integer_seed_agrees(reference):
    assert_same(reference, run(np.int64(SEED)))


def test_spawned_child_sequence_differs(reference):
    child = np.random.SeedSequence(SEED).spawn(1)[0]
    assert_differ(reference, run(child))


def test_different_seeds_differ(reference):
    assert_differ(reference, run(SEED + 1))


def test_parameters_and_mapping_agree(reference):
    assert_same(reference, run(SEED, Parameters()))
    assert_same(run(SEED, {"clash_rate": 0.2}), run(SEED, Parameters({"clash_rate": 0.2})))


def test_start_only_trims_the_tables(reference):
    trimmed = run(SEED, start="2019-01")
    full = reference.national
    expected = full[full["date"] >= "2019-01-01"].reset_index(drop=True)
    pd.testing.assert_frame_equal(trimmed.national, expected, check_exact=True)
    assert len(trimmed.provinces) == 34 * len(expected)


def test_shorter_run_is_a_prefix(reference):
    """A month's outcome does not depend on how long the run continues afterwards."""
    short = simulate(Parameters(), 36, SEED)
    for name, values in short.items():
        np.testing.assert_array_equal(values, reference.arrays[name][:36], err_msg=name)


def test_tables_shape(reference):
    assert len(reference.national) == 108
    assert len(reference.provinces) == 108 * 34
    assert reference.national["date"].iloc[0] == pd.Timestamp("2015-01-01")
    assert reference.national["date"].iloc[-1] == pd.Timestamp("2023-12-01")
