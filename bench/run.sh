#!/usr/bin/env bash
# bench/run.sh: `gongkai build` and Hugo, side by side, on the same generated corpus.
#
#   bench/run.sh                         # 1k, 10k and 100k pages
#   SIZES="1000 10000" bench/run.sh      # chosen sizes only
#   TOOLS=hugo SIZES=10000 bench/run.sh  # one tool only
#
# For each size: generate the corpus (examples/corpus.rs), then for each tool time cold builds
# with hyperfine (output folder deleted before every run) and run one more build under
# /usr/bin/time -v for peak RSS and a count of the HTML written. Prints a Markdown table and
# writes it to bench/results/summary.md; raw output goes to bench/results/raw/<stamp>/ (ignored
# by git). See bench/README.md for the method.
#
# Settings (environment):
#   SIZES          page counts                                  "1000 10000 100000"
#   TOOLS          which tools                                  "gongkai hugo"
#   SEED           corpus seed                                  42
#   RUNS, WARMUP   hyperfine runs / warmups below LARGE_AT      3, 1
#   LARGE_AT       from this size on use LARGE_RUNS/LARGE_WARMUP 100000
#   LARGE_RUNS, LARGE_WARMUP                                    1, 0
#   CMD_TIMEOUT    seconds allowed for one build                1200
#   BUILD_TIMEOUT  seconds allowed for cargo build              1800
#   BENCH_WORK     where the corpora go                         /tmp/gongkai-bench
#   BENCH_OUT      where the built sites go                     /dev/shm/gongkai-bench if /dev/shm
#                  is a writable tmpfs, else BENCH_WORK. On a shared disk, page writeback makes
#                  the system time of a 10k build swing from 1 s to 30 s; tmpfs keeps it out.
#   BENCH_RESULTS  where results go                             <repo>/bench/results
#   GONGKAI        gongkai binary (skips cargo build if set)    <repo>/target/release/gongkai
#   GONGKAI_ARGS   its arguments; {root} and {out} are replaced "build --root {root} --output {out}"
#   HUGO           hugo binary                                  hugo
#   KEEP_OUTPUT=1  keep the built sites under BENCH_WORK
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZES="${SIZES:-1000 10000 100000}"
TOOLS="${TOOLS:-gongkai hugo}"
SEED="${SEED:-42}"
RUNS="${RUNS:-3}"
WARMUP="${WARMUP:-1}"
LARGE_AT="${LARGE_AT:-100000}"
LARGE_RUNS="${LARGE_RUNS:-1}"
LARGE_WARMUP="${LARGE_WARMUP:-0}"
CMD_TIMEOUT="${CMD_TIMEOUT:-1200}"
BUILD_TIMEOUT="${BUILD_TIMEOUT:-1800}"
WORK="${BENCH_WORK:-/tmp/gongkai-bench}"
if [[ -z "${BENCH_OUT:-}" ]]; then
    BENCH_OUT="$WORK"
    if [[ -d /dev/shm && -w /dev/shm ]] && [[ "$(stat -f -c %T /dev/shm 2>/dev/null)" == tmpfs ]]; then
        BENCH_OUT=/dev/shm/gongkai-bench
    fi
fi
RESULTS="${BENCH_RESULTS:-$ROOT/bench/results}"
DEFAULT_GONGKAI_ARGS='build --root {root} --output {out}'
GONGKAI_ARGS="${GONGKAI_ARGS:-$DEFAULT_GONGKAI_ARGS}"
HUGO="${HUGO:-hugo}"
KEEP_OUTPUT="${KEEP_OUTPUT:-0}"

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RAW="$RESULTS/raw/$STAMP"
FAILED=0

say() { printf '%s\n' "bench: $*" >&2; }
warn() { printf '%s\n' "bench: WARNING: $*" >&2; }
has_tool() { [[ " $TOOLS " == *" $1 "* ]]; }

# --- prerequisites ----------------------------------------------------------------------------
missing=()
for cmd in hyperfine timeout awk; do
    command -v "$cmd" >/dev/null || missing+=("$cmd")
done
[[ -x /usr/bin/time ]] || missing+=("/usr/bin/time (package: time)")
if has_tool hugo; then
    command -v "$HUGO" >/dev/null || missing+=("$HUGO (package: hugo)")
