"""Sweeps: every design, the store, executors, seeds, validation, error isolation and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.api import simulate
from model.calibration.stats import compute
from model.cli import main
from model.config import ConfigError
from model.errors import KhorasanError, ParameterError
from model.parameters import SPECS, Parameters
from model.sweep import store
from model.sweep.api import run_sweep
from model.sweep.sweepfile import load_sweep

SCENARIO = ("[scenario]\nname = 'base'\n[run]\nstart = '2015-01'\nend = '2016-06'\n"
            "replicates = 1\nseed = 3\n[parameters]\nclash_rate = 0.2\n"
            "[[interventions]]\ndate = '2015-09'\nset = {clash_rate = 0.3}\n"
            "provinces = ['Kunar']\n")
OUTCOMES = ("[[outcome]]\nname = 'clashes'\nstatistic = 'sum'\ncolumn = 'clashes'\n"
            "window = ['2015-06', '2015-12']\n"
            "[[outcome]]\nname = 'iskp_end'\nstatistic = 'value'\ncolumn = 'iskp_fighters'\n")
DESIGNS = {  # method -> ([design] lines, expected points)
    "grid": ("levels = 3", 3 * 2),
    "lhs": ("points = 5", 5),
    "sobol": ("points = 4", 4),
    "halton": ("points = 5", 5),
    "saltelli": ("points = 2", 2 * (2 + 2)),
    "morris": ("points = 2\nlevels = 4", 2 * (2 + 1)),
}
VARIES = ("clash_rate = {range = [0.05, 0.5], scale = 'log'}\n"
          "ct_strikes_per_month = {values = [0.0, 30.0]}\n")


def write_sweep(folder: Path, design: str = "method = 'lhs'\npoints = 4", sweep: str = "",
                parameters: str = "clash_rate = [0.05, 0.5]\n", outcomes: str = OUTCOMES,
                name: str = "s", end: str = "2015-12") -> Path:
    """A sweep file (and its scenario) in ``folder``; output to ``folder/out``."""
    (folder / "base.toml").write_text(SCENARIO)
    path = folder / f"{name}.toml"
    path.write_text(f"[sweep]\nname = '{name}'\nscenario = 'base.toml'\nseed = 11\n"
                    f"end = '{end}'\nout = '{folder / 'out'}'\n{sweep}\n"
                    f"[design]\n{design}\n[parameters]\n{parameters}\n{outcomes}")
    return path


def runs_table(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / store.RUNS).drop(columns="wall_s")


@pytest.mark.parametrize("method", list(DESIGNS))
def test_each_design_runs_a_small_sweep(tmp_path, method):
    lines, points = DESIGNS[method]
    parameters = VARIES if method != "morris" else "clash_rate = [0.05, 0.5]\n" \
        "ct_strikes_per_month = [0.0, 30.0]\n"
    spec = load_sweep(write_sweep(tmp_path, f"method = '{method}'\n{lines}",
                                  sweep="replicates = 2", parameters=parameters))
    manifest = run_sweep(spec, progress=False)
    design = pd.read_parquet(spec.out / store.DESIGN)
    runs = pd.read_parquet(spec.out / store.RUNS)
    assert list(design.columns) == ["point", "clash_rate", "ct_strikes_per_month"]
    assert len(design) == points == manifest["design"]["points"]
    assert design["clash_rate"].between(0.05, 0.5).all()
    assert set(design["ct_strikes_per_month"]) <= {0.0, 30.0} or method == "morris"
    assert len(runs) == 2 * points and (runs["status"] == "ok").all()
    assert list(runs[["point", "replicate"]].itertuples(index=False)) == [
        (p, r) for p in range(points) for r in range(2)]
    assert runs["clashes"].notna().all() and (runs["iskp_end"] > 0).all()
    assert manifest["status"] == "complete" and manifest["runs_ok"] == 2 * points
    assert sorted(p.name for p in spec.out.iterdir()) == [
        "design.parquet", "manifest.json", "runs.parquet"]


def test_grid_is_full_factorial_of_levels_and_lists(tmp_path):
    spec = load_sweep(write_sweep(tmp_path, "method = 'grid'\nlevels = 3", parameters=VARIES))
    run_sweep(spec, progress=False)
    design = pd.read_parquet(spec.out / store.DESIGN)
    np.testing.assert_allclose(design["clash_rate"].unique(), [0.05, np.sqrt(0.025), 0.5])
    assert design["ct_strikes_per_month"].tolist() == [0.0, 30.0] * 3


def test_outcomes_and_common_seeds_reproduce_single_runs(tmp_path):
    """Run r of any point is simulate() with SeedSequence(seed).spawn(R)[r] and that point."""
    spec = load_sweep(write_sweep(tmp_path, sweep="replicates = 3"))
    run_sweep(spec, progress=False)
    runs = pd.read_parquet(spec.out / store.RUNS)
    design = pd.read_parquet(spec.out / store.DESIGN)
    assert (runs["seed_entropy"] == 11).all()
    assert runs["seed_spawn_key"].tolist() == ["0", "1", "2"] * 4
    seeds = np.random.SeedSequence(11).spawn(3)
    for row in runs.itertuples():
        params = Parameters({"clash_rate": float(design.loc[row.point, "clash_rate"])})
        arrays = simulate(params, spec.n_months, seeds[row.replicate],
                          spec.scenario.model_interventions())
        for target in spec.outcomes:
            assert getattr(row, target.name) == compute(target, arrays)


def test_independent_seeding_gives_each_run_its_own_seed(tmp_path):
    spec = load_sweep(write_sweep(tmp_path, sweep="replicates = 2\nseeding = 'independent'"))
    run_sweep(spec, progress=False)
    runs = pd.read_parquet(spec.out / store.RUNS)
    assert runs["seed_spawn_key"].tolist()[:3] == ["0,0", "0,1", "1,0"]


def test_pool_and_in_process_give_identical_tables(tmp_path):
    one = load_sweep(write_sweep(tmp_path, sweep="replicates = 2\nsave_series = true"),
                     out=tmp_path / "one")
    two = load_sweep(one.path, out=tmp_path / "two")
    run_sweep(one, workers=1, progress=False)
    manifest = run_sweep(two, workers=2, progress=False)
    assert manifest["executor"]["kind"] == "process-pool"
    pd.testing.assert_frame_equal(runs_table(one.out), runs_table(two.out))
    series = [pd.read_parquet(s.out / store.SERIES).sort_values(["point", "replicate", "date"])
              .reset_index(drop=True) for s in (one, two)]
    pd.testing.assert_frame_equal(*series)
    assert len(series[0]) == 4 * 2 * 12 and series[0]["date"].min() == pd.Timestamp("2015-01")


def test_a_run_that_raises_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch, capsys):
    """In-process (one worker), a monkeypatched simulate fails for large clash rates."""
    import model.sweep.worker as worker

    real = worker.simulate

    def fragile(params, n_months, seed, interventions=()):
        if params.clash_rate > 0.3:
            raise FloatingPointError("clash rate too high\nsecond line")
        return real(params, n_months, seed, interventions)

    monkeypatch.setattr(worker, "simulate", fragile)
    path = write_sweep(tmp_path, "method = 'grid'\nlevels = 4", sweep="replicates = 2")
    assert main(["sweep", str(path), "--workers", "1", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "4 runs failed" in captured.err and "(4 ok, 4 failed)" in captured.out
    runs = pd.read_parquet(tmp_path / "out" / store.RUNS)
    failed = runs[runs["status"] == "error"]
    assert failed["point"].tolist() == [2, 2, 3, 3]
    assert (failed["error"] == "FloatingPointError: clash rate too high").all()
    assert failed["clashes"].isna().all() and runs.loc[runs["status"] == "ok", "error"].eq(
        "").all()
    manifest = json.loads((tmp_path / "out" / store.MANIFEST).read_text())
    assert (manifest["runs_ok"], manifest["runs_error"]) == (4, 4)


def test_a_failing_run_is_isolated_on_the_pool(tmp_path, monkeypatch):
    """A run that raises (as a commander-table overflow did before the table stopped growing
    when full) fails alone on the process pool; the others complete. The pool forks, so its
    workers inherit the patched simulation."""
    from model.sweep import worker

    real = worker.simulate

    def fragile(params, *args, **kwargs):
        if params["mobilisation_ceiling"] == SPECS["mobilisation_ceiling"].bounds[1]:
            raise RuntimeError("commander capacity exceeded")
        return real(params, *args, **kwargs)

    monkeypatch.setattr(worker, "simulate", fragile)
    parameters = "".join(f"{name} = {{values = [{SPECS[name].default}, "
                         f"{SPECS[name].bounds[1]}]}}\n"  # default and upper bound
                         for name in ("taliban_recruit_rate", "mobilisation_ceiling"))
    spec = load_sweep(write_sweep(tmp_path, "method = 'grid'", parameters=parameters,
                                  end="2016-06"))
    run_sweep(spec, workers=2, progress=False)
    runs = pd.read_parquet(spec.out / store.RUNS)
    assert runs["status"].tolist() == ["ok", "error", "ok", "error"]
    assert "capacity" in runs.loc[3, "error"]


BAD = {  # id -> (write_sweep keyword arguments, fragment of the one-line error)
    "section": ({"outcomes": OUTCOMES + "[bogus]\n"}, "unknown section [bogus]"),
    "sweep-key": ({"sweep": "colour = 'red'"}, "unknown key 'sweep.colour'"),
    "replicates": ({"sweep": "replicates = 0"}, "key 'sweep.replicates' must be >= 1"),
    "seeding": ({"sweep": "seeding = 'fresh'"}, "allowed: common, independent"),
    "end": ({"end": "2015-13"}, "is not a date"),
    "early-end": ({"end": "2014-12"}, "outside the data calendar"),
    "method": ({"design": "method = 'random'"}, "allowed: grid, lhs, sobol, halton"),
    "sobol-points": ({"design": "method = 'sobol'\npoints = 5"}, "power of 2"),
    "no-points": ({"design": "method = 'lhs'"}, "key 'design.points' must be"),
    "unused-key": ({"design": "method = 'lhs'\npoints = 4\nlevels = 3"},
                   "key 'design.levels' is not used by method 'lhs'"),
    "unknown-parameter": ({"parameters": "bogus = [0, 1]"}, "unknown key 'bogus'"),
    "out-of-bounds": ({"parameters": "clash_rate = [0.1, 20.0]"}, "out of range"),
    "reversed": ({"parameters": "clash_rate = [0.5, 0.1]"}, "lo must be < hi"),
    "three-values": ({"parameters": "clash_rate = [0.1, 0.2, 0.3]"}, "{values = [...]}"),
    "no-prior": ({"parameters": "taliban_commanders = 'prior'"}, "has no prior range"),
    "log-zero": ({"parameters": "ct_strikes_per_month = {range = [0.0, 9.0], scale = 'log'}"},
                 "needs lo > 0"),
    "int-type": ({"parameters": "taliban_commanders = [100.5, 300]"}, "must be int"),
    "morris-list": ({"design": "method = 'morris'\npoints = 2",
                     "parameters": "clash_rate = {values = [0.1, 0.2]}"}, "needs ranges"),
    "statistic": ({"outcomes": "[[outcome]]\nname = 'x'\nstatistic = 'median'\n"
                               "column = 'clashes'\n"}, "key 'outcome[0].statistic'"),
    "column": ({"outcomes": "[[outcome]]\nname = 'x'\nstatistic = 'sum'\ncolumn = 'kills'\n"},
               "key 'outcome[0].column' = 'kills'"),
    "window": ({"outcomes": "[[outcome]]\nname = 'x'\nstatistic = 'sum'\ncolumn = 'clashes'\n"
                            "window = ['2015-06', '2016-06']\n"},
               "must lie within the simulated months"),
    "reserved": ({"outcomes": "[[outcome]]\nname = 'status'\nstatistic = 'sum'\n"
                              "column = 'clashes'\n"}, "must be an identifier other than"),
    "twice": ({"outcomes": OUTCOMES + "[[outcome]]\nname = 'clashes'\nstatistic = 'sum'\n"
                                      "column = 'clashes'\n"}, "'clashes' is used twice"),
    "no-outcome": ({"outcomes": ""}, "key 'outcome' must list at least one"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_sweep_file_is_one_line_error_and_writes_nothing(tmp_path, capsys, case):
    kwargs, fragment = BAD[case]
    path = write_sweep(tmp_path, **kwargs)
    with pytest.raises((ConfigError, ParameterError)):
        load_sweep(path)
    assert main(["sweep", str(path), "--quiet"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"khorasan: error: {path}"), captured.err
    assert fragment in lines[0]
    assert not (tmp_path / "out").exists()


def test_missing_scenario_names_the_sweep_file(tmp_path):
    path = write_sweep(tmp_path)
    path.write_text(path.read_text().replace("base.toml", "nowhere.toml"))
    with pytest.raises(ConfigError, match=r"nowhere\.toml: no such config file"):
        load_sweep(path)


def test_example_sweep_is_valid():
    spec = load_sweep(Path(__file__).resolve().parents[1] / "scenarios/sweeps/example.toml")
    assert spec.method == "lhs" and len(spec.factors) == 4 and spec.points * 2 == 200
    assert spec.scenario.name == "baseline" and spec.end == "2021-08"
    assert spec.factors[0].scale == "log"
    assert (spec.factors[1].low, spec.factors[1].high) == SPECS["iskp_recruit_rate"].prior


def test_existing_results_need_a_flag_and_resume_checks_the_sweep(tmp_path, capsys):
    path = write_sweep(tmp_path)
    assert main(["sweep", str(path), "--quiet", "--workers", "1"]) == 0
    before = (tmp_path / "out" / store.RUNS).read_bytes()
    assert main(["sweep", str(path), "--quiet"]) == 2
    assert "--overwrite (replace) or --resume" in capsys.readouterr().err
    assert main(["sweep", str(path), "--quiet", "--resume"]) == 0  # complete: a no-op
    assert (tmp_path / "out" / store.RUNS).read_bytes() == before
    path.write_text(path.read_text().replace("points = 4", "points = 6"))
    capsys.readouterr()
    assert main(["sweep", str(path), "--quiet", "--resume"]) == 2
    assert "cannot resume" in capsys.readouterr().err
    assert main(["sweep", str(path), "--quiet", "--overwrite", "--workers", "1"]) == 0
    assert len(pd.read_parquet(tmp_path / "out" / store.RUNS)) == 6


def test_plot_dispatches_on_sweep_folders(tmp_path, capsys):
    path = write_sweep(tmp_path, sweep="replicates = 2", parameters=VARIES)
    assert main(["sweep", str(path), "--quiet", "--workers", "1"]) == 0
    capsys.readouterr()
    assert main(["plot", str(tmp_path / "out")]) == 0
    written = [Path(line) for line in capsys.readouterr().out.splitlines()]
    assert {p.name for p in written} == {f"sweep_{kind}_{name}.png" for name in
                                         ("clashes", "iskp_end")
                                         for kind in ("scatter", "heatmap", "dist")}
    assert all(p.stat().st_size > 1000 for p in written)
    with pytest.raises(KhorasanError, match="cannot read"):
        from model.sweep.plots import plot_sweep

        plot_sweep(tmp_path)


def test_chunks_depend_on_runs_only_and_parts_are_found_by_name(tmp_path):
    assert [store.chunk_runs(n) for n in (1, 64, 65, 200, 10_000, 10**7)] == [1, 1, 2, 4, 64, 64]
    parts = tmp_path / store.PARTS
    parts.mkdir()
    for name in ("runs-000003-0123456789abcdef.parquet", "runs-1234567-0123456789abcdef.parquet",
                 ".runs-000004.tmp9", "runs-000005.parquet"):
        (parts / name).write_bytes(b"")
    assert store.done_chunks(tmp_path) == {3, 1234567}
