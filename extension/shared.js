// Small pieces shared by the background, the popup and the options page (not the content
// script, which must stay a single tiny classic script).

/** The WebExtension API namespace: `browser` in Firefox, `chrome` in Chromium (MV3 returns promises in both). */
export const api = globalThis.browser ?? globalThis.chrome;

/** Response headers the core reads (the detector, the diagnosis, the report's request ids); everything else is dropped before it reaches the core. */
export const HEADERS_OF_INTEREST = new Set([
  'server', 'via', 'retry-after', 'content-type', 'x-powered-by', 'x-cache',
  'cf-ray', 'cf-mitigated', 'cf-cache-status', 'x-amz-cf-id', 'x-amz-cf-pop', 'x-served-by',
  'x-vercel-error', 'x-vercel-id', 'x-nf-request-id', 'fly-request-id', 'x-github-request-id',
  'x-azure-ref', 'x-ms-request-id', 'x-akamai-transformed',
  // Request identifiers for the report to the site (src/engine/diagnosis.rs REQUEST_ID_HEADERS).
  'x-request-id', 'x-correlation-id', 'x-amzn-requestid', 'x-amzn-trace-id', 'x-fastly-request-id',
  'x-msedge-ref', 'akamai-grn',
]);

/** The site access Bounceback needs (manifest host_permissions); users may withhold it in Firefox. */
export const SITE_ACCESS = { origins: ['http://*/*', 'https://*/*'] };

/**
 * The permission to clear cookies: optional, asked for from a click when the user first
 * chooses to clear (the popup's confirm, or "Automatically" in the options), and given back
 * when they choose "Never". Without it Bounceback still recovers pages; it just cannot clear.
 */
export const COOKIE_ACCESS = { permissions: ['cookies'] };

/** Whether cookies may be seen and cleared right now: the permission is granted and its API there. */
export async function hasCookieAccess() {
  return !!api.cookies && api.permissions.contains(COOKIE_ACCESS);
}

/** Whether Bounceback looks at this URL at all: http(s) only. */
export function isWebUrl(url) {
  return typeof url === 'string' && /^https?:\/\//i.test(url);
}

/** Allowed fields of each command (the core parses it again into its typed enum). */
const COMMANDS = {
  retryNow: {},
  stop: {},
  hardReload: {},
  clearCookies: { remember: 'boolean?' },
  resubmit: {},
  watchWhenBack: {},
  setSiteEnabled: { enabled: 'boolean' },
};

/** Commands a content script (the in-page banner) may send, for its own tab only. */
const BANNER_COMMANDS = new Set(['retryNow', 'stop']);

/** Fields of each message type, besides `type`. `tabId` is a tab id, the rest as named. */
const MESSAGES = {
  getView: ['tabId'],
  command: ['tabId', 'command'],
  getSettings: [],
  saveSettings: ['settings'],
  getIncidents: [],
  clearIncidents: [],
  bannerCommand: ['command'],
};

function onlyFields(object, allowed, what) {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) throw new Error(`${what}: unexpected field ${String(key).slice(0, 40)}`);
  }
}

function validCommand(command, allowedTypes) {
  if (typeof command !== 'object' || command === null || Array.isArray(command)) throw new Error('command must be an object');
  const fields = Object.hasOwn(COMMANDS, command.type) ? COMMANDS[command.type] : null;
  if (!fields || (allowedTypes && !allowedTypes.has(command.type))) throw new Error('unknown command');
  onlyFields(command, ['type', ...Object.keys(fields)], `command ${command.type}`);
  const out = { type: command.type };
  for (const [name, kind] of Object.entries(fields)) {
    const value = command[name];
    if (value === undefined && kind.endsWith('?')) continue;
    if (typeof value !== 'boolean') throw new Error(`command ${command.type}: ${name} must be true or false`);
    out[name] = value;
  }
  return out;
}

