// The toolbar popup: shows the core's view of one tab and sends the user's commands.
//
// The tab is the active one, or the one named by `?tab=<id>` (used by tests and the demo).
// Everything it shows comes from the background as data and is rendered as text, never HTML.
import { api } from './shared.js';

const $ = (id) => document.getElementById(id);

async function targetTabId() {
  const fromQuery = new URLSearchParams(location.search).get('tab');
  if (fromQuery !== null && /^\d+$/.test(fromQuery)) return Number(fromQuery);
  const [tab] = await api.tabs.query({ active: true, currentWindow: true });
  return tab?.id ?? null;
}

async function request(message) {
  const answer = await api.runtime.sendMessage(message);
  if (!answer?.ok) throw new Error(answer?.error ?? 'no answer from the background');
  return answer.reply;
}

function render(view) {
  $('state').textContent = view.state;
  const details = $('details');
  details.replaceChildren();
  for (const [label, value] of [['Page', view.url], ['Seen', view.summary], ['Attempt', view.attempt != null ? `${view.attempt} of ${view.maxAttempts}` : null]]) {
    if (value == null || value === '') continue;
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = String(value);
    details.append(dt, dd);
  }
  const active = view.state !== 'healthy';
  $('retryNow').hidden = !active;
  $('stop').hidden = !active;
}

function showError(e) {
  $('error').hidden = false;
  $('error').textContent = String(e?.message ?? e);
}

async function main() {
  const tabId = await targetTabId();
  if (tabId == null) return showError('No tab to show.');
  const refresh = () => request({ type: 'getView', tabId }).then(render, showError);
  for (const id of ['retryNow', 'stop']) {
    $(id).addEventListener('click', () =>
      request({ type: 'command', tabId, command: { type: id } }).then(render, showError));
  }
  await refresh();
  setInterval(refresh, 1000);
}

main().catch(showError);
