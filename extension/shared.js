// Small pieces shared by the background, the popup and the options page (not the content
// script, which must stay a single tiny classic script).

/** The WebExtension API namespace: `browser` in Firefox, `chrome` in Chromium (MV3 returns promises in both). */
export const api = globalThis.browser ?? globalThis.chrome;

/** Response headers the detector reads; everything else is dropped before it reaches the core. */
export const HEADERS_OF_INTEREST = new Set([
  'server', 'via', 'retry-after', 'content-type', 'x-powered-by', 'x-cache',
  'cf-ray', 'cf-mitigated', 'cf-cache-status', 'x-amz-cf-id', 'x-amz-cf-pop', 'x-served-by',
  'x-vercel-error', 'x-vercel-id', 'x-nf-request-id', 'fly-request-id', 'x-github-request-id',
  'x-azure-ref', 'x-ms-request-id', 'x-akamai-transformed',
]);

/** Whether Bounceback looks at this URL at all: http(s) only. */
export function isWebUrl(url) {
  return typeof url === 'string' && /^https?:\/\//i.test(url);
}

const COMMANDS = new Set(['retryNow', 'stop', 'hardReload', 'clearCookies', 'resubmit', 'watchWhenBack', 'setSiteEnabled']);

/**
 * Checks a message from the popup or options page and returns it in canonical form; throws
 * on anything that does not fit. (The core parses the command again into its typed enum.)
 */
export function validateUiMessage(message) {
  if (typeof message !== 'object' || message === null) throw new Error('message must be an object');
  const tabId = message.tabId;
  const needsTab = message.type === 'getView' || message.type === 'command';
  if (needsTab && !(Number.isInteger(tabId) && tabId >= 0)) throw new Error('tabId must be a non-negative integer');
  if (message.type === 'getView') return { type: 'getView', tabId };
  if (message.type === 'command') {
    const command = message.command;
    if (typeof command !== 'object' || command === null || !COMMANDS.has(command.type)) {
      throw new Error('unknown command');
    }
    return { type: 'command', tabId, command };
  }
  if (message.type === 'getSettings') return { type: 'getSettings' };
  if (message.type === 'saveSettings') {
    if (typeof message.settings !== 'object' || message.settings === null || Array.isArray(message.settings)) {
      throw new Error('settings must be an object');
    }
    return { type: 'saveSettings', settings: message.settings };
  }
  throw new Error(`unknown message type ${String(message.type).slice(0, 40)}`);
}
