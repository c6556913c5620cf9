"""`khorasan compare`: key-outcome table, paired differences, figures and bad input."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from model.cli import main
from model.errors import KhorasanError
from model.reporting.compare import compare
from model.reporting.outcomes import KEY_OUTCOMES
from model.reporting.runs import check_pairing, load_runs

BASE = """# Base: the shared history, then the Taliban govern.
#
# A test fixture standing in for scenarios/baseline.toml.

[scenario]
name = "base"
description = "Test baseline"

[run]
start = "2021-01"
end = "2022-06"
replicates = 3
seed = 11
"""
SURGE = """# ISKP surge: more recruits from 2021-09.
[scenario]
name = "surge"
description = "ISKP recruits more from 2021-09"
extends = "base.toml"

[[interventions]]
date = "2021-09"
set = {iskp_recruit_multiplier = 3.0}
note = "resurgence"
"""
PRESSURE = """# Counter-terrorism pressure from 2021-09.
[scenario]
name = "pressure"
description = "Over-the-horizon strikes and a harder crackdown"
extends = "base.toml"

[[interventions]]
date = "2021-09"
set = {over_the_horizon_strikes = 5.0, taliban_crackdown = 6.0}
"""
SCENARIOS = {"base": BASE, "surge": SURGE, "pressure": PRESSURE}
OUTCOME_KEYS = [o.key for o in KEY_OUTCOMES]


def make_runs(root: Path) -> dict[str, Path]:
    """Scenario files in ``root/scenarios`` and their runs in ``root/results``."""
    folder = root / "scenarios"
    folder.mkdir(parents=True)
    runs = {}
    for name, text in SCENARIOS.items():
        (folder / f"{name}.toml").write_text(text)
    for name in SCENARIOS:
        runs[name] = root / "results" / name
        assert main(["run", str(folder / f"{name}.toml"), "--params", "defaults", "--quiet",
                     "--workers", "1", "--out", str(runs[name])]) == 0
    runs["surge_seed12"] = root / "results" / "surge_seed12"
    assert main(["run", str(folder / "surge.toml"), "--params", "defaults", "--quiet",
                 "--workers", "1", "--seed", "12", "--out", str(runs["surge_seed12"])]) == 0
    return runs


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    return make_runs(tmp_path_factory.mktemp("compare"))


@pytest.fixture(scope="module")
def compared(runs, tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("compare_out") / "cmp"
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["compare", str(runs["base"]), str(runs["surge"]), str(runs["pressure"]),
                     "--out", str(out)])
    assert code == 0
    return out, buffer.getvalue()


def test_compare_writes_tables_and_figures(compared):
    out, printed = compared
    for name in ("key_outcomes.csv", "key_outcomes.md", "paired_differences.csv",
                 "paired_differences.md", "replicates.csv"):
        assert (out / name).is_file(), name
    pngs = sorted(p.stem for p in out.glob("*.png"))
    assert "distributions" in pngs and "differences" in pngs
    assert {"map_iskp_control", "map_clashes", "fan_clashes", "fan_iskp_fighters"} <= set(pngs)
    for png in out.glob("*.png"):
        pixels = mpimg.imread(png)[..., :3]
        assert pixels.std() > 0.02, png.name
    assert "| Taliban–ISKP clashes | events |" in printed
    assert "Paired differences" in printed and "window 2021-09 to 2022-06" in printed


def test_key_table_is_sane(compared, runs):
    out, _ = compared
    table = pd.read_csv(out / "key_outcomes.csv")
    assert len(table) == 3 * len(KEY_OUTCOMES)
    assert list(dict.fromkeys(table["scenario"])) == ["base", "surge", "pressure"]
    assert (table["q05"] <= table["median"] + 1e-9).all()
    assert (table["median"] <= table["q95"] + 1e-9).all()
    assert (table[["q05", "median", "q95"]] >= 0).all().all()
    held = table[table["outcome"] == "iskp_controlled_provinces"]
    assert held["q95"].max() <= 34
    # the clash total is the sum over the window of the national series
    nat = pd.read_parquet(runs["base"] / "national.parquet")
    window = nat[nat["date"] >= "2021-09-01"]
    totals = window.groupby("replicate")["clashes"].sum()
    reps = pd.read_csv(out / "replicates.csv")
    base = reps[reps["scenario"] == "base"].set_index("replicate")
    assert np.allclose(base.loc[totals.index, "clashes"], totals)
    last = nat[nat["date"] == nat["date"].max()].set_index("replicate")["iskp_fighters"]
    assert np.allclose(base.loc[last.index, "iskp_fighters_at_horizon"], last)
    markdown = (out / "key_outcomes.md").read_text()
    assert "| outcome | unit | base | surge | pressure |" in markdown


def test_paired_differences_are_replicate_by_replicate(compared):
    out, _ = compared
    reps = pd.read_csv(out / "replicates.csv").set_index(["scenario", "replicate"])
    diffs = pd.read_csv(out / "paired_differences.csv")
    assert set(diffs["scenario"]) == {"surge", "pressure"}
    assert diffs["paired"].all() and (diffs["pairs"] == 3).all()
    for scenario in ("surge", "pressure"):
        d = reps.loc[scenario, OUTCOME_KEYS] - reps.loc["base", OUTCOME_KEYS]
        rows = diffs[diffs["scenario"] == scenario].set_index("outcome")
        for key in OUTCOME_KEYS:
            assert rows.loc[key, "q05"] <= rows.loc[key, "median"] <= rows.loc[key, "q95"]
            assert d[key].min() - 1e-6 <= rows.loc[key, "median"] <= d[key].max() + 1e-6
            assert rows.loc[key, "share_higher"] == pytest.approx((d[key] > 0).mean())


def test_api_window_baseline_and_self_difference(runs, tmp_path):
    comp = compare([runs["base"], runs["surge"]], baseline="surge", window="2022-01:2022-06")
    assert [r.name for r in comp.runs] == ["surge", "base"]
    assert comp.window.label == "2022-01 to 2022-06"
    assert np.allclose(comp.diffs["base"], comp.values["base"] - comp.values["surge"])
    copy = tmp_path / "base_again"
    shutil.copytree(runs["base"], copy)
    same = compare([runs["base"], copy])
    assert [r.name for r in same.runs] == ["base", "base_again"]  # clashing names: folders
    assert (same.differences[["median", "q05", "q95"]] == 0).all().all()
    with pytest.raises(KhorasanError, match="given twice"):
        compare([runs["base"], runs["base"]])


def test_mismatched_seeds_are_detected(runs):
    pairing = check_pairing(load_runs([runs["base"], runs["surge_seed12"]]))
    assert not pairing.paired
    assert "seed" in pairing.problems[0]
    comp = compare([runs["base"], runs["surge_seed12"]], allow_unpaired=True)
    assert not comp.differences["paired"].any()
    assert "NOT paired" in comp.pairing.note()


@pytest.mark.parametrize("surge, problem", [
    ({"draws": [0, 5, 2]}, "posterior draws"),
    ({"sha256": "b" * 64}, "posterior files"),
    ({"prior_drawn": ["desertion_rate"]}, "from their priors"),
    ({"draw_of_replicate": [0, 0, 1], "seeds_per_draw": 2}, "run.seeds_per_draw")])
def test_mismatched_posteriors_are_detected(runs, tmp_path, surge, problem):
    copies = []
    for name, changes in (("base", {}), ("surge", surge)):
        target = tmp_path / name
        shutil.copytree(runs[name], target)
        manifest = json.loads((target / "manifest.json").read_text())
        manifest["parameters"] = {"source": "posterior", "file": "posterior.parquet",
                                  "draws": [0, 1, 2], "sha256": "a" * 64, "seeds_per_draw": 1,
                                  "draw_of_replicate": [0, 1, 2], "prior_drawn": [], **changes}
        (target / "manifest.json").write_text(json.dumps(manifest))
        copies.append(target)
    pairing = check_pairing(load_runs(copies))
    assert not pairing.paired and problem in pairing.problems[0]


def _one_line_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("khorasan: error:"), err
    return err


def test_bad_input_is_one_line_exit_2(runs, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = ["--out", str(tmp_path / "out")]
    base = str(runs["base"])
    assert "not a run directory" in _one_line_error(capsys, ["compare", base, str(empty), *out])
    assert "not a run directory" in _one_line_error(
        capsys, ["compare", base, str(tmp_path / "nope"), *out])
    err = _one_line_error(capsys, ["compare", base, str(runs["surge_seed12"]), *out])
    assert "not paired" in err and "--allow-unpaired" in err
    assert "--window" in _one_line_error(
        capsys, ["compare", base, str(runs["surge"]), "--window", "2030-01:2030-02", *out])
    assert "--window" in _one_line_error(
        capsys, ["compare", base, str(runs["surge"]), "--window", "2022", *out])
    assert "--baseline" in _one_line_error(
        capsys, ["compare", base, str(runs["surge"]), "--baseline", "nobody", *out])
    assert "at least two" in _one_line_error(capsys, ["compare", base, *out])
    broken = tmp_path / "broken"
    shutil.copytree(runs["surge"], broken)
    (broken / "national.parquet").write_text("not parquet")
    _one_line_error(capsys, ["compare", base, str(broken), *out])
    assert not (tmp_path / "out").exists()
