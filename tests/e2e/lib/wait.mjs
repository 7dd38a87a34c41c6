// Bounded polling: every wait in the end-to-end tests goes through here.

/**
 * Polls `predicate` until it returns a truthy value (returned) or `timeout` ms pass (throws,
 * naming `message`, the last result, and whatever `describe()` says about the current state).
 */
export async function waitFor(predicate, { timeout = 15_000, interval = 200, message = 'condition', describe } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      // A predicate that never settles (a page stuck behind a browser dialog, a background that
      // stopped answering) must not hold the wait past its deadline: each call is bounded too.
      last = await bounded(predicate(), Math.max(0, deadline - Date.now()) + PREDICATE_GRACE_MS, message);
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
  }
  const state = describe ? ` ${await describe().catch((e) => `[state unknown: ${e.message}]`)}` : '';
  throw new Error(`timed out after ${timeout} ms waiting for ${message} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})${state}`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** How long a single call of a predicate may run past the wait's deadline. */
const PREDICATE_GRACE_MS = 5_000;

/** `promise`, or a rejection once `ms` have passed without it settling. */
export function bounded(promise, ms, what = 'a step') {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([Promise.resolve(promise), expired]).finally(() => clearTimeout(timer));
}
