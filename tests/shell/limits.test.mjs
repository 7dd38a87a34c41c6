// One limit, one number: the page-HTML cap is written in three places that cannot import each
// other (the content script, which may not import modules; the background's shared.js; the Rust
// core). This test reads all three, so they cannot drift apart.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { MAX_PAGE_HTML } from '../../extension/shared.js';

const read = (rel) => readFileSync(new URL(`../../${rel}`, import.meta.url), 'utf8');

test('the page-HTML limit is the same in the content script, the shell and the core', () => {
  const content = read('extension/content.js').match(/const MAX_HTML = (\d+);/);
  assert.ok(content, 'content.js declares MAX_HTML');
  const core = read('src/engine/events.rs').match(/pub const MAX_PAGE_HTML: usize = ([\d\s*_]+);/);
  assert.ok(core, 'events.rs declares MAX_PAGE_HTML');
  const coreValue = core[1].split('*').map((n) => Number(n.trim().replaceAll('_', ''))).reduce((a, b) => a * b, 1);
  assert.equal(Number(content[1]), MAX_PAGE_HTML);
  assert.equal(coreValue, MAX_PAGE_HTML);
});
