// Which browsers the end-to-end tests run in, and how to start each with the built extension.
// Every test file loops over BROWSERS, so each test is written once and runs in both.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';
import { launchFirefox } from './firefox.mjs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DIST = join(ROOT, 'dist');

const geckoId = () => JSON.parse(readFileSync(join(DIST, 'firefox', 'manifest.json'), 'utf8')).browser_specific_settings.gecko.id;

export const BROWSERS = {
  chromium: (options = {}) => launchChromium({ extDir: join(DIST, 'chromium'), ...options }),
  firefox: (options = {}) => launchFirefox({ extDir: join(DIST, 'firefox'), geckoId: geckoId(), ...options }),
};

export function requireDist() {
  for (const b of ['chromium', 'firefox']) {
    if (!existsSync(join(DIST, b, 'manifest.json'))) throw new Error(`dist/${b} is missing: run ./build.sh first`);
  }
}
