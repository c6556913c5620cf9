"""Choropleth maps of province outcomes, drawn with matplotlib patches from the GeoJSON.

No GIS stack: each province (Polygon or MultiPolygon, WGS84 lon/lat) becomes one compound
:class:`matplotlib.path.Path`; the map is drawn at equal aspect with the longitude axis
shrunk by the cosine of the mean latitude.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.patheffects as pe
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.collections import PatchCollection
from matplotlib.colors import Normalize, PowerNorm, to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import PercentFormatter

from model.data import load_boundaries, load_provinces
from model.observed import Observed
from model.viz.common import Run, finish, interval_text, new_figure, styled

Window = tuple[str | None, str | None]
ZERO_COLOR = "#eeeeee"
EDGE_COLOR = "#666666"


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def geometry_path(geometry: dict) -> MplPath:
    """One compound path for a GeoJSON Polygon or MultiPolygon.

    Exterior rings are oriented counter-clockwise and holes clockwise, so that holes stay
    empty under the non-zero fill rule.

    Raises:
        ValueError: For other geometry types.
    """
    kind = geometry.get("type")
    if kind == "Polygon":
        polygons = [geometry["coordinates"]]
    elif kind == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        raise ValueError(f"geometry type {kind!r} is not supported (Polygon, MultiPolygon)")
    vertices, codes = [], []
    for polygon in polygons:
        for k, ring in enumerate(polygon):
            ring = np.asarray(ring, dtype=float)[:, :2]
            if (_signed_area(ring) > 0) != (k == 0):
                ring = ring[::-1]
            vertices.append(ring)
            codes.append([MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 2)
                         + [MplPath.CLOSEPOLY])
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def province_paths(boundaries: dict | None = None) -> dict[str, MplPath]:
    """Province name -> path, from a FeatureCollection (the packaged boundaries by default)."""
    collection = boundaries if boundaries is not None else load_boundaries()
    return {f["properties"]["province"]: geometry_path(f["geometry"])
            for f in collection["features"]}


def draw_choropleth(ax: Axes, values: pd.Series, cmap: str, norm: Normalize,
                    paths: dict[str, MplPath] | None = None) -> PatchCollection:
    """Fill provinces by value (zero and missing values in light grey); return the mappable.

    Args:
        ax: Target axes.
        values: Province name -> value.
        cmap: Colormap name.
        norm: Normalisation of the values.
        paths: Province paths; the packaged boundaries by default.
    """
    paths = paths or province_paths()
    names = list(paths)
    data = values.reindex(names).to_numpy(dtype=float)
    colors = mpl.colormaps[cmap](norm(np.nan_to_num(data)))
    colors[~(data > 0)] = to_rgba(ZERO_COLOR)
    patches = PatchCollection([PathPatch(paths[n]) for n in names], facecolors=colors,
                              edgecolors=EDGE_COLOR, linewidths=0.4)
    ax.add_collection(patches)
    mappable = ScalarMappable(norm=norm, cmap=cmap)
    _frame(ax, paths)
    return mappable


def _frame(ax: Axes, paths: dict[str, MplPath]) -> None:
    points = np.concatenate([p.vertices for p in paths.values()])
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    ax.set_xlim(x0 - 0.2, x1 + 0.2)
    ax.set_ylim(y0 - 0.2, y1 + 0.2)
    ax.set_aspect(1 / np.cos(np.radians((y0 + y1) / 2)))
    ax.set_axis_off()


LABEL_SIZE = 7
"""Point size of the province labels."""


def _box(x: float, y: float, text: str) -> tuple[float, float, float, float]:
    """An approximate label box in degrees (about 0.19° a character, 0.36° a line at 7 pt)."""
    lines = text.split("\n")
    half_w = 0.095 * max(map(len, lines)) * LABEL_SIZE / 7
    half_h = 0.18 * len(lines) * LABEL_SIZE / 7
    return x - half_w, x + half_w, y - half_h, y + half_h


def _overlaps(a: tuple, b: tuple) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


def place_labels(points: list[tuple[float, float, str]],
                 reserved: list[tuple] = ()) -> list[tuple[float, float]]:
    """Label positions that do not overlap: each at its point, or moved up or down.

    Args:
        points: ``(lon, lat, text)`` in drawing order (the most important first).
        reserved: Boxes ``(x0, x1, y0, y1)`` already taken.

    Returns:
        The ``(lon, lat)`` of each label.
    """
    placed: list[tuple] = list(reserved)
    where = []
    offsets = [0.0, *[s * k * 0.45 for k in range(1, 9) for s in (1, -1)]]
    for x, y, text in points:
        for dy in offsets:
            box = _box(x, y + dy, text)
            if not any(_overlaps(box, other) for other in placed):
                break
        placed.append(box)
        where.append((x, y + dy))
    return where


def label_top(ax: Axes, values: pd.Series, n: int, fmt: str | None = None,
              capital: str | None = "Kabul") -> None:
    """Write name and value of the ``n`` largest positive provinces, without overlaps.

    A label that would cover another moves up or down, with a thin line to its province. The
    capital is marked with a star (and its name, unless it is labelled anyway).

    Args:
        ax: Map axes.
        values: Province name -> value.
        n: Number of provinces labelled.
        fmt: Format spec of the values; by default one decimal below 10, none above.
        capital: Province marked with a star, or None.
    """
    provinces = load_provinces()
    top = values[values > 0].sort_values(ascending=False).head(n)
    halo = [pe.withStroke(linewidth=2.2, foreground="white")]
    points, reserved = [], []
    for name, value in top.items():
        i = provinces.index(str(name))
        spec = fmt or (",.0f" if value >= 10 or float(value).is_integer() else ".1f")
        points.append((provinces.lon[i], provinces.lat[i], f"{name}\n{value:{spec}}"))
    if capital is not None:
        i = provinces.index(capital)
        cx, cy = provinces.lon[i], provinces.lat[i]
        ax.plot(cx, cy, marker="*", ms=9, color="black", zorder=6, path_effects=halo)
        reserved.append(_box(cx, cy, "**"))
        if capital not in top.index:
            reserved.append(_box(cx, cy - 0.4, capital))
            ax.text(cx, cy - 0.4, capital, ha="center", va="center", fontsize=LABEL_SIZE,
                    color="black", path_effects=halo, zorder=6)
    for (x, y, text), (lx, ly) in zip(points, place_labels(points, reserved), strict=True):
        if ly != y:
            ax.plot([x, lx], [y, ly], color="#444444", lw=0.6, zorder=4)
        ax.text(lx, ly, text, ha="center", va="center", fontsize=LABEL_SIZE, fontweight="bold",
                color="#222222", path_effects=halo, zorder=5)


def window_bounds(run: Run, window: Window | None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Clip a ``(first, last)`` month window (``None`` = run bounds) to the run.

    Raises:
        ValueError: If the window is reversed or does not overlap the run.
    """
    first, last = run.dates[0], run.dates[-1]
    lo, hi = window or (None, None)
    lo_t = max(pd.Timestamp(lo), first) if lo else first
    hi_t = min(pd.Timestamp(hi), last) if hi else last
    if hi_t < lo_t:
        raise ValueError(f"window {window} is reversed or outside the run "
                         f"{first:%Y-%m}..{last:%Y-%m}")
    return lo_t, hi_t


