// The shell's first check on messages from the popup and options pages (the core parses the
// command again into its typed enum): garbage is refused with a clear error, never passed on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isWebUrl, validateUiMessage } from '../../extension/shared.js';

test('well-formed requests pass in canonical form', () => {
  assert.deepEqual(validateUiMessage({ type: 'getView', tabId: 3 }), { type: 'getView', tabId: 3 });
  assert.deepEqual(
    validateUiMessage({ type: 'command', tabId: 3, command: { type: 'retryNow' } }),
    { type: 'command', tabId: 3, command: { type: 'retryNow' } });
});

test('garbage is refused with a clear error', () => {
  const bad = [
    null, undefined, 42, 'getView', [], {},
    { type: 'getView' }, { type: 'getView', tabId: -1 }, { type: 'getView', tabId: 1.5 }, { type: 'getView', tabId: '3' },
    { type: 'command', tabId: 3 }, { type: 'command', tabId: 3, command: null },
    { type: 'command', tabId: 3, command: { type: 'formatDisk' } },
    { type: 'saveSettings', settings: 'fast' }, { type: 'saveSettings', settings: [1] },
    { type: 'x'.repeat(10_000) },
  ];
  for (const message of bad) {
    assert.throws(() => validateUiMessage(message), /must|unknown|required|invalid/i, JSON.stringify(message)?.slice(0, 80));
  }
});

test('only http and https pages are looked at', () => {
  for (const url of ['http://a.example/', 'https://a.example/x?y#z', 'HTTPS://A.EXAMPLE/']) assert.ok(isWebUrl(url), url);
  for (const url of ['file:///etc/passwd', 'data:text/html,x', 'about:blank', 'chrome://settings', 'moz-extension://x/p.html',
    'view-source:https://a.example/', 'javascript:alert(1)', '', null, 42]) assert.ok(!isWebUrl(url), String(url));
});
