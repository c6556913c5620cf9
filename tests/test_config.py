"""Scenario configs: strict loading, one-line errors that write nothing, and ``extends``."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import error_line, snapshot

from model.cli import main
from model.config import ConfigError, load_config
from model.errors import KhorasanError
from model.parameters import SPECS

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.toml"
BASELINE_ASSUMPTIONS = {"taliban_crackdown": 2.0, "taliban_amnesty": 1.5}  # its [parameters]
HEADER = "[scenario]\nname = 'bad'\n"


def parameter_rows(text: str) -> dict[str, tuple[str, str]]:
    """Parameter name -> (mark, printed value) from the output of ``validate``."""
    return {line[3:35].strip(): (line[1].strip(), line[36:57].strip())
            for line in text.splitlines() if line[:3] in ("   ", " * ")}


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """A small finished run, which failed commands must leave untouched."""
    folder = tmp_path_factory.mktemp("results")
    config = folder / "tiny.toml"
    config.write_text("[scenario]\nname = 'tiny'\n[run]\nstart = '2016-01'\nend = '2016-03'\n"
                      "replicates = 2\nseed = 3\n")
    out = folder / "run"
    assert main(["run", str(config), "--out", str(out), "--params", "defaults", "--quiet",
                 "--workers", "1"]) == 0
    return out


def assert_rejected(capsys, config: Path, needles: list[str], tmp_path: Path,
                    results: Path) -> None:
    """``validate`` and ``run`` both fail with one line naming ``config`` and writing nothing."""
    assert main(["validate", str(config)]) == 2
    line = error_line(capsys)
    for needle in [str(config), *needles]:
        assert needle in line, (needle, line)

    fresh = tmp_path / "fresh-out"
    assert main(["run", str(config), "--out", str(fresh), "--params", "defaults",
                 "--quiet"]) == 2
    assert error_line(capsys) == line
    assert not fresh.exists()

    before = snapshot(results)
    assert main(["run", str(config), "--out", str(results), "--params", "defaults",
                 "--quiet", "--overwrite"]) == 2
    assert error_line(capsys) == line
    assert snapshot(results) == before


BAD_CONFIGS = {
    # name: (file text, substrings the one error line must contain)
    "malformed_toml": ("[scenario\nname = 'x'\n", ["malformed TOML", "line 1"]),
    "unknown_section": (HEADER + "[simulation]\nreplicates = 3\n",
                        ["[simulation]", "valid sections: scenario, run, parameters, "
                         "interventions"]),
    "unknown_run_key": (HEADER + "[run]\nreplicate = 3\n",
                        ["'run.replicate'", "did you mean 'replicates'?",
                         "valid keys: start, end, replicates, seed"]),
    "unknown_scenario_key": (HEADER + "title = 'x'\n",
                             ["'scenario.title'", "valid keys: name, description, extends"]),
    "unknown_parameter": (HEADER + "[parameters]\nclash_rat = 0.2\n",
                          ["'clash_rat'", "did you mean 'clash_rate'", "khorasan levers"]),
    "replicates_string": (HEADER + "[run]\nreplicates = 'ten'\n",
                          ["'run.replicates'", "must be an integer", "'ten'"]),
    "replicates_float": (HEADER + "[run]\nreplicates = 2.5\n",
                         ["'run.replicates'", "must be an integer"]),
    "seed_boolean": (HEADER + "[run]\nseed = true\n", ["'run.seed'", "must be an integer"]),
    "start_toml_date": (HEADER + "[run]\nstart = 2016-01-01\n", ["'run.start'", "must be str"]),
    "name_number": ("[scenario]\nname = 5\n", ["'scenario.name'", "must be str"]),
    "parameter_string": (HEADER + "[parameters]\nclash_rate = '0.2'\n",
                         ["'clash_rate'", "must be float", "str"]),
    "parameter_boolean": (HEADER + "[parameters]\nclash_rate = true\n",
                          ["'clash_rate'", "must be float", "bool"]),
    "int_parameter_float": (HEADER + "[parameters]\ntaliban_commanders = 2.5\n",
                            ["'taliban_commanders'", "must be int"]),
    "parameter_too_high": (HEADER + "[parameters]\nclash_rate = 10.5\n",
                           ["'clash_rate'", "out of range", "allowed [0, 10]"]),
    "parameter_too_low": (HEADER + "[parameters]\nfounding_half_life = 0.5\n",
                          ["'founding_half_life'", "allowed [1, 600]"]),
    "parameters_not_table": ("parameters = 3\n" + HEADER, ["'parameters' must be a table"]),
    "end_before_start": (HEADER + "[run]\nstart = '2020-01'\nend = '2019-12'\n",
                         ["'run.end'", "2019-12", "end must be >= start"]),
    "start_before_calendar": (HEADER + "[run]\nstart = '2014-12'\n",
                              ["'run.start'", "'2014-12'", "2015-01..2030-12"]),
    "end_after_calendar": (HEADER + "[run]\nend = '2031-01'\n",
                           ["'run.end'", "'2031-01'", "2015-01..2030-12"]),
    "month_13": (HEADER + "[run]\nend = '2021-13'\n",
                 ["'run.end'", "'2021-13'", "allowed format YYYY-MM"]),
    "date_word": (HEADER + "[run]\nstart = 'soon'\n",
                  ["'run.start'", "'soon'", "allowed format YYYY-MM"]),
    "date_trailing_junk": (HEADER + "[run]\nend = '2021-01x'\n",
                           ["'run.end'", "'2021-01x'", "allowed format YYYY-MM"]),
    "replicates_zero": (HEADER + "[run]\nreplicates = 0\n", ["'run.replicates'", ">= 1"]),
    "replicates_negative": (HEADER + "[run]\nreplicates = -4\n", ["'run.replicates'", ">= 1"]),
    "seed_negative": (HEADER + "[run]\nseed = -1\n", ["'run.seed'", ">= 0"]),
    "seeds_per_draw_zero": (HEADER + "[run]\nseeds_per_draw = 0\n",
                            ["'run.seeds_per_draw'", "must be >= 1 and <= 10000", "got 0"]),
    "seeds_per_draw_negative": (HEADER + "[run]\nseeds_per_draw = -2\n",
                                ["'run.seeds_per_draw'", "must be >= 1"]),
    "seeds_per_draw_float": (HEADER + "[run]\nseeds_per_draw = 2.5\n",
                             ["'run.seeds_per_draw'", "must be an integer"]),
    "seeds_per_draw_string": (HEADER + "[run]\nseeds_per_draw = 'four'\n",
                              ["'run.seeds_per_draw'", "must be an integer", "'four'"]),
    "seeds_per_draw_boolean": (HEADER + "[run]\nseeds_per_draw = true\n",
                               ["'run.seeds_per_draw'", "must be an integer"]),
    "missing_name": ("[run]\nreplicates = 2\n", ["'scenario.name'", "required"]),
    "unknown_province": (
        HEADER + "[[interventions]]\ndate = '2022-01'\nset = {clash_rate = 0.2}\n"
        "provinces = ['Nangarhar', 'Atlantis']\n",
        ["'interventions[0].provinces'", "'Atlantis'", "valid:", "Kunar", "Nangarhar"]),
    "empty_provinces": (
        HEADER + "[[interventions]]\ndate = '2022-01'\nset = {clash_rate = 0.2}\nprovinces = []\n",
        ["'interventions[0].provinces'", "omit the key for all provinces"]),
    "non_spatial_per_province": (
        HEADER + "[[interventions]]\ndate = '2022-01'\nset = {iskp_pay = 2.0}\n"
        "provinces = ['Kunar']\n",
        ["'interventions[0].set.iskp_pay'", "cannot be set per province",
         "spatial parameters:", "clash_rate", "taliban_crackdown"]),
    "intervention_unknown_key": (
        HEADER + "[[interventions]]\ndate = '2022-01'\nset = {clash_rate = 0.2}\nwhen = 'x'\n",
        ["'interventions[0].when'", "valid keys: date, set, scale, provinces, note"]),
    "intervention_without_set": (HEADER + "[[interventions]]\ndate = '2022-01'\n",
                                 ["'interventions[0]'", "needs 'date' and 'set'"]),
    "intervention_unknown_parameter": (
        HEADER + "[[interventions]]\ndate = '2022-01'\nset = {clash_rat = 0.2}\n",
        ["interventions[0].set", "'clash_rat'", "did you mean 'clash_rate'"]),
    "intervention_out_of_range": (
        HEADER + "[[interventions]]\ndate = '2022-01'\nset = {clash_rate = -1.0}\n",
        ["interventions[0].set", "'clash_rate'", "allowed [0, 10]"]),
    "intervention_bad_date": (
        HEADER + "[[interventions]]\ndate = '2022-1'\nset = {clash_rate = 0.2}\n",
        ["'interventions[0].date'", "'2022-1'", "allowed format YYYY-MM"]),
    "intervention_date_after_calendar": (
        HEADER + "[[interventions]]\ndate = '2031-01'\nset = {clash_rate = 0.2}\n",
        ["'interventions[0].date'", "2015-01..2030-12"]),
    "interventions_not_array": ("interventions = 3\n" + HEADER,
                                ["'interventions' must be an array of tables"]),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_is_one_line_exit_2_and_writes_nothing(case, tmp_path, capsys, results):
    text, needles = BAD_CONFIGS[case]
    config = tmp_path / f"{case}.toml"
    config.write_text(text)
    assert_rejected(capsys, config, needles, tmp_path, results)


def test_missing_config_file(tmp_path, capsys, results):
    assert_rejected(capsys, tmp_path / "nowhere.toml", ["no such config file"], tmp_path,
                    results)


def test_missing_base_file_names_the_child(tmp_path, capsys, results):
    child = tmp_path / "child.toml"
    child.write_text("[scenario]\nname = 'c'\nextends = 'gone.toml'\n")
    assert_rejected(capsys, child, ["'scenario.extends'", "gone.toml", "no such config file"],
                    tmp_path, results)


def test_extends_cycle(tmp_path, capsys, results):
    (tmp_path / "a.toml").write_text("[scenario]\nname = 'a'\nextends = 'b.toml'\n")
    (tmp_path / "b.toml").write_text("[scenario]\nname = 'b'\nextends = 'a.toml'\n")
    assert_rejected(capsys, tmp_path / "a.toml",
                    ["'scenario.extends'", "cycle", "a.toml -> b.toml -> a.toml"],
                    tmp_path, results)


def test_self_extends_is_a_cycle(tmp_path):
    (tmp_path / "a.toml").write_text("[scenario]\nname = 'a'\nextends = 'a.toml'\n")
    with pytest.raises(ConfigError, match=r"cycle: a\.toml -> a\.toml"):
        load_config(tmp_path / "a.toml")


def test_error_in_base_names_the_base_file(tmp_path):
    base = tmp_path / "base.toml"
    base.write_text("[scenario]\nname = 'b'\n[run]\nend = '2021-13'\n")
    child = tmp_path / "sub" / "child.toml"
    child.parent.mkdir()
    child.write_text("[scenario]\nname = 'c'\nextends = '../base.toml'\n")
    with pytest.raises(KhorasanError) as info:
        load_config(child)
    assert str(info.value).startswith(f"{base.resolve()}: key 'run.end'")
    (tmp_path / "base.toml").write_text("[scenario]\nname = 'b'\n[parameters]\nclash_rate = 99.0\n")
    with pytest.raises(KhorasanError, match=r"base\.toml: key 'clash_rate' = 99\.0"):
        load_config(child)


def test_baseline_is_valid(capsys):
    config = load_config(BASELINE)
    assert config.name == "baseline"
    assert config.run == {"start": "2015-01", "end": "2023-12", "replicates": 200,
                          "seed": 20150126, "seeds_per_draw": 4}  # 50 draws x 4 seeds
    assert config.parameters == BASELINE_ASSUMPTIONS
    assert config.interventions == ()


def test_extends_baseline_changes_one_parameter(tmp_path, capsys):
    child = tmp_path / "child.toml"
    child.write_text(f"[scenario]\nname = 'child'\nextends = {str(BASELINE)!r}\n"
                     "[parameters]\nclash_rate = 0.25\n")
    config = load_config(child)
    base = load_config(BASELINE)
    assert config.name == "child"
    assert config.description == base.description
    assert config.run == base.run
    assert config.parameters == {**BASELINE_ASSUMPTIONS, "clash_rate": 0.25}
    assert config.chain == (BASELINE.resolve(), child.resolve())

    assert main(["validate", str(child), "--params", "defaults"]) == 0
    out = capsys.readouterr().out
    assert "chain: baseline.toml -> child.toml" in out
    assert "run: start=2015-01, end=2023-12, replicates=200, seed=20150126" in out
    rows = parameter_rows(out)
    assert {k: v for k, v in rows.items() if v[0] == "*"} == {
        "clash_rate": ("*", "0.25"), "taliban_crackdown": ("*", "2"),
        "taliban_amnesty": ("*", "1.5")}


def test_child_run_keys_replace_the_base_keys_one_by_one(tmp_path):
    base = tmp_path / "base.toml"
    base.write_text("[scenario]\nname = 'base'\ndescription = 'd'\n"
                    "[run]\nstart = '2016-01'\nend = '2018-12'\nreplicates = 7\nseed = 1\n"
                    "[parameters]\nclash_rate = 0.3\niskp_pay = 2.0\n")
    child = tmp_path / "child.toml"
    child.write_text("[scenario]\nextends = 'base.toml'\n[run]\nend = '2017-06'\n"
                     "[parameters]\niskp_pay = 3.0\n")
    config = load_config(child)
    assert config.name == "base"  # inherited
    assert config.run == {"start": "2016-01", "end": "2017-06", "replicates": 7, "seed": 1,
                          "seeds_per_draw": 4}
    assert config.parameters == {"clash_rate": 0.3, "iskp_pay": 3.0}


def test_interventions_are_base_first(tmp_path):
    (tmp_path / "base.toml").write_text(
        "[scenario]\nname = 'base'\n"
        "[[interventions]]\ndate = '2022-01'\nset = {clash_rate = 0.3}\nnote = 'base A'\n"
        "[[interventions]]\ndate = '2023-01'\nset = {iskp_pay = 2.0}\nnote = 'base B'\n")
    (tmp_path / "mid.toml").write_text(
        "[scenario]\nname = 'mid'\nextends = 'base.toml'\n"
        "[[interventions]]\ndate = '2022-01'\nset = {clash_rate = 0.5}\n"
        "provinces = ['Kunar', 'Nangarhar']\nnote = 'mid A'\n")
    (tmp_path / "leaf.toml").write_text(
        "[scenario]\nname = 'leaf'\nextends = 'mid.toml'\n"
        "[[interventions]]\ndate = '2022-01'\nset = {clash_rate = 0.7}\nnote = 'leaf A'\n"
        "[[interventions]]\ndate = '2021-10'\nset = {grievance_shock = 0.1}\nnote = 'leaf 0'\n")
    config = load_config(tmp_path / "leaf.toml")
    assert [i.note for i in config.interventions] == [
        "leaf 0", "base A", "mid A", "leaf A", "base B"]
    mid = config.interventions[2]
    assert mid.provinces == ("Kunar", "Nangarhar")
    assert mid.values == {"clash_rate": 0.5}
    model = [i.to_model() for i in config.interventions]
    assert model[2].provinces is not None and len(model[2].provinces) == 2
    assert model[1].provinces is None
    assert [i["set"] for i in config.to_dict()["interventions"]][1:4] == [
        {"clash_rate": 0.3}, {"clash_rate": 0.5}, {"clash_rate": 0.7}]


def test_validate_prints_resolved_parameters(tmp_path, capsys):
    config = tmp_path / "v.toml"
    config.write_text("[scenario]\nname = 'v'\ndescription = 'check'\n[run]\nreplicates = 4\n"
                      "[parameters]\ntaliban_commanders = 250\n"
                      "[[interventions]]\ndate = '2022-03'\nset = {clash_rate = 0.2}\n"
                      "provinces = ['Kunar']\n")
    assert main(["validate", str(config), "--params", "defaults"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    lines = captured.out.splitlines()
    assert lines[0] == "scenario v: check"
    assert "parameters: defaults: the parameter table's values" in lines
    assert ("run: start=2015-01, end=2023-12, replicates=4, seed=20150126, seeds_per_draw=4"
            in lines)
    rows = parameter_rows(captured.out)
    assert set(rows) == set(SPECS)
    assert rows["taliban_commanders"] == ("*", "250")
    assert rows["clash_rate"] == ("", f"{SPECS['clash_rate'].default:g}")  # default, not set
    assert rows["iskp_pay"] == ("", f"{SPECS['iskp_pay'].default:g}")
    assert "intervention 2022-03 (Kunar): set {'clash_rate': 0.2}" in lines
    assert lines[-1].startswith("OK:") and str(config) in lines[-1]
