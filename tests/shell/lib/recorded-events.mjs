// The events the shell really sends its core, kept for the wasm boundary test
// (tests/wasm_boundary.rs replays tests/fixtures/shell-events.json in a browser): one example
// of each shape (its type, its keys, a command's type) that the fake-browser tests recorded.
//
// checkRecorded() fails when the shell sent a shape the fixture lacks, so a new or changed
// event cannot slip past the boundary test. BOUNCEBACK_RECORD_EVENTS=1 adds the new shapes
// to the fixture instead (then commit it).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('../../fixtures/shell-events.json', import.meta.url));

/** What makes two events the same for the parser: the type, the keys, a command's type and keys. */
export function shape(event) {
  const keys = Object.keys(event).sort().join(',');
  const command = event.command ? ` ${event.command.type}(${Object.keys(event.command).sort().join(',')})` : '';
  return `${event.type}{${keys}}${command}`;
}

/** Missing shapes (as strings), or, when recording, [] after adding them to the fixture. */
export function checkRecorded(events) {
  const kept = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  const known = new Set(kept.map(shape));
  const fresh = new Map();
  for (const e of events) if (!known.has(shape(e)) && !fresh.has(shape(e))) fresh.set(shape(e), e);
  if (!fresh.size) return [];
  if (process.env.BOUNCEBACK_RECORD_EVENTS === '1') {
    const all = [...kept, ...fresh.values()].sort((a, b) => shape(a).localeCompare(shape(b)));
    writeFileSync(FIXTURE, `[\n${all.map((e) => `  ${JSON.stringify(e)}`).join(',\n')}\n]\n`);
    return [];
  }
  return [...fresh.keys()];
}
