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
    assert.deepEqual([...m.permissions].sort(), ['alarms', 'notifications', 'storage', 'webRequest']);
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
