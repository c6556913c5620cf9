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
from model.stats import METHOD, fmt, quantile, small_sample_note, summary


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
