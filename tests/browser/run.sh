#!/bin/sh
# The browser suites, as .ci/run runs them: builds the demo site, then checks every page with the
# Nu HTML Checker (vnu.sh) and every page type with axe-core in Chromium (a11y.mjs); finally
# `gongkai serve` live reload in Chromium over http://[::1]:PORT/ (livereload.mjs).
#
# Usage: sh tests/browser/run.sh            (from anywhere; needs cargo, node ≥ 18, java ≥ 11,
#                                            /usr/bin/chromium)
# Env:   A11Y_SCREENSHOTS=<dir>  also save screenshots at 320 and 1280 px for people to look at.
# Every suite runs even if one before it fails; the exit code is non-zero if either failed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/gongkai-browser.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

if [ ! -f "$here/node_modules/playwright-core/package.json" ] || [ ! -f "$here/node_modules/vnu-jar/build/dist/vnu.jar" ]; then
  # --ignore-scripts: vnu-jar's postinstall would try to download a Java runtime; Debian's is used.
  (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund)
fi

(cd "$root" && cargo build -q --bin gongkai)
GONGKAI_NOW="${GONGKAI_NOW:-2026-11-27T12:00:00+08:00}" "$root/target/debug/gongkai" build --root "$root" --output "$work/public"

passed=0
failed=0
suite() {
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}
suite sh "$here/vnu.sh" "$work/public"
suite node "$here/a11y.mjs" "$work/public"
suite node "$here/livereload.mjs"
echo "browser: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
