// Plan: the organization's plan and its usage against each quota this period
// (GET /company/subscription and /company/usage, polled).

import { request } from "../api.js";
import { dataTable, facts, h, number, replace, unixTime } from "../dom.js";

const POLL_MS = 10_000;
// How each limit reads to a person.
const LABELS = {
  runs_per_month: "Runs this month",
  generations_per_month: "Generations this month",
  load_test_vu_seconds_per_month: "Load (virtual user × seconds) this month",
  apps: "Apps",
  concurrent_jobs: "Jobs running now",
  concurrent_virtual_users: "Virtual users running now",
};
// From this share of a limit on, the bar warns.
const WARN_AT = 0.8;

function meter(used, limit) {
  if (limit === null) return h("span", { class: "muted" }, "unlimited");
  const fraction = limit === 0 ? 1 : Math.min(1, used / limit);
  const fill = h("span");
  fill.style.width = `${Math.round(fraction * 100)}%`;
  const state = used >= limit ? "full" : fraction >= WARN_AT ? "near" : "ok";
  return h(
    "span",
    {},
    h(
      "span",
      {
        class: `progress quota ${state}`,
        role: "meter",
        "aria-valuemin": 0,
        "aria-valuemax": limit,
        "aria-valuenow": used,
        "aria-label": `${number(used)} of ${number(limit)}`,
      },
      fill,
    ),
    ` ${Math.round(fraction * 100)}%`,
  );
}

export function planView(main, route, { signal }) {
  const summary = h("section", { id: "plan-summary" });
  const quotas = h("section", { id: "plan-quotas" });
  const problem = h("p", { class: "error", role: "alert" });
  replace(main, h("h1", {}, "Plan and usage"), problem, summary, quotas);

  function render(subscription, usage) {
    replace(
      summary,
      facts([
        ["Plan", `${subscription.plan}${subscription.customized ? " (this organization's own)" : ""}`],
        ["Period", `${unixTime(usage.period_start)} – ${unixTime(usage.period_end)}`],
        ["Test suites", number(usage.test_suites)],
      ]),
    );
    replace(
      quotas,
      h("h2", {}, "Quotas"),
      dataTable(
        "Usage against each quota",
        [{ label: "Quota" }, { label: "Used", num: true }, { label: "Limit", num: true }, { label: "Remaining", num: true }, { label: "Share used" }],
        usage.quotas,
        (q) => [
          LABELS[q.quota] || q.quota,
          number(q.used),
          q.limit === null ? "—" : number(q.limit),
          q.remaining === null ? "—" : number(q.remaining),
          meter(q.used, q.limit),
        ],
      ),
      h("p", { class: "muted" }, "Monthly quotas reset at the end of the period (UTC). Jobs beyond the running limits wait in the queue."),
    );
  }

  async function poll() {
    try {
      const [subscription, usage] = await Promise.all([
        request("company/subscription", { signal }),
        request("company/usage", { signal }),
      ]);
      problem.textContent = "";
      render(subscription.data, usage.data);
      main.dataset.ready = "plan";
    } catch (error) {
      if (signal.aborted) return;
      problem.textContent =
        error.status === 403
          ? "This key cannot read the organization's plan (it needs the company:read scope)."
          : `Could not read the plan: ${error.message}`;
    }
  }

  poll();
  const timer = setInterval(poll, POLL_MS);
  return () => clearInterval(timer);
}
