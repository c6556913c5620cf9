"""One statistics layer: the same quantiles in summarize, compare and the figures."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from test_compare import make_runs

from model.cli import main
from model.reporting.figures import differences_figure, draw_band
from model.reporting.outcomes import (
    KEY_OUTCOMES,
    all_replicates,
    common_window,
    difference_table,
    key_table,
    paired_differences,
)
from model.reporting.runs import check_pairing, load_runs
from model.stats import (
    METHOD,
    fmt,
    quantile,
    small_sample_note,
    spread_text,
    summary,
    variance_split,
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return make_runs(tmp_path_factory.mktemp("stats"))


def test_one_rule():
    values = np.array([0.0, 1.0, 2.0, 10.0, 30.0])
    assert quantile(values, 0.05) == np.quantile(values, 0.05, method=METHOD)
    s = summary(values)
    assert (s["q05"], s["median"], s["q95"]) == tuple(np.quantile(values, [0.05, 0.5, 0.95]))


def test_readable_numbers():
    assert fmt(1234567.0) == "1,234,567"
    assert fmt(3.0) == "3" and fmt(3.25) == "3.2" and fmt(0.01234) == "0.0123"
    assert fmt(40, signed=True) == "+40" and fmt(float("nan")) == "n/a"
    assert "rough" in small_sample_note(20) and small_sample_note(50) == ""


def test_summarize_compare_and_figures_agree(runs, capsys):
    loaded = load_runs([runs["base"], runs["surge"]], "base")
    window = common_window(loaded)
    values = all_replicates(loaded, window)
    table = key_table(values, window).set_index(["scenario", "outcome"])
    assert main(["summarize", str(runs["surge"]), "--json", "--window",
                 f"{window.start:%Y-%m}:{window.end:%Y-%m}"]) == 0
    outcomes = json.loads(capsys.readouterr().out)["outcomes"]
    for key in ("clashes", "iskp_fighters_at_horizon", "displaced_stock_at_horizon",
                "civilian_casualties"):
        row = table.loc[("surge", key)]
        for q in ("q05", "median", "q95"):
            assert outcomes[key][q] == pytest.approx(row[q], rel=1e-6), (key, q)
    # the differences figure draws the table's interval
    pairing = check_pairing(loaded)
    diffs = paired_differences(values, pairing)
    differences = difference_table(diffs, "base", pairing).set_index("outcome")
    fig = differences_figure(diffs, loaded, window, pairing)
    for ax, o in zip(fig.axes, KEY_OUTCOMES, strict=False):
        (start, _), (end, _) = ax.collections[0].get_segments()[0]
        assert (start, end) == pytest.approx((differences.loc[o.key, "q05"],
                                              differences.loc[o.key, "q95"]))
    # the fan bands are the same quantiles month by month
    wide = pd.DataFrame(np.arange(20.0).reshape(2, 10), index=pd.to_datetime(["2022-01",
                                                                              "2022-02"]))
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    draw_band(ax, wide, "#000000")
    median = ax.lines[-1].get_ydata()
    assert list(median) == list(quantile(wide.to_numpy(), 0.5, axis=1))
    plt.close("all")


def test_summarize_province_and_csv(runs, capsys):
    assert main(["summarize", str(runs["base"]), "--province", "Kabul", "--csv"]) == 0
    captured = capsys.readouterr()
    assert "only 3 replicates" in captured.err and "rough" in captured.err
    lines = captured.out.splitlines()
    assert lines[0] == "outcome,unit,q05,q25,median,q75,q95"
    rows = {line.split(",")[0]: line for line in lines[1:]}
    provinces = pd.read_parquet(runs["base"] / "provinces.parquet")
    kabul = provinces[provinces["province"] == "Kabul"]
    attacks = kabul.groupby("replicate")["iskp_attacks"].sum().to_numpy(float)
    assert float(rows["iskp_attacks"].split(",")[4]) == pytest.approx(np.median(attacks))
    assert "provinces_with_clashes" not in rows  # a national outcome only
    assert main(["summarize", str(runs["base"]), "--province", "Kabl"]) == 2
    assert "did you mean 'Kabul'" in capsys.readouterr().err


def test_views_do_not_import_the_simulation(runs, tmp_path):
    code = (f"import sys; from model.cli import main; "
            f"assert main(['summarize', {str(runs['base'])!r}, '--json']) == 0; "
            f"from model.viz import plot_run; import model.reporting.report; "
            f"print(sorted(m for m in ('mesa', 'numba', 'model.model', 'model.api') "
            f"if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=tmp_path)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_explorer_shows_the_comparisons_numbers(runs):
    from model.data import load_provinces
    from model.reporting.compare import compare
    from model.reporting.explorer_data import explorer_data

    comp = compare([runs["base"], runs["surge"]])
    data = explorer_data([runs["base"], runs["surge"]], ["base", "surge"], ["", ""],
                         load_provinces().names, comp.pairing.note(),
                         window=(comp.window.start, comp.window.end))
    assert data["windows"][0]["label"].startswith("compared")
    key = data["windows"][0]["key"]
    surge = data["scenarios"][1]
    level = comp.key.set_index(["scenario", "outcome"]).loc[("surge", "clashes")]
    assert surge["windows"][key]["clashes"][0] == pytest.approx(
        [level["q05"], level["median"], level["q95"]], rel=1e-3)
    diff = comp.differences.set_index("outcome").loc["civilian_casualties_iskp"]
    shown = surge["difference"]["windows"][key]["civilian_casualties_iskp"][0]
    assert shown[:3] == pytest.approx([diff["q05"], diff["median"], diff["q95"]], rel=1e-3,
                                      abs=1e-6)
    assert shown[3] == pytest.approx(diff["share_higher"])
    stock = data["outcomes"][[o["key"] for o in data["outcomes"]].index("iskp_fighters")]
    assert stock["stock"] and not data["outcomes"][0]["stock"]


def _grouped(rng, draws: int, seeds: int, between_sd: float, within_sd: float):
    """Normal outcomes: a draw effect with sd ``between_sd``, chance with sd ``within_sd``."""
    effect = rng.normal(10.0, between_sd, draws)
    values = np.repeat(effect, seeds) + rng.normal(0.0, within_sd, draws * seeds)
    return values, np.repeat(np.arange(draws), seeds)


@pytest.mark.parametrize("between_sd, within_sd", [(2.0, 1.0), (1.0, 3.0), (0.5, 0.5)])
def test_variance_split_recovers_known_components(between_sd, within_sd):
    n, k = 20_000, 4
    values, draws = _grouped(np.random.default_rng(42), n, k, between_sd, within_sd)
    split = variance_split(values, draws)
    assert split["draws"] == n and split["seeds_per_draw"] == k
    b, w = between_sd ** 2, within_sd ** 2
    # 4 standard errors of the normal-theory estimators
    se_within = w * np.sqrt(2 / (n * (k - 1)))
    se_between = np.sqrt(2 / (n - 1)) * (b + w / k) + se_within / k
    assert split["within"] == pytest.approx(w, abs=4 * se_within)
    assert split["between"] == pytest.approx(b, abs=4 * se_between)
    assert split["share_parameters"] == pytest.approx(b / (b + w),
                                                      abs=4 * (se_between + se_within) / (b + w))


def test_variance_split_corrects_the_chance_in_the_draw_means():
    # no parameter effect: the draw means still vary by within / k, which is not parameters
    values, draws = _grouped(np.random.default_rng(7), 5000, 4, 0.0, 2.0)
    naive = pd.Series(values).groupby(draws).mean().var(ddof=1)
    assert naive == pytest.approx(4.0 / 4, rel=0.06)
    split = variance_split(values, draws)
    assert split["between"] < 0.05 and split["share_parameters"] < 0.02


def test_variance_split_with_unequal_seeds_per_draw():
    rng = np.random.default_rng(3)
    sizes = rng.integers(2, 7, 6000)
    draws = np.repeat(np.arange(sizes.size), sizes)
    values = rng.normal(0, 1.5, sizes.size)[draws] + rng.normal(0, 1.0, draws.size)
    split = variance_split(values, draws)
    assert split["between"] == pytest.approx(2.25, rel=0.06)
    assert split["within"] == pytest.approx(1.0, rel=0.03)


def test_variance_split_edge_cases():
    one_set = variance_split([1.0, 2.0, 4.0, 3.0], [0, 0, 0, 0])  # defaults or the MAP
    assert np.isnan(one_set["between"]) and np.isnan(one_set["share_parameters"])
    assert one_set["within"] == pytest.approx(np.var([1, 2, 4, 3], ddof=1))
    assert spread_text(one_set) == "from chance 100% (one parameter set)"
    one_seed = variance_split([1.0, 2.0, 4.0], [0, 1, 2])  # k = 1: chance cannot be told apart
    assert np.isnan(one_seed["within"]) and np.isnan(one_seed["share_parameters"])
    assert spread_text(one_seed) == "n/a: one seed per draw"
    flat = variance_split([5.0] * 8, [0, 0, 1, 1, 2, 2, 3, 3])  # no spread: no division by 0
    assert (flat["between"], flat["within"]) == (0.0, 0.0) and np.isnan(flat["share_parameters"])
    assert spread_text(flat) == "n/a: no spread"
    only_draws = variance_split([1.0, 1.0, 3.0, 3.0], [0, 0, 1, 1])
    assert only_draws["share_parameters"] == 1.0
    assert spread_text(only_draws) == "from parameters 100%, from chance 0%"
    gaps = variance_split([1.0, np.nan, 3.0, 5.0, 2.0, 6.0], [0, 0, 0, 1, 1, 1])
    assert gaps["within"] == pytest.approx((2.0 + np.var([5, 2, 6], ddof=1)) / 2)
    empty = variance_split([], [])
    assert empty["draws"] == 0 and np.isnan(empty["share_parameters"])
    assert spread_text(empty) == "n/a: one parameter set"
    assert spread_text({"share_parameters": 0.375, "within": 1.0, "draws": 9}) == \
        "from parameters 38%, from chance 62%"
    with pytest.raises(ValueError, match="differ in length"):
        variance_split([1.0, 2.0], [0])
