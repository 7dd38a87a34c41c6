// The options page: reads and writes the user's settings through the background, which
// validates them in the core before anything is stored.
import { api } from './shared.js';

const $ = (id) => document.getElementById(id);

async function request(message) {
  const answer = await api.runtime.sendMessage(message);
  if (!answer?.ok) throw new Error(answer?.error ?? 'no answer from the background');
  return answer.reply;
}

async function load() {
  const settings = await request({ type: 'getSettings' });
  $('settings').value = JSON.stringify(settings, null, 2);
}

$('form').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    const settings = JSON.parse($('settings').value);
    await request({ type: 'saveSettings', settings });
    $('notice').textContent = 'Saved.';
    await load();
  } catch (e) {
    $('notice').textContent = `Not saved: ${e.message}`;
  }
});

$('reset').addEventListener('click', async () => {
  await request({ type: 'saveSettings', settings: {} });
  $('notice').textContent = 'Reset to defaults.';
  await load();
});

load().catch((e) => { $('notice').textContent = String(e.message ?? e); });
