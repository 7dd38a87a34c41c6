// The background's first check of UI messages (extension/shared.js validateUiMessage): strict,
// so unknown types, unknown fields and commands the sender may not give are refused. No browser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isWebUrl, validateUiMessage } from '../../extension/shared.js';

test('accepted messages come back in canonical form', () => {
  assert.deepEqual(validateUiMessage({ type: 'getView', tabId: 3 }), { type: 'getView', tabId: 3 });
  assert.deepEqual(validateUiMessage({ type: 'getIncidents' }), { type: 'getIncidents' });
  assert.deepEqual(validateUiMessage({ type: 'clearIncidents' }), { type: 'clearIncidents' });
  assert.deepEqual(validateUiMessage({ type: 'command', tabId: 1, command: { type: 'clearCookies', remember: true } }),
    { type: 'command', tabId: 1, command: { type: 'clearCookies', remember: true } });
  assert.deepEqual(validateUiMessage({ type: 'command', tabId: 1, command: { type: 'clearCookies' } }),
    { type: 'command', tabId: 1, command: { type: 'clearCookies' } });
  assert.deepEqual(validateUiMessage({ type: 'command', tabId: 1, command: { type: 'setSiteEnabled', enabled: false } }),
    { type: 'command', tabId: 1, command: { type: 'setSiteEnabled', enabled: false } });
  assert.deepEqual(validateUiMessage({ type: 'bannerCommand', command: { type: 'stop' } }),
    { type: 'bannerCommand', command: { type: 'stop' } });
  assert.deepEqual(validateUiMessage({ type: 'saveSettings', settings: { maxAttempts: 3 } }),
    { type: 'saveSettings', settings: { maxAttempts: 3 } });
});

test('anything else is refused', () => {
  const bad = [
    null, 'getView', [], {}, { type: 'nope' }, { type: 'toString' }, { type: '__proto__' },
    { type: 'getView' }, { type: 'getView', tabId: -1 }, { type: 'getView', tabId: 1.5 }, { type: 'getView', tabId: '1' },
    { type: 'getView', tabId: 1, extra: 1 },
    { type: 'getIncidents', tabId: 1 },
    { type: 'clearIncidents', all: true },
    { type: 'command', tabId: 1 },
    { type: 'command', tabId: 1, command: { type: 'explode' } },
    { type: 'command', tabId: 1, command: { type: 'stop', now: true } },
    { type: 'command', tabId: 1, command: { type: 'clearCookies', remember: 'yes' } },
    { type: 'command', tabId: 1, command: { type: 'setSiteEnabled' } },
    { type: 'command', tabId: 1, command: { type: 'hasOwnProperty' } },
    // The banner may only retry or stop, and never names a tab: the background takes the sender's.
    { type: 'bannerCommand', command: { type: 'clearCookies' } },
    { type: 'bannerCommand', command: { type: 'setSiteEnabled', enabled: false } },
    { type: 'bannerCommand', tabId: 2, command: { type: 'stop' } },
    { type: 'saveSettings', settings: [] },
    { type: 'saveSettings' },
  ];
  for (const message of bad) {
    assert.throws(() => validateUiMessage(message), undefined, JSON.stringify(message));
  }
});

test('only http and https pages are looked at', () => {
  for (const url of ['http://a.example/', 'https://a.example/x?y#z', 'HTTPS://A.EXAMPLE/']) assert.ok(isWebUrl(url), url);
  for (const url of ['file:///etc/passwd', 'data:text/html,x', 'about:blank', 'chrome://settings', 'moz-extension://x/p.html',
    'view-source:https://a.example/', 'javascript:alert(1)', '', null, 42]) assert.ok(!isWebUrl(url), String(url));
});
