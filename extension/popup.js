// The toolbar popup: shows the core's view of one tab in plain words, live while open, and
// sends the user's one-click commands.
//
// The tab is the active one, or the one named by `?tab=<id>` (used by tests and the demo).
// It asks the background for the view each second and counts down to the next attempt
// locally. Everything it shows comes from the background or the page as data and is set as
// text, never HTML. The headline (a polite live region) changes only when the state does, so
// a screen reader hears "Checking whether the site is back" once, not a number every second.
import { api, COOKIE_ACCESS, formatDuration, hasCookieAccess, isWebUrl, localize, request, SITE_ACCESS, t } from './shared.js';

const $ = (id) => document.getElementById(id);
const show = (id, visible) => { $(id).hidden = !visible; };

let tabId = null;
let view = null;
let cookieCount = null;
let lastCookieUrl = null;

async function targetTab() {
  const fromQuery = new URLSearchParams(location.search).get('tab');
  if (fromQuery !== null && /^\d+$/.test(fromQuery)) return Number(fromQuery);
  const [tab] = await api.tabs.query({ active: true, currentWindow: true });
  if (!tab || !isWebUrl(tab.url)) return null;
  return tab.id ?? null;
}

/**
 * What was tried, or brought a page back: the core's names (kept as they are, in the view and in
 * the stored history) and their messages. A name this version does not know is shown as it is.
 */
const FIXES = {
  reload: 'fix_reload',
  'hard reload': 'fix_hardReload',
  'cookies cleared': 'fix_cookiesCleared',
  resubmit: 'fix_resubmit',
  'retry-after wait': 'fix_retryAfterWait',
  'page loaded': 'fix_pageLoaded',
};
const fixText = (name) => (Object.hasOwn(FIXES, name) ? t(FIXES[name]) : String(name));
const fixList = (names) => names.map(fixText).join(', ');

/** Error names the core itself gives (the browser's own, such as net::ERR_CONNECTION_RESET, stay as they are). */
const CORE_ERRORS = { 'no answer': 'error_noAnswer', 'probe timed out': 'error_probeTimedOut', 'reload timed out': 'error_reloadTimedOut' };
const errorText = (name) => (Object.hasOwn(CORE_ERRORS, name) ? t(CORE_ERRORS[name]) : name);

/** Each advice code's arguments (src/engine/recovery.rs `Advice`) as its message's `$1`.. texts. */
const ADVICE_ARGS = {
  pageKeptFailing: (tried, tookMs) => [fixList(tried.length ? tried : ['reload']), formatDuration(tookMs)],
  serverDown: (statuses, tookMs) => [statuses.join('/'), formatDuration(tookMs)],
  errorPageKept: (tookMs) => [formatDuration(tookMs)],
  unreachable: (error, tookMs) => [error == null ? t('error_noAnswer') : errorText(error), formatDuration(tookMs)],
  retryAfter: (waitMs) => [formatDuration(waitMs)],
  watchEnded: (watchedMs) => [formatDuration(watchedMs)],
};

/** The advice after giving up: one sentence per code (`advice_<code>`), joined by spaces. */
function adviceText(advice) {
  return advice.map(({ code, args }) => t(`advice_${code}`, ...(Object.hasOwn(ADVICE_ARGS, code) ? ADVICE_ARGS[code](...args) : []))).join(' ');
}

/** The one plain sentence of the diagnosis (`diag_<finding>`: $1 the CDN, $2 the site). */
const diagSentence = (v) => t(`diag_${v.diagnosis.finding}`, v.diagnosis.cdn ?? t('hop_cdn'), v.site ?? '');

/**
 * The path from the user to the site as a row of hops (src/engine/diagnosis.rs): those before
 * the broken one worked, the link into it is broken, those past it were not reached. The mark
 * is drawn (colour, dashes, a cross) and said in words (each hop's hidden state text).
 */
