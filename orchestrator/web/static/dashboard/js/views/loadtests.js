// Load tests: an app's load tests, and one load test with live charts from its load.stats
// events (RPS, p50/p95/p99, errors), its thresholds and, once it ends, its report.

import { get } from "../api.js";
import { lineChart } from "../chart.js";
import { ago, badge, dataTable, facts, h, ms, number, percent, replace, unixTime } from "../dom.js";
import { followJob } from "../ndjson.js";
import { appPicker } from "./common.js";

const OPEN = new Set(["QUEUED", "RUNNING"]);
const LIST_COLUMNS = [
  { label: "Load test" },
  { label: "Status" },
  { label: "Users", num: true },
  { label: "Duration", num: true },
  { label: "Profile" },
  { label: "Requests", num: true },
  { label: "RPS", num: true },
  { label: "p95", num: true },
  { label: "Errors", num: true },
  { label: "Created" },
];
const ENDPOINT_COLUMNS = [
  { label: "Endpoint" },
  { label: "Requests", num: true },
  { label: "Failures", num: true },
  { label: "Error rate", num: true },
  { label: "RPS", num: true },
  { label: "p50", num: true },
  { label: "p95", num: true },
  { label: "p99", num: true },
  { label: "Max", num: true },
];
const LATENCY_METRICS = { p50_ms: "p50", p95_ms: "p95", p99_ms: "p99" };

export function loadTestsView(main, route, { signal }) {
  const appId = route.query.get("app") || "";
  const list = h("div");
  replace(main, h("h1", {}, "Load tests"), appPicker("Load tests", "load-tests", appId, signal), list);
  if (!appId) return;
  get(`apps/${encodeURIComponent(appId)}/load-tests`, { limit: 50 }, signal)
    .then((tests) => {
      if (!tests.length) {
        replace(list, h("p", { class: "muted" }, "No load test yet for this app."));
        return;
      }
      replace(
        list,
        dataTable("Load tests, newest first", LIST_COLUMNS, tests, (t) => {
          const totals = t.report?.totals;
          return [
            h("a", { href: `#/load-tests/${appId}/${t.id}`, class: "mono" }, t.id),
            badge(t.status),
            t.params.virtual_users,
            `${t.params.duration_secs} s`,
            t.params.profile,
            number(totals?.requests),
            number(totals?.rps, 1),
            ms(totals?.p95_ms),
            percent(totals?.error_rate),
            ago(t.created_at),
          ];
        }),
      );
    })
    .catch((error) => replace(list, h("p", { class: "error" }, error.message)));
}

function headline(figures) {
  const card = (label, value) => h("div", { class: "card" }, h("div", { class: "value" }, value), h("div", { class: "label" }, label));
  return [
    card("Users", number(figures.users)),
    card("Requests", number(figures.requests)),
    card("Requests / s", number(figures.rps, 1)),
    card("p95", ms(figures.p95_ms)),
    card("p99", ms(figures.p99_ms)),
    card(`Errors (${percent(figures.error_rate)})`, number(figures.failures)),
  ];
}

function thresholdsTable(thresholds, verdicts) {
  if (!thresholds.length) return h("p", { class: "muted" }, "No thresholds.");
  const rows = verdicts?.length ? verdicts : thresholds;
  return dataTable("Thresholds", [{ label: "Metric" }, { label: "Endpoint" }, { label: "Limit" }, { label: "Actual", num: true }, { label: "Verdict" }], rows, (t) => [
    t.metric,
    t.endpoint || "all",
    `${t.op} ${t.value}`,
    t.actual === undefined ? "—" : number(t.actual, 2),
    t.passed === undefined ? badge("pending", "") : badge(t.passed ? "pass" : "fail"),
  ]);
}

// Seconds an interval of stats covers (about one); the first starts at t = 0.
function intervalOf(t, previous) {
  return previous === null ? Math.max(1, t) : Math.max(0.001, t - previous);
}

