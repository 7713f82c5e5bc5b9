// Ops: workers alive and their threads, the queue per kind, running jobs, the oldest
// queued job's wait (GET /ops/status, polled), and the event lag this browser sees on
// the organization's feed.

import { request, serverNow } from "../api.js";
import { ago, badge, dataTable, duration, h, ms, number, replace } from "../dom.js";
import { feedState, lagStats } from "../feed.js";

const POLL_MS = 5000;

function card(label, value, id, note) {
  return h(
    "div",
    { class: "card", id },
    h("div", { class: "value" }, value),
    h("div", { class: "label" }, label),
    note ? h("div", { class: "label" }, note) : null,
  );
}

export function opsView(main, route, { signal }) {
  const cards = h("div", { class: "cards", id: "ops-cards" });
  const workers = h("section", { id: "ops-workers" });
  const queue = h("section", { id: "ops-queue" });
  const problem = h("p", { class: "error", role: "alert" });
  replace(main, h("h1", {}, "Ops"), problem, cards, workers, queue);
  let status = null;

  function render() {
    if (!status) return;
    const lag = lagStats();
    const feed = feedState();
    const now = serverNow() / 1000;
    replace(
      cards,
      card("Workers alive", number(status.workers_alive), "ops-workers-alive", `${number(status.threads_alive)} threads`),
      card("Jobs running", number(status.running_jobs), "ops-running"),
      card("Jobs queued", number(status.queued_jobs), "ops-queued"),
      card("Oldest queued job", status.oldest_queued_age_s === null ? "none" : duration(status.oldest_queued_age_s), "ops-oldest"),
      card(
        "Event lag p50 / p99",
        lag ? `${number(lag.p50, lag.p50 < 10 ? 1 : 0)} / ${number(lag.p99, lag.p99 < 10 ? 1 : 0)} ms` : "—",
        "ops-lag",
        lag
          ? `${lag.samples} events in 5 min, max ${ms(lag.max)}`
          : `no events yet on the feed (${feed.state === "live" ? "connected" : feed.state})`,
      ),
    );
    replace(
      workers,
      h("h2", {}, `Workers (${status.deployment} deployment)`),
      status.workers.length
        ? dataTable(
            "Workers",
            [
              { label: "Worker" },
              { label: "State" },
              { label: "Mode" },
              { label: "Threads", num: true },
              { label: "Host" },
              { label: "PID", num: true },
              { label: "Started" },
              { label: "Last heartbeat" },
            ],
            status.workers,
            (w) => [
              h("span", { class: "mono" }, w.worker_id),
              w.alive ? badge("alive") : badge("lost"),
              w.mode,
              w.threads,
              w.hostname,
              w.pid,
              ago(w.started_at, now),
              ago(w.last_seen_at, now),
            ],
          )
        : h("p", { class: "muted" }, "No worker has sent a heartbeat in the last 10 minutes: queued jobs will wait."),
    );
    replace(
      queue,
      h("h2", {}, "Queue by kind (this organization)"),
      dataTable(
        "Queue by kind",
        [{ label: "Kind" }, { label: "Queued", num: true }, { label: "Running", num: true }],
        status.queue,
        (q) => [q.job_type, number(q.queued), number(q.running)],
      ),
    );
  }

  async function poll() {
    try {
      status = (await request("ops/status", { signal })).data;
      problem.textContent = "";
      render();
      main.dataset.ready = "ops";
    } catch (error) {
      if (!signal.aborted) problem.textContent = `Could not read the status: ${error.message}`;
    }
  }

  poll();
  const timer = setInterval(poll, POLL_MS);
  // The lag card moves with every event, between two polls.
  const lagTimer = setInterval(render, 1000);
  return () => {
    clearInterval(timer);
    clearInterval(lagTimer);
  };
}
