// The shell passes on every response header the core reads: those that name who answered and
// the request identifiers a report for the site lists (src/engine/diagnosis.rs), read from the
// Rust source so that a header added there without the shell capturing it fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { HEADERS_OF_INTEREST } from '../../extension/shared.js';

const source = readFileSync(new URL('../../src/engine/diagnosis.rs', import.meta.url), 'utf8');

function constant(name) {
  const body = source.match(new RegExp(`pub const ${name}: &\\[&str\\] = &\\[([\\s\\S]*?)\\];`))?.[1];
  assert.ok(body, `const ${name} in diagnosis.rs`);
  return [...body.matchAll(/"([^"]+)"/g)].map(([, h]) => h);
}

test('the shell captures every header the diagnosis and the report read', () => {
  const wanted = [...constant('REQUEST_ID_HEADERS'), ...constant('KEPT_HEADERS')];
  assert.ok(wanted.includes('cf-ray') && wanted.includes('x-request-id') && wanted.includes('server'));
  for (const h of wanted) assert.ok(HEADERS_OF_INTEREST.has(h), `HEADERS_OF_INTEREST lacks ${h}`);
});
