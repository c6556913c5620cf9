"""The parameter table and the strict Parameters container; run_replicate's date arguments."""

from __future__ import annotations

import copy
import math
import pickle

import pytest

from model.api import run_replicate
from model.errors import KhorasanError, ParameterError
from model.parameter_table import PARAMETER_TABLE
from model.parameters import SPECS, Parameters, calibrated_names

NAMES = list(SPECS)


def error_of(overrides: dict) -> str:
    with pytest.raises(ParameterError) as info:
        Parameters(overrides)
    return str(info.value)


def out_of_range_values(name: str) -> list[float]:
    lo, hi = SPECS[name].bounds
    cast = int if SPECS[name].kind == "int" else float
    return [cast(v) for v in (lo - 1, hi + 1) if math.isfinite(v)]


# --- the table --------------------------------------------------------------------------------
def test_table_names_are_unique():
    names = [row[0] for row in PARAMETER_TABLE]
    assert len(names) == len(set(names)) == len(SPECS)


@pytest.mark.parametrize("name", NAMES)
def test_spec_is_documented(name):
    spec = SPECS[name]
    assert spec.name == name
    for field in ("unit", "source", "description"):
        assert getattr(spec, field).strip(), f"{name}: empty {field}"
    assert spec.kind in ("float", "int")


@pytest.mark.parametrize("name", NAMES)
def test_default_within_bounds(name):
    spec = SPECS[name]
    lo, hi = spec.bounds
    assert lo < hi
    assert lo <= spec.default <= hi
    if spec.kind == "int":
        assert isinstance(spec.default, int) and not isinstance(spec.default, bool)


@pytest.mark.parametrize("name", [n for n in NAMES if SPECS[n].prior is not None])
def test_prior_within_bounds(name):
    spec = SPECS[name]
    (p_lo, p_hi), (lo, hi) = spec.prior, spec.bounds
    assert p_lo < p_hi
    assert lo <= p_lo and p_hi <= hi


def test_spatial_parameters_are_floats():
    spatial = [n for n, s in SPECS.items() if s.spatial]
    assert spatial
    assert all(SPECS[n].kind == "float" for n in spatial)


def test_calibrated_names_are_those_with_a_prior():
    assert calibrated_names() == [n for n in NAMES if SPECS[n].prior is not None]


# --- construction and validation --------------------------------------------------------------
def test_defaults():
    p = Parameters()
    assert set(p) == set(SPECS)
    assert all(p[n] == SPECS[n].default for n in NAMES)
    assert p.clash_rate == p["clash_rate"] == SPECS["clash_rate"].default


def test_values_converted_to_declared_kind():
    p = Parameters({"clash_rate": 1, "taliban_commanders": 150})
    assert type(p.clash_rate) is float and p.clash_rate == 1.0
    assert type(p.taliban_commanders) is int


def test_unknown_key_suggests_close_names():
    message = error_of({"clash_rates": 0.2})
    assert "unknown key 'clash_rates'; did you mean 'clash_rate'" in message
    assert f"{len(NAMES)} valid keys" in message and "khorasan levers" in message
    assert "did you mean" not in error_of({"zzzz": 1.0})


def test_unknown_key_on_lookup():
    p = Parameters()
    with pytest.raises(ParameterError, match=r"unknown key 'nope'; .*valid keys"):
        p["nope"]
    with pytest.raises(AttributeError, match=r"no parameter 'nope'; .*valid keys"):
        p.nope  # noqa: B018


def test_origin_prefixes_the_message():
    with pytest.raises(ParameterError, match=r"^scenario\.toml: unknown key 'x'"):
        Parameters({"x": 1.0}, origin="scenario.toml")


def test_error_is_a_khorasan_error_printed_without_quotes():
    with pytest.raises(KhorasanError) as info:
        Parameters({"x": 1.0})
    assert isinstance(info.value, KeyError | ValueError)
    assert not str(info.value).startswith(("'", '"'))


@pytest.mark.parametrize(("name", "value", "kind"), [
    ("clash_rate", "0.2", "float"),
    ("clash_rate", True, "float"),
    ("taliban_commanders", "200", "int"),
    ("taliban_commanders", False, "int"),
    ("taliban_commanders", 200.0, "int"),
    ("clash_rate", None, "float"),
])
def test_wrong_type(name, value, kind):
    message = error_of({name: value})
    assert f"key '{name}'" in message
    assert f"must be {kind}" in message
    assert type(value).__name__ in message


