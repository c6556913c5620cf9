"""Small HTML building blocks for a self-contained page: escaped text, tables, embedded PNGs.

Everything is inline: one ``<style>`` element, images as ``data:image/png;base64`` URIs, no
scripts, fonts or external links (only ``#fragment`` links inside the page).
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence

import pandas as pd

CSS = """
:root { --ink: #222; --muted: #666; --line: #d9d9d9; --accent: #0072B2; --warn: #a94400; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial,
       sans-serif; color: var(--ink); margin: 0; line-height: 1.45; background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 1.5rem 2rem 4rem; }
header.top { background: #1f2d3a; color: #fff; padding: 1.4rem 2rem; }
header.top h1 { margin: 0 0 .3rem; font-size: 1.6rem; }
header.top p { margin: .2rem 0; color: #dfe6ec; max-width: 1100px; }
h2 { border-bottom: 2px solid var(--line); padding-bottom: .25rem; margin-top: 2.4rem; }
h3 { margin-bottom: .3rem; }
nav.toc { background: #f6f7f8; border: 1px solid var(--line); padding: .6rem 1rem;
          margin: 1rem 0; }
nav.toc ol { margin: .2rem 0; padding-left: 1.4rem; columns: 2; }
a { color: var(--accent); }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .86rem; }
th, td { border: 1px solid var(--line); padding: .28rem .5rem; vertical-align: top;
         text-align: left; }
th { background: #f0f2f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: var(--muted); font-size: .9rem; }
.warn { border-left: 4px solid var(--warn); background: #fff4ea; padding: .5rem .8rem;
        margin: .8rem 0; }
.card { border: 1px solid var(--line); border-radius: 4px; padding: .4rem 1rem 1rem;
        margin: 1rem 0; }
pre.comment { background: #f6f7f8; border: 1px solid var(--line); padding: .6rem .8rem;
              white-space: pre-wrap; font-size: .82rem; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; cursor: zoom-in; }
figure img:focus { position: fixed; inset: 1vh 1vw; width: 98vw; height: 98vh; max-width: none;
                   object-fit: contain; background: white; z-index: 10; cursor: zoom-out;
                   outline: 2px solid #888; box-shadow: 0 0 0 100vmax rgba(0,0,0,.5); }
dl.glossary dt { font-weight: 600; margin-top: .5rem; }
dl.glossary dd { margin-left: 1.2rem; }
figcaption { color: var(--muted); font-size: .85rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(680px, 1fr)); gap: 1rem; }
.swatch { display: inline-block; width: .9rem; height: .9rem; border-radius: 2px;
          vertical-align: -0.1rem; margin-right: .35rem; }
footer { color: var(--muted); font-size: .8rem; margin-top: 3rem; }
@media print { .grid { display: block; } nav.toc { display: none; } }
"""


def esc(value: object) -> str:
    """HTML-escaped text of a value."""
    return html.escape(str(value), quote=True)


def paragraph(text: str, cls: str | None = None) -> str:
    """A ``<p>`` of escaped text."""
    attr = f' class="{esc(cls)}"' if cls else ""
    return f"<p{attr}>{esc(text)}</p>"


def warning(text: str) -> str:
    """A highlighted warning box."""
    return f'<div class="warn">{esc(text)}</div>'


def bullet_list(items: Iterable[str], raw: bool = False) -> str:
    """An ``<ul>`` of escaped items (``raw``: items are HTML already)."""
    return "<ul>" + "".join(f"<li>{i if raw else esc(i)}</li>" for i in items) + "</ul>"


def _cell(value: object) -> str:
    if isinstance(value, float):
        text = f"{value:,.4g}" if abs(value) < 1e5 else f"{value:,.0f}"
        return f'<td class="num">{esc(text)}</td>'
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<td class="num">{value:,}</td>'
    return f"<td>{esc(value)}</td>"


def table(frame: pd.DataFrame, index: bool = True, caption: str | None = None) -> str:
    """An HTML table of a DataFrame with escaped cells (numbers right-aligned)."""
    heads = ([frame.index.name or ""] if index else []) + [str(c) for c in frame.columns]
    rows = []
    for label, row in frame.iterrows():
        cells = [f"<th>{esc(label)}</th>"] if index else []
        cells += [_cell(v.item() if hasattr(v, "item") else v) for v in row]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    head = "<tr>" + "".join(f"<th>{esc(h)}</th>" for h in heads) + "</tr>"
    return f"<table>{cap}<thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def data_uri(png: bytes) -> str:
    """A ``data:image/png;base64`` URI of PNG bytes."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def figure(png: bytes, alt: str, caption: str = "") -> str:
    """An embedded PNG with alt text and an optional caption."""
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return (f'<figure><img src="{data_uri(png)}" alt="{esc(alt)}" tabindex="0" '
            f'title="click to enlarge; click elsewhere to close">{cap}</figure>')


def section(anchor: str, title: str, body: str) -> str:
    """A ``<section>`` with an anchored ``<h2>``."""
    return f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>{body}</section>'


def toc(entries: Sequence[tuple[str, str]]) -> str:
    """A table of contents linking to in-page anchors."""
    items = "".join(f'<li><a href="#{esc(a)}">{esc(t)}</a></li>' for a, t in entries)
    return f'<nav class="toc"><strong>Contents</strong><ol>{items}</ol></nav>'


def page(title: str, header: str, body: str, footer: str) -> str:
    """A complete HTML document with the inline stylesheet."""
    return ("<!DOCTYPE html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head>"
            f'<body><header class="top">{header}</header><main>{body}'
            f"<footer>{footer}</footer></main></body></html>\n")
