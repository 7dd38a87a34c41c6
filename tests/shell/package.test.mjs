// The built packages hold only what they should: no remote code, no eval, no inline scripts,
// no source maps, and manifests that ask for nothing beyond what the README justifies.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

for (const browser of ['chromium', 'firefox']) {
  const root = join(DIST, browser);
  test(`${browser}: no remote code, eval, inline script or source map`, { skip: !existsSync(root) && 'run ./build.sh first' }, () => {
    for (const file of files(root)) {
      const text = readFileSync(file, 'latin1');
      const rel = file.slice(root.length);
      assert.ok(!file.endsWith('.map'), `source map shipped: ${rel}`);
      if (/\.(m?js)$/.test(file)) {
        const code = text.replace(/^\s*\/\/.*$/gm, ''); // Comments may carry links.
        assert.doesNotMatch(code, /\beval\s*\(|new\s+Function\s*\(|sourceMappingURL/, rel);
        assert.doesNotMatch(code, /\bimport\s*\(\s*['"`]https?:|importScripts\s*\(\s*['"`]https?:|from\s+['"`]https?:/, `remote code in ${rel}`);
      }
      if (file.endsWith('.html')) {
        for (const [tag] of text.matchAll(/<script\b[^>]*>/gi)) assert.match(tag, /\bsrc="[^":]+"/, `inline or remote script in ${rel}: ${tag}`);
        assert.doesNotMatch(text, /\son[a-z]+\s*=/i, `inline event handler in ${rel}`);
      }
    }
  });

  test(`${browser}: the manifest asks only for the justified permissions`, { skip: !existsSync(root) && 'run ./build.sh first' }, () => {
    const m = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
    assert.deepEqual([...m.permissions].sort(), ['alarms', 'notifications', 'scripting', 'storage', 'webRequest']);
    // Cookie clearing is optional: asked for when the user first chooses it.
    assert.deepEqual(m.optional_permissions, ['cookies']);
    assert.deepEqual(m.host_permissions, ['http://*/*', 'https://*/*']);
    assert.equal(m.content_security_policy.extension_pages, "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'");
    assert.equal(m.incognito, 'not_allowed');
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    for (const p of [...m.permissions, ...m.optional_permissions]) {
      assert.match(readme, new RegExp(`\\| \`${p}\`[^|]* \\|`), `README justifies ${p}`);
    }
  });
}

// Debian 12 ships Firefox ESR 140, and many organisations run it: a higher desktop minimum makes
// it refuse the add-on ("not compatible with application version").
test('firefox: installs on Firefox ESR 140 and later', { skip: !existsSync(join(DIST, 'firefox')) && 'run ./build.sh first' }, () => {
  const m = JSON.parse(readFileSync(join(DIST, 'firefox', 'manifest.json'), 'utf8'));
  const gecko = m.browser_specific_settings?.gecko;
  assert.ok(gecko?.id, 'a gecko id');
  const major = Number.parseInt(gecko.strict_min_version ?? '0', 10);
  assert.ok(major <= 140, `desktop strict_min_version ${gecko.strict_min_version} shuts out ESR 140`);
  // data_collection_permissions is understood from 140 on desktop; below that lint warns.
  assert.ok(major >= 140, `desktop strict_min_version ${gecko.strict_min_version} is below what data_collection_permissions needs`);
  assert.equal(m.background.service_worker, undefined, 'Firefox gets background.scripts only');
});