function renderPath(v) {
  const d = v.diagnosis;
  const shown = !!d && v.state !== 'healthy';
  show('path', shown);
  if (!shown) return;
  const brokenAt = d.hops.indexOf(d.broken);
  const items = d.hops.map((hop, i) => {
    const state = i < brokenAt ? 'ok' : i === brokenAt ? 'broken' : 'unknown';
    const li = document.createElement('li');
    li.className = state;
    li.dataset.hop = hop;
    const dot = Object.assign(document.createElement('span'), { className: 'dot', textContent: { ok: '\u2713', broken: '\u2715', unknown: '' }[state] });
    dot.setAttribute('aria-hidden', 'true');
    const name = Object.assign(document.createElement('span'), { className: 'name', textContent: t(`hop_${hop}`) });
    const vendor = hop === 'cdn' ? d.cdn : hop === 'server' ? d.server : null;
    if (vendor) name.append(Object.assign(document.createElement('span'), { className: 'vendor', textContent: vendor }));
    const said = Object.assign(document.createElement('span'), { className: 'sr-only', textContent: ` ${t(`hopState_${state}`)}` });
    li.append(dot, name, said);
    return li;
  });
  $('hops').replaceChildren(...items);
  $('diagSentence').textContent = diagSentence(v);
}

const utcTime = (ms) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
const localTime = (ms) => new Date(ms).toLocaleString(api.i18n.getUILanguage(), { dateStyle: 'medium', timeStyle: 'medium' });

/**
 * The report for the site's support, in plain text, from the core's data (`view.report`):
 * what failed, when, what answered, the request identifiers it sent, what Bounceback tried.
 * It goes only to the clipboard (and the box under "Show the report"), never anywhere else.
 */
function reportText(v) {
  const r = v.report;
  const who = [r.cdn, r.server].filter(Boolean).join(' \u2192 ');
  const answer = r.status == null ? t('report_error', errorText(r.error ?? 'no answer'))
    : who ? t('report_statusFrom', r.status, who) : t('report_status', r.status);
  return [
    t('report_title'),
    t('report_page', r.url),
    t('report_time', utcTime(r.atMs), localTime(r.atMs)),
    t('report_failingFor', formatDuration(r.atMs - r.failingSinceMs), utcTime(r.failingSinceMs)),
    answer,
    t('report_meaning', diagSentence(v)),
    r.requestIds.length ? t('report_ids') : t('report_noIds'),
    ...r.requestIds.map(([name, value]) => `  ${name}: ${value}`),
    r.tried.length ? t('report_tried', r.attempts, fixList(r.tried)) : r.attempts ? t('report_checked', r.attempts) : t('report_notYet'),
    r.retryAfterS != null ? t('report_retryAfter', formatDuration(r.retryAfterS * 1000)) : '',
    t('report_footer'),
  ].filter(Boolean).join('\n');
}

function renderForSite(v) {
  const shown = !!v.report && v.state !== 'healthy';
  show('forSite', shown);
  if (!shown) return;
  // A plain link: nothing reaches the archive before the user follows it.
  const saved = `https://web.archive.org/web/${v.url}`;
  if ($('savedCopy').getAttribute('href') !== saved) $('savedCopy').href = saved;
  if ($('reportBox').open && document.activeElement !== $('reportText')) $('reportText').value = reportText(v);
}

async function copyReport() {
  const text = reportText(view);
  $('reportText').value = text;
  try {
    await navigator.clipboard.writeText(text);
    $('copyStatus').textContent = t('reportCopied');
  } catch {
    // No clipboard access: the text is selected in the open box, ready for Ctrl+C.
    $('reportBox').open = true;
    $('reportText').focus();
    $('reportText').select();
    $('copyStatus').textContent = t('reportCopyFailed');
  }
}

/** What the card shows: the tab's state, or that Bounceback is off for its site. */
const shownState = (v) => (v.state === 'healthy' && !v.siteEnabled ? 'siteOff' : v.state);

function headline(v) {
  if (v.state === 'healthy') return v.lastStatus >= 500 || v.lastError ? t('state_idle') : t('state_healthy');
  return t(`state_${v.state}`);
}

function seenLine(v) {
  if (v.lastStatus == null && v.lastError) return t('seenNoAnswer', errorText(v.lastError));
  const what = errorText(v.summary) || (v.lastStatus ? `HTTP ${v.lastStatus}` : errorText(v.lastError));
  if (!what) return '';
  return v.vendor && !v.summary ? t('seenFrom', v.vendor, what) : t('seen', what);
}

