// Job detail: the job's figures, links to what it produced, and its live event tail
// (GET /jobs/{id}/events, resumed with after=<last seq> when the connection drops).

import { get, request } from "../api.js";
import { badge, duration, facts, h, json, progressBar, replace, unixTime } from "../dom.js";
import { followJob, TERMINAL_STATUSES } from "../ndjson.js";

// The page keeps this many lines; older ones are dropped from view (the API keeps them).
const MAX_LINES = 2000;
const REFRESH_MIN_INTERVAL_MS = 2000;

function summary(event) {
  const data = event.data || {};
  const text = JSON.stringify(data);
  return text === "{}" ? "" : text.length > 240 ? `${text.slice(0, 240)}…` : text;
}

function resultLinks(job) {
  const links = [];
  const runId = job.result?.test_run_id;
  if (runId && job.app_id) links.push(h("a", { href: `#/runs/${job.app_id}/${runId}` }, "Test run report"));
  const loadId = job.params?.load_test_id;
  if (loadId && job.app_id) links.push(h("a", { href: `#/load-tests/${job.app_id}/${loadId}` }, "Load test report and charts"));
  if (job.app_id) links.push(h("a", { href: `#/jobs?app=${job.app_id}` }, "Other jobs of this app"));
  return links.length ? h("p", { class: "toolbar" }, links) : null;
}

export function jobView(main, route, { signal, session }) {
  const jobId = route.parts[0];
  let job = null;
  let lastRefresh = 0;
  let refreshTimer = null;

  const header = h("div", { class: "panel", id: "job-facts" }, h("p", { class: "muted" }, "Loading…"));
  const extra = h("div");
  const tailState = h("span", { id: "tail-state", class: "muted", role: "status" });
  const list = h("ol", { id: "tail-lines" });
  const tail = h("div", { class: "tail", tabindex: "0", "aria-label": "Event tail" }, list);
  let dropped = 0;
  const droppedNote = h("p", { class: "muted", hidden: true });

  replace(
    main,
    h("p", {}, h("a", { href: "#/jobs" }, "← Jobs")),
    h("h1", {}, "Job ", h("span", { class: "mono" }, jobId)),
    header,
    extra,
    h("h2", {}, "Events ", tailState),
    droppedNote,
    tail,
  );

  function renderJob() {
    const stop =
      session.canWrite && !TERMINAL_STATUSES.has(job.job_status)
        ? h("button", { type: "button", class: "danger", onclick: stopJob }, "Stop job")
        : null;
    replace(
      header,
      facts([
        ["Status", badge(job.job_status)],
        ["Type", job.job_type],
        ["App", job.app_id ? h("span", { class: "mono" }, job.app_id) : "—"],
        ["Progress", progressBar(job.progress)],
        ["Created", unixTime(job.created_at)],
        ["Started", unixTime(job.started_at)],
        ["Finished", unixTime(job.finished_at)],
        job.started_at && job.finished_at ? ["Took", duration(job.finished_at - job.started_at)] : null,
        job.error ? ["Error", h("span", { class: "error" }, job.error)] : null,
      ]),
      resultLinks(job),
      h("details", {}, h("summary", {}, "Parameters"), json(job.params)),
      job.result ? h("details", { open: true }, h("summary", {}, "Result"), json(job.result)) : null,
      stop,
    );
  }

  async function stopJob(event) {
    event.target.disabled = true;
    try {
      job = (await request(`jobs/${jobId}/stop`, { method: "POST", signal })).data;
      renderJob();
    } catch (error) {
      event.target.replaceWith(h("span", { class: "error" }, error.message));
    }
  }

  async function refresh() {
    lastRefresh = Date.now();
    const fresh = await get(`jobs/${encodeURIComponent(jobId)}`, {}, signal);
    // Unchanged figures are not redrawn (a redraw would take the focus off Stop).
    const changed = JSON.stringify(fresh) !== JSON.stringify(job);
    job = fresh;
    if (changed) renderJob();
    if (TERMINAL_STATUSES.has(job.job_status)) await finalDetails();
  }

  // Throttled: a busy job's events must not turn into a request each.
  function refreshSoon() {
    if (refreshTimer) return;
    const wait = Math.max(0, REFRESH_MIN_INTERVAL_MS - (Date.now() - lastRefresh));
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      refresh().catch(() => {});
    }, wait);
  }

  let finalShown = false;
  async function finalDetails() {
    if (finalShown) return;
    finalShown = true;
    try {
      if (job.job_type === "VALIDATE") {
        const result = await get(`jobs/${jobId}/validation-result`, {}, signal);
        extra.append(h("section", { class: "panel" }, h("h2", {}, "Validation result"), json(result)));
      } else if (job.job_type === "GENERATE" && job.app_id) {
        const history = await get(`apps/${job.app_id}/generation-history/${jobId}`, {}, signal);
        extra.append(h("section", { class: "panel" }, h("h2", {}, "Generation history"), json(history)));
      }
    } catch {
      // Optional extras: the job's own figures are already shown.
    }
  }

  function addLine(event) {
    const atBottom = tail.scrollTop + tail.clientHeight >= tail.scrollHeight - 8;
    const time = event.timestamp ? event.timestamp.slice(11, 23) : "";
    list.append(
      h(
        "li",
        { "data-seq": event.seq },
        h("span", { class: "seq" }, `#${event.seq}`),
        h("span", { class: "time" }, time),
        h("span", {}, event.type),
        h("span", { class: "data" }, summary(event)),
      ),
    );
    if (list.childElementCount > MAX_LINES) {
      list.firstElementChild.remove();
      dropped++;
      droppedNote.hidden = false;
      droppedNote.textContent = `${dropped} earlier events are not shown.`;
    }
    if (atBottom) tail.scrollTop = tail.scrollHeight;
  }

  let stream = null;
  refresh()
    .then(() => {
      stream = followJob(jobId, {
        onEvent(event) {
          addLine(event);
          if (job && event.status !== job.job_status) {
            job = { ...job, job_status: event.status };
            renderJob();
          }
          refreshSoon();
        },
        onState(state, detail, last) {
          tailState.dataset.state = state;
          if (state === "reconnecting") tailState.dataset.resumes = String(Number(tailState.dataset.resumes || 0) + 1);
          tailState.textContent =
            state === "live"
              ? "(live)"
              : state === "reconnecting"
                ? `(${detail}; resuming after #${last})`
                : state === "ended"
                  ? "(ended)"
                  : state === "failed"
                    ? `(${detail})`
                    : "";
          if (state === "ended") refresh().catch(() => {});
        },
        isTerminal: async () => {
          await refresh();
          return TERMINAL_STATUSES.has(job.job_status);
        },
      });
    })
    .catch((error) => {
      if (!signal.aborted) replace(header, h("p", { class: "error" }, error.message));
    });

  return () => {
    stream?.stop();
    clearTimeout(refreshTimer);
  };
}
