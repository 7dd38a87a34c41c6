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
    cookieNames: (url) => browser.extensionEval(
      `async (url) => (await (globalThis.browser ?? chrome).cookies.getAll({ url })).map((c) => c.name).sort()`, url),
  };
}