/**
 * Checks a message from the popup, the options page or the banner and returns it in
 * canonical form; throws on anything that does not fit (unknown types and unknown fields
 * included). Who may send which type is the background's business: see handleMessage.
 */
export function validateUiMessage(message) {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) throw new Error('message must be an object');
  const type = message.type;
  if (typeof type !== 'string' || !Object.hasOwn(MESSAGES, type)) {
    throw new Error(`unknown message type ${String(type).slice(0, 40)}`);
  }
  onlyFields(message, ['type', ...MESSAGES[type]], type);
  const out = { type };
  if (MESSAGES[type].includes('tabId')) {
    if (!(Number.isInteger(message.tabId) && message.tabId >= 0)) throw new Error('tabId must be a non-negative integer');
    out.tabId = message.tabId;
  }
  if (type === 'command') out.command = validCommand(message.command);
  if (type === 'bannerCommand') out.command = validCommand(message.command, BANNER_COMMANDS);
  if (type === 'saveSettings') {
    if (typeof message.settings !== 'object' || message.settings === null || Array.isArray(message.settings)) {
      throw new Error('settings must be an object');
    }
    out.settings = message.settings;
  }
  return out;
}

/** Longest page HTML prefix the content script sends and the background accepts (code units;
 * the core refuses more than 256 KiB of UTF-8, so the background cuts to that first). */
export const MAX_PAGE_HTML = 262144;

/**
 * Checks the content script's `pageHtmlSeen` message and returns `{ type, html }`; throws on
 * anything else. Longer HTML is refused rather than cut: the content script cuts it itself.
 */
export function validatePageHtml(message) {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) throw new Error('message must be an object');
  if (message.type !== 'pageHtmlSeen') throw new Error('not a pageHtmlSeen message');
  onlyFields(message, ['type', 'html'], 'pageHtmlSeen');
  if (typeof message.html !== 'string') throw new Error('pageHtmlSeen: html must be a string');
  if (message.html.length > MAX_PAGE_HTML) throw new Error(`pageHtmlSeen: html too long (${message.html.length} > ${MAX_PAGE_HTML})`);
  return { type: 'pageHtmlSeen', html: message.html };
}

/** The longest prefix of `s` whose UTF-8 encoding fits in `maxBytes`, without splitting a character. */
export function utf8Prefix(s, maxBytes) {
  const bytes = new TextEncoder().encode(s);
  if (bytes.length <= maxBytes) return s;
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}

// ---- Text: everything a person reads comes from _locales through these two helpers.

/** The localised message `key` with `$1`.. substitutions; the key itself if it is missing. */
export function t(key, ...subs) {
  return api.i18n.getMessage(key, subs.map(String)) || key;
}

/**
 * Fills `[data-i18n]` elements' text, and `data-i18n-<attr>` attributes (e.g.
 * `data-i18n-aria-label="key"`), under `root`. Text only: never HTML.
 */
export function localize(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('*')) {
    for (const { name, value } of [...el.attributes]) {
      if (name.startsWith('data-i18n-')) el.setAttribute(name.slice('data-i18n-'.length), t(value));
    }
  }
  if (root === document) {
    // The language of the messages shown (the browser may fall back to English), not the browser's.
    document.documentElement.lang = t('htmlLang');
    document.documentElement.dir = api.i18n.getMessage('@@bidi_dir') || 'ltr';
  }
}

/** Sends one message to the background; resolves with its reply, rejects with its error. */
export async function request(message) {
  const answer = await api.runtime.sendMessage(message);
  if (!answer?.ok) throw new Error(answer?.error ?? 'no answer from the background');
  return answer.reply;
}

/** "12 s", "3 min 05 s", "2 h 10 min" (seconds rounded up). */
export function formatDuration(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  if (total < 60) return t('durSeconds', total);
  const m = Math.floor(total / 60);
  if (m < 60) return t('durMinutes', m, String(total % 60).padStart(2, '0'));
  return t('durHours', Math.floor(m / 60), String(m % 60).padStart(2, '0'));
}
