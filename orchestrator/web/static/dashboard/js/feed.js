// The organization's live event feed (GET /events?follow=true), one connection shared by
// every view: the jobs table updates from it and the Ops view reads its lag.
//
// Lag is measured here, end to end: the time from an event's server timestamp to its
// arrival in this browser (corrected for the clock difference the API responses show).

import { serverNow } from "./api.js";
import { follow } from "./ndjson.js";

// The first connection starts this far back, so that a job submitted just before the page
// loaded still shows up; re-applying an event already known is harmless (seq dedup).
const REPLAY_SLACK_MS = 2000;
const LAG_WINDOW = 500;
const LAG_MAX_AGE_MS = 5 * 60 * 1000;

const listeners = new Set();
const stateListeners = new Set();
const lastSeq = new Map(); // job_id -> highest seq delivered, so a resumed feed never repeats
const lagSamples = []; // [receivedAt, lagMs]
let stream = null;
let cursor = null;
let lastTimestamp = null;
let openedAt = 0;
let state = { state: "idle", detail: "" };
let received = 0;

export function onFeedEvent(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function onFeedState(listener) {
  stateListeners.add(listener);
  listener(state);
  return () => stateListeners.delete(listener);
}

export function feedState() {
  return { ...state, received };
}

/** p50, p99 and max of the lag over the last few minutes, in ms; null without samples. */
export function lagStats(now = Date.now()) {
  const recent = lagSamples.filter(([at]) => now - at <= LAG_MAX_AGE_MS).map(([, lag]) => lag);
  if (!recent.length) return null;
  recent.sort((a, b) => a - b);
  const at = (q) => recent[Math.min(recent.length - 1, Math.floor(q * recent.length))];
  return { p50: at(0.5), p99: at(0.99), max: recent[recent.length - 1], samples: recent.length };
}

function setState(next, detail = "") {
  state = { state: next, detail };
  for (const listener of stateListeners) listener(state);
}

function deliver(event) {
  if ((lastSeq.get(event.job_id) ?? 0) >= event.seq) return;
  lastSeq.set(event.job_id, event.seq);
  received++;
  lastTimestamp = event.timestamp;
  const sentAt = Date.parse(event.timestamp);
  // Only events that happened while connected: older ones are history replayed at connection.
  if (sentAt >= openedAt) {
    const now = Date.now();
    lagSamples.push([now, Math.max(0, serverNow() - sentAt)]);
    if (lagSamples.length > LAG_WINDOW) lagSamples.shift();
  }
  for (const listener of listeners) listener(event);
}

function resumeParams() {
  if (cursor) return { follow: true, after: cursor };
  const since = lastTimestamp ?? new Date(serverNow() - REPLAY_SLACK_MS).toISOString();
  return { follow: true, since };
}

export function startFeed() {
  if (stream) return;
  stream = follow("events", {
    params: resumeParams,
    onOpen: () => {
      openedAt = serverNow();
      performance.mark("gauntlet:feed-live");
    },
    onLine(line) {
      if (line.type === "heartbeat") {
        if (line.cursor) cursor = line.cursor;
      } else if (line.job_id && typeof line.seq === "number") {
        deliver(line);
      }
      return false;
    },
    onEnd: async () => false, // a followed feed never ends by itself: resume it
    onState: setState,
  });
}

export function stopFeed() {
  stream?.stop();
  stream = null;
  cursor = null;
  lastTimestamp = null;
  lastSeq.clear();
  setState("idle");
}
