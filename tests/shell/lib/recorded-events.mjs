// The events the shell really sends its core, kept for the wasm boundary test
// (tests/wasm_boundary.rs replays tests/fixtures/shell-events.json in a browser): one example
// of each shape (its type, its keys, a command's type and keys) that the fake-browser tests
// recorded.
//
// checkRecorded() returns the shapes the fixture lacks, so a new or changed event cannot slip
// past the boundary test. With BOUNCEBACK_RECORD_EVENTS=1, the test that owns the fixture
// (events.test.mjs, which drives the background through every kind of event) writes it anew
// from what it recorded instead, dropping shapes the shell no longer sends; then commit it.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('../../fixtures/shell-events.json', import.meta.url));

/** What makes two events the same for the parser: the type, the keys, a command's type and keys. */
export function shape(event) {
  const keys = Object.keys(event).sort().join(',');
  const command = event.command ? ` ${event.command.type}(${Object.keys(event.command).sort().join(',')})` : '';
  return `${event.type}{${keys}}${command}`;
}

/** The recorded shapes missing from the fixture (after rewriting it, when `owner` records). */
export function checkRecorded(events, { owner = false } = {}) {
  if (owner && process.env.BOUNCEBACK_RECORD_EVENTS === '1') {
    const one = new Map();
    for (const e of events) if (!one.has(shape(e))) one.set(shape(e), e);
    const all = [...one.values()].sort((a, b) => shape(a).localeCompare(shape(b)));
    writeFileSync(FIXTURE, `[\n${all.map((e) => `  ${JSON.stringify(e)}`).join(',\n')}\n]\n`);
  }
  const known = new Set(JSON.parse(readFileSync(FIXTURE, 'utf8')).map(shape));
  return [...new Set(events.map(shape))].filter((s) => !known.has(s));
}
