#!/bin/sh
# HTML validity of every built page with the Nu HTML Checker (npm vnu-jar), errors only.
# Usage: sh tests/browser/vnu.sh <built-site-dir>
# Needs Java 11+ and `npm ci` run in tests/browser/. Exit 0 when there is no error.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: vnu.sh <built-site-dir>}
jar="$here/node_modules/vnu-jar/build/dist/vnu.jar"
if [ ! -f "$jar" ]; then
  echo "vnu: $jar is missing; run 'npm ci --ignore-scripts' in $here" >&2
  exit 2
fi
pages=$(find "$dir" -name '*.html' | wc -l | tr -d ' ')
# --skip-non-html: only .html files; the redirect stubs of aliases are checked too.
if out=$(timeout 300 java -Xss4m -jar "$jar" --errors-only --skip-non-html "$dir" 2>&1); then
  echo "vnu: $pages pages, 0 errors"
  echo "$pages passed, 0 failed"
else
  printf '%s\n' "$out" | sed "s|file:$(cd "$dir" && pwd)||"
  errors=$(printf '%s\n' "$out" | grep -c ': error: ' || true)
  failed=$(printf '%s\n' "$out" | grep ': error: ' | sed 's/":.*//' | sort -u | wc -l | tr -d ' ')
  echo "vnu: $pages pages, $errors error(s) in $failed page(s)"
  echo "$((pages - failed)) passed, $failed failed"
  exit 1
fi
