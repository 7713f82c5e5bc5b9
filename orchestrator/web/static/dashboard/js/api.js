// The public API (/client/v1) with the signed-in key: envelopes unwrapped, rate limits
// waited out, and the server's clock tracked (events carry server timestamps).

import { currentKey } from "./auth.js";

export const API_BASE = new URL("client/v1/", document.baseURI);
const MAX_RATE_LIMIT_WAITS = 3;
const MAX_RETRY_AFTER_S = 60;

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// Called with the error when the key is refused (401): the app signs out.
let onUnauthorized = () => {};
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

// Server time minus local time, in ms, from the response with the shortest round trip.
const clock = { offsetMs: 0, bestRoundTripMs: Infinity };
export function serverNow() {
  return Date.now() + clock.offsetMs;
}

function observeClock(serverTimestamp, sentAt, receivedAt) {
  const server = Date.parse(serverTimestamp);
  const roundTrip = receivedAt - sentAt;
  if (Number.isNaN(server) || roundTrip > clock.bestRoundTripMs) return;
  clock.bestRoundTripMs = roundTrip;
  clock.offsetMs = server - (sentAt + receivedAt) / 2;
}

export function url(path, params = {}) {
  const target = new URL(path.replace(/^\//, ""), API_BASE);
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    for (const v of Array.isArray(value) ? value : [value]) target.searchParams.append(name, v);
  }
  return target;
}

export function authHeaders() {
  return { Authorization: `Bearer ${currentKey()}` };
}

export const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** GET (or another method) a JSON route; resolves to {data, meta}. */
export async function request(path, { method = "GET", params, body, signal } = {}) {
  for (let attempt = 0; ; attempt++) {
    const sentAt = Date.now();
    const response = await fetch(url(path, params), {
      method,
      signal,
      headers: { ...authHeaders(), ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const receivedAt = Date.now();
    const payload = await response.json().catch(() => ({}));
    // Only a rate limit is waited out: a QUOTA_EXCEEDED (also 429) lasts until the
    // period ends.
    if (response.status === 429 && payload.error?.code === "RATE_LIMITED" && attempt < MAX_RATE_LIMIT_WAITS) {
      const wait = Math.min(Number(response.headers.get("Retry-After")) || 1, MAX_RETRY_AFTER_S);
      await sleep(wait * 1000, signal);
      continue;
    }
    if (payload.meta?.timestamp) observeClock(payload.meta.timestamp, sentAt, receivedAt);
    if (!response.ok) {
      const error = new ApiError(
        response.status,
        payload.error?.code || "HTTP_ERROR",
        payload.error?.message || `HTTP ${response.status}`,
      );
      if (response.status === 401) onUnauthorized(error);
      throw error;
    }
    return payload;
  }
}

export async function get(path, params, signal) {
  return (await request(path, { params, signal })).data;
}

/** Every item of a cursor-paged list (at most `maxPages` pages). */
export async function getAllPages(path, params = {}, signal, maxPages = 10) {
  const items = [];
  let after;
  for (let page = 0; page < maxPages; page++) {
    const { data, meta } = await request(path, { params: { ...params, page_size: 100, after }, signal });
    items.push(...data);
    after = meta.pagination?.next_cursor;
    if (!meta.pagination?.has_next_page || !after) break;
  }
  return items;
}
