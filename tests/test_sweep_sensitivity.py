"""Sensitivity analysis on functions with known indices, its warnings, and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from model.cli import main
from model.sweep.design import design_frame, unit_sample
from model.sweep.sensitivity import analyze, point_means
from model.sweep.spec import Factor

PI = np.pi
ISHIGAMI_S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ISHIGAMI_ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}
FACTORS = tuple(Factor(f"x{i}", "float", low=-PI, high=PI) for i in (1, 2, 3))


def ishigami(design: pd.DataFrame, a: float = 7.0, b: float = 0.1) -> pd.DataFrame:
    x1, x2, x3 = (design[f"x{i}"].to_numpy() for i in (1, 2, 3))
    return pd.DataFrame({"y": np.sin(x1) + a * np.sin(x2) ** 2 + b * x3 ** 4 * np.sin(x1)})


def indices(result, index: str) -> dict[str, tuple[float, float]]:
    rows = result.indices[result.indices["index"] == index]
    return {r.parameter: (r.value, r.conf) for r in rows.itertuples()}


def test_sobol_indices_of_the_ishigami_function():
    design = design_frame(FACTORS, unit_sample("saltelli", FACTORS, 1024, None, seed=1))
    assert len(design) == 1024 * (3 + 2)
    result = analyze(design, ishigami(design), FACTORS, "sobol", resamples=200)
    assert result.method == "sobol" and result.warnings == []
    for name in ISHIGAMI_S1:
        s1, s1_conf = indices(result, "S1")[name]
        st, st_conf = indices(result, "ST")[name]
        assert s1 == pytest.approx(ISHIGAMI_S1[name], abs=0.05)
        assert st == pytest.approx(ISHIGAMI_ST[name], abs=0.05)
        assert 0 < s1_conf < 0.1 and 0 < st_conf < 0.1


def test_morris_effects_of_a_linear_function_are_its_slopes_times_ranges():
    factors = (Factor("a", "float", low=0.0, high=10.0), Factor("b", "float", low=1.0, high=3.0),
               Factor("c", "float", low=1.0, high=100.0, scale="log"))
    design = design_frame(factors, unit_sample("morris", factors, 20, 4, seed=2))
    y = 2.0 * design["a"] - 0.5 * design["b"]
    result = analyze(design, pd.DataFrame({"y": y}), factors, "morris", levels=4,
                     resamples=100)
    mu_star, sigma, mu = (indices(result, k) for k in ("mu_star", "sigma", "mu"))
    assert mu_star["a"][0] == pytest.approx(20.0) and mu["a"][0] == pytest.approx(20.0)
    assert mu_star["b"][0] == pytest.approx(1.0) and mu["b"][0] == pytest.approx(-1.0)
    assert mu_star["c"][0] == 0.0
    assert all(abs(value) < 1e-9 and conf < 1e-9 for value, conf in sigma.values())


def test_morris_ranks_the_ishigami_factors():
    design = design_frame(FACTORS, unit_sample("morris", FACTORS, 50, 4, seed=3))
    result = analyze(design, ishigami(design), FACTORS, "morris", levels=4, resamples=100)
    mu_star, sigma = indices(result, "mu_star"), indices(result, "sigma")
    assert mu_star["x3"][0] > 0 and abs(indices(result, "mu")["x3"][0]) < mu_star["x3"][0]
    assert sigma["x3"][0] > 0 and all(conf > 0 for _, conf in sigma.values())


def test_rbd_fast_on_a_latin_hypercube_of_the_ishigami_function():
    design = design_frame(FACTORS, unit_sample("lhs", FACTORS, 2000, None, seed=4))
    result = analyze(design, ishigami(design), FACTORS, "rbd_fast", resamples=50)
    for name, value in ISHIGAMI_S1.items():
        assert indices(result, "S1")[name][0] == pytest.approx(value, abs=0.08)


def test_warnings_small_sample_negative_failed_and_constant_outcomes():
    design = design_frame(FACTORS, unit_sample("saltelli", FACTORS, 8, None, seed=5))
    noise = np.random.default_rng(0).normal(size=len(design))
    outcomes = pd.DataFrame({"noise": noise, "flat": 1.0,
                             "holes": np.where(np.arange(len(design)) == 3, np.nan, noise)})
    result = analyze(design, outcomes, FACTORS, "sobol", resamples=50)
    text = "\n".join(result.warnings)
    assert "the sample is small for sobol (8 base samples < 64)" in text
    assert "noise: S1 of" in text and "is negative" in text
    assert "flat: skipped: the outcome is constant" in text
    assert "holes: skipped: 1 points have no successful run" in text
    assert set(result.indices["outcome"]) == {"noise"}


def test_point_means_average_successful_replicates_only():
    runs = pd.DataFrame({"point": [0, 0, 1, 1, 2], "status": ["ok", "ok", "ok", "error", "error"],
                         "y": [1.0, 3.0, 5.0, np.nan, np.nan]})
    means = point_means(runs, ["y"], 3)
    assert means["y"].tolist()[:2] == [2.0, 5.0] and np.isnan(means["y"][2])


def _morris_sweep(folder):
    (folder / "base.toml").write_text("[scenario]\nname = 'b'\n[run]\nend = '2015-12'\n")
    path = folder / "m.toml"
    path.write_text(f"""[sweep]
name = 'm'
scenario = 'base.toml'
replicates = 2
out = '{folder / 'out'}'
[design]
method = 'morris'
points = 3
[parameters]
clash_rate = [0.05, 0.5]
iskp_recruit_rate = 'prior'
[[outcome]]
name = 'clashes'
statistic = 'sum'
column = 'clashes'
[[outcome]]
name = 'recruits'
statistic = 'sum'
column = 'recruits_iskp'
""")
    return path


def test_sensitivity_command_on_a_morris_sweep(tmp_path, capsys):
    assert main(["sweep", str(_morris_sweep(tmp_path)), "--workers", "1", "--quiet"]) == 0
    capsys.readouterr()
    out = tmp_path / "out"
    assert main(["sensitivity", str(out), "--resamples", "50", "--json"]) == 0
    captured = capsys.readouterr()
    payload = json.loads(captured.out)
    assert payload["method"] == "morris"
    assert "small for morris (3 trajectories < 10)" in captured.err
    table = pd.read_csv(out / "sensitivity.csv")
    assert set(table["index"]) == {"mu", "mu_star", "sigma"}
    assert set(table["parameter"]) == {"clash_rate", "iskp_recruit_rate"}
    assert main(["sensitivity", str(out), "--resamples", "50", "--outcome", "clashes"]) == 0
    text = capsys.readouterr().out
    assert "mu_star" in text and (out / "figures" / "sensitivity.png").stat().st_size > 1000
    assert main(["sensitivity", str(out), "--outcome", "deaths"]) == 2
    assert "unknown outcome 'deaths'" in capsys.readouterr().err


def test_sensitivity_refuses_a_grid_design(tmp_path, capsys):
    path = _morris_sweep(tmp_path)
    path.write_text(path.read_text().replace("method = 'morris'\npoints = 3",
                                             "method = 'grid'\nlevels = 2"))
    assert main(["sweep", str(path), "--workers", "1", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["sensitivity", str(tmp_path / "out")]) == 2
    assert "needs design method saltelli" in capsys.readouterr().err
