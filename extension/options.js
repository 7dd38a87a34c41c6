// The options page: a form over every setting of src/settings.rs.
//
// People see seconds, minutes and hours; the settings store milliseconds. Nothing is checked
// here beyond "is this a number": the background asks the core, which refuses bad values with
// one error per field (a code and its limits in ms), worded here in the field's unit and shown
// next to that field. Notices about settings the core repaired at
// start-up (a corrupt or older stored object) are shown until dismissed. Export and import go
// through the same validation.
import { api, COOKIE_ACCESS, hasCookieAccess, localize, request, t } from './shared.js';

const $ = (id) => document.getElementById(id);
const form = $('form');

/** Fields shown as a number in a unit (`data-unit` = ms per unit), or as a plain count. */
const NUMBERS = ['quickCheckMs', 'baseMs', 'stepMs', 'capMs', 'floorMs', 'maxAttempts', 'maxTotalMs', 'maxRetryAfterMs', 'probeTimeoutMs', 'watchIntervalMs', 'watchMaxMs'];
const FLAGS = ['networkErrors', 'textDetection', 'notifications', 'banner'];
const LISTS = ['allowList', 'denyList'];
const STATUSES = [500, 502, 503, 504, 520, 521, 522, 523, 524, 429];

/** Statuses in the stored settings that have no checkbox (e.g. imported): kept as they are. */
let otherStatuses = [];

function buildStatusChecks() {
  const box = $('statusChecks');
  for (const code of STATUSES) {
    const label = document.createElement('label');
    label.className = 'check';
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.name = 'status';
    input.value = String(code);
    const text = document.createElement('span');
    text.textContent = t(`status_${code}`);
    label.append(input, ' ', text);
    box.append(label);
  }
}

function fill(s) {
  for (const name of NUMBERS) {
    const input = $(name);
    const unit = Number(input.dataset.unit ?? 1);
    input.value = String(Math.round((s[name] / unit) * 1000) / 1000);
  }
  for (const name of FLAGS) $(name).checked = !!s[name];
  for (const name of LISTS) $(name).value = s[name].join('\n');
  for (const box of form.querySelectorAll('input[name=status]')) box.checked = s.statuses.includes(Number(box.value));
  otherStatuses = s.statuses.filter((c) => !STATUSES.includes(c));
  for (const radio of form.querySelectorAll('input[name=cookieClearing]')) radio.checked = radio.value === s.cookieClearing;
}

/** The form as a settings object, or the fields that are not even numbers. */
function read() {
  const settings = {};
  const errors = [];
  for (const name of NUMBERS) {
    const input = $(name);
    const text = input.value.trim().replace(',', '.');
    const value = Number(text);
    if (text === '' || !Number.isFinite(value)) {
      errors.push({ field: name, message: t('errorNotANumber') });
      continue;
    }
    if (name === 'maxAttempts' && !(Number.isInteger(value) && value >= 0)) {
      errors.push({ field: name, message: t('errorWholeNumber') });
      continue;
    }
    settings[name] = Math.round(value * Number(input.dataset.unit ?? 1));
  }
  for (const name of FLAGS) settings[name] = $(name).checked;
  for (const name of LISTS) settings[name] = $(name).value.split('\n').map((l) => l.trim()).filter(Boolean);
  settings.statuses = [...form.querySelectorAll('input[name=status]:checked')].map((b) => Number(b.value)).concat(otherStatuses);
  settings.cookieClearing = form.querySelector('input[name=cookieClearing]:checked')?.value ?? 'ask';
  return { settings, errors };
}