def province_table(run: Run, column: str, lo: pd.Timestamp, hi: pd.Timestamp,
                   how: str = "sum") -> pd.DataFrame:
    """Replicate x province table of a column aggregated (``sum`` or ``mean``) over a window."""
    rows = run.provinces[run.provinces["date"].between(lo, hi)]
    grouped = rows.groupby(["replicate", "province"])[column]
    return (grouped.sum() if how == "sum" else grouped.mean()).unstack("province")


def _colorbar(fig: Figure, ax: Axes, mappable, label: str, percent: bool = False) -> None:
    bar = fig.colorbar(mappable, ax=ax, shrink=0.7, pad=0.01, aspect=25)
    bar.set_label(label)
    if percent:
        bar.formatter = PercentFormatter(1.0, decimals=0)
        bar.update_ticks()
    bar.outline.set_visible(False)


def _clash_summary(table: pd.DataFrame, observed: Observed, lo: pd.Timestamp,
                   hi: pd.Timestamp) -> str:
    c = observed.clashes
    top = [p for p in c.top_provinces if p in table.columns]
    share = table[top].sum(axis=1) / table.sum(axis=1).replace(0, np.nan)
    lines = [f"SIMULATED, {lo:%Y-%m} to {hi:%Y-%m}",
             "Total clashes:", f"  {interval_text(table.sum(axis=1).to_numpy())}",
             "Provinces with clashes:",
             f"  {interval_text((table > 0).sum(axis=1).to_numpy())}",
             f"Share in {', '.join(top)}:",
             f"  {interval_text(share.dropna().to_numpy(), '.0%')}"]
    if (f"{lo:%Y-%m}", f"{hi:%Y-%m}") == c.window:
        lines += ["", "OBSERVED (ACLED), same window", f"Total clashes: {c.total}",
                  f"Provinces with clashes: {c.provinces_with_clashes}",
                  f"Share in {', '.join(c.top_provinces)}:", f"  more than {c.top_share_min:.0%}"]
    else:
        lines += ["", f"ACLED: {c.total} clashes over", f"{c.window[0]} to {c.window[1]}",
                  "(not comparable with this window)"]
    return "\n".join(lines)


