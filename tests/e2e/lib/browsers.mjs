// Which browsers the end-to-end tests run in, and how to start each with the built extension.
// Every test file loops over BROWSERS, so each test is written once and runs in both.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';
import { extensionApi } from './extension.mjs';
import { launchFirefox } from './firefox.mjs';
import { waitFor } from './wait.mjs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DIST = join(ROOT, 'dist');

const geckoId = () => JSON.parse(readFileSync(join(DIST, 'firefox', 'manifest.json'), 'utf8')).browser_specific_settings.gecko.id;

/**
 * Resolves once the extension's background answers a message. Its listeners are registered at
 * its top level, so from then on it sees every page load; a page opened before that could load
 * unseen (a browser starts its extensions' backgrounds lazily, after the first window).
 */
export async function backgroundReady(browser, { timeout = 30_000 } = {}) {
  const api = extensionApi(browser);
  try {
    await waitFor(() => api.send({ type: 'getSettings' }).then(() => true, () => false),
      { timeout, interval: 100, message: `the ${browser.name} extension background to answer` });
  } catch (e) {
    await browser.close();
    throw e;
  }
  return browser;
}

/** Every browser the project supports, whatever E2E_BROWSERS says (the demo picks one). */
export const ALL_BROWSERS = {
  chromium: async (options = {}) => backgroundReady(await launchChromium({ extDir: join(DIST, 'chromium'), ...options })),
  firefox: async (options = {}) => backgroundReady(await launchFirefox({ extDir: join(DIST, 'firefox'), geckoId: geckoId(), ...options })),
};

/**
 * The browsers the suites run in: both, or those named in E2E_BROWSERS (e.g. `firefox`) for a
 * quicker run against one browser or one version (CHROMIUM_BIN, FIREFOX_BIN). Each launcher
 * resolves with the browser once the extension's background is listening.
 */
export const BROWSERS = (() => {
  const wanted = (process.env.E2E_BROWSERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  const unknown = wanted.filter((b) => !(b in ALL_BROWSERS));
  if (unknown.length) throw new Error(`E2E_BROWSERS names unknown browsers: ${unknown.join(', ')} (known: ${Object.keys(ALL_BROWSERS).join(', ')})`);
  return wanted.length ? Object.fromEntries(wanted.map((b) => [b, ALL_BROWSERS[b]])) : { ...ALL_BROWSERS };
})();

export function requireDist() {
  for (const b of ['chromium', 'firefox']) {
    if (!existsSync(join(DIST, b, 'manifest.json'))) throw new Error(`dist/${b} is missing: run ./build.sh first`);
  }
}
