#!/usr/bin/env bash
# Bounceback's build, as a recipe.
#
#   ./build.sh          check and install what the build needs, build dist/chromium, dist/firefox
#                       and their packages
#   ./build.sh test     check style (cargo fmt, clippy for native and wasm32), build, then run
#                       every test layer (cargo, wasm-bindgen-test in a headless browser,
#                       web-ext lint, end to end in headless Chromium and Firefox, also behind
#                       Debian's nginx, apache2, haproxy, varnish, caddy and lighttpd)
#   ./build.sh bench    build, then measure sizes and costs (see README, "Performance");
#                       --only sizes,coldstart,pageload runs some parts, --loads N (≥ 30) page loads per arm
#   ./build.sh demo     build, then open a browser with the extension on a local failing site
#                       (--scenario cloudflare-522|nginx-502|refused|maintenance, --headless --screenshot DIR)
#
# Environment: CHROMIUM_BIN, CHROMEDRIVER, FIREFOX_BIN, GECKODRIVER override where the browsers
# and drivers are; CI=true turns every "missing browser" into a failure, never a skip.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

DIST="$ROOT/dist"
PKG="$ROOT/target/wasm-pkg"
WASM_TARGET=wasm32-unknown-unknown
GECKODRIVER_VERSION=0.37.1 # the geckodriver the tests were written against (Firefox ESR 140 to 153)
TWIGGY_VERSION=0.8.0 # the wasm size profiler ./build.sh bench reads the module with
# --converge repeats -Oz while it still shrinks the module; the module's memory is its own
# (zero-filled) and Rust keeps nothing in its lowest 1 KB (the stack grows down towards it from
# 1 MB); the producers and target-features sections are for tools, not browsers. What each flag
# buys is in README, "Performance". (Exported: the bench profiles a named copy with the same.)
export WASM_OPT_FLAGS="-Oz --converge --zero-filled-memory --low-memory-unused --strip-producers --strip-target-features
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals
  --enable-reference-types --enable-multivalue"
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

need() { # need TOOL "how to get it"
  command -v "$1" >/dev/null 2>&1 || die "'$1' is missing. $2"
}

# The wasm-bindgen version the crate is locked to; the CLI must match it exactly.
locked_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

