"""Observed figures (calibration/FACTS.md) as typed, validated records.

The figures live in ``model/data/observed.toml``; every record carries its source, a
confidence mark (``H``, ``M``, ``L``) and, where prose had to be turned into numbers, a note
on the choice made. :func:`load_observed` reads and validates the file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model.errors import DataError

OBSERVED_FILE = Path(__file__).resolve().parent / "data" / "observed.toml"
CONFIDENCE = ("H", "M", "L")
STRENGTH_BASIS = ("range", "point", "upper_bound", "combined")
DISPLACEMENT_KINDS = ("new_internal", "refugees_stock")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_DAY = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


def month(text: str) -> np.datetime64:
    """Return the first day of a ``YYYY-MM`` month as ``datetime64[D]``."""
    return np.datetime64(text, "M").astype("datetime64[D]")


@dataclass(frozen=True)
class Sourced:
    """Provenance shared by every record: ``source``, ``confidence`` and ``note``."""

    source: str
    confidence: str
    note: str


@dataclass(frozen=True)
class ClashCount(Sourced):
    """ACLED Taliban-ISKP confrontations over a window.

    Attributes:
        total: Number of confrontations.
        window: First and last month (inclusive), ``YYYY-MM``.
        provinces_with_clashes: Provinces with at least one confrontation.
        top_provinces: Provinces holding more than ``top_share_min`` of them.
        top_share_min: Lower bound of the top provinces' share.
    """

    total: int
    window: tuple[str, str]
    provinces_with_clashes: int
    top_provinces: tuple[str, ...]
    top_share_min: float


@dataclass(frozen=True)
class StrengthEstimate(Sourced):
    """An estimate of national ISKP fighter strength.

    Attributes:
        date: Month of the estimate, ``YYYY-MM``.
        low: Lower end of the range (fighters).
        high: Upper end of the range (fighters).
        point: The reported point estimate, if any.
        basis: ``range``, ``point``, ``upper_bound`` or ``combined`` (see the TOML header).
    """

    date: str
    low: float
    high: float
    point: float | None
    basis: str


@dataclass(frozen=True)
class CasualtyRecord(Sourced):
    """UNAMA civilian casualties over a period.

    Attributes:
        period: Label (``2015`` ... ``2021 H1``).
        start: First month, ``YYYY-MM``.
        end: Last month (inclusive), ``YYYY-MM``.
        killed: Civilians killed.
        injured: Civilians injured.
        total: Killed plus injured.
        iskp: Casualties attributed to ISKP (share x total where ``iskp_basis == "share"``).
        iskp_share: ISKP share of the total (reported, or count / total).
        iskp_basis: ``count`` (UNAMA gives the count) or ``share`` (UNAMA gives the share).
    """

    period: str
    start: str
    end: str
    killed: int
    injured: int
    total: int
    iskp: int
    iskp_share: float
    iskp_basis: str

    @property
    def months(self) -> int:
        """Length of the period in months."""
        return int((np.datetime64(self.end, "M") - np.datetime64(self.start, "M")).astype(int)) + 1


@dataclass(frozen=True)
class ProvinceEvent(Sourced):
    """A dated collapse of ISKP in one province.

    Attributes:
        province: Province name.
        start: First month, ``YYYY-MM``.
        end: Last month, ``YYYY-MM``.
        values: The numeric fields of the record (e.g. ``fighters_before``).
    """

    province: str
    start: str
    end: str
    values: dict[str, float | bool]


@dataclass(frozen=True)
class DisplacementFigure(Sourced):
    """A displacement figure (UNHCR).

    Attributes:
        kind: ``new_internal`` (new displacement inside the country over the period) or
            ``refugees_stock`` (refugees in neighbouring countries at the period end).
        start: First month, ``YYYY-MM``.
        end: Last month (inclusive), ``YYYY-MM``.
        people: Number of people.
    """

    kind: str
    start: str
    end: str
    people: float


@dataclass(frozen=True)
class KeyDate:
    """A date marked on time-series figures.

    Attributes:
        date: ``YYYY-MM-DD``.
        label: Short text for the figure.
    """

    date: str
    label: str


@dataclass(frozen=True)
class Observed:
    """All observed figures of ``observed.toml``."""

    clashes: ClashCount
    iskp_strength: tuple[StrengthEstimate, ...]
    civilian_casualties: tuple[CasualtyRecord, ...]
    province_events: tuple[ProvinceEvent, ...]
    displacement: tuple[DisplacementFigure, ...]
    key_dates: tuple[KeyDate, ...]


class _Reader:
    """Typed access to TOML tables with one-line errors naming the file and the key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, message: str) -> DataError:
        return DataError(f"{self.path}: key '{where}' {message}")

    def get(self, table: Any, key: str, kind: type | tuple, where: str, default: Any = ...):
        """Return ``table[key]`` checked against ``kind`` (``default`` if given and absent)."""
        name = f"{where}.{key}" if where else key
        if not isinstance(table, dict):
            raise self.fail(where, "must be a table")
        if key not in table:
            if default is not ...:
                return default
            raise self.fail(name, "is missing")
        value = table[key]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.fail(name, f"must be {_kind_name(kind)} (got {value!r})")
        if not isinstance(value, kind):
            raise self.fail(name, f"must be {_kind_name(kind)} (got {value!r})")
        return value

    def date(self, table: Any, key: str, where: str, pattern: re.Pattern = _MONTH) -> str:
        """Return a date string checked against ``pattern`` (``YYYY-MM`` by default)."""
        value = self.get(table, key, str, where)
        if not pattern.match(value):
            form = "YYYY-MM" if pattern is _MONTH else "YYYY-MM-DD"
            raise self.fail(f"{where}.{key}", f"must be a date {form} (got {value!r})")
        return value

    def sourced(self, table: Any, where: str) -> dict[str, str]:
        """Return the ``source``, ``confidence`` and ``note`` fields of a record."""
        confidence = self.get(table, "confidence", str, where)
        if confidence not in CONFIDENCE:
            raise self.fail(f"{where}.confidence", f"must be one of {CONFIDENCE} "
                            f"(got {confidence!r})")
        return {"source": self.get(table, "source", str, where), "confidence": confidence,
                "note": self.get(table, "note", str, where, "").strip()}

    def records(self, data: dict, key: str) -> list[tuple[str, dict]]:
        """Return ``(where, table)`` for each entry of an array of tables."""
        items = self.get(data, key, list, "")
        if not items:
            raise self.fail(key, "must hold at least one entry")
        return [(f"{key}[{k}]", item) for k, item in enumerate(items)]