function clearErrors() {
  $('formError').hidden = true;
  for (const el of form.querySelectorAll('.field-error')) {
    el.hidden = true;
    el.textContent = '';
  }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/** Messages for the amounts of each unit the form shows (`data-unit`, ms per unit). */
const AMOUNTS = { 1000: 'amountSeconds', 60000: 'amountMinutes', 3600000: 'amountHours' };

/** An amount of `field` (ms for a duration) in the unit its input shows, e.g. "5 min"; a value that is no round number of that unit in seconds. */
function amount(field, value) {
  const number = (n) => n.toLocaleString(api.i18n.getUILanguage(), { maximumFractionDigits: 3 });
  const unit = Number($(field)?.dataset.unit);
  if (!Object.hasOwn(AMOUNTS, unit)) return number(value);
  const tenths = (value / unit) * 10;
  return Math.abs(tenths - Math.round(tenths)) < 1e-9 ? t(AMOUNTS[unit], number(value / unit)) : t('amountSeconds', number(value / 1000));
}

/** The core's error about a field (src/settings.rs `FieldError`) in words and in the form's units; its English message for a code this page does not know. */
function fieldMessage({ field, code, min, max, got, entry, message }) {
  switch (code) {
    case 'notPositive': return t('fieldError_notPositive');
    case 'atLeast': return t('fieldError_atLeast', amount(field, min));
    case 'between': return t('fieldError_between', amount(field, min), amount(field, max));
    case 'notAnErrorStatus': return t('fieldError_notAnErrorStatus', got);
    case 'tooMany': return t('fieldError_tooMany', max);
    case 'notAHost': return t('fieldError_notAHost', entry);
    case 'unreadable': return t('fieldError_unreadable', message);
    default: return message;
  }
}

/** Shows each error next to its field, and focuses the first. */
function showErrors(errors) {
  let first = null;
  const general = [];
  for (const error of errors) {
    const { field } = error;
    const message = fieldMessage(error);
    const slot = field && $(`${field}-error`);
    if (!slot) {
      general.push(message);
      continue;
    }
    slot.textContent = message;
    slot.hidden = false;
    const input = $(field) ?? form.querySelector(`[data-field="${field}"] input`);
    input?.setAttribute('aria-invalid', 'true');
    first ??= input;
  }
  if (general.length) {
    $('formError').textContent = general.join(' ');
    $('formError').hidden = false;
  }
  $('saved').textContent = t('notSaved');
  (first ?? $('formError')).focus?.();
}

async function save(settings) {
  const outcome = await request({ type: 'saveSettings', settings });
  if (!outcome.ok) return outcome;
  fill(outcome.settings);
  return outcome;
}

async function load() {
  fill(await request({ type: 'getSettings' }));
}

/** Says whether the browser lets Bounceback clear cookies, next to the choice that needs it. */
async function showCookieAccess() {
  const granted = await hasCookieAccess();
  $('cookieAccess').textContent = t(granted ? 'cookieAccessGranted' : 'cookieAccessNotGranted');
}

/** Labels of the fields whose label is not under their own name. */
const LABELS = { statuses: 'sectionStatuses', cookieClearing: 'sectionCookies', banner: 'bannerSetting' };
const label = (field) => t(LABELS[field] ?? field);

/** A stored value (JSON text) of `field` as the form shows it: numbers in its unit, the rest as stored. */
function shownValue(field, json) {
  const value = Number(json);
  return NUMBERS.includes(field) && json !== '' && Number.isFinite(value) ? amount(field, value) : json;
}

/**
 * A repair notice of the core (src/settings.rs `Notice`) in words; its English message for a code
 * this page does not know, and as it is when it is text (stored by an older version).
 */
function noticeText(n) {
  if (typeof n !== 'object' || n === null) return String(n);
  switch (n.code) {
    case 'unknownSetting': return t('notice_unknownSetting', n.field);
    case 'reset': return t('notice_reset', label(n.field), shownValue(n.field, n.was), shownValue(n.field, n.to));
    case 'contradicted': return t('notice_contradicted', label(n.field), shownValue(n.field, n.to));
    case 'notJson':
    case 'notAnObject':
    case 'timingReset': return t(`notice_${n.code}`);
    default: return String(n.message);
  }
}

async function showNotices() {
  const { settingsNotices } = await api.storage.local.get('settingsNotices');
  const list = Array.isArray(settingsNotices) ? settingsNotices : [];
  $('noticeList').replaceChildren(...list.map((n) => Object.assign(document.createElement('li'), { textContent: noticeText(n) })));
  $('notices').hidden = list.length === 0;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors();
  $('saved').textContent = '';
  const { settings, errors } = read();
  if (errors.length) return showErrors(errors);
  // Clearing by itself needs the cookies permission: asked for now, in the Save click's own
  // task (permissions.request needs the user's gesture); "Ask me" asks in the popup instead.
  const grant = settings.cookieClearing === 'automatic' ? api.permissions.request(COOKIE_ACCESS) : null;
  try {
    if (grant && !(await grant)) {
      return showErrors([{ field: 'cookieClearing', message: t('cookiePermissionRefused') }]);
    }
    const outcome = await save(settings);
    if (!outcome.ok) return showErrors(outcome.errors);
    // "Never": give the permission back; the browser will ask again if the user changes their mind.
    if (outcome.settings.cookieClearing === 'never') await api.permissions.remove(COOKIE_ACCESS);
    await showCookieAccess();
    $('saved').textContent = t('saved');
    await showNotices();
  } catch (e) {
    showErrors([{ field: '', message: String(e?.message ?? e) }]);
  }
});

$('reset').addEventListener('click', async () => {
  clearErrors();
  try {
    await save({});
    $('saved').textContent = t('resetDone');
  } catch (e) {
    showErrors([{ field: '', message: String(e?.message ?? e) }]);
  }
});

$('dismissNotices').addEventListener('click', async () => {
  await api.storage.local.remove('settingsNotices');
  $('notices').hidden = true;
  form.querySelector('input')?.focus();
});

$('export').addEventListener('click', async () => {
  const settings = await request({ type: 'getSettings' });
  const blob = new Blob([JSON.stringify(settings, null, 2) + '\n'], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = 'bounceback-settings.json';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
});

async function importText(text) {
  clearErrors();
  let settings;
  try {
    settings = JSON.parse(text);
  } catch {
    $('importResult').textContent = t('importNotJson');
    return;
  }
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    $('importResult').textContent = t('importNotJson');
    return;
  }
  try {
    const outcome = await save(settings);
    if (outcome.ok) {
      $('importResult').textContent = t('importDone');
    } else {
      $('importResult').textContent = t('importRefused', outcome.errors.map((e) => e.message).join(' '));
    }
  } catch (e) {
    $('importResult').textContent = t('importRefused', String(e?.message ?? e));
  }
}

$('importFile').addEventListener('change', async (e) => {
  const file = e.target.files?.[0];
  if (file) await importText(await file.text());
  e.target.value = '';
});
$('importApply').addEventListener('click', () => importText($('importText').value));

localize();
buildStatusChecks();
// Save stays disabled until the form holds the stored settings (a submit before would save nonsense).
Promise.all([load(), showNotices(), showCookieAccess()]).then(
  () => { $('save').disabled = false; },
  (e) => showErrors([{ field: '', message: String(e?.message ?? e) }]),
);
api.permissions.onAdded.addListener(() => { showCookieAccess(); });
api.permissions.onRemoved.addListener(() => { showCookieAccess(); });
api.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && 'settingsNotices' in changes) showNotices();
});