fi
if ((${#missing[@]})); then
    say "missing: ${missing[*]}"
    say "install with: apt-get install hyperfine time hugo coreutils"
    exit 2
fi

mkdir -p "$RAW" "$WORK" "$BENCH_OUT"
cd "$ROOT"

# --- the machine ------------------------------------------------------------------------------
{
    echo "date (UTC): $STAMP"
    echo "nproc: $(nproc)"
    echo "cpu: $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
    echo "memory: $(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
    echo "kernel: $(uname -sr)"
    if [[ -r /etc/os-release ]]; then
        # shellcheck source=/dev/null
        echo "os: $(. /etc/os-release && echo "${PRETTY_NAME:-unknown}")"
    fi
    echo "rustc: $(rustc --version 2>/dev/null || echo none)"
    echo "hugo: $("$HUGO" version 2>/dev/null | head -n1 || echo none)"
    echo "hyperfine: $(hyperfine --version)"
    echo "content on: $WORK ($(stat -f -c %T "$WORK")); output on: $BENCH_OUT ($(stat -f -c %T "$BENCH_OUT"))"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "gongkai commit: $(git rev-parse --short HEAD 2>/dev/null || echo none)$(git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || echo ' (with uncommitted changes)')"
} >"$RAW/machine.txt"
say "machine:"
sed 's/^/  /' "$RAW/machine.txt" >&2
if awk '{ exit !($1 > 0.5) }' /proc/loadavg; then
    warn "the machine is busy (load $(cut -d' ' -f1 /proc/loadavg)): wall times will be noisy; compare CPU times"
fi

# --- binaries ---------------------------------------------------------------------------------
if has_tool gongkai; then
    if [[ -z "${GONGKAI:-}" ]]; then
        GONGKAI="$ROOT/target/release/gongkai"
        say "cargo build --release --bin gongkai"
        if ! timeout "$BUILD_TIMEOUT" cargo build --release --bin gongkai >"$RAW/cargo-build.log" 2>&1; then
            warn "gongkai did not build (see $RAW/cargo-build.log); benchmarking the other tools only"
            tail -n 20 "$RAW/cargo-build.log" >&2 || true
            TOOLS="${TOOLS//gongkai/}"
            FAILED=1
            GONGKAI_STATUS="build failed"
        fi
    fi
    if [[ -z "${GONGKAI_STATUS:-}" ]]; then
        if [[ ! -x "$GONGKAI" ]]; then
            warn "$GONGKAI is not executable"
            exit 2
        fi
        echo "gongkai binary: $GONGKAI, built $(date -u -r "$GONGKAI" +%Y-%m-%dT%H:%MZ)" >>"$RAW/machine.txt"
    fi
fi

# The generator is std-only: when the crate itself does not compile, rustc builds it alone.
CORPUS="$ROOT/target/release/examples/corpus"
say "building the corpus generator"
if ! timeout "$BUILD_TIMEOUT" cargo build --release --example corpus >"$RAW/cargo-corpus.log" 2>&1; then
    warn "cargo could not build examples/corpus.rs (the crate may be mid-edit); using rustc directly"
    CORPUS="$WORK/corpus"
    timeout "$BUILD_TIMEOUT" rustc --edition 2024 -C opt-level=3 "$ROOT/examples/corpus.rs" -o "$CORPUS"
fi

# --- one measurement --------------------------------------------------------------------------
# build_command TOOL CORPUS_DIR OUT_DIR: the command line, as one string for hyperfine.
build_command() {
    local tool=$1 dir=$2 out=$3 args
    case $tool in
        gongkai)
            args="${GONGKAI_ARGS//\{root\}/$dir}"
            args="${args//\{out\}/$out}"
            echo "$GONGKAI $args"
            ;;
        hugo) echo "$HUGO --source $dir/hugo --destination $out --quiet" ;;
        *) say "unknown tool: $tool"; exit 2 ;;
    esac
}

# csv_field FILE COLUMN: a number from hyperfine's CSV export (first data row).
csv_field() {
    awk -F, -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
                         NR == 2 { print (c && $c != "" ? $c : "") }' "$1"
}

ROWS=()

# measure TOOL N CORPUS_DIR EXPECTED_HTML
measure() {
    local tool=$1 n=$2 dir=$3 expected=$4
    local out="$BENCH_OUT/out-$tool-$n" runs=$RUNS warmup=$WARMUP
    if ((n >= LARGE_AT)); then runs=$LARGE_RUNS; warmup=$LARGE_WARMUP; fi
    local cmd
    cmd="$(build_command "$tool" "$dir" "$out")"
    local base="$RAW/$tool-$n"
    echo "$cmd" >"$base.command"

    say "$tool, $n pages: hyperfine --warmup $warmup --runs $runs"
    local hf_timeout=$(((runs + warmup) * CMD_TIMEOUT + 60))
    local mean="" sd="" lo="" hi="" cpu="" rss="" wall="" html="" stubs="" status=ok
    if timeout "$hf_timeout" hyperfine --style basic --warmup "$warmup" --runs "$runs" \
        --prepare "rm -rf '$out'" \
        --command-name "$tool $n" \
        --export-csv "$base.hyperfine.csv" --export-json "$base.hyperfine.json" \
        "timeout $CMD_TIMEOUT $cmd" >"$base.hyperfine.txt" 2>&1; then
        mean="$(csv_field "$base.hyperfine.csv" mean)"
        sd="$(csv_field "$base.hyperfine.csv" stddev)"
        lo="$(csv_field "$base.hyperfine.csv" min)"
        hi="$(csv_field "$base.hyperfine.csv" max)"
        cpu="$(awk -v u="$(csv_field "$base.hyperfine.csv" user)" \
            -v s="$(csv_field "$base.hyperfine.csv" system)" 'BEGIN { print u + s }')"
    else
        status="hyperfine failed"
        warn "$tool at $n pages failed under hyperfine; last lines of $base.hyperfine.txt:"
        tail -n 15 "$base.hyperfine.txt" >&2 || true
    fi

    # One more cold build for peak memory and for what was written.
    rm -rf "$out"
    # shellcheck disable=SC2086 # $cmd is a command line on purpose
    if timeout "$CMD_TIMEOUT" /usr/bin/time -v -o "$base.time.txt" $cmd >"$base.build.log" 2>&1; then
        rss="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$base.time.txt")"
        wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$base.time.txt")"
        html="$(find "$out" -name '*.html' -type f | wc -l)"
        stubs="$(grep -rlF --include='*.html' 'http-equiv="refresh"' "$out" | wc -l || true)"
    else
        [[ $status == ok ]] && status="build failed"
        warn "$tool at $n pages: the /usr/bin/time build failed; see $base.build.log"
        tail -n 15 "$base.build.log" >&2 || true
    fi
    if [[ $status == ok && -n $html && -n $expected ]] && ((html - stubs < expected)); then
        status="short output"
        warn "$tool at $n pages wrote $((html - stubs)) HTML pages, expected $expected"
    fi
    [[ $KEEP_OUTPUT == 1 ]] || rm -rf "$out"
    [[ $status == ok ]] || FAILED=1

    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
        "$n" "$tool" "$status" "$mean" "$sd" "$lo" "$hi" "$cpu" "$rss" "$wall" "$html" "$stubs" \
        >>"$RAW/results.tsv"
    ROWS+=("$n|$tool|$status|$mean|$sd|$lo|$hi|$cpu|$rss|$html|$stubs|$expected")
}

