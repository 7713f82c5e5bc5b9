// Webhooks: the organization's subscriptions (URL, events, health), and one
// subscription's recent deliveries with each attempt's outcome; a ping and redelivery
// for a quick check. Every /webhooks route needs an admin key (a subscription says where
// the organization's events go), so a key without it sees a note instead (and asks
// nothing the API would refuse).

import { ApiError, get, request } from "../api.js";
import { ago, badge, dataTable, facts, h, ms, replace, unixTime } from "../dom.js";
import { appNames } from "./common.js";

const POLL_MS = 5000;
const DELIVERY_STATUS_BADGE = {
  SUCCEEDED: "pass",
  FAILED: "fail",
  PENDING: "QUEUED",
  DELIVERING: "RUNNING",
  CANCELLED: "STOPPED",
};

function needsAdmin(error) {
  return error instanceof ApiError && error.status === 403;
}

function isAdmin(session) {
  return Boolean(session.me?.scopes.includes("admin"));
}

function adminNote() {
  return h(
    "p",
    { class: "muted", id: "webhooks-admin-note" },
    "Webhooks are managed with an admin key: sign in with one to see them.",
  );
}

function health(hook) {
  if (!hook.enabled) return badge("disabled", "fail");
  if (hook.failing_since) return badge("failing", "QUEUED");
  return badge("enabled", "pass");
}

export function webhooksView(main, route, { signal, session }) {
  const list = h("div", { id: "webhooks-list" }, h("p", { class: "muted" }, "Loading…"));
  replace(main, h("h1", {}, "Webhooks"), list);
  if (!isAdmin(session)) {
    replace(list, adminNote());
    main.dataset.ready = "webhooks";
    return;
  }
  Promise.all([get("webhooks", { limit: 100 }, signal), appNames(signal)])
    .then(([hooks, names]) => {
      if (!hooks.length) {
        replace(list, h("p", { class: "muted" }, "No webhook yet: POST /client/v1/webhooks makes one (docs/webhooks.md)."));
      } else {
        replace(
          list,
          dataTable(
            "Webhooks",
            [{ label: "URL" }, { label: "Events" }, { label: "App" }, { label: "State" }, { label: "Last success" }, { label: "Description" }],
            hooks,
            (hook) => [
              h("a", { href: `#/webhooks/${encodeURIComponent(hook.id)}`, class: "mono" }, hook.url),
              hook.events.join(", "),
              hook.app_id ? names.get(hook.app_id) || hook.app_id : "every app",
              health(hook),
              ago(hook.last_success_at),
              hook.description || "",
            ],
          ),
        );
      }
      main.dataset.ready = "webhooks";
    })
    .catch((error) => {
      if (signal.aborted) return;
      replace(list, needsAdmin(error) ? adminNote() : h("p", { class: "error" }, error.message));
      main.dataset.ready = "webhooks";
    });
}

const DELIVERY_COLUMNS = [
  { label: "Event" },
  { label: "Job" },
  { label: "Seq", num: true },
  { label: "Status" },
  { label: "Attempts", num: true },
  { label: "HTTP", num: true },
  { label: "Latency", num: true },
  { label: "Error" },
  { label: "Next retry" },
  { label: "Created" },
  { label: "" },
];

export function webhookView(main, route, { signal, session }) {
  if (!isAdmin(session)) {
    replace(main, h("h1", {}, "Webhook"), adminNote());
    main.dataset.ready = "webhook";
    return undefined;
  }
  const id = route.parts[0];
  const path = `webhooks/${encodeURIComponent(id)}`;
  const summary = h("section", { id: "webhook-summary", class: "panel" });
  const deliveries = h("section", { id: "webhook-deliveries" });
  const problem = h("p", { class: "error", role: "alert" });
  const pingButton = h("button", { type: "button", id: "webhook-ping", onclick: () => act(`${path}/ping`) }, "Send a ping");
  replace(
    main,
    h("p", {}, h("a", { href: "#/webhooks" }, "← Webhooks")),
    h("h1", {}, "Webhook"),
    problem,
    summary,
    h("div", { class: "toolbar" }, h("h2", { class: "grow" }, "Recent deliveries"), pingButton),
    deliveries,
  );

  async function act(target) {
    try {
      await request(target, { method: "POST", signal });
      problem.textContent = "";
      await refresh();
    } catch (error) {
      if (!signal.aborted) problem.textContent = error.message;
    }
  }

  function deliveryRow(d) {
    const redeliver =
      d.status === "SUCCEEDED" || d.status === "FAILED" || d.status === "CANCELLED"
        ? h("button", { type: "button", class: "quiet", onclick: () => act(`${path}/deliveries/${encodeURIComponent(d.id)}/redeliver`) }, "Redeliver")
        : "";
    return [
      h("span", { class: "mono", title: d.event_id }, d.event_type),
      d.job_id ? h("a", { href: `#/jobs/${encodeURIComponent(d.job_id)}`, class: "mono" }, d.job_id) : "—",
      d.seq ?? "—",
      badge(d.status, DELIVERY_STATUS_BADGE[d.status] || d.status),
      d.attempts,
      d.status_code ?? "—",
      ms(d.latency_ms),
      d.error ? h("span", { class: "mono" }, d.error) : "",
      d.next_attempt_at ? unixTime(d.next_attempt_at) : "—",
      ago(d.created_at),
      redeliver,
    ];
  }

  async function refresh() {
    try {
      const [hook, recent] = await Promise.all([get(path, {}, signal), get(`${path}/deliveries`, { limit: 50 }, signal)]);
      replace(
        summary,
        facts([
          ["URL", h("span", { class: "mono" }, hook.url)],
          ["Events", hook.events.join(", ")],
          ["State", [health(hook), hook.disabled_reason ? ` ${hook.disabled_reason}` : ""]],
          ["Failing since", hook.failing_since ? unixTime(hook.failing_since) : "—"],
          ["Last success", ago(hook.last_success_at)],
          hook.previous_secret_expires_at ? ["Previous secret signs until", unixTime(hook.previous_secret_expires_at)] : null,
          ["Description", hook.description],
          ["Created", unixTime(hook.created_at)],
        ]),
      );
      replace(
        deliveries,
        recent.length
          ? dataTable("Deliveries, newest first", DELIVERY_COLUMNS, recent, deliveryRow)
          : h("p", { class: "muted" }, "No delivery yet."),
      );
      main.dataset.ready = "webhook";
    } catch (error) {
      if (signal.aborted) return;
      if (needsAdmin(error)) replace(summary, adminNote());
      else problem.textContent = error.message;
      main.dataset.ready = "webhook";
    }
  }

  refresh();
  const timer = setInterval(refresh, POLL_MS);
  return () => clearInterval(timer);
}