check_build_tools() {
  say "Checking build tools"
  need cargo "Install Rust from https://rustup.rs (rustup, cargo, rustc)."
  need node "Install Node.js 20 or newer (Debian: apt-get install nodejs npm)."
  need npm "Install npm (Debian: apt-get install npm)."
  if command -v rustup >/dev/null 2>&1; then
    rustup target list --installed | grep -qx "$WASM_TARGET" || rustup target add "$WASM_TARGET"
  else
    rustc --print target-list | grep -qx "$WASM_TARGET" || die "no $WASM_TARGET target: install it with rustup"
  fi
  local want have
  want="$(locked_wasm_bindgen_version)"
  [ -n "$want" ] || die "cannot find wasm-bindgen in Cargo.lock"
  have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
  if [ "$have" != "$want" ]; then
    say "Installing wasm-bindgen-cli $want (found: ${have:-none}); this takes a few minutes"
    # No --locked: the CLI's own lockfile pins a crate version some registries do not serve.
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
  if [ ! -x node_modules/.bin/wasm-opt ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "Installing Node tooling (npm ci)"
    npm ci --no-audit --no-fund
  fi
}

build_wasm() {
  say "Building the Rust core for $WASM_TARGET (release, --locked)"
  cargo build --locked --release --target "$WASM_TARGET" --lib
  rm -rf "$PKG" && mkdir -p "$PKG"
  wasm-bindgen --target web --no-typescript --out-dir "$PKG" \
    "target/$WASM_TARGET/release/bounceback.wasm"
  say "Optimising the wasm (binaryen from npm; Debian's wasm-opt 108 corrupts this output)"
  # shellcheck disable=SC2086 # the flags are words
  wasm-opt $WASM_OPT_FLAGS "$PKG/bounceback_bg.wasm" -o "$PKG/bounceback_bg.opt.wasm"
  mv "$PKG/bounceback_bg.opt.wasm" "$PKG/bounceback_bg.wasm"
  verify_wasm
}

# Load the optimised module in Node and drive it once, so a broken optimiser fails the build
# instead of shipping an extension that silently does nothing.
verify_wasm() {
  say "Loading the optimised wasm once in Node"
  node --input-type=module - "$PKG" <<'EOF'
import { readFileSync } from 'node:fs';
const dir = process.argv[2];
const { initSync, Core } = await import(`${dir}/bounceback.js`);
initSync({ module: readFileSync(`${dir}/bounceback_bg.wasm`) });
const core = new Core({}, 42);
const actions = core.handle({ type: 'navigationCompleted', tabId: 1, url: 'https://example.com/',
  method: 'GET', status: 502, headers: [['server', 'nginx']] }, 1_000_000);
if (!Array.isArray(actions) || !actions.some((a) => a.type === 'scheduleWakeUp' && a.atMs > 1_000_000)) {
  throw new Error(`the optimised core answered a 502 with ${JSON.stringify(actions)}`);
}
Core.restore(core.snapshot());
let refused = false;
try { core.handle({ type: 'noSuchEvent' }, 0); } catch { refused = true; }
if (!refused) throw new Error('the optimised core accepted a malformed event');
EOF
}

# Writes dist/<browser>/manifest.json from the root manifest.json: each browser gets only the
# keys it understands, so neither warns about the other's.
derive_manifest() { # derive_manifest BROWSER OUT
  node --input-type=module - "$ROOT/manifest.json" "$1" "$2" <<'EOF'
import { readFileSync, writeFileSync } from 'node:fs';
const [src, browser, out] = process.argv.slice(2);
const m = JSON.parse(readFileSync(src, 'utf8'));
const { service_worker, scripts, type } = m.background;
if (browser === 'chromium') {
  m.background = { service_worker, type };
  delete m.browser_specific_settings;
} else {
  m.background = { scripts, type };
  delete m.minimum_chrome_version;
}
writeFileSync(out, JSON.stringify(m, null, 2) + '\n');
EOF
}

assemble() {
  for browser in chromium firefox; do
    say "Assembling dist/$browser"
    local out="$DIST/$browser"
    rm -rf "$out" && mkdir -p "$out/wasm"
    cp -R extension/. "$out/"
    cp "$PKG/bounceback.js" "$PKG/bounceback_bg.wasm" "$out/wasm/"
    derive_manifest "$browser" "$out/manifest.json"
  done
}

package() {
  say "Packaging"
  rm -f "$DIST/bounceback-chromium.zip" "$DIST/bounceback-firefox.xpi"
  python3 - "$DIST" <<'EOF'
import os, sys, zipfile
dist = sys.argv[1]
for browser, name in (('chromium', 'bounceback-chromium.zip'), ('firefox', 'bounceback-firefox.xpi')):
    root = os.path.join(dist, browser)
    with zipfile.ZipFile(os.path.join(dist, name), 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for folder, dirs, files in os.walk(root):
            dirs.sort()
            for f in sorted(files):
                path = os.path.join(folder, f)
                info = zipfile.ZipInfo(os.path.relpath(path, root), date_time=(2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                z.writestr(info, open(path, 'rb').read())
EOF
}

build() {
  check_build_tools
  build_wasm
  assemble
  package
  local wasm_bytes gz_bytes
  wasm_bytes=$(wc -c < "$DIST/chromium/wasm/bounceback_bg.wasm")
  gz_bytes=$(gzip -9nc < "$DIST/chromium/wasm/bounceback_bg.wasm" | wc -c)
  cat <<EOF

Built. The core is ${wasm_bytes} bytes of wasm (${gz_bytes} gzipped).
  Chromium: chrome://extensions -> Developer mode -> Load unpacked -> $DIST/chromium
  Firefox:  about:debugging -> This Firefox -> Load Temporary Add-on -> $DIST/firefox/manifest.json
  Packages: $DIST/bounceback-chromium.zip, $DIST/bounceback-firefox.xpi
EOF
}

# ---- Tests

find_browsers() {
  CHROMIUM_BIN="${CHROMIUM_BIN:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
  CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver || true)}"
  FIREFOX_BIN="${FIREFOX_BIN:-$(command -v firefox-esr || command -v firefox || true)}"
  local missing=()
  [ -n "$CHROMIUM_BIN" ] || missing+=("Chromium (Debian: apt-get install chromium)")
  [ -n "$CHROMEDRIVER" ] || missing+=("ChromeDriver (Debian: apt-get install chromium-driver)")
  [ -n "$FIREFOX_BIN" ] || missing+=("Firefox (Debian: apt-get install firefox-esr)")
  if [ ${#missing[@]} -gt 0 ]; then
    printf 'build.sh: the browser tests need:\n' >&2
    printf '  - %s\n' "${missing[@]}" >&2
    die "install them (or point CHROMIUM_BIN / CHROMEDRIVER / FIREFOX_BIN at them) and run again"
  fi
  GECKODRIVER="${GECKODRIVER:-$(command -v geckodriver || true)}"
  if [ -z "$GECKODRIVER" ]; then
    say "Installing geckodriver $GECKODRIVER_VERSION with cargo (a few minutes)"
    # No --locked, as for wasm-bindgen-cli: its lockfile pins crates some registries do not serve.
    cargo install geckodriver --version "$GECKODRIVER_VERSION"
    GECKODRIVER="$HOME/.cargo/bin/geckodriver"
  fi
  export CHROMIUM_BIN CHROMEDRIVER FIREFOX_BIN GECKODRIVER
}

# The real web servers the end-to-end tests put in front of a test backend, as Debian packages
# them (listed in tests/e2e/realservers.txt; tests/e2e/lib/realservers.mjs starts each itself,
# on 127.0.0.1, from a config of its own). Only the tests need them.
find_servers() {
  local missing=() _ bin pkg
  while read -r _ bin pkg _; do
    [ -x "$bin" ] || missing+=("$pkg")
  done < <(grep -Ev '^[[:space:]]*(#|$)' "$ROOT/tests/e2e/realservers.txt")
  if [ ${#missing[@]} -gt 0 ]; then
    printf 'build.sh: the real-server tests need: %s\n' "${missing[*]}" >&2
    die "install them: apt-get install ${missing[*]} (the packages start system daemons on port 80; .ci/run installs them with a policy-rc.d that keeps those from starting)"
  fi
}

# Fast and first: the style the tree is kept in, and clippy's warnings as errors, for the
# native build and the wasm one (each target compiles different code).
test_style() {
  say "cargo fmt --check; cargo clippy (native and $WASM_TARGET, all targets, warnings denied)"
  local component
  for component in rustfmt clippy; do
    if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
      command -v rustup >/dev/null 2>&1 || die "'cargo ${component/rustfmt/fmt}' is missing: install the $component component of your Rust toolchain"
      rustup component add "$component"
    fi
  done
  cargo fmt --check || die "the tree is not formatted: run cargo fmt"
  cargo clippy --locked --all-targets -- -D warnings
  cargo clippy --locked --target "$WASM_TARGET" --all-targets -- -D warnings
}

test_native() {
  say "cargo test (unit, scenario, property and corpus tests)"
  cargo test --locked
}

# wasm-bindgen-test-runner picks its browser from the environment (GECKODRIVER beats
# CHROMEDRIVER, and a driver on the PATH is a fallback) and its mode from WASM_BINDGEN_USE_*.
# Each run names both, so the test runs where it says it does, whatever else is exported.
test_wasm_boundary() {
  say "wasm-bindgen-test: the JS<->Rust boundary in a Chromium service worker (Chromium's background)"
  env -u GECKODRIVER -u GECKODRIVER_REMOTE -u CHROMEDRIVER_REMOTE -u SAFARIDRIVER -u MSEDGEDRIVER \
    CHROMEDRIVER="$CHROMEDRIVER" WASM_BINDGEN_USE_SERVICE_WORKER=1 WASM_BINDGEN_TEST_TIMEOUT=120 \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test --locked --target "$WASM_TARGET" --test wasm_boundary
  say "wasm-bindgen-test: the same boundary in a Firefox page (Firefox's background is an event page)"
  env -u CHROMEDRIVER -u GECKODRIVER_REMOTE -u CHROMEDRIVER_REMOTE \
    GECKODRIVER="$GECKODRIVER" GECKODRIVER_ARGS="--binary $FIREFOX_BIN" \
    WASM_BINDGEN_USE_BROWSER=1 WASM_BINDGEN_TEST_TIMEOUT=120 \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    cargo test --locked --target "$WASM_TARGET" --test wasm_boundary
}

test_lint() {
  say "web-ext lint (dist/firefox)"
  web-ext lint --source-dir "$DIST/firefox" --warnings-as-errors --output text
}

test_e2e() {
  say "Shell tests: message checks, packages, locales, restarts under a fake browser"
  node --test tests/shell/
  # The two browsers' suites run side by side, each in its own process and browser: most of
  # their time is spent waiting out recovery schedules, not computing. Files that need no
  # extension browser (the test server's own tests, the Firefox driver's) run once.
  say "End to end: the built extension in headless Chromium and Firefox, side by side"
  local logs="$ROOT/target/e2e" status=0 chromium_files=() firefox_files=() f
  mkdir -p "$logs"
  for f in tests/e2e/*.test.mjs; do
    case "$f" in
      */firefox.test.mjs) firefox_files+=("$f") ;;
      */server.test.mjs | */locale.test.mjs | */realservers-cli.test.mjs) chromium_files+=("$f") ;;
      *) chromium_files+=("$f"); firefox_files+=("$f") ;;
    esac
  done
  # Each test has its own timeout, but a suite once stalled past them (Chromium 150, 2026-12-01,
  # not seen again): each browser's whole suite is bounded too, at about three times its
  # usual time in CI (16 minutes).
  E2E_BROWSERS=chromium timeout --kill-after=30 45m node --test --test-concurrency=1 "${chromium_files[@]}" > "$logs/chromium.log" 2>&1 &
  local chromium_pid=$!
  E2E_BROWSERS=firefox timeout --kill-after=30 45m node --test --test-concurrency=1 "${firefox_files[@]}" > "$logs/firefox.log" 2>&1 &
  local firefox_pid=$!
  local rc_chromium=0 rc_firefox=0
  wait "$chromium_pid" || rc_chromium=$?
  wait "$firefox_pid" || rc_firefox=$?
  for f in chromium firefox; do
    say "End to end, $f (log: target/e2e/$f.log)"
    cat "$logs/$f.log"
  done
  for f in chromium:$rc_chromium firefox:$rc_firefox; do
    case "${f#*:}" in
      0) ;;
      124 | 137) printf 'build.sh: the %s suite ran past 45 minutes and was stopped\n' "${f%%:*}" >&2; status=1 ;;
      *) status=1 ;;
    esac
  done
  [ "$status" -eq 0 ] || die "end-to-end tests failed (see above, or target/e2e/*.log)"
}

