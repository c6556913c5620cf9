"""The kernels run as plain Python (``NUMBA_DISABLE_JIT=1``, for debugging) keep the model's
invariants and give the compiled kernels' results (docs/ODD.md §4.9)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO

from model.api import simulate
from model.outputs import OUTPUTS
from model.parameters import Parameters
from model.submodels.harm import CAUSES

MONTHS = 36  # 2015-01..2017-12: the founding wave, the 2016 pledge and the relocation wave
SEED = 3
SCRIPT = """
import sys
import numpy as np
import numba
assert numba.config.DISABLE_JIT, "the kernels are compiled"
from model.api import simulate
from model.parameters import Parameters
out = simulate(Parameters(), {months}, {seed})
np.savez(sys.argv[1], **out)
"""


@pytest.fixture(scope="module")
def uncompiled(tmp_path_factory) -> dict[str, np.ndarray]:
    path = tmp_path_factory.mktemp("uncompiled") / "out.npz"
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    subprocess.run([sys.executable, "-c", SCRIPT.format(months=MONTHS, seed=SEED), str(path)],
                   check=True, cwd=REPO, env=env, timeout=600)
    with np.load(path) as data:
        return {name: data[name] for name in data.files}


def test_plain_python_gives_the_compiled_results(uncompiled):
    compiled = simulate(Parameters(), MONTHS, SEED)
    assert set(uncompiled) == set(OUTPUTS)
    for name in OUTPUTS:
        np.testing.assert_array_equal(uncompiled[name], compiled[name], err_msg=name)


def test_plain_python_keeps_the_invariants(uncompiled, provinces):
    out = uncompiled
    for name in OUTPUTS:
        assert np.all(np.isfinite(out[name])) and np.all(out[name] >= 0), name
    total = (out["resident"] + out["displaced_stock"] + out["refugees_abroad"]
             + np.cumsum(out["civilians_killed"], axis=0))
    np.testing.assert_allclose(total, np.broadcast_to(total[0], total.shape), rtol=1e-9)
    by_cause = sum(out[f"civ_cas_{cause}"] for cause in CAUSES)
    np.testing.assert_array_equal(out["civilians_killed"] + out["civilians_injured"], by_cause)
    shares = out["control_state"] + out["control_taliban"] + out["control_iskp"]
    np.testing.assert_allclose(shares, 1.0, atol=1e-9)
    assert out["clashes"].sum() > 0 and out["defections_to_iskp"].sum() > 0
