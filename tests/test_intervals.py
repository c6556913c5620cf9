"""Honest projection intervals: prior-drawn parameters, seeds per draw, and the variance split."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import error_line

from model.cli import main
from model.config import load_config
from model.model import KhorasanModel
from model.parameters import SPECS, Parameters
from model.posterior import POSTERIOR_STREAM, parameter_sets
from model.reporting.calibration import load_calibration
from model.reporting.compare import compare, figure_makers
from model.reporting.report import build_html
from model.stats import variance_split

DRAWN = ["taliban_initial_fighters", "desertion_rate", "defection_base"]
"""Parameters the test posterior's calibration kept fixed (an int and two floats)."""
PARTICLES = {"clash_rate": [0.1, 0.2, 0.3, 0.25], "iskp_pay": [1.0, 2.0, 1.5, 1.2],
             "weight": [0.1, 0.4, 0.3, 0.2]}
SCENARIO = ("[scenario]\nname = '{name}'\n[run]\nstart = '2015-01'\nend = '{end}'\n"
            "replicates = {replicates}\nseed = 7\nseeds_per_draw = {per}\n{extra}")


def write_posterior(path: Path, drawn=DRAWN, particles=PARTICLES) -> Path:
    """A small posterior whose calibration record lists ``drawn`` in ``prior_drawn``."""
    table = pa.Table.from_pandas(pd.DataFrame(particles), preserve_index=False)
    record = {"generation": 2, **({"prior_drawn": drawn} if drawn is not None else {})}
    pq.write_table(table.replace_schema_metadata({**(table.schema.metadata or {}),
                                                  b"khorasan": json.dumps(record).encode()}),
                   path)
    return path


def write_scenario(folder: Path, name: str = "s", replicates: int = 8, per: int = 4,
                   end: str = "2015-06", extra: str = "") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(SCENARIO.format(name=name, end=end, replicates=replicates, per=per,
                                    extra=extra))
    return path


@pytest.fixture(scope="module")
def posterior(tmp_path_factory) -> Path:
    return write_posterior(tmp_path_factory.mktemp("posterior") / "posterior.parquet")


# --- prior-drawn parameters ----------------------------------------------------------------------

def test_prior_draws_lie_in_their_prior_ranges(posterior):
    sets, source = parameter_sets({}, "posterior", 3, 400, posterior, seeds_per_draw=4)
    assert source["prior_drawn"] == DRAWN
    for name in DRAWN:
        lo, hi = SPECS[name].prior
        values = np.array([s[name] for s in sets])
        assert ((lo <= values) & (values <= hi)).all(), name
        assert len(set(values)) == 100  # one value per draw
        # uniform over the range: 100 draws spread over it, not bunched at the default
        assert values.min() < lo + 0.1 * (hi - lo) and values.max() > hi - 0.1 * (hi - lo)
    assert all(isinstance(s["taliban_initial_fighters"], int) for s in sets)
    untouched = [n for n in SPECS if n not in DRAWN and n not in PARTICLES]
    assert all(s[n] == SPECS[n].default for s in sets for n in untouched)


def test_prior_draws_are_reproducible_and_common_to_scenarios(posterior):
    first, _ = parameter_sets({}, "posterior", 3, 12, posterior, seeds_per_draw=4)
    again, _ = parameter_sets({}, "posterior", 3, 12, posterior, seeds_per_draw=4)
    other, _ = parameter_sets({"iskp_pay": 2.5, "clash_rate": 0.4}, "posterior", 3, 12,
                              posterior, seeds_per_draw=4)
    assert first == again
    for a, b in zip(first, other, strict=True):  # another scenario, the same seed: same draws
        assert {n: a[n] for n in DRAWN} == {n: b[n] for n in DRAWN}
        assert (b["iskp_pay"], b["clash_rate"]) == (2.5, 0.4)
    reseeded, _ = parameter_sets({}, "posterior", 4, 12, posterior, seeds_per_draw=4)
    assert [s["desertion_rate"] for s in reseeded] != [s["desertion_rate"] for s in first]


def test_a_parameters_draw_does_not_depend_on_the_others_drawn(tmp_path, posterior):
    alone = write_posterior(tmp_path / "alone.parquet", drawn=["desertion_rate"])
    full, _ = parameter_sets({}, "posterior", 3, 8, posterior, seeds_per_draw=2)
    one, _ = parameter_sets({}, "posterior", 3, 8, alone, seeds_per_draw=2)
    assert [s["desertion_rate"] for s in full] == [s["desertion_rate"] for s in one]