export function loadTestView(main, route, { signal }) {
  const [appId, loadTestId] = route.parts;
  const path = `apps/${encodeURIComponent(appId)}/load-tests/${encodeURIComponent(loadTestId)}`;
  const about = h("div", { class: "panel" }, h("p", { class: "muted" }, "Loading…"));
  const cards = h("div", { class: "cards", id: "load-figures" });
  const liveState = h("span", { class: "muted", id: "load-state", role: "status" });
  const thresholdsBox = h("div");
  const endpoints = h("div", { id: "endpoints" });
  const errors = h("div");
  let row = null;
  let stream = null;
  let samples = [];
  let charts = null;

  function buildCharts(thresholds) {
    const latencyLines = thresholds
      .filter((t) => LATENCY_METRICS[t.metric] && !t.endpoint)
      .map((t) => ({ value: t.value, label: `${LATENCY_METRICS[t.metric]} ${t.op} ${t.value} ms` }));
    charts = {
      rps: lineChart({ title: "Requests per second", series: [{ key: "rps", label: "RPS" }], format: (v) => number(v, 1) }),
      latency: lineChart({
        title: "Latency",
        series: [
          { key: "p50", label: "p50" },
          { key: "p95", label: "p95" },
          { key: "p99", label: "p99" },
        ],
        unit: " ms",
        format: (v) => number(v, 0),
        thresholds: latencyLines,
      }),
      errors: lineChart({ title: "Errors per second", series: [{ key: "failures", label: "failed requests" }], format: (v) => number(v, 1) }),
    };
    return h("div", { class: "charts", id: "charts" }, Object.values(charts).map((c) => c.element));
  }

  function drawCharts() {
    for (const chart of Object.values(charts)) chart.update(samples);
  }

  function renderAbout() {
    const p = row.params;
    replace(
      about,
      facts([
        ["Status", badge(row.status)],
        ["Profile", `${p.profile}, ${p.virtual_users} users for ${p.duration_secs} s`],
        ["Base URL", h("span", { class: "mono" }, p.base_url)],
        ["Created", unixTime(row.created_at)],
        ["Finished", unixTime(row.finished_at)],
        ["Job", h("a", { href: `#/jobs/${row.job_id}`, class: "mono" }, row.job_id)],
        row.error ? ["Error", h("span", { class: "error" }, row.error)] : null,
      ]),
    );
  }

  function renderReport(report) {
    samples = report.timeline.map((point, i, all) => ({
      t: point.t,
      rps: point.rps,
      p50: point.p50_ms,
      p95: point.p95_ms,
      p99: point.p99_ms,
      failures: point.failures / intervalOf(point.t, i ? all[i - 1].t : null),
    }));
    drawCharts();
    replace(cards, headline({ ...report.totals, users: report.virtual_users }));
    replace(thresholdsBox, thresholdsTable(row.params.thresholds || [], report.thresholds));
    replace(
      endpoints,
      h("h2", {}, "Per endpoint"),
      dataTable("Per endpoint", ENDPOINT_COLUMNS, report.endpoints, (e) => [
        h("span", { class: "mono" }, `${e.method} ${e.name}`),
        number(e.requests),
        number(e.failures),
        percent(e.error_rate),
        number(e.rps, 1),
        ms(e.p50_ms),
        ms(e.p95_ms),
        ms(e.p99_ms),
        ms(e.max_ms),
      ]),
    );
    if (report.errors.length) {
      replace(
        errors,
        h("h2", {}, "Errors"),
        dataTable("Errors", [{ label: "Endpoint" }, { label: "Message" }, { label: "Count", num: true }], report.errors, (e) => [
          `${e.method} ${e.name}`,
          e.message,
          number(e.occurrences),
        ]),
      );
    }
  }

  function onStats(stats) {
    const interval = intervalOf(stats.t, samples.length ? samples[samples.length - 1].t : null);
    samples.push({
      t: stats.t,
      rps: stats.current_rps,
      p50: stats.current_p50_ms,
      p95: stats.current_p95_ms,
      p99: stats.current_p99_ms,
      failures: stats.current_failures / interval,
    });
    drawCharts();
    replace(cards, headline(stats));
  }

  async function load() {
    row = await get(path, {}, signal);
    renderAbout();
  }

  async function loadFinal() {
    await load();
    if (row.report) renderReport(row.report);
  }

  replace(
    main,
    h("p", {}, h("a", { href: `#/load-tests?app=${appId}` }, "← Load tests of this app")),
    h("h1", {}, "Load test ", h("span", { class: "mono" }, loadTestId), " ", liveState),
    about,
    cards,
  );

  load()
    .then(() => {
      main.append(buildCharts(row.params.thresholds || []), h("h2", {}, "Thresholds"), thresholdsBox, endpoints, errors);
      replace(thresholdsBox, thresholdsTable(row.params.thresholds || [], row.report?.thresholds));
      if (row.report) {
        renderReport(row.report);
        return;
      }
      if (!OPEN.has(row.status)) return;
      stream = followJob(row.job_id, {
        onEvent(event) {
          if (event.type === "load.stats") onStats(event.data);
          if (event.type === "load.error") errors.append(h("p", { class: "error" }, event.data.message));
          if (row.status !== event.status && OPEN.has(event.status)) {
            row = { ...row, status: event.status };
            renderAbout();
          }
        },
        onState(state, detail) {
          liveState.dataset.state = state;
          liveState.textContent = state === "live" ? "(live)" : state === "reconnecting" ? `(${detail})` : "";
          if (state === "ended") loadFinal().catch(() => {});
        },
        isTerminal: async () => {
          await load();
          return !OPEN.has(row.status);
        },
      });
    })
    .catch((error) => {
      if (!signal.aborted) replace(about, h("p", { class: "error" }, error.message));
    });

  return () => stream?.stop();
}
