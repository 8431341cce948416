"""HTML pieces of the report: scoped CSS, a tiny sortable-table script, table rendering.

Everything is inline; every piece of user text (LF names, data values, warnings) goes
through :func:`html.escape`. CSS selectors are scoped under ``.wl-report`` so the
fragment can sit inside a notebook without restyling it.
"""

from __future__ import annotations

import html
import math
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

CSS = """
.wl-report { font-family: -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif;
  color: #1f2933; max-width: 1220px; margin: 0 auto; padding: 8px 18px 40px; line-height: 1.45; }
.wl-report h1 { font-size: 24px; margin: 12px 0 2px; }
.wl-report h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #d9e2ec; }
.wl-report h3 { font-size: 14px; margin: 16px 0 6px; }
.wl-report .wl-sub { color: #52606d; font-size: 13px; margin: 0 0 10px; }
.wl-report .wl-cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 10px 0; }
.wl-report .wl-card { border: 1px solid #d9e2ec; border-radius: 6px; padding: 8px 12px; min-width: 120px;
  background: #f8fafc; }
.wl-report .wl-card .wl-v { font-size: 20px; font-weight: 600; }
.wl-report .wl-card .wl-k { font-size: 12px; color: #52606d; }
.wl-report .wl-warn { background: #fff8e6; border-left: 4px solid #d69e2e; padding: 6px 10px; margin: 4px 0;
  font-size: 13px; }
.wl-report .wl-note { background: #eef4fb; border-left: 4px solid #3b6ea8; padding: 6px 10px; margin: 4px 0;
  font-size: 13px; }
.wl-report .wl-ok { color: #3f8f5a; font-size: 13px; }
.wl-report .wl-scroll { max-height: 640px; overflow: auto; border: 1px solid #d9e2ec; border-radius: 4px; }
.wl-report table.wl-table { border-collapse: collapse; font-size: 12px; width: 100%; }
.wl-report table.wl-table th { position: sticky; top: 0; background: #e4ebf2; text-align: left;
  padding: 4px 6px; white-space: nowrap; border-bottom: 1px solid #bcccdc; }
.wl-report table.wl-sortable th { cursor: pointer; }
.wl-report table.wl-sortable th[data-dir="asc"]::after { content: " \\25B2"; }
.wl-report table.wl-sortable th[data-dir="desc"]::after { content: " \\25BC"; }
.wl-report table.wl-table td { padding: 3px 6px; border-bottom: 1px solid #edf1f5; vertical-align: top;
  overflow-wrap: anywhere; }
.wl-report table.wl-table td.wl-num { text-align: right; font-variant-numeric: tabular-nums;
  white-space: nowrap; overflow-wrap: normal; }
.wl-report table.wl-table tr:nth-child(even) td { background: #fafbfc; }
.wl-report table.wl-table td.wl-idx { white-space: nowrap; overflow-wrap: normal; }
.wl-report td.wl-bad { color: #b42318; font-weight: 600; }
.wl-report img { max-width: 100%; height: auto; display: block; margin: 6px 0; }
.wl-report .wl-caption { font-size: 12px; color: #52606d; margin: 0 0 12px; }
.wl-report .wl-grid { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
"""

SCRIPT = """
(function () {
  var tables = document.querySelectorAll("table.wl-sortable:not([data-wl-bound])");
  Array.prototype.forEach.call(tables, function (table) {
    table.setAttribute("data-wl-bound", "1");
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.addEventListener("click", function () {
        var asc = th.getAttribute("data-dir") !== "asc";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("data-dir"); });
        th.setAttribute("data-dir", asc ? "asc" : "desc");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].getAttribute("data-v"), y = b.cells[col].getAttribute("data-v");
          var nx = parseFloat(x), ny = parseFloat(y);
          var c = (isNaN(nx) || isNaN(ny)) ? String(x).localeCompare(String(y)) : nx - ny;
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
"""


def esc(value: object) -> str:
    """HTML-escape any value's ``str``."""
    return html.escape(str(value), quote=True)


def fmt(value: object, digits: int = 3) -> tuple[str, str, bool]:
    """Display text, sort key and whether the cell is numeric."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)), str(int(value)), True
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}", str(int(value)), True
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return "–", "", True
        if value != 0 and abs(value) < 10 ** -digits:
            return f"{value:.1e}", repr(float(value)), True  # not a misleading 0.000
        return f"{value:.{digits}f}", repr(float(value)), True
    if isinstance(value, (list, tuple, np.ndarray)):
        text = ", ".join(map(str, value))
        return text, text, False
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–", "", False
    return str(value), str(value), False


def table(
    frame: pd.DataFrame,
    *,
    sortable: bool = False,
    index_name: str | None = None,
    max_chars: int = 200,
    bad: Iterable[tuple[int, str]] = (),
) -> str:
    """Render a DataFrame as an HTML table (index first), escaping every cell.

    ``bad`` lists ``(row position, column)`` cells to highlight.
    """
    bad_cells = set(bad)
    cls = "wl-table wl-sortable" if sortable else "wl-table"
    head_name = index_name if index_name is not None else (frame.index.name or "")
    out = [f'<table class="{cls}"><thead><tr><th>{esc(head_name)}</th>']
    out += [f"<th>{esc(c)}</th>" for c in frame.columns]
    out.append("</tr></thead><tbody>")
    columns = list(frame.columns)
    for pos, (label, row) in enumerate(zip(frame.index, frame.itertuples(index=False, name=None))):
        out.append(f'<tr><td class="wl-idx" data-v="{esc(label)}">{esc(label)}</td>')
        for col, value in zip(columns, row):
            text, key, numeric = fmt(value)
            if len(text) > max_chars:
                text = text[: max_chars - 1] + "…"
            classes = []
            if numeric:
                classes.append("wl-num")
            if (pos, col) in bad_cells:
                classes.append("wl-bad")
            cls_attr = f' class="{" ".join(classes)}"' if classes else ""
            out.append(f'<td{cls_attr} data-v="{esc(key[:max_chars])}">{esc(text)}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def cards(items: Sequence[tuple[str, str]]) -> str:
    """A row of small key-number cards."""
    inner = "".join(
        f'<div class="wl-card"><div class="wl-v">{esc(v)}</div><div class="wl-k">{esc(k)}</div></div>'
        for k, v in items
    )
    return f'<div class="wl-cards">{inner}</div>'


def figure(uri: str, alt: str, caption: str = "") -> str:
    """An embedded PNG with alt text and an optional caption."""
    cap = f'<p class="wl-caption">{esc(caption)}</p>' if caption else ""
    return f'<img src="{uri}" alt="{esc(alt)}">{cap}'


def page(title: str, fragment: str) -> str:
    """A complete standalone HTML document around the report fragment."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{esc(title)}</title></head><body style=\"margin:0;background:#fff\">\n"
        f"{fragment}\n</body></html>\n"
    )