def _kind_name(kind: type | tuple) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {int: "an integer", float: "a number", str: "a string", list: "a list",
             dict: "a table", bool: "true or false"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _clashes(r: _Reader, data: dict) -> ClashCount:
    table = r.get(data, "clashes", dict, "")
    window = r.get(table, "window", list, "clashes")
    if len(window) != 2:
        raise r.fail("clashes.window", "must be [first, last] months")
    first, last = (r.date({"w": w}, "w", "clashes.window") for w in window)
    if last < first:
        raise r.fail("clashes.window", f"is reversed ({first} > {last})")
    return ClashCount(
        total=r.get(table, "total", int, "clashes"), window=(first, last),
        provinces_with_clashes=r.get(table, "provinces_with_clashes", int, "clashes"),
        top_provinces=tuple(r.get(table, "top_provinces", list, "clashes")),
        top_share_min=float(r.get(table, "top_share_min", (int, float), "clashes")),
        **r.sourced(table, "clashes"))


def _strength(r: _Reader, where: str, t: dict) -> StrengthEstimate:
    low = float(r.get(t, "low", (int, float), where))
    high = float(r.get(t, "high", (int, float), where))
    if not 0 <= low <= high:
        raise r.fail(where, f"needs 0 <= low <= high (got {low:g}..{high:g})")
    basis = r.get(t, "basis", str, where)
    if basis not in STRENGTH_BASIS:
        raise r.fail(f"{where}.basis", f"must be one of {STRENGTH_BASIS} (got {basis!r})")
    point = r.get(t, "point", (int, float), where, None)
    return StrengthEstimate(date=r.date(t, "date", where), low=low, high=high,
                            point=None if point is None else float(point), basis=basis,
                            **r.sourced(t, where))


def _casualties(r: _Reader, where: str, t: dict) -> CasualtyRecord:
    killed, injured, total, iskp = (r.get(t, k, int, where)
                                    for k in ("killed", "injured", "total", "iskp"))
    if killed + injured != total:
        raise r.fail(where, f"killed + injured ({killed + injured}) must equal total ({total})")
    basis = r.get(t, "iskp_basis", str, where)
    if basis == "share":
        share = float(r.get(t, "iskp_share", (int, float), where))
        if abs(share * total - iskp) > 1:
            raise r.fail(f"{where}.iskp", f"must be iskp_share x total = {share * total:.0f} "
                         f"(got {iskp})")
    elif basis == "count":
        share = iskp / total
    else:
        raise r.fail(f"{where}.iskp_basis", f"must be 'count' or 'share' (got {basis!r})")
    start, end = r.date(t, "start", where), r.date(t, "end", where)
    if end < start:
        raise r.fail(where, f"end {end} is before start {start}")
    return CasualtyRecord(period=r.get(t, "period", str, where), start=start, end=end,
                          killed=killed, injured=injured, total=total, iskp=iskp,
                          iskp_share=share, iskp_basis=basis, **r.sourced(t, where))


def _province_event(r: _Reader, where: str, t: dict) -> ProvinceEvent:
    fixed = {"province", "start", "end", "source", "confidence", "note"}
    values = {k: v for k, v in t.items() if k not in fixed}
    for key, value in values.items():
        if not isinstance(value, int | float | bool):
            raise r.fail(f"{where}.{key}", f"must be a number or true/false (got {value!r})")
    return ProvinceEvent(province=r.get(t, "province", str, where),
                         start=r.date(t, "start", where), end=r.date(t, "end", where),
                         values=values, **r.sourced(t, where))


def _displacement(r: _Reader, where: str, t: dict) -> DisplacementFigure:
    kind = r.get(t, "kind", str, where)
    if kind not in DISPLACEMENT_KINDS:
        raise r.fail(f"{where}.kind", f"must be one of {DISPLACEMENT_KINDS} (got {kind!r})")
    people = float(r.get(t, "people", (int, float), where))
    if people < 0:
        raise r.fail(f"{where}.people", f"must be >= 0 (got {people:g})")
    return DisplacementFigure(kind=kind, start=r.date(t, "start", where),
                              end=r.date(t, "end", where), people=people,
                              **r.sourced(t, where))


def load_observed(path: Path | None = None) -> Observed:
    """Load and validate the observed figures.

    Args:
        path: A TOML file in the layout of ``model/data/observed.toml`` (the default).

    Returns:
        The figures as an :class:`Observed`; strength estimates and casualty records are
        sorted by date.

    Raises:
        DataError: If the file is unreadable, not TOML, or a key is missing or invalid (the
            message names the file and the key).
    """
    path = Path(path) if path is not None else OBSERVED_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"{path}: cannot read observed figures: {exc}") from None
    r = _Reader(path)
    version = r.get(data, "schema_version", int, "")
    if version != 1:
        raise r.fail("schema_version", f"must be 1 (got {version})")
    strength = [_strength(r, w, t) for w, t in r.records(data, "iskp_strength")]
    casualties = [_casualties(r, w, t) for w, t in r.records(data, "civilian_casualties")]
    return Observed(
        clashes=_clashes(r, data),
        iskp_strength=tuple(sorted(strength, key=lambda s: s.date)),
        civilian_casualties=tuple(sorted(casualties, key=lambda c: c.start)),
        province_events=tuple(_province_event(r, w, t)
                              for w, t in r.records(data, "province_events")),
        displacement=tuple(_displacement(r, w, t) for w, t in r.records(data, "displacement")),
        key_dates=tuple(KeyDate(date=r.date(t, "date", w, _DAY), label=r.get(t, "label", str, w))
                        for w, t in r.records(data, "key_dates")),
    )
