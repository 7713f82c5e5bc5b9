// The API key lives in this tab's sessionStorage only: never in a cookie, never in a URL
// that reaches the server. A key handed over in the fragment (#key=gnt_…) is taken by
// fragment.js before this module loads.

const STORAGE_KEY = "gauntlet.apiKey"; // also written by fragment.js
const KEY_PATTERN = /^gnt_[A-Za-z0-9_-]{10,200}$/;

export function hasKeyInFragment() {
  return window.location.hash.startsWith("#key=");
}

export function currentKey() {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function signIn(key) {
  const trimmed = key.trim();
  if (!KEY_PATTERN.test(trimmed)) return false;
  sessionStorage.setItem(STORAGE_KEY, trimmed);
  return true;
}

export function signOut() {
  sessionStorage.removeItem(STORAGE_KEY);
}
