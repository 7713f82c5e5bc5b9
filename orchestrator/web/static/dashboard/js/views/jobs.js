// Jobs: a live table. The first page comes from GET /jobs; then the organization's feed
// adds new jobs and moves statuses without reloading, and a refetch (at most every few
// seconds, only when events say something changed) brings progress and results.

import { request, serverNow } from "../api.js";
import { ago, badge, duration, h, progressBar, replace, tableRow } from "../dom.js";
import { onFeedEvent } from "../feed.js";
import { TERMINAL_STATUSES } from "../ndjson.js";
import { appSelect, choiceSelect, JOB_STATUSES, JOB_TYPES } from "./common.js";

const PAGE_SIZE = 50;
const REFRESH_MIN_INTERVAL_MS = 3000;
// A full refetch now and then catches anything the feed could not tell (e.g. an app filter
// on a job created while the feed was reconnecting).
const RECONCILE_EVERY_MS = 30_000;
const COLUMNS = [
  { label: "Job" },
  { label: "Type" },
  { label: "Status" },
  { label: "App" },
  { label: "Progress" },
  { label: "Created" },
  { label: "Duration", num: true },
];

export function jobsView(main, route, { signal }) {
  const filters = {
    app_id: route.query.get("app") || "",
    type: route.query.get("type") || "",
    status: route.query.get("status") || "",
  };
  const offset = Math.max(0, Number(route.query.get("offset")) || 0);
  const rows = new Map(); // job_id -> {job, asOf (server ms), tr}
  let names = new Map();
  let dirty = false;
  let lastFetch = 0;

  const tbody = h("tbody", { id: "jobs-body" });
  const table = h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "cards-on-narrow", id: "jobs-table" },
      h("caption", { class: "visually-hidden" }, "Jobs, newest first, updated live"),
      h("thead", {}, h("tr", {}, COLUMNS.map((c) => h("th", { scope: "col", class: c.num ? "num" : "" }, c.label)))),
      tbody,
    ),
  );
  const empty = h("p", { class: "muted", hidden: true }, "No job matches. New ones appear here as they are submitted.");
  const pager = h("p", { class: "toolbar" });

  function setFilter(name, value) {
    const query = new URLSearchParams({ ...filters, [name]: value });
    for (const [k, v] of [...query]) if (!v) query.delete(k);
    if (query.has("app_id")) {
      query.set("app", query.get("app_id"));
      query.delete("app_id");
    }
    window.location.hash = `#/jobs${query.size ? `?${query}` : ""}`;
  }

  const toolbar = h(
    "div",
    { class: "toolbar", role: "search" },
    appSelect(filters.app_id, (v) => setFilter("app_id", v), signal, (loaded) => {
      names = loaded;
      for (const row of rows.values()) paint(row);
    }),
    choiceSelect("Type", JOB_TYPES, filters.type, (v) => setFilter("type", v)),
    choiceSelect("Status", JOB_STATUSES, filters.status, (v) => setFilter("status", v)),
  );
  replace(main, h("h1", {}, "Jobs"), toolbar, table, empty, pager);

  function cells(job) {
    const end = job.finished_at ?? (TERMINAL_STATUSES.has(job.job_status) ? null : serverNow() / 1000);
    const started = job.started_at;
    return [
      h("a", { href: `#/jobs/${encodeURIComponent(job.job_id)}`, class: "mono" }, job.job_id),
      job.job_type,
      badge(job.job_status),
      job.app_id ? names.get(job.app_id) || job.app_id : "—",
      progressBar(job.progress),
      h("span", { title: new Date(job.created_at * 1000).toLocaleString() }, ago(job.created_at, serverNow() / 1000)),
      started && end ? duration(end - started) : "—",
    ];
  }

  function paint(row) {
    const content = cells(row.job);
    if (!row.tr) {
      row.tr = tableRow(COLUMNS, content, { "data-job-id": row.job.job_id });
    } else {
      // Cells are updated in place and the first (the job's link) is kept, so a row that
      // changes every second never takes the keyboard focus away.
      [...row.tr.children].forEach((td, i) => {
        if (i > 0) replace(td, content[i]);
      });
    }
    row.tr.dataset.status = row.job.job_status;
  }

  function matches(job) {
    return (
      (!filters.app_id || job.app_id === filters.app_id) &&
      (!filters.type || job.job_type === filters.type) &&
      (!filters.status || job.job_status === filters.status || rows.has(job.job_id))
    );
  }

  function upsert(job, asOf, fresh = false) {
    const row = rows.get(job.job_id);
    if (row) {
      if (asOf < row.asOf) return;
      row.job = { ...row.job, ...job };
      row.asOf = asOf;
      paint(row);
      return;
    }
    const created = { job, asOf, tr: null };
    rows.set(job.job_id, created);
    paint(created);
    if (fresh) {
      created.tr.classList.add("fresh");
      tbody.prepend(created.tr);
    } else {
      tbody.append(created.tr);
    }
    empty.hidden = rows.size > 0;
  }

  async function fetchPage() {
    lastFetch = Date.now();
    dirty = false;
    const { data, meta } = await request("jobs", {
      params: { ...filters, limit: PAGE_SIZE, offset },
      signal,
    });
    const asOf = Date.parse(meta.timestamp);
    const first = rows.size === 0;
    for (const job of data) upsert(job, asOf);
    if (first) {
      empty.hidden = data.length > 0;
      const total = meta.pagination.total_count;
      replace(
        pager,
        h("span", { class: "muted grow" }, `${offset + 1}–${offset + data.length} of ${total}`),
        offset > 0 ? h("a", { href: pageLink(Math.max(0, offset - PAGE_SIZE)) }, "← Newer") : null,
        meta.pagination.has_next_page ? h("a", { href: pageLink(offset + PAGE_SIZE) }, "Older →") : null,
      );
    }
  }

  function pageLink(to) {
    const query = new URLSearchParams(route.query);
    if (to) query.set("offset", to);
    else query.delete("offset");
    return `#/jobs${query.size ? `?${query}` : ""}`;
  }

  function onEvent(event) {
    const asOf = Date.parse(event.timestamp);
    const row = rows.get(event.job_id);
    if (!row) {
      // Only the first page shows jobs as they arrive.
      if (event.type !== "job.queued" || offset > 0) return;
      const job = {
        job_id: event.job_id,
        job_type: event.data?.job_type,
        job_status: event.status,
        app_id: event.app_id ?? null,
        created_at: asOf / 1000,
        started_at: null,
        finished_at: null,
        progress: 0,
      };
      if (matches(job)) upsert(job, asOf, true);
      return;
    }
    const change = { job_status: event.status };
    if (event.type === "job.started") change.started_at = asOf / 1000;
    if (TERMINAL_STATUSES.has(event.status)) {
      change.finished_at = asOf / 1000;
      change.progress = 1;
    }
    upsert({ ...row.job, ...change }, asOf);
    dirty = true;
  }

  const unsubscribe = onFeedEvent(onEvent);
  const ticker = setInterval(() => {
    const due = Date.now() - lastFetch;
    if ((dirty && due >= REFRESH_MIN_INTERVAL_MS) || due >= RECONCILE_EVERY_MS) {
      fetchPage().catch(() => {});
    }
    for (const row of rows.values()) if (row.job.job_status === "RUNNING") paint(row);
  }, 1000);

  fetchPage()
    .then(() => {
      main.dataset.ready = "jobs";
      performance.mark("gauntlet:jobs-table");
    })
    .catch((error) => {
      if (!signal.aborted) replace(empty, h("span", { class: "error" }, error.message)).removeAttribute("hidden");
    });

  return () => {
    unsubscribe();
    clearInterval(ticker);
  };
}
