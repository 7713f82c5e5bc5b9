// Small SVG line charts (no library): time on x, one or more series on y.

import { h } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const W = 420;
const H = 180;
const PAD = { left: 56, right: 10, top: 10, bottom: 24 };
// More points than pixels only cost time: longer series are thinned to this many.
const MAX_POINTS = 600;

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  if (text !== undefined) el.textContent = text;
  return el;
}

function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function thin(points) {
  if (points.length <= MAX_POINTS) return points;
  const every = points.length / MAX_POINTS;
  return Array.from({ length: MAX_POINTS }, (_, i) => points[Math.floor(i * every)]).concat([points[points.length - 1]]);
}

/**
 * A chart panel. `series` is [{key, label}]; call `update(rows)` with rows of
 * {t, [key]: number|null} (t in seconds) whenever the data grows.
 * `thresholds` are [{value, label}] drawn as dashed lines.
 */
export function lineChart({ title, series, unit = "", format = (v) => String(v), thresholds = [] }) {
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title });
  const legend = h(
    "div",
    { class: "legend" },
    series.map((serie, i) => h("span", {}, h("i", { class: `s${i + 1}` }), serie.label)),
    thresholds.map((line) => h("span", {}, h("i", { class: "s4" }), `${line.label} (threshold)`)),
  );
  const panel = h("figure", { class: "chart", dataset: { chart: title } }, h("h3", {}, title), svg, legend);
  panel.style.margin = "0";

  function update(rows) {
    svg.replaceChildren();
    const points = thin(rows);
    const tMax = Math.max(1, ...points.map((r) => r.t));
    const values = points.flatMap((r) => series.map((serie) => r[serie.key])).filter((v) => typeof v === "number");
    const yMax = niceMax(Math.max(0, ...values, ...thresholds.map((line) => line.value)));
    const x = (t) => PAD.left + (t / tMax) * (W - PAD.left - PAD.right);
    const y = (v) => H - PAD.bottom - (v / yMax) * (H - PAD.top - PAD.bottom);

    svg.append(s("line", { class: "axis", x1: PAD.left, x2: W - PAD.right, y1: y(0), y2: y(0) }));
    for (const v of [0, yMax / 2, yMax]) {
      svg.append(s("text", { class: "tick", x: PAD.left - 6, y: y(v) + 3, "text-anchor": "end" }, `${format(v)}${unit}`));
      if (v > 0) svg.append(s("line", { class: "axis", x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), opacity: 0.4 }));
    }
    for (const t of [0, tMax / 2, tMax]) {
      svg.append(s("text", { class: "tick", x: x(t), y: H - 8, "text-anchor": "middle" }, `${Math.round(t)} s`));
    }
    for (const line of thresholds) {
      svg.append(s("line", { class: "threshold", x1: PAD.left, x2: W - PAD.right, y1: y(line.value), y2: y(line.value) }));
    }
    series.forEach((serie, i) => {
      let d = "";
      let pen = "M";
      for (const row of points) {
        const v = row[serie.key];
        if (typeof v !== "number") {
          pen = "M";
          continue;
        }
        d += `${pen}${x(row.t).toFixed(1)} ${y(v).toFixed(1)} `;
        pen = "L";
      }
      if (d) svg.append(s("path", { class: `line s${i + 1}`, d }));
    });
    const latest = rows[rows.length - 1];
    const summary = latest
      ? series.map((serie) => `${serie.label} ${typeof latest[serie.key] === "number" ? format(latest[serie.key]) + unit : "none"}`).join(", ")
      : "no data yet";
    svg.setAttribute("aria-label", `${title}: ${rows.length} points; latest ${summary}`);
    svg.dataset.points = String(rows.length);
  }

  update([]);
  return { element: panel, update };
}