function render(v) {
  view = v;
  const status = $('status');
  if (status.dataset.state !== shownState(v)) {
    status.dataset.state = shownState(v);
    $('headline').textContent = shownState(v) === 'siteOff' ? t('state_siteOff') : headline(v);
    $('copyStatus').textContent = '';
    closeConfirm();
  }
  const recovering = v.active;
  // Nothing to report yet: a fine page, or one still being looked at.
  const quiet = v.state === 'healthy' || v.state === 'checking';
  const seen = quiet ? '' : seenLine(v);
  $('seen').textContent = seen;
  show('seen', !!seen);

  $('attempts').textContent = quiet ? ''
    : v.nextAttemptAtMs != null && v.attempt < v.maxAttempts ? t('attemptNext', v.attempt + 1, v.maxAttempts)
      : t('attemptsUsed', v.attempt, v.maxAttempts);
  show('progress', !quiet);
  tick();

  const step = recovering && v.nextStep ? t(`next_${v.nextStep}`) : '';
  $('nextStep').textContent = step ? t('nextStepIs', step) : '';
  show('nextStep', !!step);

  renderPath(v);
  renderForSite(v);

  const reasons = $('reasons');
  reasons.replaceChildren(...v.reasons.map((r) => Object.assign(document.createElement('li'), { textContent: r })));
  show('whyBox', !quiet && v.reasons.length > 0);

  $('advice').textContent = adviceText(v.advice);
  show('advice', v.advice.length > 0);
  $('tried').textContent = v.tried.length && !quiet ? t('triedList', fixList(v.tried)) : '';
  show('tried', v.tried.length > 0 && !quiet);

  show('retryNow', recovering || v.state === 'gaveUp' || v.state === 'watching');
  show('stop', recovering || v.state === 'watching');
  show('hardReload', recovering || v.state === 'gaveUp');
  show('watchWhenBack', v.state === 'gaveUp');
  show('resubmitBox', v.state === 'failedPost');
  renderCookieButton(v);

  const site = v.site ?? '';
  show('siteSwitchLabel', !!site);
  $('siteEnabled').checked = v.siteEnabled;
  $('siteSwitchText').textContent = t('siteSwitch', site);
}

function renderCookieButton(v) {
  const offer = v.cookieClearing !== 'never' && !!v.url && ['recovering', 'probing', 'waitingRetryAfter', 'gaveUp', 'watching'].includes(v.state);
  if (offer && v.url !== lastCookieUrl) {
    lastCookieUrl = v.url;
    cookieCount = null;
    // Exactly the cookies the browser would send to this page (what the background would clear);
    // counted only once the user has let Bounceback see cookies.
    countCookies(v.url).then((n) => { cookieCount = n; renderCookieButton(view); }, () => {});
  }
  // No button for a site that has no cookies: there is nothing to clear.
  show('clearCookies', offer && cookieCount !== 0);
  if (!offer) return;
  $('clearCookies').textContent = cookieCount == null
    ? t('clearCookiesFor', v.site)
    : t('clearCookiesForCount', v.site, cookieCount);
  $('clearCookies').classList.toggle('suggested', v.cookiesSuspected);
}

/** The countdown, computed locally each second from the view's deadline. */
function tick() {
  const at = view?.nextAttemptAtMs;
  const el = $('countdown');
  if (at == null || view.state === 'healthy') {
    el.textContent = '';
    $('countdownSr').textContent = '';
    return;
  }
  const left = at - Date.now();
  el.textContent = left > 0 ? t('countdownIn', formatDuration(left)) : t('countdownNow');
  // For screen readers: the same, readable on demand, refreshed at most every 10 s.
  const sr = $('countdownSr');
  if (Date.now() - (Number(sr.dataset.at) || 0) >= 10_000 || sr.dataset.for !== String(at)) {
    sr.textContent = el.textContent;
    sr.dataset.at = String(Date.now());
    sr.dataset.for = String(at);
  }
}

function renderIncidents(list) {
  const items = [...list].reverse().slice(0, 8).map((i) => {
    const li = document.createElement('li');
    const what = document.createElement('span');
    what.className = 'site';
    what.textContent = i.site;
    const when = document.createElement('time');
    when.dateTime = new Date(i.startedMs).toISOString();
    when.textContent = new Date(i.startedMs).toLocaleString(api.i18n.getUILanguage(), { dateStyle: 'short', timeStyle: 'short' });
    const detail = document.createElement('span');
    detail.className = 'detail';
    const took = formatDuration(i.endedMs - i.startedMs);
    detail.textContent = i.outcome === 'recovered'
      ? t('incidentRecovered', took, i.attempts, i.fixedBy == null ? '' : fixText(i.fixedBy))
      : t('incidentGaveUp', took, i.attempts);
    li.append(what, ' · ', when, document.createElement('br'), detail);
    return li;
  });
  $('incidents').replaceChildren(...items);
  show('historyEmpty', items.length === 0);
  show('clearHistory', items.length > 0);
}

