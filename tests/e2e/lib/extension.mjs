// Talking to the extension under test the way its own popup does: messages to the background
// from an extension page, and the extension APIs it may use there.

/** The extension's message API, for a launched browser (chromium.mjs or firefox.mjs). */
export function extensionApi(browser) {
  const send = (message) => browser.extensionEval(
    `async (m) => { const r = await (globalThis.browser ?? chrome).runtime.sendMessage(m); if (!r.ok) throw new Error(r.error); return r.reply; }`,
    message);
  return {
    send,
    /** Saves settings as the options page does; throws with the field errors on refusal. */
    async saveSettings(settings) {
      const reply = await send({ type: 'saveSettings', settings });
      if (!reply.ok) throw new Error(JSON.stringify(reply.errors));
      return reply.settings;
    },
    view: (tabId) => send({ type: 'getView', tabId }),
    /**
     * Whether the background has nothing left to do by itself: its event queue is drained (a
     * getView waits for it) and the core has no deadline (no wake-up alarm is set). Nothing
     * happens then until the next browser event, so a check that nothing more happens can
     * stop waiting here instead of sleeping.
     */
    async idle() {
      await send({ type: 'getView', tabId: 0 });
      const alarm = await browser.extensionEval(
        `async () => (await (globalThis.browser ?? chrome).alarms.get('bounceback-wake')) ?? null`);
      return alarm == null;
    },
    /** The cookies the browser would send to `url`, seen by the browser, whatever the extension may see. */
    cookieNames: (url) => browser.cookieNames(url),
    /** Whether the user has let the extension clear cookies (its optional permission). */
    cookieAccess: () => browser.extensionEval(
      `async () => (globalThis.browser ?? chrome).permissions.contains({ permissions: ['cookies'] })`),
    /** Takes the cookies permission back, as the user can in the browser's extension settings. */
    dropCookieAccess: () => browser.extensionEval(
      `async () => (globalThis.browser ?? chrome).permissions.remove({ permissions: ['cookies'] })`),
  };
}

/**
 * Opens the options page in a tab and waits until its form holds the stored settings;
 * `open` is the suite's tab opener (so the suite closes the tab).
 */
export async function optionsPage(browser, open) {
  const page = await open(`${browser.extensionOrigin}/options.html`);
  await page.waitFor(async () => ((await page.evaluate(`() => document.getElementById('maxAttempts')?.value`)) ?? '') !== ''
    && (await page.evaluate(`() => !document.getElementById('save').disabled`)),
  { message: 'the options form' });
  return page;
}

/**
 * Chooses how cookies may be cleared the way a user does, in the options page (clicking the
 * choice, then Save, so "Automatically" asks the browser for the permission), and returns
 * what the page then says: its save status, the permission line and any error of the field.
 */
export async function chooseCookieClearing(browser, open, value) {
  const page = await optionsPage(browser, open);
  await page.click(`input[name=cookieClearing][value=${value}]`);
  await page.click('#save');
  const said = () => page.evaluate(`() => ({
    saved: document.getElementById('saved').textContent,
    access: document.getElementById('cookieAccess').textContent,
    error: document.getElementById('cookieClearing-error').hidden ? '' : document.getElementById('cookieClearing-error').textContent,
  })`);
  return page.waitFor(async () => { const s = await said(); return s.saved || s.error ? s : null; }, { message: 'the options page saving' });
}
