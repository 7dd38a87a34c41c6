import { ALL_BROWSERS } from './lib/browsers.mjs';
import { extensionApi } from './lib/extension.mjs';
import { startFlakyServer } from './lib/server.mjs';
const server = await startFlakyServer();
const b = await ALL_BROWSERS.firefox();
try {
  await extensionApi(b).saveSettings({ quickCheckMs: 500, baseMs: 30_000, stepMs: 500, capMs: 30_000, floorMs: 30_000, maxAttempts: 6, banner: true });
  server.route('/x', { failFirst: 1e9 });
  const t = await b.openTab(server.url('/x'));
  await t.waitFor(() => t.evaluate(`() => !!document.querySelector('bounceback-banner')`), { timeout: 20000 });
  console.log('shadow', await t.closedShadowHtml('bounceback-banner').then(h => h.slice(0, 100), e => 'ERR ' + e.message.slice(0, 300)));
} finally { await b.close(); await server.close(); }
