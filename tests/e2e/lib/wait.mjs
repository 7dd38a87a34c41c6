// Bounded polling: every wait in the end-to-end tests goes through here.

/** Polls `predicate` until it returns a truthy value (returned) or `timeout` ms pass (throws). */
export async function waitFor(predicate, { timeout = 15_000, interval = 200, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await predicate();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeout} ms waiting for ${message} (last: ${String(last?.message ?? last)})`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
