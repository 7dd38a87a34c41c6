// Bounceback's content script: runs in every top-level web page, once, at document_idle.
//
// It must cost next to nothing on a healthy page. It never forces layout (textContent, not
// innerText) and only reads text when a cheap pre-check says the page could be an error page:
// a title that looks like one, or a page with very few elements. Then it sends the title and a
// bounded prefix of the visible text to the background, which asks the core. No wasm here.
(() => {
  const MAX_TEXT = 4096;
  const MAX_ELEMENTS = 150;
  const TITLE_HINT = /\b(?:5\d\d|error|unavailable|gateway|time[d ]?out|went wrong|maintenance|overloaded|down)\b/i;

  const title = document.title.slice(0, 512);
  const elements = document.getElementsByTagName('*').length;
  if (!TITLE_HINT.test(title) && elements > MAX_ELEMENTS) return;

  const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'HEAD']);
  const root = document.body ?? document.documentElement;
  if (!root) return;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => (SKIP.has(n.parentNode?.nodeName) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
  });
  let text = '';
  for (let n = walker.nextNode(); n && text.length < MAX_TEXT; n = walker.nextNode()) {
    const t = n.nodeValue.trim();
    if (t) text += (text ? ' ' : '') + t;
  }
  const api = globalThis.browser ?? globalThis.chrome;
  api.runtime.sendMessage({ type: 'pageTextSeen', title, text: text.slice(0, MAX_TEXT) }).catch(() => {});
})();
