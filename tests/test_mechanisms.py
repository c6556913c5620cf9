"""Unit tests of the refuge, type III strikes, ISKP cells, founding outreach, network appeal and
the relocation wave (inflow and attacks), the dated pledge and the Taliban's contest of ISKP's
ground, on the submodel kernels."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import run_model

from model.calendar import calendar_table, month_index_unchecked
from model.model import KhorasanModel
from model.parameters import Parameters
from model.state import ISKP, REGIME_FIELDS, TALIBAN
from model.streams import STREAMS
from model.submodels import combat, defection, draws, expansion, harm, movement, policy, recruitment
from model.submodels.layout import Calendar


def fresh(seed: int = 0, **values) -> KhorasanModel:
    """A model at 2015-01 (nothing simulated yet) with the given parameter values."""
    return KhorasanModel(Parameters(values), 24, seed)


def with_regime(views, **values):
    """The views with some regime values replaced (``ct_factor=1.0``, ``relocation=1.0``...)."""
    views.r = views.r._replace(**values)
    return views


def stream(model: KhorasanModel, name: str, month: int = 0) -> np.ndarray:
    """A kernel stream's state at the start of ``month``."""
    state = np.zeros(4, np.uint64)
    draws.start(state, model.streams.key, STREAMS.index(name), month)
    return state


# --- refuge -----------------------------------------------------------------------------------
def test_refuge_only_in_pakistan_border_network_provinces(provinces):
    v = fresh(refuge_capacity=100.0).views()
    border = provinces.pakistan_border_km > 0
    refuge = [combat.exposed_iskp(v.p, 1e6, v.w.refuge_weight[i]) for i in range(34)]
    np.testing.assert_allclose(1e6 - np.array(refuge), 100.0 * provinces.hardline * border)
    assert 1e6 - refuge[provinces.index("Nangarhar")] == 100.0
    assert refuge[provinces.index("Jowzjan")] == 1e6  # a network, but no border


@pytest.mark.parametrize("iskp", [0.0, 40.0, 150.0])
def test_exposed_fighters_are_those_beyond_the_refuge(provinces, iskp):
    v = fresh(refuge_capacity=100.0).views()
    nangarhar, jowzjan = provinces.index("Nangarhar"), provinces.index("Jowzjan")
    assert combat.exposed_iskp(v.p, iskp, v.w.refuge_weight[nangarhar]) == max(iskp - 100, 0)
    assert combat.exposed_iskp(v.p, iskp, v.w.refuge_weight[jowzjan]) == iskp


def test_no_refuge_means_every_fighter_is_exposed():
    v = fresh(refuge_capacity=0.0).views()
    assert all(combat.exposed_iskp(v.p, 150.0, v.w.refuge_weight[i]) == 150.0
               for i in range(34))


def test_fighters_inside_the_refuge_draw_no_clashes(provinces):
    """With a refuge larger than any ISKP, Nangarhar and Kunar never see a clash."""
    model = run_model(Parameters({"refuge_capacity": 20000.0, "iskp_cell_rate": 0.0,
                                  "founding_outreach": 0.0}), seed=3, n_months=36)
    for name in ("Nangarhar", "Kunar"):
        i = provinces.index(name)
        assert model.out["iskp_fighters"][:, i].max() < 20000.0
        assert model.out["clashes"][:, i].sum() == 0


def test_clash_losses_never_exceed_exposed_fighters():
    p = fresh(refuge_capacity=100.0).views().p
    taliban, iskp = combat.clash_losses(p, 5.0, 1000.0, 10.0)
    assert iskp == 10.0 and taliban > 0.0
    taliban, iskp = combat.clash_losses(p, 1.0, 100.0, 100.0)  # 25 lost, split by fire
    e = p.iskp_combat_effectiveness
    assert (taliban, iskp) == pytest.approx((25.0 * e / (1 + e), 25.0 / (1 + e)))


# --- clash threat elasticity -----------------------------------------------------------------
def _clash_rate(psi: float, iskp: float) -> float:
    p = fresh(clash_rate=0.3, clash_threat_elasticity=psi).views().p
    return combat.clash_rate(p, 0.3, 1.0, 900.0, iskp)


@pytest.mark.parametrize("psi", [0.25, 0.5, 1.0])
@pytest.mark.parametrize("iskp", [0.0, 25.0, 100.0, 1600.0])
def test_clash_rate_scales_with_local_iskp_strength(psi, iskp):
    """``rate = k sqrt(T X) / 100 * (X / 100)^psi``: equal to the plain law at 100 fighters."""
    plain = 0.3 * np.sqrt(900.0 * iskp) / 100.0
    assert _clash_rate(0.0, iskp) == pytest.approx(plain, rel=1e-12)
    assert _clash_rate(psi, iskp) == pytest.approx(plain * (iskp / 100.0) ** psi, rel=1e-12)


