// Khorasan scenario explorer: reads the JSON in #explorer-data, draws with Plotly (inlined).
// Fan charts over time, paired differences over time, a province map of a difference and a
// per-province table, for the chosen scenarios, outcome, area (national or a province) and
// window. Works from a file, offline: no request leaves the page.
"use strict";

const DATA = JSON.parse(document.getElementById("explorer-data").textContent);
const BASE = DATA.scenarios[0];
const OTHERS = DATA.scenarios.slice(1);
const COLORS = ["#4D4D4D", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"];
const CONFIG = {displaylogo: false, responsive: true};
const $ = (id) => document.getElementById(id);

function fmt(v, signed) {
  if (v === null || v === undefined || !isFinite(v)) return "n/a";
  const sign = signed && v > 0 ? "+" : "";
  const a = Math.abs(v);
  if (a >= 10 || Number.isInteger(v)) return sign + Math.round(v).toLocaleString("en-US");
  if (a >= 1) return sign + v.toFixed(1);
  return sign + Number(v.toPrecision(3)).toString();
}
const interval = (q, signed) => `${fmt(q[1], signed)} (${fmt(q[0], signed)} to ${fmt(q[2], signed)})`;
const colorOf = (name) => COLORS[DATA.scenarios.findIndex((s) => s.name === name) % COLORS.length];
const byName = (name) => DATA.scenarios.find((s) => s.name === name);

function option(select, value, text) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = text;
  select.appendChild(o);
}

function setup() {
  const boxes = $("scenarios");
  DATA.scenarios.forEach((s, k) => {
    const label = document.createElement("label");
    label.innerHTML = `<input type="checkbox" value="${s.name}" ${k < 3 ? "checked" : ""}> ` +
      `<span style="color:${colorOf(s.name)}">■</span> ${s.label}`;
    label.title = s.description;
    boxes.appendChild(label);
  });
  OTHERS.forEach((s) => option($("compare"), s.name, `${s.label} − ${BASE.label}`));
  if (!OTHERS.length) option($("compare"), "", "(only the baseline: levels shown)");
  DATA.outcomes.forEach((o) => option($("outcome"), o.key, `${o.label}${o.unit ? ` (${o.unit})` : ""}`));
  option($("area"), "national", "National");
  DATA.provinces.forEach((p, k) => option($("area"), String(k), p));
  DATA.windows.forEach((w) => option($("window"), w.key, w.label));
  $("outcome").value = DATA.outcomes.some((o) => o.key === "iskp_fighters") ? "iskp_fighters" : DATA.outcomes[0].key;
  $("pairing").textContent = DATA.pairing;
  document.querySelectorAll("select, input").forEach((el) => el.addEventListener("change", draw));
  $("download").addEventListener("click", download);
}

function state() {
  const chosen = Array.from(document.querySelectorAll("#scenarios input:checked")).map((i) => i.value);
  const area = $("area").value;
  return {
    scenarios: chosen, outcome: DATA.outcomes.find((o) => o.key === $("outcome").value),
    area: area === "national" ? null : Number(area), areaName: area === "national" ? "National" : DATA.provinces[Number(area)],
    window: DATA.windows.find((w) => w.key === $("window").value), compare: $("compare").value,
  };
}

// Quantile rows of a series: national [q][month] (5 rows) or province [q][block] (3 rows).
function rows(series, st) {
  const s = series[st.outcome.key];
  return st.area === null ? s.national : s.provinces[st.area];
}
const xs = (st) => (st.area === null ? DATA.dates : DATA.blocks);