@pytest.mark.parametrize("name", NAMES)
def test_out_of_bounds(name):
    lo, hi = SPECS[name].bounds
    values = out_of_range_values(name)
    assert values
    for value in values:
        message = error_of({name: value})
        assert f"key '{name}'" in message
        assert f"allowed [{lo}, {hi}]" in message
        assert SPECS[name].unit in message


def test_nan_rejected():
    message = error_of({"clash_rate": float("nan")})
    assert "key 'clash_rate'" in message and "out of range" in message


@pytest.mark.parametrize("name", ["clash_rate", "taliban_commanders", "iskp_initial_fighters"])
def test_bounds_inclusive(name):
    lo, hi = SPECS[name].bounds
    cast = int if SPECS[name].kind == "int" else float
    assert Parameters({name: cast(lo)})[name] == lo
    assert Parameters({name: cast(hi)})[name] == hi


# --- immutability and replace() ---------------------------------------------------------------
def test_attributes_cannot_be_set():
    p = Parameters()
    with pytest.raises(AttributeError, match="immutable"):
        p.clash_rate = 0.5
    with pytest.raises(AttributeError, match="immutable"):
        p.brand_new = 0.5
    assert p.clash_rate == SPECS["clash_rate"].default


def test_items_cannot_be_set():
    p = Parameters()
    with pytest.raises(TypeError):
        p["clash_rate"] = 0.5  # type: ignore[index]


def test_to_dict_is_a_copy():
    p = Parameters()
    values = p.to_dict()
    values["clash_rate"] = 9.0
    assert p.clash_rate == SPECS["clash_rate"].default


def test_overrides_mapping_is_not_aliased():
    overrides = {"clash_rate": 0.3}
    p = Parameters(overrides)
    overrides["clash_rate"] = 0.9
    assert p.clash_rate == 0.3


def test_replace_returns_a_new_validated_copy():
    p = Parameters({"iskp_pay": 2.0})
    q = p.replace(clash_rate=0.3)
    assert (q.clash_rate, q.iskp_pay) == (0.3, 2.0)
    assert p.clash_rate == SPECS["clash_rate"].default


@pytest.mark.parametrize(("changes", "needle"), [
    ({"clash_rate": -1.0}, "key 'clash_rate' = -1.0 is out of range"),
    ({"clash_rate": "high"}, "key 'clash_rate' must be float"),
    ({"not_a_parameter": 1.0}, "unknown key 'not_a_parameter'"),
])
def test_replace_validates(changes, needle):
    p = Parameters()
    with pytest.raises(ParameterError) as info:
        p.replace(**changes)
    assert needle in str(info.value)


def test_repr_shows_changed_values_only():
    assert repr(Parameters({"clash_rate": 0.3})) == "Parameters({'clash_rate': 0.3})"


def test_pickle_round_trip():
    p = Parameters({"clash_rate": 0.3})
    assert pickle.loads(pickle.dumps(p)) == p


def test_missing_attribute_is_an_attribute_error():
    p = Parameters()
    assert getattr(p, "nope", None) is None
    assert copy.deepcopy(p) == p


# --- run_replicate dates ----------------------------------------------------------------------
@pytest.mark.parametrize(("kwargs", "needles"), [
    ({"start": "2020-06", "end": "2020-05"},
     ["end:", "'2020-05'", "'2020-06'", "end must be >= start"]),
    ({"start": "2020-13"}, ["start:", "'2020-13'", "allowed format YYYY-MM"]),
    ({"start": "June 2020"}, ["start:", "allowed format YYYY-MM"]),
    ({"end": "2020/01"}, ["end:", "'2020/01'", "allowed format YYYY-MM"]),
    ({"end": 202001}, ["end:", "allowed format YYYY-MM"]),
    ({"start": "2014-12"}, ["start:", "'2014-12'", "2015-01..2030-12"]),
    ({"end": "2031-01"}, ["end:", "'2031-01'", "2015-01..2030-12"]),
])
def test_bad_dates(kwargs, needles):
    with pytest.raises(KhorasanError) as info:
        run_replicate(**kwargs)
    message = str(info.value)
    assert message.startswith(needles[0]), message
    for needle in needles[1:]:
        assert needle in message, message


@pytest.mark.parametrize("end", ["2015-03xyz", "2015-03-99"])
def test_trailing_garbage_in_date(end):
    with pytest.raises(KhorasanError, match="end:"):
        run_replicate(end=end)


def test_single_month_run():
    replicate = run_replicate(start="2015-01", end="2015-01", seed=1)
    assert len(replicate.national) == 1
    assert len(replicate.provinces) == 34