def test_scenario_parameters_and_interventions_win_over_prior_draws(tmp_path, posterior):
    path = write_scenario(tmp_path, extra="[parameters]\ndesertion_rate = 0.011\n"
                                          "[[interventions]]\ndate = '2015-03'\n"
                                          "set = {defection_base = -5.5}\n")
    config = load_config(path)
    sets, _ = parameter_sets(config.parameters, "posterior", 7, 8, posterior, seeds_per_draw=4)
    plain, _ = parameter_sets({}, "posterior", 7, 8, posterior, seeds_per_draw=4)
    assert all(s["desertion_rate"] == 0.011 for s in sets)
    assert [s["taliban_initial_fighters"] for s in sets] == \
        [s["taliban_initial_fighters"] for s in plain]
    model = KhorasanModel(Parameters(sets[0]), 4, 1, config.model_interventions())
    assert model.p.defection_base == sets[0]["defection_base"] != -5.5
    while model.steps <= 2:  # through 2015-03, the intervention's month
        model.step()
    assert model.p.defection_base == -5.5


def test_a_posterior_without_prior_drawn_draws_as_before(tmp_path):
    path = write_posterior(tmp_path / "plain.parquet", drawn=None)
    sets, source = parameter_sets({}, "posterior", 11, 6, path)  # a draw per replicate
    cdf = np.cumsum(PARTICLES["weight"]) / np.sum(PARTICLES["weight"])
    expected = [int(np.searchsorted(cdf, np.random.default_rng(
        np.random.SeedSequence([11, POSTERIOR_STREAM, r])).random(), side="right"))
        for r in range(6)]
    assert source["draws"] == expected and source["prior_drawn"] == []
    assert [s["clash_rate"] for s in sets] == [PARTICLES["clash_rate"][i] for i in expected]
    assert all(s[n] == SPECS[n].default for s in sets for n in DRAWN)


def test_map_keeps_prior_drawn_parameters_at_their_defaults(posterior):
    sets, source = parameter_sets({}, "map", 3, 4, posterior, seeds_per_draw=4)
    assert all(s[n] == SPECS[n].default for s in sets for n in DRAWN)
    assert source["prior_drawn"] == [] and source["prior_at_defaults"] == DRAWN
    assert source["draw_of_replicate"] == [0, 0, 0, 0]


# --- replicates per parameter draw ---------------------------------------------------------------

