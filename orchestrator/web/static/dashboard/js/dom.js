// DOM helpers. Text always goes in as text (never as HTML): API data cannot inject markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      el.className = value;
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A table whose rows turn into labelled cards on narrow screens. `columns` are
 * [{label, num?}]; `cell(row, index)` gives each row's cells in column order. */
export function dataTable(caption, columns, rows, cells) {
  const head = h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.num ? "num" : "" }, c.label)));
  const body = h("tbody", {}, rows.map((row) => tableRow(columns, cells(row))));
  return h(
    "div",
    { class: "table-wrap" },
    h("table", { class: "cards-on-narrow" }, h("caption", { class: "visually-hidden" }, caption), h("thead", {}, head), body),
  );
}

export function tableRow(columns, cells, attrs = {}) {
  return h(
    "tr",
    attrs,
    cells.map((content, i) => h("td", { "data-label": columns[i].label, class: columns[i].num ? "num" : "" }, content)),
  );
}

export function badge(text, kind = text) {
  return h("span", { class: `badge ${kind}` }, text);
}

export function progressBar(fraction) {
  const pct = Math.round(Math.max(0, Math.min(1, fraction || 0)) * 100);
  const fill = h("span");
  fill.style.width = `${pct}%`;
  return h(
    "span",
    {},
    h("span", { class: "progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": pct }, fill),
    ` ${pct}%`,
  );
}

export function json(value) {
  return h("pre", { class: "mono" }, JSON.stringify(value, null, 2));
}

export function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(Boolean).map(([k, v]) => [h("dt", {}, k), h("dd", {}, v ?? "—")]));
}

// ---- formatting -----------------------------------------------------------------------

export function unixTime(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  return new Date(seconds * 1000).toLocaleString();
}

export function ago(seconds, now = Date.now() / 1000) {
  if (seconds === null || seconds === undefined) return "—";
  const d = Math.max(0, now - seconds);
  if (d < 60) return `${Math.round(d)} s ago`;
  if (d < 3600) return `${Math.round(d / 60)} min ago`;
  if (d < 86400) return `${Math.round(d / 3600)} h ago`;
  return new Date(seconds * 1000).toLocaleDateString();
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "—";
  if (seconds === 0) return "< 1 s"; // job times are whole seconds
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 120) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function ms(value) {
  return value === null || value === undefined ? "—" : `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

export function number(value, digits = 0) {
  return value === null || value === undefined ? "—" : Number(value).toLocaleString(undefined, { maximumFractionDigits: digits });
}

export function percent(fraction) {
  return fraction === null || fraction === undefined ? "—" : `${(fraction * 100).toFixed(fraction < 0.1 ? 2 : 1)} %`;
}
