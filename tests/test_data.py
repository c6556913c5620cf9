"""Packaged province data: integrity of the shipped files, and clear errors for broken copies."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from model.data import load_boundaries, load_provinces
from model.errors import DataError

Rows = list[dict[str, str]]


def read_rows(path: Path) -> Rows:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def edit_csv(path: Path, edit: Callable[[Rows], Rows]) -> None:
    """Rewrite the CSV at ``path`` with ``edit`` applied to its rows (columns kept)."""
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(edit(rows))


def set_value(province: str, key: str, value: str) -> Callable[[Rows], Rows]:
    def edit(rows: Rows) -> Rows:
        for row in rows:
            if row["province"] == province:
                row[key] = value
        return rows
    return edit


def assert_data_error(folder: Path, filename: str, key: str) -> str:
    """Loading ``folder`` fails with a DataError naming ``filename`` and ``key``."""
    with pytest.raises(DataError) as info:
        load_provinces(folder)
    message = str(info.value)
    assert filename in message, message
    assert f"'{key}'" in message, message
    return message


def packaged_rows(name: str) -> Rows:
    with resources.as_file(resources.files("model") / "data" / name) as path:
        return read_rows(path)


# --- the packaged data ------------------------------------------------------------------------
def test_34_unique_provinces(provinces):
    assert len(provinces.names) == 34
    assert len(set(provinces.names)) == 34
    assert list(provinces.names) == sorted(provinces.names)


def test_79_undirected_edges(provinces):
    assert len(provinces.edges) == 79
    assert len(set(provinces.edges)) == 79
    assert all(i < j for i, j in provinces.edges)


def test_neighbours_column_is_symmetric_and_matches_edge_file(provinces):
    listed = {(r["province"], n) for r in packaged_rows("provinces.csv")
              for n in r["neighbours"].split(";") if n}
    assert all((b, a) in listed for a, b in listed), "provinces.csv 'neighbours' is one-sided"
    edge_file = {(r["province_a"], r["province_b"]) for r in packaged_rows("adjacency_edges.csv")}
    undirected = {tuple(sorted(pair)) for pair in edge_file}
    assert {tuple(sorted(pair)) for pair in listed} == undirected
    names = provinces.names
    assert {(names[i], names[j]) for i, j in provinces.edges} == undirected


def test_neighbour_matrix_matches_edges(provinces):
    pairs = {(i, int(j)) for i, row in enumerate(provinces.neighbours) for j in row if j >= 0}
    expected = {(i, j) for i, j in provinces.edges} | {(j, i) for i, j in provinces.edges}
    assert pairs == expected


def test_every_province_has_a_neighbour(provinces):
    assert np.all(provinces.neighbours[:, 0] >= 0)


def test_populations_positive(provinces):
    assert np.all(provinces.population > 0)
    assert 30e6 < provinces.population.sum() < 50e6  # OCHA 2021: ~40 million


def test_11_pakistan_border_provinces(provinces):
    border = provinces.pakistan_border_km > 0
    assert border.sum() == 11
    flagged = {r["province"] for r in packaged_rows("provinces.csv")
               if r["borders_pakistan"] == "true"}
    assert flagged == {n for n, b in zip(provinces.names, border, strict=True) if b}


def test_founding_and_hardline_provinces_known(provinces):
    for name in ("Nangarhar", "Kunar", "Jowzjan"):
        assert provinces.hardline[provinces.index(name)] == 1.0
    assert np.all((provinces.hardline >= 0) & (provinces.hardline <= 1))


def test_unknown_province_name_lists_valid_names(provinces):
    with pytest.raises(DataError, match=r"unknown province 'Atlantis'.*Badakhshan"):
        provinces.index("Atlantis")


def test_geojson_holds_the_34_provinces(provinces):
    collection = load_boundaries()
    names = [f["properties"]["province"] for f in collection["features"]]
    assert len(names) == 34
    assert set(names) == set(provinces.names)


# --- broken copies of the data folder ---------------------------------------------------------
def test_unchanged_copy_loads(data_dir, provinces):
    assert load_provinces(data_dir).names == provinces.names


def test_duplicate_province(data_dir):
    edit_csv(data_dir / "provinces.csv", set_value("Kunar", "province", "Nangarhar"))
    assert_data_error(data_dir, "provinces.csv", "province")


def test_dropped_province_row(data_dir):
    edit_csv(data_dir / "provinces.csv", lambda rows: rows[:-1])
    message = assert_data_error(data_dir, "provinces.csv", "province")
    assert "33 rows" in message


def test_negative_population(data_dir):
    edit_csv(data_dir / "provinces.csv", set_value("Kabul", "population_ocha_2021", "-5"))
    message = assert_data_error(data_dir, "provinces.csv", "population_ocha_2021")
    assert "Kabul" in message


def test_non_numeric_population(data_dir):
    edit_csv(data_dir / "provinces.csv", set_value("Kabul", "population_ocha_2021", "many"))
    message = assert_data_error(data_dir, "provinces.csv", "population_ocha_2021")
    assert "'many'" in message


@pytest.mark.parametrize("key", ["label_lat", "pakistan_border_km"])
def test_non_numeric_coordinate_names_the_file(data_dir, key):
    edit_csv(data_dir / "provinces.csv", set_value("Kabul", key, "n/a"))
    assert_data_error(data_dir, "provinces.csv", key)


def test_edge_missing_from_edge_file(data_dir):
    edit_csv(data_dir / "adjacency_edges.csv", lambda rows: rows[1:])
    message = assert_data_error(data_dir, "adjacency_edges.csv", "neighbours")
    assert "provinces.csv" in message


def test_edge_missing_from_neighbours_column(data_dir):
    edit_csv(data_dir / "provinces.csv", set_value("Badakhshan", "neighbours", "Panjshir;Takhar"))
    edit_csv(data_dir / "provinces.csv", set_value("Nuristan", "neighbours", _without(
        data_dir, "Nuristan", "Badakhshan")))
    assert_data_error(data_dir, "adjacency_edges.csv", "neighbours")


def test_one_sided_neighbour_listing(data_dir):
    # Badakhshan no longer lists Nuristan, but Nuristan still lists Badakhshan.
    edit_csv(data_dir / "provinces.csv", set_value("Badakhshan", "neighbours", "Panjshir;Takhar"))
    assert_data_error(data_dir, "provinces.csv", "neighbours")


def test_edge_to_unknown_province(data_dir):
    edit_csv(data_dir / "adjacency_edges.csv",
             lambda rows: [*rows, {"province_a": "Kabul", "province_b": "Atlantis",
                                   "shared_boundary_km": "1"}])
    with pytest.raises(DataError, match=r"adjacency_edges\.csv.*'Atlantis'"):
        load_provinces(data_dir)


def test_unknown_province_in_hardline_networks(data_dir):
    edit_csv(data_dir / "hardline_networks.csv", set_value("Jowzjan", "province", "Jawzjan"))
    message = assert_data_error(data_dir, "hardline_networks.csv", "province")
    assert "Jawzjan" in message


def test_hardline_weight_out_of_range(data_dir):
    edit_csv(data_dir / "hardline_networks.csv", set_value("Kunar", "hardline_weight", "1.5"))
    assert_data_error(data_dir, "hardline_networks.csv", "hardline_weight")


def test_missing_region(data_dir):
    edit_csv(data_dir / "regions.csv", lambda rows: [r for r in rows if r["region"] != "Capital"])
    message = assert_data_error(data_dir, "regions.csv", "region")
    assert "Capital" in message


def test_missing_file(data_dir):
    (data_dir / "regions.csv").unlink()
    with pytest.raises(DataError, match=r"regions\.csv"):
        load_provinces(data_dir)


def test_geojson_missing_a_province(tmp_path):
    collection = load_boundaries()
    collection["features"] = [f for f in collection["features"]
                              if f["properties"]["province"] != "Kunar"]
    path = tmp_path / "provinces.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    with pytest.raises(DataError, match=r"provinces\.geojson.*'province'"):
        load_boundaries(path)


def _without(folder: Path, province: str, neighbour: str) -> str:
    row = next(r for r in read_rows(folder / "provinces.csv") if r["province"] == province)
    return ";".join(n for n in row["neighbours"].split(";") if n != neighbour)