def test_crackdown_multiplies_the_clash_rate():
    p = fresh().views().p
    assert combat.clash_rate(p, 0.3, 2.5, 400.0, 100.0) == pytest.approx(
        2.5 * combat.clash_rate(p, 0.3, 1.0, 400.0, 100.0), rel=1e-12)


def test_threat_elasticity_above_half_makes_per_fighter_clash_risk_rise():
    """Below 1/2 the per-fighter risk falls as ISKP grows; above 1/2 it rises (a check)."""
    sizes = (25.0, 100.0, 400.0, 1600.0)
    for psi, rising in ((0.0, False), (0.25, False), (0.75, True), (1.0, True)):
        risk = [_clash_rate(psi, x) / x for x in sizes]
        assert (risk == sorted(risk)) is rising
        assert (risk == sorted(risk, reverse=True)) is not rising


# --- counter-terrorism strikes ----------------------------------------------------------------
def _strike_rates(forces: np.ndarray, **values) -> np.ndarray:
    v = with_regime(fresh(**values).views(), ct_factor=1.0)
    return combat.strike_rates(v.p, v.s, v.r, forces)


@pytest.mark.parametrize("total", [10.0, 500.0, 1000.0, 5000.0])
def test_strikes_follow_a_type_three_response(total):
    forces = np.zeros((34, 2))
    forces[:4, ISKP] = total / 4.0
    out = _strike_rates(forces, ct_strikes_per_month=40.0, ct_target_half_saturation=1000.0)
    expected = 40.0 * total ** 2 / (total ** 2 + 1000.0 ** 2)
    np.testing.assert_allclose(out.sum(), expected, rtol=1e-12)
    np.testing.assert_allclose(out[:4], expected / 4.0, rtol=1e-12)


def test_per_fighter_strike_risk_vanishes_as_iskp_shrinks():
    risks = []
    for total in (1.0, 10.0, 100.0, 1000.0):
        forces = np.zeros((34, 2))
        forces[0, ISKP] = total
        out = _strike_rates(forces, ct_strikes_per_month=40.0, ct_target_half_saturation=1000.0)
        risks.append(out[0] / total)
    assert risks == sorted(risks)  # rising up to the half-saturation point
    assert risks[0] < 1e-4


def test_no_strikes_without_iskp():
    assert not _strike_rates(np.full((34, 2), [500.0, 0.0])).any()


# --- ISKP cells -------------------------------------------------------------------------------
def _expand(model: KhorasanModel) -> int:
    """Run the expansion kernel on the model's state at 2015-01; return the new band count."""
    v, c = model.views(), model.commanders
    return expansion.expansion(v.p, v.s, v.r, v.w, model.neighbours, v.pv, v.c, c.n,
                               model.forces, stream(model, "expansion"), v.o)


def test_cells_conserve_fighters_and_go_next_door(provinces):
    model = fresh(seed=5, iskp_cell_rate=1.0, iskp_cell_size=30.0)
    c = model.commanders
    before, iskp_before = c.fighters.sum(), model.forces[:, ISKP].sum()
    parents = ((c.faction == ISKP) & (c.fighters >= 60.0)).nonzero()[0]
    homes = c.location[parents].copy()
    n_before = c.n
    c.n = _expand(model)
    new = np.arange(n_before, c.n)
    assert len(new) == len(parents) > 0  # rate 1: every eligible band founds one
    np.testing.assert_allclose(c.fighters.sum(), before)
    np.testing.assert_allclose(model.forces[:, ISKP].sum(), iskp_before)
    assert np.all(c.fighters[new] == 30.0) and np.all(c.faction[new] == ISKP)
    np.testing.assert_array_equal(c.ideology[new], c.ideology[parents])
    np.testing.assert_array_equal(c.pressure[new], 0.0)
    for parent_home, dest in zip(homes, c.location[new], strict=True):
        assert dest != parent_home and (parent_home, dest) in _edges(provinces)
    np.testing.assert_array_equal(model.out["iskp_cells"][0],
                                  np.bincount(c.location[new], minlength=34))
    assert len(model.commander_agents()) == c.n


def test_no_cells_at_rate_zero():
    model = run_model(Parameters({"iskp_cell_rate": 0.0}), seed=2, n_months=48)
    assert model.out["iskp_cells"].sum() == 0


def test_small_bands_found_no_cells():
    model = fresh(seed=1, iskp_cell_rate=1.0, iskp_cell_size=500.0)
    c = model.commanders
    c.fighters[c.faction == ISKP] = 999.0
    assert _expand(model) == c.n


def _edges(provinces) -> set[tuple[int, int]]:
    edges = {tuple(e) for e in provinces.edges}
    return edges | {(b, a) for a, b in edges}


