// Boot: route #/section/... to views once signed in (fragment.js has already taken a key
// given in the fragment).

import { currentKey, hasKeyInFragment, signIn, signOut } from "./auth.js";
import { ApiError, get, whenUnauthorized } from "./api.js";
import { h, replace } from "./dom.js";
import { onFeedState, startFeed, stopFeed } from "./feed.js";
import { jobsView } from "./views/jobs.js";
import { jobView } from "./views/job.js";
import { runsView, runView } from "./views/runs.js";
import { loadTestsView, loadTestView } from "./views/loadtests.js";
import { opsView } from "./views/ops.js";
import { planView } from "./views/plan.js";
import { webhooksView, webhookView } from "./views/webhooks.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const identity = document.getElementById("identity");
const feedBadge = document.getElementById("feed-state");
const signOutButton = document.getElementById("sign-out");
const THEME_KEY = "gauntlet.theme";

// The session: who the key is, filled after /users/me answers.
export const session = { me: null, canWrite: false };
let unmount = () => {};

function parseRoute() {
  const [path, query = ""] = window.location.hash.replace(/^#\/?/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { section: parts[0] || "jobs", parts: parts.slice(1), query: new URLSearchParams(query) };
}

function viewFor({ section, parts }) {
  if (section === "jobs") return parts[0] ? jobView : jobsView;
  if (section === "runs") return parts[1] ? runView : runsView;
  if (section === "load-tests") return parts[1] ? loadTestView : loadTestsView;
  if (section === "ops") return opsView;
  if (section === "plan") return planView;
  if (section === "webhooks") return parts[0] ? webhookView : webhooksView;
  return null;
}

async function render() {
  unmount();
  unmount = () => {};
  if (!currentKey()) {
    showSignIn();
    return;
  }
  if (!session.me) {
    try {
      await loadIdentity();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return; // handled: signed out
      replace(main, h("p", { class: "error" }, `The API did not answer: ${error.message}`));
      return;
    }
  }
  const route = parseRoute();
  const view = viewFor(route);
  for (const link of nav.querySelectorAll("a")) {
    if (link.dataset.section === route.section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (!view) {
    replace(main, h("p", {}, "No such page. ", h("a", { href: "#/jobs" }, "Go to jobs")));
    return;
  }
  const controller = new AbortController();
  const cleanup = view(main, route, { signal: controller.signal, session });
  unmount = () => {
    controller.abort();
    if (typeof cleanup === "function") cleanup();
  };
}

async function loadIdentity() {
  const me = await get("users/me");
  session.me = me;
  // Stopping a job needs jobs:write (held by write and admin keys, or granted alone).
  session.canWrite = me.scopes.includes("jobs:write");
  identity.textContent = `${me.organization.name} · ${me.key_name} (${me.granted_scopes.join(", ")})`;
  nav.hidden = false;
  signOutButton.hidden = false;
  startFeed();
}

function showSignIn(message) {
  nav.hidden = true;
  signOutButton.hidden = true;
  identity.textContent = "";
  const input = h("input", {
    type: "password",
    id: "api-key",
    name: "api-key",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    placeholder: "gnt_…",
  });
  const problem = h("p", { class: "error", role: "alert" }, message || "");
  const form = h(
    "form",
    {
      onsubmit: (event) => {
        event.preventDefault();
        if (!signIn(input.value)) {
          problem.textContent = "That is not a Gauntlet API key (gnt_…).";
          return;
        }
        window.location.hash = "#/jobs";
        render();
      },
    },
    h("label", { for: "api-key" }, "API key (read scope is enough)", input),
    h("button", { type: "submit", class: "primary" }, "Sign in"),
    problem,
  );
  replace(
    main,
    h(
      "section",
      { class: "signin panel" },
      h("h1", {}, "Sign in"),
      h("p", { class: "muted" }, "The key stays in this browser tab (sessionStorage) and is sent only to this server's API."),
      form,
    ),
  );
  input.focus();
}

function doSignOut(message) {
  signOut();
  stopFeed();
  session.me = null;
  unmount();
  unmount = () => {};
  showSignIn(message);
}

whenUnauthorized(() => doSignOut("The API refused the key (revoked, expired or unknown). Sign in again."));
signOutButton.addEventListener("click", () => doSignOut());

onFeedState(({ state, detail }) => {
  feedBadge.className = `feed-state ${state}`;
  feedBadge.textContent = state === "live" ? "live" : state === "reconnecting" ? "reconnecting…" : "";
  feedBadge.title = detail || "";
});

function applyTheme(theme) {
  if (theme) document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}
applyTheme(localStorage.getItem(THEME_KEY));
document.getElementById("theme").addEventListener("click", () => {
  const dark =
    document.documentElement.dataset.theme === "dark" ||
    (!document.documentElement.dataset.theme && matchMedia("(prefers-color-scheme: dark)").matches);
  const next = dark ? "light" : "dark";
  localStorage.setItem(THEME_KEY, next);
  applyTheme(next);
});

// The skip link must not change the route.
document.querySelector(".skip").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});

window.addEventListener("hashchange", () => {
  // A sign-in link opened in this tab: start afresh, so fragment.js takes the key first.
  if (hasKeyInFragment()) {
    window.location.reload();
    return;
  }
  render();
});
render();
