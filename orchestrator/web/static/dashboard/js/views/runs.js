// Runs: an app's test runs, and a run's suite reports with every failing step's request,
// response and assertions.

import { get, getAllPages } from "../api.js";
import { ago, badge, dataTable, duration, facts, h, ms, replace, unixTime } from "../dom.js";
import { appPicker } from "./common.js";

const RUN_COLUMNS = [
  { label: "Run" },
  { label: "Status" },
  { label: "Suites passed", num: true },
  { label: "Suites failed", num: true },
  { label: "Steps failed", num: true },
  { label: "Base URL" },
  { label: "Created" },
  { label: "Took", num: true },
];
// Failing reports whose steps are fetched and shown in full; the rest are linked by name.
const MAX_FAILING_REPORTS_SHOWN = 20;

export function runsView(main, route, { signal }) {
  const appId = route.query.get("app") || "";
  const list = h("div");
  replace(main, h("h1", {}, "Runs"), appPicker("Test runs", "runs", appId, signal), list);
  if (!appId) return;
  get(`apps/${encodeURIComponent(appId)}/test-runs`, { limit: 50 }, signal)
    .then((runs) => {
      if (!runs.length) {
        replace(list, h("p", { class: "muted" }, "No test run yet for this app."));
        return;
      }
      replace(
        list,
        dataTable("Test runs, newest first", RUN_COLUMNS, runs, (run) => [
          h("a", { href: `#/runs/${appId}/${run.id}`, class: "mono" }, run.id),
          badge(run.status),
          run.passed_suites,
          run.failed_suites,
          run.failed_steps,
          h("span", { class: "mono" }, run.base_url),
          ago(run.created_at),
          duration(run.duration_ms / 1000),
        ]),
      );
    })
    .catch((error) => replace(list, h("p", { class: "error" }, error.message)));
}

function headers(values) {
  return Object.entries(values || {})
    .map(([k, v]) => `${k}: ${v}`)
    .join("\n");
}

function exchange(step) {
  const req = step.request;
  const res = step.response;
  return h(
    "div",
    { class: "exchange" },
    h(
      "div",
      {},
      h("h5", {}, "Request as sent"),
      req
        ? h("pre", {}, `${req.method} ${req.url}\n${headers(req.headers)}${req.body ? `\n\n${req.body}` : ""}`)
        : h("p", { class: "muted" }, "Not sent: the request could not be built."),
    ),
    h(
      "div",
      {},
      h("h5", {}, "Response as received"),
      res
        ? h(
            "pre",
            {},
            `${res.status} (${ms(res.elapsed_ms)}, ${res.size} bytes${res.truncated ? ", cut at the size cap" : ""})\n` +
              `${headers(res.headers)}\n\n${res.body}${res.body_cut ? "\n…(shortened)" : ""}`,
          )
        : h("p", { class: "muted" }, "No response."),
    ),
  );
}

const show = (value) => (value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value));

function assertions(step) {
  if (!step.assertions?.length) return null;
  return dataTable(
    `Assertions of ${step.name}`,
    [{ label: "Verdict" }, { label: "Assertion" }, { label: "Expected" }, { label: "Actual" }, { label: "Why" }],
    step.assertions,
    (a) => [
      a.skipped_as_noise ? badge("noise", "") : badge(a.passed ? "pass" : "fail"),
      [a.type, a.target, a.op].filter(Boolean).join(" "),
      h("span", { class: "mono" }, show(a.expected)),
      h("span", { class: "mono" }, show(a.actual)),
      a.reason || "",
    ],
  );
}

function failingStep(step) {
  return h(
    "article",
    { class: "step", "data-step": step.index },
    h("h4", {}, `Step ${step.index + 1}: ${step.name} `, badge("FAILED")),
    step.error ? h("p", { class: "error" }, `${step.error_kind ? `${step.error_kind}: ` : ""}${step.error}`) : null,
    Object.keys(step.extraction_failures || {}).length
      ? h("p", { class: "error" }, `Could not extract: ${JSON.stringify(step.extraction_failures)}`)
      : null,
    assertions(step),
    exchange(step),
  );
}

export function runView(main, route, { signal }) {
  const [appId, runId] = route.parts;
  const base = `apps/${encodeURIComponent(appId)}/test-runs/${encodeURIComponent(runId)}`;
  const summary = h("div", { class: "panel" }, h("p", { class: "muted" }, "Loading…"));
  const reports = h("div", { id: "reports" });
  replace(
    main,
    h("p", {}, h("a", { href: `#/runs?app=${appId}` }, "← Runs of this app")),
    h("h1", {}, "Test run ", h("span", { class: "mono" }, runId)),
    summary,
    reports,
  );

  (async () => {
    const run = await get(base, {}, signal);
    replace(
      summary,
      facts([
        ["Status", badge(run.status)],
        ["Suites", `${run.passed_suites} passed, ${run.failed_suites} failed of ${run.total_suites}`],
        ["Steps", `${run.passed_steps} passed, ${run.failed_steps} failed of ${run.total_steps}`],
        ["Base URL", h("span", { class: "mono" }, run.base_url)],
        ["Created", unixTime(run.created_at)],
        ["Took", duration(run.duration_ms / 1000)],
        ["Job", h("a", { href: `#/jobs/${run.job_id}`, class: "mono" }, run.job_id)],
      ]),
    );
    const all = await getAllPages(`${base}/suite-reports`, {}, signal);
    const failing = all.filter((r) => r.status !== "PASSED");
    const passing = all.filter((r) => r.status === "PASSED");
    const sections = [];
    if (failing.length) {
      sections.push(h("h2", {}, `Failing suites (${failing.length})`));
      for (const report of failing.slice(0, MAX_FAILING_REPORTS_SHOWN)) {
        const full = await get(`${base}/suite-reports/${report.id}`, {}, signal);
        const bad = full.steps.filter((step) => !step.passed);
        sections.push(
          h(
            "section",
            { class: "panel", "data-report": report.id },
            h("h3", {}, `${full.suite_name} `, badge(full.status)),
            h("p", { class: "muted" }, `${full.failed_steps} of ${full.total_steps} steps failed · ${duration(full.duration_ms / 1000)}`),
            bad.length ? bad.map(failingStep) : h("p", { class: "muted" }, "No failing step recorded (stopped before any failed)."),
          ),
        );
      }
      if (failing.length > MAX_FAILING_REPORTS_SHOWN) {
        sections.push(h("p", { class: "muted" }, `${failing.length - MAX_FAILING_REPORTS_SHOWN} more failing suites are not shown.`));
      }
    }
    sections.push(h("h2", {}, `Passing suites (${passing.length})`));
    sections.push(
      passing.length
        ? h("ul", {}, passing.map((r) => h("li", {}, `${r.suite_name} — ${r.passed_steps} steps, ${duration(r.duration_ms / 1000)}`)))
        : h("p", { class: "muted" }, "None."),
    );
    replace(reports, sections);
    main.dataset.ready = "run";
  })().catch((error) => {
    if (!signal.aborted) replace(reports, h("p", { class: "error" }, error.message));
  });
}