function band(x, lo, hi, color, opacity, name) {
  return [
    {x, y: hi, mode: "lines", line: {width: 0}, hoverinfo: "skip", showlegend: false, legendgroup: name},
    {x, y: lo, mode: "lines", line: {width: 0}, fill: "tonexty", fillcolor: hexA(color, opacity),
     hoverinfo: "skip", showlegend: false, legendgroup: name},
  ];
}
function hexA(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16},${(n >> 8) & 255},${n & 255},${a})`;
}
function medianTrace(x, q, color, name, signed) {
  const lo = q[0], hi = q[q.length - 1], mid = q[(q.length - 1) / 2];
  return {x, y: mid, mode: "lines", name, legendgroup: name, line: {color, width: 2},
          customdata: mid.map((_, k) => [fmt(lo[k], signed), fmt(hi[k], signed)]),
          hovertemplate: `${name}: %{y:,.4~g} (90%: %{customdata[0]} to %{customdata[1]})<extra>%{x|%Y-%m}</extra>`};
}
function windowShape(st) {
  return {type: "rect", xref: "x", yref: "paper", x0: DATA.dates[st.window.start],
          x1: DATA.dates[st.window.end], y0: 0, y1: 1, fillcolor: "rgba(255,200,0,0.10)",
          line: {width: 0}, layer: "below"};
}
function title(st, what) {
  const per = st.area === null ? "per month" : "per month, 3-month means";
  const kind = st.outcome.stock ? "month end" : per;
  return `${what}: ${st.outcome.label}, ${st.areaName} (${st.outcome.unit}${st.outcome.unit ? ", " : ""}${kind})`;
}
// The charts open on the window and the 24 months before it (double-click shows the whole run);
// the y-axis fits what is in view.
const CONTEXT = 24;
function view(st, traces) {
  const first = DATA.dates[Math.max(0, st.window.start - CONTEXT)], last = DATA.dates[DATA.dates.length - 1];
  let lo = 0, hi = 0;
  traces.forEach((t) => t.x.forEach((x, k) => {
    if (x >= first && t.y[k] !== null) { lo = Math.min(lo, t.y[k]); hi = Math.max(hi, t.y[k]); }
  }));
  const pad = 0.05 * (hi - lo || 1);
  return {x: [first, last], y: [lo < 0 ? lo - pad : 0, hi + pad]};
}
function layout(st, text, traces) {
  const range = view(st, traces);
  return {title: {text, font: {size: 15}}, margin: {l: 70, r: 20, t: 50, b: 40},
    hovermode: "x unified", shapes: [windowShape(st)], legend: {orientation: "h", y: -0.12},
    xaxis: {type: "date", range: range.x}, yaxis: {range: range.y, tickformat: ",~g"}};
}

function drawFan(st) {
  const traces = [];
  st.scenarios.forEach((name) => {
    const q = rows(byName(name).series, st), color = colorOf(name), x = xs(st);
    traces.push(...band(x, q[0], q[q.length - 1], color, 0.12, name));
    if (q.length === 5) traces.push(...band(x, q[1], q[3], color, 0.25, name));
    traces.push(medianTrace(x, q, color, byName(name).label, false));
  });
  Plotly.react("fan", traces, layout(st, title(st, "Projections"), traces), CONFIG);
}

function drawDiff(st) {
  const traces = [];
  st.scenarios.filter((n) => n !== BASE.name).forEach((name) => {
    const q = rows(byName(name).difference.series, st), color = colorOf(name), x = xs(st);
    traces.push(...band(x, q[0], q[2], color, 0.18, name));
    traces.push(medianTrace(x, q, color, `${byName(name).label} − ${BASE.label}`, true));
  });
  const lay = layout(st, title(st, `Paired differences from ${BASE.label}`), traces);
  lay.shapes.push({type: "line", xref: "paper", x0: 0, x1: 1, y0: 0, y1: 0, line: {color: "#000", width: 1}});
  if (!traces.length) lay.annotations = [{text: "Tick a scenario other than the baseline", showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5}];
  Plotly.react("diff", traces, lay, CONFIG);
}

// Window statistics: [area][q05, median, q95(, share higher)], area 0 = national.
function windowStats(st) {
  const other = byName(st.compare);
  const level = (s) => s.windows[st.window.key][st.outcome.key];
  return {base: level(BASE), other: other ? level(other) : null,
          diff: other ? other.difference.windows[st.window.key][st.outcome.key] : null, other_label: other ? other.label : null};
}

function mapColor(v, m) {  // diverging: blue below 0, red above
  const t = Math.max(-1, Math.min(1, m > 0 ? v / m : 0));
  const c = t >= 0 ? [178, 24, 43] : [33, 102, 172];
  const w = Math.abs(t);
  return `rgb(${Math.round(247 + (c[0] - 247) * w)},${Math.round(247 + (c[1] - 247) * w)},${Math.round(247 + (c[2] - 247) * w)})`;
}

function drawMap(st) {
  const w = windowStats(st), values = (w.diff || w.base).slice(1);
  const med = values.map((q) => q[1]);
  const m = Math.max(...med.map((v) => Math.abs(v || 0)));
  const signed = !!w.diff;
  const traces = [];
  DATA.provinces.forEach((p, k) => {
    const shade = signed ? mapColor(med[k], m) : mapColor(m > 0 ? med[k] : 0, m);
    const text = `${p}: ${interval(values[k], signed)}` + (signed ? `; higher in ${Math.round(100 * values[k][3])}% of pairs` : "");
    DATA.geometry[p].forEach((ring) => traces.push({
      x: ring.map((c) => c[0]), y: ring.map((c) => c[1]), mode: "lines", fill: "toself", fillcolor: shade,
      line: {color: k === st.area ? "#000" : "#fff", width: k === st.area ? 2.5 : 0.8}, hoveron: "fills",
      text, hoverinfo: "text", showlegend: false, name: p}));
  });
  const kabul = DATA.provinces.indexOf("Kabul");
  if (kabul >= 0) {
    const ring = DATA.geometry.Kabul[0];
    const cx = ring.reduce((a, c) => a + c[0], 0) / ring.length, cy = ring.reduce((a, c) => a + c[1], 0) / ring.length;
    traces.push({x: [cx], y: [cy], mode: "markers+text", text: ["Kabul"], textposition: "top center",
                 marker: {symbol: "star", size: 12, color: "#000"}, hoverinfo: "skip", showlegend: false});
  }
  traces.push({x: [null], y: [null], mode: "markers", hoverinfo: "skip", showlegend: false,
               marker: {color: [signed ? -m : 0, m], cmin: signed ? -m : 0, cmax: m || 1, showscale: true,
                        colorscale: signed ? [[0, "rgb(33,102,172)"], [0.5, "rgb(247,247,247)"], [1, "rgb(178,24,43)"]]
                                           : [[0, "rgb(247,247,247)"], [1, "rgb(178,24,43)"]],
                        colorbar: {title: {text: st.outcome.unit}, thickness: 14}}});
  const what = signed ? `${w.other_label} − ${BASE.label}, median of pairs` : `${BASE.label}, median`;
  Plotly.react("map", traces, {
    title: {text: `${st.outcome.label}, ${st.window.label}: ${what}`, font: {size: 14}},
    margin: {l: 10, r: 10, t: 50, b: 10}, hovermode: "closest",
    xaxis: {visible: false}, yaxis: {visible: false, scaleanchor: "x", scaleratio: 1.2}}, CONFIG);
}

function tableRows(st) {
  const w = windowStats(st), names = ["National", ...DATA.provinces];
  return names.map((name, k) => ({area: name, index: k - 1, base: w.base[k], other: w.other ? w.other[k] : null, diff: w.diff ? w.diff[k] : null}));
}

function drawTable(st) {
  const w = windowStats(st), list = tableRows(st);
  const key = (r) => (r.diff ? Math.abs(r.diff[1] || 0) : r.base[1] || 0);
  const sorted = [list[0], ...list.slice(1).sort((a, b) => key(b) - key(a))];
  const how = st.outcome.stock ? "at the window's end" : "total over the window";
  let html = `<caption>${st.outcome.label} (${st.outcome.unit}), ${how}, ${st.window.label}: median (90% of replicates)</caption>` +
    `<thead><tr><th>Area</th><th>${BASE.label}</th>` + (w.diff ? `<th>${w.other_label}</th><th>Difference (paired)</th><th>Pairs higher</th>` : "") + "</tr></thead><tbody>";
  sorted.forEach((r) => {
    html += `<tr data-area="${r.index < 0 ? "national" : r.index}"${r.index === st.area || (r.index < 0 && st.area === null) ? ' class="chosen"' : ""}>` +
      `<td>${r.area}</td><td>${interval(r.base, false)}</td>` +
      (r.diff ? `<td>${interval(r.other, false)}</td><td>${interval(r.diff, true)}</td><td>${Math.round(100 * r.diff[3])}%</td>` : "") + "</tr>";
  });
  $("table").innerHTML = html + "</tbody>";
  $("table").querySelectorAll("tbody tr").forEach((tr) => tr.addEventListener("click", () => {
    $("area").value = tr.dataset.area;
    draw();
  }));
}

function csvText() {
  const st = state(), out = [["section", "scenario", "area", "outcome", "period", "q05", "median", "q95", "share_pairs_higher"]];
  const x = xs(st);
  st.scenarios.forEach((name) => {
    const q = rows(byName(name).series, st);
    x.forEach((d, k) => out.push(["projection", name, st.areaName, st.outcome.key, d, q[0][k], q[(q.length - 1) / 2][k], q[q.length - 1][k], ""]));
    if (name !== BASE.name) {
      const dq = rows(byName(name).difference.series, st);
      x.forEach((d, k) => out.push([`difference from ${BASE.name}`, name, st.areaName, st.outcome.key, d, dq[0][k], dq[1][k], dq[2][k], ""]));
    }
  });
  const w = windowStats(st);
  tableRows(st).forEach((r) => {
    out.push(["window", BASE.name, r.area, st.outcome.key, st.window.label, ...r.base, ""]);
    if (r.diff) out.push([`window difference from ${BASE.name}`, st.compare, r.area, st.outcome.key, st.window.label, ...r.diff]);
  });
  return out.map((row) => row.map((v) => (v === null ? "" : `"${String(v).replace(/"/g, '""')}"`)).join(",")).join("\n") + "\n";
}

function download() {
  const st = state();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([csvText()], {type: "text/csv"}));
  link.download = `khorasan_${st.outcome.key}_${st.areaName.replace(/\W+/g, "_")}.csv`;
  document.body.appendChild(link);
  link.click();
  link.remove();
}

function draw() {
  const st = state();
  drawFan(st);
  drawDiff(st);
  drawMap(st);
  drawTable(st);
  document.body.dataset.drawn = String(Number(document.body.dataset.drawn || 0) + 1);
}

window.explorerCSV = csvText;
setup();
draw();