# --- the runs ---------------------------------------------------------------------------------
printf 'pages\ttool\tstatus\tmean_s\tstddev_s\tmin_s\tmax_s\tcpu_s\tpeak_rss_kb\ttime_v_wall\thtml_files\tredirect_stubs\n' \
    >"$RAW/results.tsv"

for n in $SIZES; do
    dir="$WORK/corpus-$n"
    say "generating $n pages in $dir"
    timeout 1800 "$CORPUS" --pages "$n" --out "$dir" --seed "$SEED" >"$RAW/corpus-$n.toml"
    expected="$(awk -F' = ' '/^total = / {print $2}' "$RAW/corpus-$n.toml")"
    for tool in $TOOLS; do
        measure "$tool" "$n" "$dir" "$expected"
    done
    if [[ -n "${GONGKAI_STATUS:-}" ]]; then
        ROWS+=("$n|gongkai|$GONGKAI_STATUS||||||||$expected")
    fi
done

# --- the table --------------------------------------------------------------------------------
table() {
    echo "| pages | tool | wall time, mean ± σ (s) | min … max (s) | CPU user+sys (s) | peak RSS (MiB) | HTML pages written (expected) | wall time vs Hugo |"
    echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    local row n tool status mean sd lo hi cpu rss html stubs expected
    for row in "${ROWS[@]}"; do
        IFS='|' read -r n tool status mean sd lo hi cpu rss html stubs expected <<<"$row"
        local hugo_mean="" r
        for r in "${ROWS[@]}"; do
            IFS='|' read -r rn rtool _ rmean _ <<<"$r"
            [[ $rn == "$n" && $rtool == hugo ]] && hugo_mean=$rmean
        done
        awk -v n="$n" -v tool="$tool" -v status="$status" -v mean="$mean" -v sd="$sd" \
            -v lo="$lo" -v hi="$hi" -v cpu="$cpu" -v rss="$rss" -v html="$html" -v stubs="$stubs" \
            -v expected="$expected" -v hm="$hugo_mean" 'BEGIN {
            single = (sd == "" || lo == hi)  # one run: no spread to show
            t = (mean == "") ? status : (single ? sprintf("%.2f", mean) : sprintf("%.2f ± %.2f", mean, sd))
            if (mean != "" && status != "ok") t = t " (" status ")"
            mm = (lo == "") ? "" : sprintf("%.2f … %.2f", lo, hi)
            c = (cpu == "") ? "" : sprintf("%.2f", cpu)
            m = (rss == "") ? "" : sprintf("%.0f", rss / 1024)
            p = (html == "") ? "" : sprintf("%d%s", html - stubs, stubs > 0 ? sprintf(" + %d redirects", stubs) : "")
            if (expected != "") p = p " (" expected ")"
            v = (mean != "" && hm != "" && tool != "hugo") ? sprintf("%.2f×", mean / hm) : ""
            printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", n, tool, t, mm, c, m, p, v
        }'
    done
}

{
    echo "# Benchmark results"
    echo
    echo "\`bench/run.sh\` with SIZES=\"$SIZES\", TOOLS=\"$TOOLS\", seed $SEED; cold builds (output deleted"
    echo "before every run), warm page cache. Raw data: bench/results/raw/$STAMP/ (not committed)."
    echo
    table
    echo
    echo "Machine:"
    echo
    sed 's/^/    /' "$RAW/machine.txt"
    echo "    load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$RAW/summary.md"
cp "$RAW/summary.md" "$RESULTS/summary.md"

echo
cat "$RAW/summary.md"
if ((FAILED)); then
    say "some measurements failed; see $RAW"
    exit 1
fi
