// Pieces several views share: the app picker, choice filters, vocabularies.

import { get } from "../api.js";
import { h } from "../dom.js";

export const JOB_TYPES = ["GENERATE", "RUN", "VALIDATE", "NORMALIZE", "LOAD_TEST"];
export const JOB_STATUSES = ["QUEUED", "RUNNING", "COMPLETED", "FAILED", "STOPPED", "CANCELLED"];
// Apps change rarely; one list per half minute is plenty for names and pickers.
const APPS_TTL_MS = 30_000;
let apps = null;

/** The organization's apps (first 100, by name), cached briefly. */
export function loadApps(signal) {
  if (!apps || Date.now() - apps.at > APPS_TTL_MS) {
    const promise = get("apps", { limit: 100 }, signal).then((list) => list.sort((a, b) => a.name.localeCompare(b.name)));
    apps = { at: Date.now(), promise };
    promise.catch(() => {
      apps = null;
    });
  }
  return apps.promise;
}

/** app id -> name */
export async function appNames(signal) {
  try {
    return new Map((await loadApps(signal)).map((app) => [app.id, app.name]));
  } catch {
    return new Map();
  }
}

function select(labelText, id, options, selected, onChange) {
  const el = h(
    "select",
    { id, onchange: (event) => onChange(event.target.value) },
    options.map(([value, text]) => h("option", { value, selected: value === selected }, text)),
  );
  return h("label", { for: id }, labelText, el);
}

export function choiceSelect(labelText, choices, selected, onChange) {
  const id = `filter-${labelText.toLowerCase().replace(/\W+/g, "-")}`;
  return select(labelText, id, [["", "Any"], ...choices.map((c) => [c, c])], selected, onChange);
}

/** A picker of the organization's apps; `onLoaded(names)` once the list is in. */
export function appSelect(selected, onChange, signal, onLoaded = () => {}, anyLabel = "Any") {
  const options = [["", anyLabel]];
  if (selected) options.push([selected, selected]);
  const label = select("App", "filter-app", options, selected, onChange);
  const el = label.querySelector("select");
  loadApps(signal)
    .then((list) => {
      el.replaceChildren(
        ...[["", anyLabel], ...list.map((app) => [app.id, app.name])].map(([value, text]) =>
          h("option", { value, selected: value === selected }, text),
        ),
      );
      onLoaded(new Map(list.map((app) => [app.id, app.name])));
    })
    .catch(() => {});
  return label;
}

/** A view that needs an app first: the picker and a hint, or nothing when one is chosen. */
export function appPicker(title, section, appId, signal) {
  return h(
    "div",
    { class: "toolbar" },
    appSelect(appId, (v) => (window.location.hash = `#/${section}${v ? `?app=${encodeURIComponent(v)}` : ""}`), signal, () => {}, "Choose an app…"),
    appId ? null : h("p", { class: "muted grow" }, `${title} belong to an app: choose one.`),
  );
}
