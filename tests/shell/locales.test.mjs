// Every text the UI shows exists in every locale: the same keys in each messages.json, every
// key the shell names, and a message for every code the core sends (advice, settings errors,
// repair notices), read from the Rust enums so that a new code without words fails here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url);
const read = (path) => readFileSync(new URL(path, root), 'utf8');
const LOCALES = readdirSync(new URL('extension/_locales/', root));
const messages = Object.fromEntries(LOCALES.map((l) => [l, JSON.parse(read(`extension/_locales/${l}/messages.json`))]));

/** The camelCase names of the variants of `enum name` in a Rust source file. */
function variants(path, name) {
  const body = read(path).match(new RegExp(`pub enum ${name} \\{([\\s\\S]*?)\\n\\}`))?.[1];
  assert.ok(body, `enum ${name} in ${path}`);
  return [...body.matchAll(/^ {4}([A-Z]\w*)/gm)].map(([, v]) => v[0].toLowerCase() + v.slice(1));
}

test('the languages Bounceback speaks are all there', () => {
  for (const l of ['en', 'de', 'es', 'fr', 'pt_BR', 'ja']) assert.ok(LOCALES.includes(l), `_locales/${l}`);
});

test('every message is translated, with the same placeholders as English', () => {
  const placeholders = (text) => [...new Set(text.match(/\$\d/g) ?? [])].sort().join(',');
  for (const l of LOCALES) {
    for (const [key, { message }] of Object.entries(messages.en)) {
      const theirs = messages[l][key]?.message;
      assert.ok(typeof theirs === 'string' && theirs.trim(), `${l}: ${key} is missing or empty`);
      assert.equal(placeholders(theirs), placeholders(message), `${l}: ${key} has other placeholders than English`);
    }
  }
});

test('every locale has the same keys', () => {
  const [first, ...rest] = LOCALES;
  for (const l of rest) assert.deepEqual(Object.keys(messages[l]).sort(), Object.keys(messages[first]).sort(), `${l} vs ${first}`);
});

test('every key the shell names exists', () => {
  const used = new Set();
  for (const file of readdirSync(new URL('extension/', root)).filter((f) => /\.(js|html)$/.test(f))) {
    const text = read(`extension/${file}`);
    for (const [, key] of text.matchAll(/\bt\('(\w+)'/g)) used.add(key);
    for (const [, key] of text.matchAll(/ data-i18n(?:-[\w-]+)?="(\w+)"/g)) used.add(key);
    for (const [, key] of text.matchAll(/'((?:fix|error|fieldError|notice)_\w+)'/g)) used.add(key);
  }
  for (const l of LOCALES) {
    for (const key of used) assert.ok(messages[l][key], `${l}: ${key}`);
  }
});

test('every code the core sends has words', () => {
  const codes = [
    ...variants('src/engine/recovery.rs', 'Advice').map((c) => `advice_${c}`),
    ...variants('src/settings.rs', 'FieldErrorCode').map((c) => `fieldError_${c}`),
    ...variants('src/settings.rs', 'NoticeCode').map((c) => `notice_${c}`),
    ...variants('src/engine/events.rs', 'NotifyKind').flatMap((c) => [`notify_${c}_title`, `notify_${c}_message`]),
    ...variants('src/engine/diagnosis.rs', 'Finding').map((c) => `diag_${c}`),
    ...variants('src/engine/diagnosis.rs', 'Hop').map((c) => `hop_${c}`),
    ...['ok', 'broken', 'unknown'].map((s) => `hopState_${s}`),
  ];
  assert.ok(codes.includes('diag_cdnOriginTimedOut') && codes.includes('hop_application'), 'the diagnosis codes are read');
  for (const l of LOCALES) {
    for (const key of codes) assert.ok(messages[l][key], `${l}: ${key}`);
  }
});
