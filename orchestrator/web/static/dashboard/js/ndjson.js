// NDJSON streams read with fetch() and a ReadableStream reader (EventSource cannot send
// the Authorization header). A dropped connection is resumed where it stopped.

import { authHeaders, sleep, url } from "./api.js";

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

/** Yields each JSON line of a fetch() response as it arrives. */
export async function* readLines(response, signal) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const abort = () => reader.cancel().catch(() => {});
  signal?.addEventListener("abort", abort);
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line) yield JSON.parse(line);
      }
    }
    if (buffer.trim()) yield JSON.parse(buffer);
  } finally {
    signal?.removeEventListener("abort", abort);
  }
}

/**
 * Follows a stream until `stop()` or until it is finished, reconnecting with backoff.
 *
 * - `params()` gives the query of the next connection (e.g. `{after: lastSeq}`), so a
 *   resumed stream starts after what was already received;
 * - `onLine(line)` gets every line, heartbeats included, and returns true when the line
 *   ends the stream (a job's terminal event);
 * - `onEnd()` is asked, when the server closes a stream cleanly without such a line,
 *   whether it is finished (true) or should be resumed (false);
 * - `onState(state, detail)` hears "connecting", "live", "reconnecting", "ended",
 *   "failed" (an error answer that retrying will not fix).
 */
export function follow(path, { params, onLine, onEnd = async () => true, onState = () => {}, onOpen = () => {} }) {
  const controller = new AbortController();
  const { signal } = controller;
  let attempt = 0;
  (async () => {
    onState("connecting");
    while (!signal.aborted) {
      try {
        const response = await fetch(url(path, params()), { headers: authHeaders(), signal });
        if (response.status === 429) {
          const wait = Number(response.headers.get("Retry-After")) || 1;
          onState("reconnecting", `rate limited; retrying in ${wait} s`);
          await sleep(wait * 1000, signal);
          continue;
        }
        if (!response.ok) {
          const payload = await response.json().catch(() => ({}));
          onState("failed", payload.error?.message || `HTTP ${response.status}`);
          return;
        }
        attempt = 0;
        onState("live");
        onOpen();
        let finished = false;
        for await (const line of readLines(response, signal)) {
          if (onLine(line)) {
            finished = true;
            break;
          }
        }
        if (signal.aborted) return;
        if (finished || (await onEnd())) {
          onState("ended");
          controller.abort();
          return;
        }
      } catch (error) {
        if (signal.aborted) return;
        // A network error or a cut connection: resume after what was received.
      }
      const wait = Math.min(FIRST_RETRY_MS * 2 ** attempt++, MAX_RETRY_MS);
      onState("reconnecting", `connection lost; resuming in ${(wait / 1000).toFixed(1)} s`);
      await sleep(wait, signal);
    }
  })();
  return { stop: () => controller.abort() };
}

/** A job's event tail: resumes with `after=<last seq>`, ends after the terminal event. */
export const TERMINAL_TYPES = new Set(["job.completed", "job.failed", "job.stopped", "job.cancelled"]);
export const TERMINAL_STATUSES = new Set(["COMPLETED", "FAILED", "STOPPED", "CANCELLED"]);

export function followJob(jobId, { after = 0, onEvent, onState, onHeartbeat = () => {}, isTerminal }) {
  let last = after;
  return follow(`jobs/${encodeURIComponent(jobId)}/events`, {
    params: () => ({ after: last }),
    onLine(line) {
      if (line.type === "heartbeat") {
        onHeartbeat(line);
        return false;
      }
      if (typeof line.seq !== "number" || line.seq <= last) return false;
      last = line.seq;
      onEvent(line);
      return TERMINAL_TYPES.has(line.type);
    },
    // The server also ends a stream when the job is terminal and nothing is left.
    onEnd: isTerminal,
    onState: (state, detail) => onState?.(state, detail, last),
  });
}