run_tests() {
  check_build_tools
  find_servers
  test_style
  build
  find_browsers
  test_native
  test_wasm_boundary
  test_lint
  test_e2e
}

# The size profiler for ./build.sh bench: installed at the pinned version only when missing; another
# version is used as it is, with a note (its grouping may differ from the README's figures).
check_twiggy() {
  local have
  have="$(twiggy --version 2>/dev/null | awk '{print $2}' || true)"
  if [ -z "$have" ]; then
    say "Installing twiggy $TWIGGY_VERSION with cargo (a few minutes, once)"
    cargo install twiggy --version "$TWIGGY_VERSION"
  elif [ "$have" != "$TWIGGY_VERSION" ]; then
    say "twiggy $have found (the figures in README were read with $TWIGGY_VERSION)"
  fi
}

bench() {
  build
  find_browsers
  check_twiggy
  say "Benchmarks (figures to read, not pass/fail)"
  node tests/bench/run.mjs "$@"
}

demo() {
  build
  find_browsers
  say "Demo: a local site that fails for 20 s (an nginx 502, or --scenario), then recovers"
  node tests/e2e/demo.mjs "$@"
}

case "${1:-build}" in
  build) build ;;
  test) run_tests ;;
  bench) shift; bench "$@" ;;
  demo) shift; demo "$@" ;;
  *) die "unknown command '$1' (use: ./build.sh, ./build.sh test, ./build.sh bench, ./build.sh demo)" ;;
esac