@styled
def map_clashes(run: Run, observed: Observed, window: Window | None = None,
                top: int = 6) -> Figure:
    """Median total Taliban-ISKP clashes per province over a window (whole run by default).

    Args:
        run: The run.
        observed: Observed figures (the ACLED comparison is shown for the ACLED window).
        window: ``(first, last)`` months ``YYYY-MM``; ``None`` ends mean the run bounds.
        top: Number of provinces to label.
    """
    lo, hi = window_bounds(run, window)
    table = province_table(run, "clashes", lo, hi)
    median = table.median(axis=0)
    norm = PowerNorm(0.5, vmin=0, vmax=max(float(median.max()), 1.0))
    fig = new_figure(12, 6.4, header=0.45)
    ax, side = fig.subplots(1, 2, width_ratios=[3.3, 1])
    paths = province_paths()
    _colorbar(fig, ax, draw_choropleth(ax, median, "YlOrRd", norm, paths),
              "clashes, median over replicates (square-root scale)")
    top3 = outline(ax, paths, observed.clashes.top_provinces)
    label_top(ax, median, top)
    side.set_axis_off()
    side.text(0.0, 1.0, _clash_summary(table, observed, lo, hi), transform=side.transAxes,
              fontsize=8, va="top", ha="left", linespacing=1.5, wrap=True)
    side.legend(handles=[top3, Patch(fc=ZERO_COLOR, ec=EDGE_COLOR, lw=0.4,
                                     label="no clashes (median)")],
                loc="lower left", frameon=False)
    ax.set_title(f"Median total clashes per province, {lo:%Y-%m} to {hi:%Y-%m}", loc="left")
    return finish(fig, run, "Where the Taliban and ISKP fight",
                  "Labels: the provinces with most clashes (median over replicates).")


def outline(ax: Axes, paths: dict[str, MplPath], names: tuple[str, ...]) -> Patch:
    """Draw thick outlines around some provinces; return a legend handle."""
    for name in names:
        ax.add_patch(PathPatch(paths[name], fill=False, ec="black", lw=1.6, zorder=3))
    return Patch(fill=False, ec="black", lw=1.6,
                 label=f"ACLED's top provinces\n({', '.join(names)})")


@styled
def map_iskp_control(run: Run, observed: Observed, window: Window | None = None,
                     top: int = 6) -> Figure:
    """ISKP influence share per province: median, and how often ISKP holds the majority.

    Args:
        run: The run.
        observed: Observed figures (unused; kept for a uniform signature).
        window: ``(first, last)`` months to average over; the last month by default.
        top: Number of provinces to label.
    """
    del observed
    lo, hi = window_bounds(run, window) if window else (run.dates[-1], run.dates[-1])
    table = province_table(run, "control_iskp", lo, hi, how="mean")
    when = f"{hi:%Y-%m}" if lo == hi else f"mean {lo:%Y-%m} to {hi:%Y-%m}"
    fig = new_figure(13, 5.4, header=0.45)
    axes = fig.subplots(1, 2)
    panels = ((table.median(axis=0), "OrRd", "ISKP influence share, median of replicates",
               ".2f", False),
              ((table >= 0.5).mean(axis=0), "Purples",
               "Replicates in which ISKP holds a share ≥ 0.5", ".0%", True))
    for ax, (values, cmap, label, fmt, percent) in zip(axes, panels, strict=True):
        _colorbar(fig, ax, draw_choropleth(ax, values, cmap, Normalize(0, 1)), label, percent)
        label_top(ax, values[values >= 0.01], top, fmt)
        ax.set_title(f"{label}, {when}", loc="left")
    return finish(fig, run, "ISKP influence by province",
                  "Influence share: ISKP's share of influence in the province (0 to 1). "
                  "Grey: zero. Labels: the highest provinces (at least 0.01).")
