// The background's first check of UI messages (extension/shared.js validateUiMessage): strict,
// so unknown types, unknown fields and commands the sender may not give are refused. No browser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isWebUrl, MAX_PAGE_HTML, utf8Prefix, validatePageHtml, validateUiMessage } from '../../extension/shared.js';

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

test('the content script\'s page HTML: a string of at most MAX_PAGE_HTML, nothing else', () => {
  const html = '<title>502 Bad Gateway</title><h1>502 Bad Gateway</h1>';
  assert.deepEqual(validatePageHtml({ type: 'pageHtmlSeen', html }), { type: 'pageHtmlSeen', html });
  assert.deepEqual(validatePageHtml({ type: 'pageHtmlSeen', html: 'x'.repeat(MAX_PAGE_HTML) }).html.length, MAX_PAGE_HTML);
  for (const [bad, why] of [
    [null, /must be an object/], ['<html>', /must be an object/], [[], /must be an object/],
    [{ type: 'pageTextSeen', title: 't', text: 'x' }, /not a pageHtmlSeen/],
    [{ type: 'pageHtmlSeen' }, /html must be a string/], [{ type: 'pageHtmlSeen', html: 42 }, /html must be a string/],
    [{ type: 'pageHtmlSeen', html: 'x', tabId: 3 }, /unexpected field tabId/],
    [{ type: 'pageHtmlSeen', html: 'x'.repeat(MAX_PAGE_HTML + 1) }, /html too long \(262145 > 262144\)/],
  ]) {
    assert.throws(() => validatePageHtml(bad), why, JSON.stringify(bad)?.slice(0, 60));
  }
});

test('utf8Prefix cuts to a byte budget without splitting a character', () => {
  assert.equal(utf8Prefix('abc', 10), 'abc');
  assert.equal(utf8Prefix('abcdef', 3), 'abc');
  assert.equal(utf8Prefix('aé', 2), 'a'); // é is 2 bytes
  assert.equal(utf8Prefix('a€b', 3), 'a'); // € is 3 bytes
  assert.equal(utf8Prefix('a€b', 4), 'a€');
  const s = 'é'.repeat(MAX_PAGE_HTML);
  assert.equal(new TextEncoder().encode(utf8Prefix(s, MAX_PAGE_HTML)).length, MAX_PAGE_HTML);
});