# --- founding outreach and network appeal -----------------------------------------------------
def test_founding_outreach_raises_taliban_defection_logits_only():
    base, push = fresh(founding_outreach=0.0).views(), fresh(founding_outreach=2.0).views()
    diff = (defection.shared_logits(push.p, push.r, push.sides, 1.0)
            - defection.shared_logits(base.p, base.r, base.sides, 1.0))
    np.testing.assert_allclose(diff, [2.0, 0.0], atol=1e-12)
    half = (defection.shared_logits(push.p, push.r, push.sides, 0.5)
            - defection.shared_logits(base.p, base.r, base.sides, 0.5))
    np.testing.assert_allclose(half, [1.0, 0.0], atol=1e-12)  # it fades with the wave
    assert defection.surrender_logit(push.p, 0.2, 0.5, 1.0, 1.0) == defection.surrender_logit(
        base.p, 0.2, 0.5, 1.0, 1.0)  # surrender is untouched


def test_founding_wave_halves_every_half_life():
    model = fresh(founding_half_life=12.0)
    v = model.views()
    cal = Calendar(*calendar_table(24))
    assert policy.policy(12, v.p, v.r, cal, v.w, v.pv, v.sides, v.o) == pytest.approx(0.5)


@pytest.mark.parametrize("appeal", [0.0, 0.3, 1.0])
def test_iskp_recruitment_scales_with_network_appeal(provinces, appeal):
    pools = {}
    for a in (appeal, 1.0):
        v = fresh(iskp_network_appeal=a, iskp_recruit_rate=0.05).views()
        forces = np.full((34, 2), 100.0)
        pools[a] = recruitment.recruit_pools(v.p, v.s, v.w, v.pv, v.sides, forces,
                                             np.zeros(34))
    np.testing.assert_allclose(pools[appeal][:, ISKP] / pools[1.0][:, ISKP],
                               appeal + (1.0 - appeal) * provinces.hardline)
    np.testing.assert_array_equal(pools[appeal][:, TALIBAN], pools[1.0][:, TALIBAN])


# --- relocation wave --------------------------------------------------------------------------
def test_relocation_wave_runs_from_mosul_to_baghuz():
    model = KhorasanModel(Parameters(), 60, 0)
    on = []
    for _ in range(60):
        model.step()
        on.append(bool(model.regime[REGIME_FIELDS.index("relocation")]))
    start, end = month_index_unchecked("2017-07"), month_index_unchecked("2019-03")
    assert on == [start <= m < end for m in range(60)]


def test_relocation_inflow_adds_to_the_border_inflow():
    v = fresh(cross_border_inflow=0.0, relocation_inflow=90.0, iskp_external_support=2.0).views()
    forces = np.zeros((34, 2))
    nangarhar, kunar, jowzjan = (v_index("Nangarhar"), v_index("Kunar"), v_index("Jowzjan"))
    forces[[nangarhar, kunar], ISKP] = [300.0, 100.0]
    forces[jowzjan, ISKP] = 500.0  # no border: no inflow
    assert not recruitment.cross_border_inflow(v.p, v.w, forces, 1.0, False).any()
    inflow = recruitment.cross_border_inflow(v.p, v.w, forces, 1.0, True)
    assert inflow.sum() == pytest.approx(180.0)
    weight = np.asarray(v.w.border_km) * forces[:, ISKP]
    np.testing.assert_allclose(inflow, 180.0 * weight / weight.sum())
    assert inflow[jowzjan] == 0.0


def v_index(name: str) -> int:
    return fresh().provinces.index(name)


@pytest.mark.parametrize("gain", [0.0, 1.5])
def test_relocation_wave_raises_the_attack_rate(gain):
    v = fresh(relocation_attack_gain=gain, iskp_attack_rate=0.8,
              iskp_maturity_months=12.0).views()
    base = 0.8 * 1.7 * (1.0 - np.exp(-1.0 / 12.0))
    assert harm.attack_rate(v.p, v.r, 0, 1700.0, 0.0) == pytest.approx(base)
    v = with_regime(v, relocation=1.0)
    assert harm.attack_rate(v.p, v.r, 0, 1700.0, 0.0) == pytest.approx(base * (1.0 + gain))


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("total", [340.0, 1700.0, 6800.0])
def test_attack_count_follows_iskp_size_with_its_elasticity(alpha, total):
    """``mu = a (I / 1000)^alpha * maturity``: proportional at 1, independent of size at 0."""
    v = fresh(iskp_attack_elasticity=alpha, iskp_attack_rate=0.8,
              iskp_maturity_months=12.0).views()
    maturity = 1.0 - np.exp(-1.0 / 12.0)
    assert harm.attack_rate(v.p, v.r, 0, total, 0.0) == pytest.approx(
        0.8 * (total / 1000.0) ** alpha * maturity)