def test_replicate_r_uses_draw_r_over_seeds_per_draw(posterior):
    sets, source = parameter_sets({}, "posterior", 3, 12, posterior, seeds_per_draw=4)
    assert source["draw_of_replicate"] == [r // 4 for r in range(12)]
    assert source["seeds_per_draw"] == 4
    for r in range(12):
        assert sets[r] == sets[4 * (r // 4)]
        assert source["draws"][r] == source["draws"][4 * (r // 4)]
    assert len({tuple(sorted(s.items())) for s in sets}) == 3
    # draw g is the particle a one-draw-per-replicate run gives replicate g
    single, one = parameter_sets({}, "posterior", 3, 3, posterior, seeds_per_draw=1)
    assert source["draws"][::4] == one["draws"]
    assert sets[::4] == single


def test_defaults_ignore_seeds_per_draw(posterior):
    sets, source = parameter_sets({}, "defaults", 3, 3, posterior, seeds_per_draw=4)
    assert sets == [Parameters().to_dict()] * 3
    assert source == {"source": "defaults", "draw_of_replicate": [0, 0, 0]}


def test_seeds_per_draw_must_divide_the_replicates_of_a_posterior_run(tmp_path, capsys,
                                                                       posterior):
    config = write_scenario(tmp_path, replicates=6, per=4)
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--quiet", "--workers", "1",
                 "--posterior", str(posterior)]) == 2
    line = error_line(capsys)
    assert str(config) in line and "'run.seeds_per_draw' = 4" in line
    assert "allowed: a divisor of 6 (1, 2, 3, 6)" in line
    assert not out.exists()
    assert main(["validate", str(config), "--posterior", str(posterior)]) == 2
    assert error_line(capsys) == line
    # the defaults and the MAP make no draws: seeds_per_draw plays no part
    assert main(["validate", str(config), "--params", "defaults"]) == 0
    assert main(["validate", str(config), "--params", "map", "--posterior",
                 str(posterior)]) == 0


def test_a_posterior_run_records_the_draws_and_workers_do_not_matter(tmp_path, capsys,
                                                                       posterior):
    config = write_scenario(tmp_path, replicates=4, per=2, end="2015-03")
    outs = {}
    for workers in ("1", "2"):
        outs[workers] = tmp_path / f"w{workers}"
        assert main(["run", str(config), "--out", str(outs[workers]), "--quiet", "--workers",
                     workers, "--posterior", str(posterior)]) == 0
    for kind in ("national", "provinces"):
        pd.testing.assert_frame_equal(pd.read_parquet(outs["1"] / f"{kind}.parquet"),
                                      pd.read_parquet(outs["2"] / f"{kind}.parquet"))
    record = json.loads((outs["1"] / "manifest.json").read_text())["parameters"]
    assert record["prior_drawn"] == DRAWN and record["seeds_per_draw"] == 2
    assert record["draw_of_replicate"] == [0, 0, 1, 1]
    assert main(["validate", str(config), "--posterior", str(posterior)]) == 0
    out = capsys.readouterr().out
    assert "2 parameter draws x 2 seeds (4 replicates)" in out
    assert "3 parameters drawn from their priors (~)" in out
    marked = [line[3:35].strip() for line in out.splitlines() if line.startswith(" ~ ")]
    assert marked == [n for n in SPECS if n in DRAWN]


# --- the split shown by compare, report and summarize --------------------------------------------

@pytest.fixture(scope="module")
def split_runs(tmp_path_factory, posterior) -> dict[str, Path]:
    """Two paired posterior runs: 3 parameter draws x 4 seeds each."""
    root = tmp_path_factory.mktemp("split")
    runs = {}
    for name, extra in (("base", ""), ("surge", "[[interventions]]\ndate = '2015-06'\n"
                                               "set = {iskp_recruit_multiplier = 3.0}\n")):
        config = write_scenario(root, name, replicates=12, per=4, end="2016-06", extra=extra)
        runs[name] = root / "results" / name
        assert main(["run", str(config), "--out", str(runs[name]), "--quiet", "--workers", "1",
                     "--posterior", str(posterior)]) == 0
    return runs


def test_compare_shows_the_spread_from_parameters(split_runs, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(split_runs["base"]), str(split_runs["surge"]), "--out",
                 str(out)]) == 0
    printed = capsys.readouterr().out
    assert "## Spread from parameters and from chance" in printed
    assert "from parameters" in printed and "from chance" in printed
    replicates = pd.read_csv(out / "replicates.csv")
    assert list(replicates.columns[:3]) == ["scenario", "replicate", "draw"]
    assert (replicates["draw"] == replicates["replicate"] // 4).all()
    key = pd.read_csv(out / "key_outcomes.csv").set_index(["scenario", "outcome"])
    assert (key["parameter_draws"] == 3).all()
    shares = key["share_parameters"].dropna()
    assert len(shares) >= 10 and shares.between(0, 1).all()
    comp = compare([split_runs["base"], split_runs["surge"]])
    for (scenario, outcome), row in key.iterrows():  # the table holds the split of the values
        values = comp.values[scenario][outcome]
        split = variance_split(values, values.index.to_numpy() // 4)
        assert row["within_variance"] == pytest.approx(split["within"], rel=1e-5, nan_ok=True)
        assert row["share_parameters"] == pytest.approx(split["share_parameters"], rel=1e-5,
                                                        abs=1e-9, nan_ok=True)
    row = key.loc[("surge", "clashes")]
    points = round(100 * row["share_parameters"])
    assert f"from parameters {points}%, from chance {100 - points}%" in \
        (out / "key_outcomes.md").read_text()


def test_report_shows_the_spread_and_explains_it(split_runs, tmp_path):
    comp = compare([split_runs["base"], split_runs["surge"]])
    images = {stem: b"\x89PNG placeholder" for stem in figure_makers(comp)}
    page = build_html(comp, load_calibration(tmp_path / "none"), images)
    assert "Spread from parameters and from chance" in page
    assert "<dt>Spread from parameters</dt>" in page and "law of total variance" in page
    assert page.count("from parameters ") >= len(comp.key.dropna(subset="share_parameters"))
    assert "3 parameter draws, each run with 4 seeds" in page
    assert "drawn from their priors: " + ", ".join(DRAWN) in page


def test_summarize_gives_the_share_for_a_run_of_repeated_draws(split_runs, capsys):
    assert main(["summarize", str(split_runs["base"]), "--json"]) == 0
    outcomes = json.loads(capsys.readouterr().out)["outcomes"]
    national = pd.read_parquet(split_runs["base"] / "national.parquet")
    clashes = national.groupby("replicate")["clashes"].sum()
    expected = variance_split(clashes.to_numpy(), clashes.index.to_numpy() // 4)
    assert outcomes["clashes"]["from_parameters"] == pytest.approx(
        expected["share_parameters"], rel=1e-6)
    assert main(["summarize", str(split_runs["base"])]) == 0
    assert "from_parameters: the share of the spread" in capsys.readouterr().out
