"""Per-province levers: ISKP's attacks and the Pakistan border act only where they are set."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import GOVERN, N_MONTHS, run_model

from model.data import load_provinces
from model.model import Intervention, KhorasanModel
from model.parameters import Parameters
from model.state import ISKP
from model.submodels import recruitment

SEEDS = range(8)
NAMES = load_provinces().names
KABUL = NAMES.index("Kabul")
OTHERS = tuple(i for i in range(len(NAMES)) if i != KABUL)


def attacks_after(provinces: tuple[int, ...] | None, factor: float, seed: int) -> np.ndarray:
    """ISKP attacks by province from 2021-09 with ``iskp_attack_multiplier`` set there."""
    lever = () if provinces is None else (
        Intervention(GOVERN, {"iskp_attack_multiplier": factor}, provinces),)
    model = run_model(Parameters(), seed, N_MONTHS, lever)
    return model.out["iskp_attacks"][GOVERN:].sum(axis=0)


def test_attacks_only_where_the_lever_leaves_them():
    only_kabul = sum(attacks_after(OTHERS, 0.0, s) for s in SEEDS)
    assert only_kabul[KABUL] > 0
    assert only_kabul[list(OTHERS)].sum() == 0
    none_in_kabul = sum(attacks_after((KABUL,), 0.0, s) for s in SEEDS)
    assert none_in_kabul[KABUL] == 0 and none_in_kabul.sum() > 0


def test_more_attacks_in_kabul_raise_kabuls_count():
    base = sum(attacks_after(None, 1.0, s) for s in SEEDS)
    more = sum(attacks_after((KABUL,), 5.0, s) for s in SEEDS)
    assert more[KABUL] > 2.5 * max(base[KABUL], 1)
    # elsewhere the expected count is unchanged: totals agree within Poisson noise
    rest_base, rest_more = base[list(OTHERS)].sum(), more[list(OTHERS)].sum()
    assert abs(rest_more - rest_base) < 4 * np.sqrt(rest_base) + 5


def test_closed_border_stops_the_inflow_into_that_province():
    model = KhorasanModel(Parameters(), 24, 0)
    nangarhar, kunar = NAMES.index("Nangarhar"), NAMES.index("Kunar")
    model.spatial["border_permeability"][nangarhar] = 0.0
    v = model.views()
    forces = np.zeros((len(NAMES), 2))
    forces[[nangarhar, kunar], ISKP] = [300.0, 100.0]
    inflow = np.zeros(len(NAMES))
    inflow[[nangarhar, kunar]] = [50.0, 20.0]
    pools = recruitment.recruit_pools(v.p, v.s, v.w, v.pv, v.sides, forces, inflow)
    local = recruitment.recruit_pools(v.p, v.s, v.w, v.pv, v.sides, forces,
                                      np.zeros(len(NAMES)))
    assert pools[nangarhar, ISKP] == pytest.approx(local[nangarhar, ISKP])
    assert pools[kunar, ISKP] == pytest.approx(local[kunar, ISKP] + 20.0)


def test_closed_border_removes_the_refuge():
    """A refuge larger than ISKP shields it from clashes; closing the border exposes it."""
    where = (NAMES.index("Nangarhar"), NAMES.index("Kunar"))
    shielded = {"refuge_capacity": 20000.0}
    closed = (Intervention(0, {"border_permeability": 0.0}, where),)
    clashes = {"open": 0.0, "closed": 0.0}
    for seed in range(3):
        for key, lever in (("open", ()), ("closed", closed)):
            model = run_model(Parameters(shielded), seed, GOVERN, lever)
            clashes[key] += model.out["clashes"][:, list(where)].sum()
    assert clashes["open"] == 0 and clashes["closed"] > 0