@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_no_attacks_without_iskp(alpha):
    """As long as ISKP exists (ODD §7.7): even at alpha 0 no ISKP means no attacks."""
    v = fresh(iskp_attack_elasticity=alpha).views()
    assert harm.attack_rate(v.p, v.r, 30, 0.0, 0.0) == 0.0


def test_default_attack_elasticity_is_exactly_proportional():
    """At the default of 1 the factor is the plain ``I / 1000`` (IEEE ``pow(x, 1) = x``)."""
    v = fresh(iskp_attack_rate=1.0, iskp_maturity_months=0.1).views()  # mature by month 10
    for total in (1.0, 333.0, 1234.5, 98765.0):
        assert harm.attack_rate(v.p, v.r, 10, total, 0.0) == total / 1000.0


# --- Qari Hekmat's pledge (dated) -------------------------------------------------------------
def _jowzjan_bands(model, faction):
    c = model.commanders
    return ((c.location == model.jowzjan) & (c.faction == faction)).nonzero()[0]


def test_pledge_switches_jowzjans_largest_taliban_band_once():
    model = fresh(seed=4)
    taliban = _jowzjan_bands(model, TALIBAN)
    assert len(taliban) and not len(_jowzjan_bands(model, ISKP))
    largest = taliban[np.argmax(model.commanders.fighters[taliban])]
    fighters = model.commanders.fighters[largest]
    model._on_jowzjan_pledge()
    assert list(_jowzjan_bands(model, ISKP)) == [largest]
    assert model.commanders.from_taliban[largest]
    month = model.steps  # the month now starting
    assert model.out["defections_to_iskp"][month, model.jowzjan] == 1
    assert model.out["defecting_fighters_to_iskp"][month, model.jowzjan] == fighters
    model._on_jowzjan_pledge()  # ISKP now holds a band there: nothing more happens
    assert list(_jowzjan_bands(model, ISKP)) == [largest]
    assert model.out["defections_to_iskp"][month, model.jowzjan] == 1


def test_no_pledge_without_iskp():
    model = fresh(seed=4, iskp_initial_fighters=0)
    model._on_jowzjan_pledge()
    assert not len(_jowzjan_bands(model, ISKP))
    assert model.out["defections_to_iskp"].sum() == 0


@pytest.mark.parametrize("base", [-30.0, 5.0])
def test_pledge_is_kept_when_the_monthly_draw_records_defections_too(base):
    """The month's draw adds to the month's record, so the pledge recorded first survives,
    whether the draw brings no other defection (base -30) or many (base 5)."""
    model = fresh(seed=4, defection_base=base)
    model._on_jowzjan_pledge()
    month, j = model.steps, model.jowzjan
    pledged = model.out["defections_to_iskp"][month, j]
    assert pledged == 1
    model.step()
    recorded = model.out["defections_to_iskp"][month, j]
    assert recorded >= 1 and (recorded == 1) == (base < 0)


# --- the Taliban contest ISKP's ground (movement) ---------------------------------------------
def _place(model, iskp: float, faction: int = TALIBAN) -> np.ndarray:
    """Place scores with 500 Taliban and ``iskp`` ISKP fighters in every province, and no
    Republic (so that hostile force is the other faction's alone)."""
    v = model.views()
    v.pv.republic[:] = 0.0
    forces = np.full((34, 2), [500.0, iskp])
    return movement.place_scores(v.p, v.s, v.r, v.w, v.pv, forces)[1][:, faction]


@pytest.mark.parametrize("weight, sign", [(0.0, -1), (1.0, 0), (2.0, 1)])
def test_contest_weight_sets_how_iskp_force_moves_the_taliban(weight, sign):
    """Below the safety weight ISKP repels Taliban bands, at it they ignore it, above it they
    seek it out (ISKP's own scores are untouched)."""
    model = fresh(taliban_contest_weight=weight, move_safety_weight=1.0)
    few, many = _place(model, 10.0), _place(model, 1000.0)
    if sign == 0:
        np.testing.assert_allclose(many, few, rtol=0, atol=1e-12)
    else:
        assert np.all(np.sign(many - few) == sign)


def test_contest_term_is_the_documented_log():
    model = fresh(taliban_contest_weight=0.7, move_safety_weight=0.0)
    base = fresh(taliban_contest_weight=0.0, move_safety_weight=0.0)
    effective = 300.0 * model.p.iskp_combat_effectiveness
    np.testing.assert_allclose(_place(model, 300.0) - _place(base, 300.0),
                               0.7 * np.log1p(effective / 100.0))


def test_contest_leaves_iskp_scores_alone():
    a = _place(fresh(taliban_contest_weight=0.0), 200.0, ISKP)
    b = _place(fresh(taliban_contest_weight=2.0), 200.0, ISKP)
    np.testing.assert_array_equal(a, b)
