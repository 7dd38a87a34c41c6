// Browsers in which Bounceback is not there yet, for pages that fail before it is: Firefox
// launched without the add-on (installed later, as a user does during an outage), Chromium with
// Bounceback switched off by a helper extension (switched on later; Chromium cannot be told to
// install an unpacked extension into a running browser without unsafe debugging flags).
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backgroundReady, DIST } from './browsers.mjs';
import { launchChromium } from './chromium.mjs';
import { launchFirefox } from './firefox.mjs';

/** A helper extension that may switch others on and off; its id follows from its key. */
async function managementHelper() {
  const dir = await mkdtemp(join(tmpdir(), 'bounceback-helper-'));
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const id = [...createHash('sha256').update(der).digest('hex').slice(0, 32)].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({
    manifest_version: 3, name: 'bounceback test helper', version: '1', permissions: ['management'], key: der.toString('base64'),
  }));
  await writeFile(join(dir, 'page.html'), '<!DOCTYPE html><meta charset="utf-8"><title>helper</title>\n');
  return { dir, id };
}

/**
 * Each browser with Bounceback absent at first: `arrive()` installs (Firefox) or enables
 * (Chromium) it, and resolves once its background answers.
 */
export const LATE = {
  async chromium(options = {}) {
    const helper = await managementHelper();
    const browser = await backgroundReady(await launchChromium({ extDir: join(DIST, 'chromium'), extraExtensions: [helper.dir], ...options }));
    const page = await browser.context.newPage();
    await page.goto(`chrome-extension://${helper.id}/page.html`);
    const setEnabled = (on) => page.evaluate(([id, v]) => chrome.management.setEnabled(id, v), [browser.extensionId, on]);
    await setEnabled(false);
    return {
      browser,
      arrive: async () => {
        await setEnabled(true);
        await backgroundReady(browser);
      },
      cleanup: () => rm(helper.dir, { recursive: true, force: true }),
    };
  },
  async firefox(options = {}) {
    const geckoId = JSON.parse(readFileSync(join(DIST, 'firefox', 'manifest.json'), 'utf8')).browser_specific_settings.gecko.id;
    const browser = await launchFirefox({ extDir: join(DIST, 'firefox'), geckoId, install: false, ...options });
    return {
      browser,
      arrive: async () => {
        await browser.installAddon();
        await backgroundReady(browser);
      },
      cleanup: async () => {},
    };
  },
};


/** `{ browser, arrive, cleanup }` for `name` (chromium or firefox): see LATE. */
export function launchLate(name, options = {}) {
  if (!LATE[name]) throw new Error(`no late launcher for ${name}`);
  return LATE[name](options);
}
