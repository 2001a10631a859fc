#!/usr/bin/env bash
# bench/warm.sh: everyday builds. gongkai and Hugo on the same corpus, in the same run, with the
# output on the disk: a cold build (output deleted first), then warm builds into the previous
# output after no change, one new notice, a title edit that changes listings, and a template
# edit. Needs a corpus made by examples/corpus.rs (bench/README.md); prints a Markdown table.
#
#   bench/warm.sh /tmp/c10k                 # 3 runs of each
#   RUNS=1 bench/warm.sh /tmp/c100k         # 1 run of each
#
# Settings (environment):
#   RUNS       hyperfine runs per case                       3
#   OUT        where the built sites go (a disk, not tmpfs)  /tmp/gongkai-warm
#   TOOLS      which tools                                   "gongkai hugo"
#   GONGKAI    gongkai binary                                <repo>/target/release/gongkai
#   HUGO       hugo binary                                   hugo
#   GONGKAI_ARGS extra arguments for gongkai build           ""
#   CASES      which cases                                   "cold nothing notice title template"
#
# `bench/warm.sh mutate KIND CORPUS` makes one change (used by hyperfine's --prepare):
#   notice    a new notice in the newest year of notices (the home page and that year's
#             listing pages change)
#   title     toggles the title of one notice of that year
#   template  toggles the footer text of the base template of both tools (every page changes)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The newest folder of notices: the corpus splits big sections into year (and month) folders.
newest_notices() {
    local dir="$1/content/notices"
    local next
    while next="$(ls "$dir" | grep -E '^[0-9]+$' | sort | tail -n1)" && [[ -n "$next" ]]; do
        dir="$dir/$next"
    done
    echo "$dir"
}

if [[ "${1:-}" == mutate ]]; then
    kind="$2" corpus="$3"
    dir="$(newest_notices "$corpus")"
    case "$kind" in
        notice)
            n="$(date +%s%N)"
            printf '+++\ntitle = "关于开展行政执法案卷评查的通知%s"\ndate = 2024-12-31T09:00:00+08:00\ntags = ["行政执法"]\n\n[extra]\nsource = "示例区司法局"\n+++\n各单位：区司法局将于12月开展行政执法案卷评查，请做好准备。\n' "$n" \
                >"$dir/bench-new-$n.md"
            ;;
        title)
            file="$(ls "$dir"/n*.md | sort | sed -n 1p)"
            if grep -q '（修订）' "$file"; then
                sed -i '0,/^title = /s/（修订）"/"/' "$file"
            else
                sed -i '0,/^title = /s/"$/（修订）"/' "$file"
            fi
            ;;
        template)
            for t in "$corpus/templates/base.html" "$corpus/hugo/layouts/_default/baseof.html"; do
                if grep -q '主办单位:示例区人民政府办公室' "$t"; then
                    sed -i 's/主办单位:示例区人民政府办公室/主办单位:示例区人民政府/' "$t"
                else
                    sed -i 's/主办单位:示例区人民政府/主办单位:示例区人民政府办公室/' "$t"
                fi
            done
            ;;
        *) echo "unknown change: $kind" >&2; exit 2 ;;
    esac
    exit 0
fi

CORPUS="$(cd "${1:?usage: bench/warm.sh CORPUS_DIR}" && pwd)"
RUNS="${RUNS:-3}"
OUT="${OUT:-/tmp/gongkai-warm}"
TOOLS="${TOOLS:-gongkai hugo}"
GONGKAI="${GONGKAI:-$ROOT/target/release/gongkai}"
HUGO="${HUGO:-hugo}"
GONGKAI_ARGS="${GONGKAI_ARGS:-}"
CASES="${CASES:-cold nothing notice title template}"
export GONGKAI_NOW="${GONGKAI_NOW:-2025-01-01T00:00:00+08:00}"
mkdir -p "$OUT"
JSON="$(mktemp -d)"

command_for() {
    case "$1" in
        gongkai) echo "$GONGKAI build --root $CORPUS --output $OUT/gongkai $GONGKAI_ARGS" ;;
        hugo) echo "$HUGO --source $CORPUS/hugo --destination $OUT/hugo --quiet" ;;
    esac
}

clean() {
    # `sync`, so that the deletion's own disk work is not billed to the timed build.
    echo "rm -rf $OUT/$1 $OUT/.$1.gongkai-spare && sync"
}

echo "| case | tool | wall (s) | user (s) | sys (s) |"
echo "| --- | --- | ---: | ---: | ---: |"
for tool in $TOOLS; do
    cmd="$(command_for "$tool")"
    for case in $CASES; do
        case "$case" in
            cold) prepare="$(clean "$tool")" ;;
            nothing) prepare="true" ;;
            *) prepare="bash $ROOT/bench/warm.sh mutate $case $CORPUS" ;;
        esac
        if [[ "$case" != cold ]]; then
            # Builds first, so that the warm runs find an output (and gongkai its spare).
            eval "$cmd" >/dev/null
            if [[ "$tool" == gongkai ]]; then eval "$cmd" >/dev/null; fi
        fi
        hyperfine --runs "$RUNS" --prepare "$prepare" --export-json "$JSON/$tool-$case.json" \
            --style none "$cmd" >/dev/null 2>&1
        python3 - "$JSON/$tool-$case.json" "$case" "$tool" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
sd = f" ± {r['stddev']:.2f}" if r.get("stddev") else ""
print(f"| {sys.argv[2]} | {sys.argv[3]} | {r['mean']:.2f}{sd} | {r['user']:.2f} | {r['system']:.2f} |")
EOF
    done
done
rm -rf "$JSON"
