"""The mechanisms that make both sides act: surrender and defection each way, amnesty, siege,
decapitation, ISKP's pragmatists, control that feeds recruitment and pay, and the Republic's
army (its force, losses, replacement and collapse)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import GOVERN, run_model

from model.calendar import (
    INTERNATIONAL_TROOPS,
    TALIBAN_GOVERN,
    air_support,
    international_support,
    month_index,
)
from model.calibration.stats import compute
from model.calibration.targets import Target
from model.model import KhorasanModel
from model.parameters import Parameters
from model.state import ISKP, TALIBAN
from model.submodels import defection, recruitment, republic
from model.submodels.layout import Calendar


def fresh(seed: int = 0, **values) -> KhorasanModel:
    return KhorasanModel(Parameters(values), 24, seed)


# --- surrender: amnesty, siege, authorities ---------------------------------------------------
def test_amnesty_adds_to_the_surrender_logit_and_none_adds_nothing():
    p = fresh().views().p
    base = defection.surrender_logit(p, 0.3, 0.6, 1.2, 0.0)
    assert defection.surrender_logit(p, 0.3, 0.6, 1.2, 2.5) == pytest.approx(base + 2.5)
    expected = (p.surrender_base + p.surrender_pressure_weight * 0.3
                + p.surrender_siege_weight * 1.2 - p.defection_loyalty_weight * 0.6)
    assert base == pytest.approx(expected)


def test_siege_is_the_log_of_how_far_the_rival_outguns_a_branch():
    p = fresh().views().p
    forces = np.zeros((34, 2))
    forces[0] = [900.0, 100.0]  # ISKP outgunned
    forces[1] = [100.0, 0.0]  # no ISKP: no siege for anyone
    ratio = defection.siege(p, forces)
    e = p.iskp_combat_effectiveness
    assert ratio[0, ISKP] == pytest.approx(math.log1p(900.0 / (e * 100.0)))
    assert ratio[0, TALIBAN] == pytest.approx(math.log1p(e * 100.0 / 900.0))
    assert ratio[1, TALIBAN] == 0.0 and ratio[1, ISKP] == 0.0
    assert not ratio[2:].any()


def _surrenders(**values) -> dict[str, np.ndarray]:
    return run_model(Parameters(values), seed=6).out


def test_without_amnesty_or_siege_there_are_fewer_surrenders():
    eager = _surrenders(republic_amnesty=3.0, taliban_amnesty=3.0)
    none = _surrenders(republic_amnesty=0.0, taliban_amnesty=0.0, surrender_siege_weight=0.0)
    assert eager["surrendered_fighters"].sum() > 2 * none["surrendered_fighters"].sum()


def test_surrenders_are_recorded_with_their_authority(default_run):
    out = default_run.out
    total = out["surrendered_to_government"] + out["surrendered_to_taliban"]
    np.testing.assert_allclose(total, out["surrendered_fighters"], rtol=1e-12, atol=1e-9)
    assert np.all(out["iskp_surrendered"] <= out["surrendered_fighters"] + 1e-9)
    assert not out["surrendered_to_taliban"][:GOVERN].any()  # the Taliban govern from 2021-09
    assert not out["surrenders_to_taliban"][:GOVERN].any()
    after = slice(GOVERN, None)  # then only ISKP surrenders, to the Taliban
    np.testing.assert_allclose(out["iskp_surrendered"][after],
                               out["surrendered_to_taliban"][after], atol=1e-9)
    assert np.array_equal(out["surrenders_to_government"] > 0,
                          out["surrendered_to_government"] > 0)


def test_defecting_fighters_are_recorded_both_ways(default_run):
    out = default_run.out
    for way in ("iskp", "taliban"):
        assert np.array_equal(out[f"defections_to_{way}"] > 0,
                              out[f"defecting_fighters_to_{way}"] > 0), way


def test_iskp_goes_over_or_surrenders_to_the_governing_taliban():
    """After 2021-08 ISKP fighters leave for the Taliban in most replicates (ODD §7.4)."""
    left = [run_model(seed=seed).out for seed in range(6)]
    gone = [o["defecting_fighters_to_taliban"][GOVERN:].sum()
            + o["surrendered_to_taliban"][GOVERN:].sum() for o in left]
    assert sum(g > 0 for g in gone) >= 4, gone


# --- decapitation and pragmatists -------------------------------------------------------------
@pytest.mark.parametrize("province", [-1, 5])
def test_decapitation_cuts_iskp_loyalty_where_the_leader_fell(province):
    model = fresh(seed=2, decapitation_loyalty_loss=0.4)
    c = model.commanders
    c.location[c.faction == ISKP] = np.arange((c.faction == ISKP).sum()) % 2 * 5  # 0 or 5
    before = c.loyalty.copy()
    model._decapitate(province)
    hit = (c.faction == ISKP) & ((c.location == province) | (province < 0))
    np.testing.assert_allclose(c.loyalty[hit], 0.6 * before[hit])
    np.testing.assert_array_equal(c.loyalty[~hit], before[~hit])
    assert hit.any() and (~hit).any()


def test_no_decapitation_loss_leaves_loyalty_alone():
    model = fresh(decapitation_loyalty_loss=0.0)
    before = model.commanders.loyalty.copy()
    model._on_iskp_leader_killed()
    np.testing.assert_array_equal(model.commanders.loyalty, before)


def _iskp_ideology(share: float) -> np.ndarray:
    values = []
    for seed in range(20):
        c = fresh(seed=seed, iskp_pragmatist_share=share, iskp_initial_commanders=20).commanders
        values.extend(c.ideology[c.faction == ISKP])
    return np.array(values)


def test_pragmatists_bring_taliban_ideology_into_iskp():
    hardliners, pragmatists = _iskp_ideology(0.0), _iskp_ideology(1.0)
    assert hardliners.mean() > 0.75  # Beta(8, 2)
    assert pragmatists.mean() < 0.7 and pragmatists.max() <= 1.0
    mixed = _iskp_ideology(0.5).mean()
    assert pragmatists.mean() < mixed < hardliners.mean()


# --- control feeds recruitment and pay --------------------------------------------------------
def _pools(gain: float, share: float) -> np.ndarray:
    v = fresh(control_recruit_gain=gain).views()
    v.pv.control_taliban[:] = share
    v.pv.control_iskp[:] = share / 2
    forces = np.full((34, 2), 100.0)
    return recruitment.recruit_pools(v.p, v.s, v.w, v.pv, v.sides, forces, np.zeros(34))


@pytest.mark.parametrize("gain", [0.5, 2.0])
def test_control_multiplies_recruitment_by_one_plus_gain_times_share(gain):
    without, held = _pools(gain, 0.0), _pools(gain, 0.6)
    np.testing.assert_allclose(held[:, TALIBAN], without[:, TALIBAN] * (1 + gain * 0.6))
    np.testing.assert_allclose(held[:, ISKP], without[:, ISKP] * (1 + gain * 0.3))


def test_no_control_gain_means_no_control_driven_recruits():
    np.testing.assert_array_equal(_pools(0.0, 0.0), _pools(0.0, 0.9))


def test_iskp_pay_grows_with_its_control():
    model = fresh(iskp_revenue_gain=1.0, iskp_pay=1.5)
    model.pstate.control_iskp[:] = 0.2
    model.step()
    assert model.sides[1, ISKP] == pytest.approx(1.5 * 1.2)


# --- the Republic's army ----------------------------------------------------------------------
def test_support_timelines_follow_the_dated_figures():
    assert international_support(month_index("2017-09")) == pytest.approx(1.0, abs=0.02)
    assert international_support(TALIBAN_GOVERN) == 0.0
    assert INTERNATIONAL_TROOPS[-1][1] == 0
    assert air_support(month_index("2019-06")) == 1.0
    assert air_support(month_index("2015-06")) == pytest.approx(947 / 7423)
    assert air_support(TALIBAN_GOVERN) == 0.0


def test_collapse_grows_with_missing_support_and_taliban_control():
    p = fresh().views().p
    logits = [republic.collapse_logit(p, s, c, c) for s, c in
              ((1.0, 0.1), (0.5, 0.1), (0.5, 0.6), (0.0, 0.6))]
    assert logits == sorted(logits) and len(set(logits)) == 4


def test_the_army_recruits_toward_its_authorized_strength():
    model = fresh(andsf_collapse_base=-30.0, andsf_replacement_rate=0.5)
    v = model.views()
    cal = Calendar(*model.calendar)
    weight = v.w.population_weight[0]
    v.pv.andsf[0] = 0.0
    republic.republic(v.p, v.r, cal, v.w, v.pv, 0, v.o)
    assert v.pv.andsf[0] == pytest.approx(0.5 * model.p.andsf_authorized * weight)
    assert v.o.andsf_strength[0] == v.pv.andsf[0]


def test_without_the_taliban_the_army_loses_no_one_in_combat(iskp_off_run):
    run = run_model(Parameters({"taliban_initial_fighters": 1000, "taliban_commanders": 1,
                                "taliban_recruit_rate": 0.0}), seed=1, n_months=24)
    assert run.out["andsf_killed"].sum() < 0.05 * iskp_off_run.out["andsf_killed"][:24].sum()


def test_takeover_month_is_the_first_national_crossing(default_run):
    target = Target("takeover", "crossing_month", "control_taliban", (0, GOVERN), None, None,
                    0.0, 1.0, 1.0, "")
    month = compute(target, default_run.out)
    weight = default_run.provinces.population / default_run.provinces.population.sum()
    national = default_run.out["control_taliban"][: GOVERN + 1] @ weight
    if math.isnan(month):
        assert national.max() <= 0.5
    else:
        assert national[int(month)] > 0.5 and national[: int(month)].max() <= 0.5


def test_a_crossing_that_never_happens_counts_as_later_than_every_month():
    target = Target("takeover", "crossing_month", "control_taliban", (0, GOVERN), None, None,
                    month_index("2021-06"), month_index("2021-09"), 1.0, "")
    months = np.array([78.0, 79.0, np.nan, np.nan, np.nan])
    q05, q50, q95 = target.quantiles(months, [0.05, 0.5, 0.95])
    assert (q05, q50, q95) == (78.0, np.inf, np.inf)
    assert target.shown(q05) == "2021-07" and target.shown(q50) == "none"
    assert target.observed == "2021-06..2021-09"
    assert target.miss(float("nan")) == 10.0  # no takeover by the end of the window: a far miss
