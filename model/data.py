"""Loading and validating the packaged province data (see ``model/data/PROVENANCE.md``)."""

from __future__ import annotations

import csv
import functools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from model.errors import DataError
from model.suggest import did_you_mean

N_PROVINCES = 34
_DATA = resources.files("model") / "data"


@dataclass(frozen=True)
class ProvinceData:
    """Static province attributes, indexed 0..33 in ``names`` order.

    Attributes:
        names: Province names (alphabetical, as in provinces.csv).
        pcode: AGCHO pcodes.
        region: Region names.
        population: OCHA 2021 population (people).
        pakistan_border_km: Length of the Pakistan border (0 if none).
        lon: Label longitude (degrees).
        lat: Label latitude (degrees).
        edges: Undirected edges as ``(i, j)`` index pairs with ``i < j``.
        neighbours: Padded neighbour index matrix (-1 = no neighbour).
        hardline: Hardline-network weight per province in [0, 1].
        taliban_affinity: Relative Taliban presence weight of the province's region (2015).
        borders_iran: 1 where the province borders Iran, else 0.
        borders_central_asia: 1 where it borders a Central Asian state, else 0.
    """

    names: tuple[str, ...]
    pcode: tuple[str, ...]
    region: tuple[str, ...]
    population: np.ndarray
    pakistan_border_km: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    edges: tuple[tuple[int, int], ...]
    neighbours: np.ndarray
    hardline: np.ndarray
    taliban_affinity: np.ndarray
    borders_iran: np.ndarray
    borders_central_asia: np.ndarray

    def index(self, name: str) -> int:
        """Return the index of a province by name.

        Args:
            name: Province name.

        Raises:
            DataError: If the name is unknown (the message lists valid names).
        """
        try:
            return self.names.index(name)
        except ValueError:
            hint = did_you_mean(name, self.names)
            raise DataError(
                f"unknown province '{name}'; {hint}valid: {', '.join(self.names)}"
            ) from None


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    except (OSError, csv.Error, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read: {exc}") from None


def _number(path: Path, row: dict[str, str], key: str) -> float:
    try:
        return float(row[key])
    except (KeyError, TypeError, ValueError):
        raise DataError(
            f"{path}: key '{key}' of province '{row.get('province')}' must be a number "
            f"(got {row.get(key)!r})"
        ) from None


def _parse_provinces(path: Path) -> list[dict[str, str]]:
    rows = _read_csv(path)
    names = [r.get("province") for r in rows]
    if len(rows) != N_PROVINCES or len(set(names)) != N_PROVINCES or None in names:
        raise DataError(
            f"{path}: key 'province' must hold {N_PROVINCES} unique names "
            f"(got {len(rows)} rows, {len(set(names))} unique)"
        )
    for row in rows:
        if _number(path, row, "population_ocha_2021") <= 0:
            raise DataError(
                f"{path}: key 'population_ocha_2021' of '{row['province']}' must be > 0"
            )
        if row.get("borders_pakistan") not in ("true", "false"):
            raise DataError(f"{path}: key 'borders_pakistan' must be true or false")
    return sorted(rows, key=lambda r: r["province"])


def _parse_edges(path: Path, names: list[str], rows: list[dict[str, str]]) -> list[tuple]:
    index = {n: i for i, n in enumerate(names)}
    edges = set()
    for e in _read_csv(path):
        a, b = e.get("province_a"), e.get("province_b")
        if a not in index or b not in index or a == b:
            raise DataError(f"{path}: edge '{a}'-'{b}' names an unknown province")
        edges.add((min(index[a], index[b]), max(index[a], index[b])))
    listed = {(i, index.get(n, -1)) for i, r in enumerate(rows)
              for n in filter(None, r.get("neighbours", "").split(";"))}
    one_sided = sorted(names[i] for i, j in listed if (j, i) not in listed)
    if one_sided or any(j < 0 for _, j in listed):
        raise DataError(f"provinces.csv: key 'neighbours' is not symmetric or names an unknown "
                        f"province (check {', '.join(one_sided) or 'names'})")
    undirected = {(min(i, j), max(i, j)) for i, j in listed}
    if undirected != edges:
        raise DataError(
            f"{path}: adjacency differs from provinces.csv 'neighbours' "
            f"({len(edges ^ undirected)} edges differ)"
        )
    return sorted(edges)


def _neighbour_matrix(edges: list[tuple[int, int]]) -> np.ndarray:
    adj: list[list[int]] = [[] for _ in range(N_PROVINCES)]
    for i, j in edges:
        adj[i].append(j)
        adj[j].append(i)
    width = max(len(a) for a in adj)
    out = np.full((N_PROVINCES, width), -1, dtype=np.int64)
    for i, a in enumerate(adj):
        out[i, : len(a)] = sorted(a)
    return out


def _hardline(path: Path, names: list[str]) -> np.ndarray:
    weights = np.zeros(N_PROVINCES)
    for row in _read_csv(path):
        if row.get("province") not in names:
            raise DataError(f"{path}: key 'province' has unknown name {row.get('province')!r}")
        weights[names.index(row["province"])] = _number(path, row, "hardline_weight")
    if np.any((weights < 0) | (weights > 1)):
        raise DataError(f"{path}: key 'hardline_weight' must be in [0, 1]")
    return weights


def _affinity(path: Path, regions: list[str]) -> np.ndarray:
    table = {r.get("region"): _number(path, r, "taliban_affinity") for r in _read_csv(path)}
    missing = sorted(set(regions) - set(table))
    if missing:
        raise DataError(f"{path}: key 'region' lacks {', '.join(missing)}")
    return np.array([table[r] for r in regions])


def _neighbour_countries(path: Path, names: list[str]) -> dict[str, np.ndarray]:
    borders = {host: np.zeros(N_PROVINCES) for host in ("iran", "central_asia")}
    for row in _read_csv(path):
        if row.get("province") not in names:
            raise DataError(f"{path}: key 'province' has unknown name {row.get('province')!r}")
        if row.get("host") not in borders:
            raise DataError(f"{path}: key 'host' must be iran or central_asia "
                            f"(got {row.get('host')!r})")
        borders[row["host"]][names.index(row["province"])] = 1.0
    return borders


def load_provinces(directory: Path | None = None) -> ProvinceData:
    """Load and validate the province table, adjacency and hardline networks.

    Args:
        directory: Folder holding the CSV files; the packaged data by default.

    Returns:
        The validated :class:`ProvinceData`.

    Raises:
        DataError: If a file is missing, malformed or inconsistent.
    """
    if directory is None:
        return _load_packaged()
    return _load(Path(directory))


@functools.cache
def _load_packaged() -> ProvinceData:
    with resources.as_file(_DATA) as folder:
        return _load(Path(folder))


def _load(folder: Path) -> ProvinceData:
    table = folder / "provinces.csv"
    rows = _parse_provinces(table)
    names = [r["province"] for r in rows]
    edges = _parse_edges(folder / "adjacency_edges.csv", names, rows)
    connected = _neighbour_matrix(edges)
    if np.any(connected[:, 0] < 0):
        raise DataError(f"{folder / 'adjacency_edges.csv'}: a province has no neighbour")
    return ProvinceData(
        names=tuple(names),
        pcode=tuple(r["pcode"] for r in rows),
        region=tuple(r["region"] for r in rows),
        population=np.array([_number(table, r, "population_ocha_2021") for r in rows]),
        pakistan_border_km=np.array([_number(table, r, "pakistan_border_km") for r in rows]),
        lon=np.array([_number(table, r, "label_lon") for r in rows]),
        lat=np.array([_number(table, r, "label_lat") for r in rows]),
        edges=tuple(edges),
        neighbours=connected,
        hardline=_hardline(folder / "hardline_networks.csv", names),
        taliban_affinity=_affinity(folder / "regions.csv", [r["region"] for r in rows]),
        **{f"borders_{host}": values for host, values
           in _neighbour_countries(folder / "neighbour_countries.csv", names).items()},
    )


def load_boundaries(path: Path | None = None) -> dict:
    """Load the simplified province boundaries (GeoJSON FeatureCollection).

    Args:
        path: GeoJSON file; the packaged boundaries by default.

    Raises:
        DataError: If the file is unreadable or does not hold the 34 provinces.
    """
    source = Path(path) if path else Path(str(_DATA / "afghanistan_provinces.geojson"))
    try:
        collection = json.loads(source.read_text(encoding="utf-8"))
        names = {f["properties"]["province"] for f in collection["features"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{source}: not a valid province FeatureCollection: {exc}") from None
    if names != set(load_provinces().names):
        raise DataError(f"{source}: key 'province' does not match the 34 provinces")
    return collection
