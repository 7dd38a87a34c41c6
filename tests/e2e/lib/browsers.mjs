// Which browsers the end-to-end tests run in, and how to start each with the built extension.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DIST = join(ROOT, 'dist');

export const BROWSERS = {
  chromium: (options = {}) => launchChromium({ extDir: join(DIST, 'chromium'), ...options }),
};

export function requireDist() {
  for (const b of ['chromium', 'firefox']) {
    if (!existsSync(join(DIST, b, 'manifest.json'))) throw new Error(`dist/${b} is missing: run ./build.sh first`);
  }
}
