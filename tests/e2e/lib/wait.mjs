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
      last = await predicate();
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