function showError(e) {
  $('error').textContent = String(e?.message ?? e);
  show('error', true);
}

async function command(cmd) {
  $('error').hidden = true;
  try {
    render(await request({ type: 'command', tabId, command: cmd }));
  } catch (e) {
    showError(e);
  }
}

async function countCookies(url) {
  if (!(await hasCookieAccess())) return null;
  return (await api.cookies.getAll({ url })).length;
}

function openConfirm() {
  $('cookieQuestion').textContent = cookieCount == null
    ? t('cookieQuestion', view.site)
    : t('cookieQuestionCount', view.site, cookieCount);
  $('rememberText').textContent = t('rememberForSite', view.site);
  $('rememberCookies').checked = false;
  show('cookieConfirm', true);
  $('clearCookies').setAttribute('aria-expanded', 'true');
  $('cookieConfirmNo').focus();
}

function closeConfirm() {
  if ($('cookieConfirm').hidden) return;
  show('cookieConfirm', false);
  $('clearCookies').setAttribute('aria-expanded', 'false');
}

/** Shows the "allow access to sites" notice while the user withholds it (Firefox). */
async function checkAccess() {
  const granted = await api.permissions.contains(SITE_ACCESS);
  show('access', !granted);
  return granted;
}

async function main() {
  localize();
  $('grantAccess').addEventListener('click', () => {
    // Must run in the click's own task: permissions.request needs the user's gesture.
    api.permissions.request(SITE_ACCESS).then(checkAccess, showError);
  });
  await checkAccess();
  tabId = await targetTab();
  $('openOptions').addEventListener('click', () => api.runtime.openOptionsPage());
  $('clearHistory').addEventListener('click', () => request({ type: 'clearIncidents' }).then(renderIncidents, showError));
  const refreshIncidents = () => request({ type: 'getIncidents' }).then(renderIncidents, showError);
  if (tabId == null) {
    $('headline').textContent = t('notAWebPage');
    $('status').dataset.state = 'none';
    await refreshIncidents();
    return;
  }
  for (const id of ['retryNow', 'stop', 'hardReload', 'watchWhenBack', 'resubmit']) {
    $(id).addEventListener('click', () => command({ type: id }));
  }
  $('copyReport').addEventListener('click', () => copyReport().catch(showError));
  $('reportBox').addEventListener('toggle', () => {
    if ($('reportBox').open && view?.report) $('reportText').value = reportText(view);
  });
  $('siteEnabled').addEventListener('change', (e) => command({ type: 'setSiteEnabled', enabled: e.target.checked }));
  $('clearCookies').addEventListener('click', () => ($('cookieConfirm').hidden ? openConfirm() : closeConfirm()));
  $('cookieConfirmNo').addEventListener('click', () => {
    closeConfirm();
    $('clearCookies').focus();
  });
  $('cookieConfirmYes').addEventListener('click', () => {
    const remember = $('rememberCookies').checked;
    // The first time, this asks the browser for the cookies permission; it must run in the
    // click's own task (permissions.request needs the user's gesture). Once granted it just says yes.
    api.permissions.request(COOKIE_ACCESS).then((granted) => {
      closeConfirm();
      if (!granted) return showError(t('cookiePermissionRefused'));
      lastCookieUrl = null; // Count again afterwards.
      return command({ type: 'clearCookies', remember });
    }, showError);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !$('cookieConfirm').hidden) {
      e.preventDefault();
      closeConfirm();
      $('clearCookies').focus();
    }
  });

  const refresh = () => request({ type: 'getView', tabId }).then(render, showError);
  await Promise.all([refresh(), refreshIncidents()]);
  let n = 0;
  setInterval(() => {
    tick();
    refresh();
    if (++n % 5 === 0) refreshIncidents();
  }, 1000);
}

main().catch(showError);
