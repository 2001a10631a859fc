#!/bin/sh
# The production setup, verified: Debian's nginx runs deploy/nginx.conf (the real file; only its
# `root` and `listen` lines are replaced) on a free port on [::1] and 127.0.0.1, serving the demo
# site built into a temporary folder, and this script checks with curl what a citizen's browser
# gets: pages at each level, byte ranges of a video, compression (gzip on the fly, gzip_static,
# brotli_static when the module is installed), the theme's 404 page with status 404, the aliases
# as 301s (deploy/aliases-to-nginx.sh), the same bytes over IPv6 and IPv4, the security and
# cache headers on every kind of response, no folder listings, no hidden files. Then, on the
# nginx-served pages, the axe-core suite (tests/browser/a11y.mjs) and a Chromium check that
# nothing breaks under the server's headers (tests/nginx/console.mjs). Last, the file's
# commented HTTPS set-up, made live as its comments say with a test certificate: HTTP/2, HSTS,
# plain HTTP redirected.
#
# Usage: sh tests/nginx/run.sh        (from anywhere; needs nginx, curl, gzip, openssl, node ≥ 18,
#                                      /usr/bin/chromium, cargo or GONGKAI=/path/to/gongkai)
# Env:   NGINX=/path/to/nginx  (default: nginx on PATH, else /usr/sbin/nginx)
#        CI=true               a missing nginx is a failure, not a skip
# Everything it starts listens on loopback only and is stopped on exit; every wait is bounded.
# Ends with `nginx: N passed, M failed`; exit status 0 only when nothing failed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
browser="$root/tests/browser"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { # fail WHAT [DETAILS ...]: details may hold several lines each
  failed=$((failed + 1))
  echo "FAIL $1"
  shift
  for _detail in "$@"; do printf '%s\n' "$_detail" | sed 's/^/     /'; done
}
nl='
'
finish() {
  echo "nginx: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
if [ ! -x "$NGINX" ]; then
  if [ "${CI:-}" = true ]; then
    fail "nginx is installed" "no nginx at $NGINX (apt-get install nginx)"
    finish
    exit 1
  fi
  echo "nginx: not installed ($NGINX); skipped (apt-get install nginx to run this suite)"
  echo "nginx: 0 passed, 0 failed"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/gongkai-nginx.XXXXXX")
# nginx's workers run as `nobody` when this runs as root: they must be able to read the site.
chmod 755 "$work"
nginx_pid=
stop_nginx() {
  [ -n "$nginx_pid" ] || return 0
  kill -TERM "$nginx_pid" 2>/dev/null || true
  i=0
  while kill -0 "$nginx_pid" 2>/dev/null && [ "$i" -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
  done
  kill -KILL "$nginx_pid" 2>/dev/null || true
  wait "$nginx_pid" 2>/dev/null || true
  nginx_pid=
}
# The long steps run in the background and are waited for, so that a signal reaches the traps
# at once (the shell would otherwise wait for them to finish) and they are stopped too.
child=
run() {
  "$@" &
  child=$!
  if wait "$child"; then
    child=
  else
    _r_status=$?
    child=
    return "$_r_status"
  fi
}
cleanup() {
  if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null || true; fi
  stop_nginx
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pub="$work/public"
conf="$work/conf"
out="$work/responses"
mkdir -p "$conf/snippets" "$out" "$work/tmp"

# ---------------------------------------------------------------------------------------------
# The site: the demo, built as CI builds it.
if [ -n "${GONGKAI:-}" ]; then
  gongkai=$GONGKAI
else
  (cd "$root" && run timeout 900 cargo build -q --bin gongkai)
  gongkai="$root/target/debug/gongkai"
fi
GONGKAI_NOW="${GONGKAI_NOW:-2026-11-27T12:00:00+08:00}" timeout 120 "$gongkai" build --root "$root" --output "$pub" --compress

# What the checks need beside the built files: hidden files that must stay hidden, a
# /.well-known/ file that must be served, a content-hashed asset name (the theme's own, once they
# carry hashes, are checked too) and a date-named file that must not be cached long.
mkdir -p "$pub/.well-known" "$pub/.git"
echo "well-known file" >"$pub/.well-known/gongkai-test.txt"
echo "SECRET hidden in .well-known" >"$pub/.well-known/.hidden"
echo "SECRET git config" >"$pub/.git/config"
echo "SECRET dotfile" >"$pub/.env"
hashed_re='\.[0-9a-f]{10}\.(css|js|mjs|svg|png|jpg|jpeg|webp|avif|gif|ico|woff|woff2)$'
theme_hashed=$(cd "$pub" && find . -type f | grep -E "$hashed_re" | grep -vE '\.[0-9]{10}\.[a-z0-9]+$' | sort | head -n 1 | sed 's|^\.||')
echo 'body { margin: 0; }' >"$pub/gongkai-test.3f2a9c1b0d.css"
echo '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>' >"$pub/gongkai-test.2024031501.svg"
# Types the demo has no file of, that deploy/nginx.conf must get right.
head -c 4096 "$pub/videos/minfadian-jin-shequ/minfadian-jin-shequ.mp4" >"$pub/gongkai-test.webm"
echo 'export const ok = true;' >"$pub/gongkai-test.mjs"
# A stylesheet and a script of the theme, whatever their names become.
css_path=$(cd "$pub" && find css -name '*.css' | sort | head -n 1 | sed 's|^|/|')
js_path=$(cd "$pub" && find js -name '*.js' | sort | head -n 1 | sed 's|^|/|')
css_cache=no-cache
if printf '%s\n' "$css_path" | grep -qE "$hashed_re"; then css_cache='public, max-age=31536000, immutable'; fi

# gzip_static: a page with the `.gz` that `gongkai build --compress` wrote beside it. Its own
# compressed bytes must come back, not a fresh compression.
static_page=/reports/2023-fazhi-zhengfu-jianshe/
static_file="$pub/reports/2023-fazhi-zhengfu-jianshe/index.html"
[ -f "$static_file.gz" ] && [ -f "$static_file.br" ] || fail "build --compress wrote no .gz and .br beside $static_file"
# gzip on the fly: a stylesheet whose compressed copies are taken away (as for a file added by
# hand after the build).
dynamic=$(cd "$pub" && for f in css/*.css; do
  [ "$(wc -c <"$f")" -ge 1024 ] && { echo "/$f"; break; }
done)
[ -n "$dynamic" ] && rm -f "$pub$dynamic.gz" "$pub$dynamic.br"

# brotli_static, where Debian's module is installed.
modules=$("$NGINX" -V 2>&1 | tr ' ' '\n' | sed -n 's/^--modules-path=//p')
brotli_module="${modules:-/usr/lib/nginx/modules}/ngx_http_brotli_static_module.so"
if [ -f "$brotli_module" ]; then
  brotli=yes
  [ -f "$static_file.br" ] || node -e '
    const fs = require("fs"), zlib = require("zlib");
    fs.writeFileSync(process.argv[1] + ".br", zlib.brotliCompressSync(fs.readFileSync(process.argv[1])));
  ' "$static_file"
else
  brotli=no
fi

# ---------------------------------------------------------------------------------------------
# The redirects: deploy/aliases-to-nginx.sh on the demo, and on a small site whose aliases have
# every awkward character an author may write (spaces, Chinese, & $ ; { } '), served under a
# base path; both made into the one include nginx loads.
aliases="$root/deploy/aliases-to-nginx.sh"
if sh "$aliases" "$pub" >"$work/redirects-demo.conf" 2>"$work/aliases.err" &&
  grep -qxF 'location = "/art/2024/3/26/art_1105_20240326.html" { return 301 "/reports/2023-fazhi-zhengfu-jianshe/"; }' "$work/redirects-demo.conf" &&
  grep -qxF 'location = "/reports/page/1/" { return 301 "/reports/"; }' "$work/redirects-demo.conf"; then
  pass "aliases-to-nginx.sh: the demo's alias and page/1/ redirects"
else
  fail "aliases-to-nginx.sh: the demo's alias and page/1/ redirects" "$(cat "$work/aliases.err" "$work/redirects-demo.conf")"
fi

odd="$work/odd-site"
mkdir -p "$odd/content" "$odd/templates"
printf 'base_url = "https://www.example.gov.cn/xxgk/"\ntitle = "别名测试"\n' >"$odd/site.toml"
printf '<!DOCTYPE html>\n<html lang="zh-CN"><title>{{ config.title }}</title></html>\n' >"$odd/templates/index.html"
cp "$odd/templates/index.html" "$odd/templates/section.html"
printf '<!DOCTYPE html>\n<html lang="zh-CN"><title>{{ page.title }}</title></html>\n' >"$odd/templates/page.html"
printf '+++\ntitle = "首页"\n+++\n' >"$odd/content/_index.md"
cat >"$odd/content/jia.md" <<'EOF'
+++
title = "甲"
path = "/新闻/甲 乙/"
aliases = ["/旧 栏目/文章 1.html", "/old/a&b$c;{x}'y/", "/老/"]
+++
正文
EOF
timeout 60 "$gongkai" build --root "$odd" --output "$odd/public" >/dev/null
odd_target='/xxgk/%E6%96%B0%E9%97%BB/%E7%94%B2%20%E4%B9%99/'
if sh "$aliases" --base-path /xxgk/ "$odd/public" >"$work/redirects-odd.conf" 2>"$work/aliases.err" &&
  [ "$(grep -c "^location = .* { return 301 \"$odd_target\"; }\$" "$work/redirects-odd.conf")" -eq 7 ]; then
  pass "aliases-to-nginx.sh: awkward alias paths under a base path, targets percent-encoded"
else
  fail "aliases-to-nginx.sh: awkward alias paths under a base path, targets percent-encoded" "$(cat "$work/aliases.err" "$work/redirects-odd.conf")"
fi
if sh "$aliases" "$odd/public" >"$work/redirects-wrong.conf" 2>"$work/aliases.err"; then
  fail "aliases-to-nginx.sh: a wrong --base-path is an error" "exit status 0"
elif [ -s "$work/redirects-wrong.conf" ]; then
  fail "aliases-to-nginx.sh: a wrong --base-path is an error" "it still wrote: $(head -n 3 "$work/redirects-wrong.conf")"
else
  pass "aliases-to-nginx.sh: a wrong --base-path is an error, and nothing is written"
fi
cat "$work/redirects-demo.conf" "$work/redirects-odd.conf" >"$conf/snippets/gongkai-redirects.conf"

# ---------------------------------------------------------------------------------------------
# The configuration: deploy/nginx.conf with its root and its two listen lines replaced (checked,
# so a reworded file cannot silently listen on port 80), inside a main file standing in for
# Debian's /etc/nginx/nginx.conf with every path in the temporary folder.
pick_port() {
  timeout 10 node -e '
  const net = require("net");
  // A port free on both [::1] and 127.0.0.1 (nginx binds it again just after: a rare race,
  // retried below).
  const tryOne = (left) => {
    const six = net.createServer().once("error", () => left > 0 && tryOne(left - 1));
    six.listen(0, "::1", () => {
      const port = six.address().port;
      const four = net.createServer().once("error", () => six.close(() => left > 0 && tryOne(left - 1)));
      four.listen(port, "127.0.0.1", () => four.close(() => six.close(() => console.log(port))));
    });
  };
  tryOne(20);
'
}
port=$(pick_port)
[ -n "$port" ] || { fail "a free port on [::1] and 127.0.0.1"; finish; exit 1; }

etc=$(dirname "$("$NGINX" -V 2>&1 | tr ' ' '\n' | sed -n 's/^--conf-path=//p')")
etc=${etc:-/etc/nginx}

# write_config DIR PORT with-brotli(yes|no) [TLS_PORT]
# With TLS_PORT, the file's HTTPS set-up as its comments say: the 443 lines and the HSTS header
# uncommented (the test's own certificate), the port-80 listens moved to the redirecting server
# at the end, which is uncommented too.
write_config() {
  dir=$1
  mkdir -p "$dir/snippets"
  ln -sf "$etc/mime.types" "$dir/mime.types"
  cp "$conf/snippets/gongkai-redirects.conf" "$dir/snippets/" 2>/dev/null || true
  if [ -z "${4:-}" ]; then
    sed -e "s|^\([ ]*\)listen 80;\$|\1listen 127.0.0.1:$2;|" \
      -e "s|^\([ ]*\)listen \[::\]:80;\$|\1listen [::1]:$2;|" \
      -e "s|^\([ ]*\)root /srv/www/site;\$|\1root $pub;|" \
      "$root/deploy/nginx.conf" >"$dir/gongkai.conf"
  else
    sed -e '/^    listen 80;$/d' -e '/^    listen \[::\]:80;$/d' \
      -e "s|^    #listen 443 ssl http2;\$|    listen 127.0.0.1:$4 ssl http2;|" \
      -e "s|^    #listen \[::\]:443 ssl http2;\$|    listen [::1]:$4 ssl http2;|" \
      -e "s|^    #ssl_certificate .*|    ssl_certificate $work/tls/cert.pem;|" \
      -e "s|^    #ssl_certificate_key .*|    ssl_certificate_key $work/tls/key.pem;|" \
      -e 's|^    #\(ssl_[a-z_]* \)|    \1|' \
      -e 's|^    #\(add_header Strict-Transport-Security \)|    \1|' \
      -e '/^#server {$/,/^#}$/s/^#//' \
      -e "s|^    listen 80;\$|    listen 127.0.0.1:$2;|" \
      -e "s|^    listen \[::\]:80;\$|    listen [::1]:$2;|" \
      -e "s|/srv/www/site|$pub|g" \
      "$root/deploy/nginx.conf" >"$dir/gongkai.conf"
  fi
  load=
  if [ "$3" = yes ]; then
    cp "$root/deploy/snippets/gongkai-brotli.conf" "$dir/snippets/"
    load="load_module $brotli_module;"
  fi
  cat >"$dir/nginx.conf" <<EOF
# Written by tests/nginx/run.sh; stands in for Debian's /etc/nginx/nginx.conf.
$load
daemon off;
worker_processes 1;
pid $work/nginx.pid;
lock_file $work/nginx.lock;
error_log $work/error.log notice;
events { worker_connections 256; }
http {
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include mime.types;
    default_type application/octet-stream;
    access_log $work/access.log;
    client_body_temp_path $work/tmp/client_body;
    proxy_temp_path $work/tmp/proxy;
    fastcgi_temp_path $work/tmp/fastcgi;
    uwsgi_temp_path $work/tmp/uwsgi;
    scgi_temp_path $work/tmp/scgi;
    gzip on;
    include gongkai.conf;
}
EOF
}
write_config "$conf" "$port" "$brotli"

listens=$(grep -E '^[[:space:]]*listen ' "$conf/gongkai.conf" | tr -s ' ' | sed 's/^ //' | sort | tr '\n' ' ')
roots=$(grep -E '^[[:space:]]*root ' "$conf/gongkai.conf" | tr -s ' ' | sed 's/^ //')
if [ "$listens" = "listen 127.0.0.1:$port; listen [::1]:$port; " ] && [ "$roots" = "root $pub;" ]; then
  pass "deploy/nginx.conf: listen [::]:80 and listen 80 (now [::1]:$port, 127.0.0.1:$port) and root replaced, nothing else listening"
else
  fail "deploy/nginx.conf: listen and root lines replaced" "listen lines: $listens" "root lines: $roots"
  finish
  exit 1
fi

nginx_test() { # nginx_test DIR: `nginx -t` passes with no warning
  "$NGINX" -t -p "$work/" -c "$1/nginx.conf" -e "$work/test.log" >"$work/test.out" 2>&1 || return 1
  # (nginx 1.25.1 and later deprecate `listen … http2`, as the file's comment says.)
  ! grep -s -E '\[(warn|error|crit|alert|emerg)\]' "$work/test.out" "$work/test.log" | grep -v 'listen \.\.\. http2" directive is deprecated'
}
# The file must work where the brotli module is not installed: here without the module and
# without the brotli snippet (the wildcard include then matches nothing).
write_config "$work/conf-plain" "$port" no
if nginx_test "$work/conf-plain"; then
  pass "nginx -t: deploy/nginx.conf without the brotli module, no warnings"
else
  fail "nginx -t: deploy/nginx.conf without the brotli module, no warnings" "$(cat "$work/test.out" "$work/test.log")"
fi
if [ "$brotli" = yes ]; then
  if nginx_test "$conf"; then
    pass "nginx -t: with the brotli module and deploy/snippets/gongkai-brotli.conf, no warnings"
  else
    fail "nginx -t: with the brotli module and deploy/snippets/gongkai-brotli.conf, no warnings" "$(cat "$work/test.out" "$work/test.log")"
  fi
else
  echo "note brotli module not installed ($brotli_module): brotli_static not tested"
fi

# ---------------------------------------------------------------------------------------------
# Start nginx (in the foreground of a background job, so its pid is ours) and wait, bounded,
# until it answers on both addresses.
v6="http://[::1]:$port"
v4="http://127.0.0.1:$port"
curl_() { curl -s -S -g --noproxy '*' --max-time 10 "$@"; }
start_nginx() { # start_nginx CONF_DIR URL ...: nginx running and answering every URL
  "$NGINX" -p "$work/" -c "$1/nginx.conf" -e "$work/error.log" </dev/null >>"$work/nginx.out" 2>&1 &
  nginx_pid=$!
  shift
  i=0
  while [ "$i" -lt 100 ]; do
    if ! kill -0 "$nginx_pid" 2>/dev/null; then
      wait "$nginx_pid" 2>/dev/null || true
      nginx_pid=
      return 1
    fi
    _s_all=yes
    for _s_url in "$@"; do
      curl_ -k -o /dev/null --max-time 1 "$_s_url" 2>/dev/null || _s_all=no
    done
    [ "$_s_all" = no ] || return 0
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}
attempt=1
until start_nginx "$conf" "$v6/" "$v4/"; do
  stop_nginx
  if [ "$attempt" -ge 3 ] || ! grep -q 'Address already in use' "$work/error.log" "$work/nginx.out" 2>/dev/null; then
    fail "nginx starts on [::1] and 127.0.0.1" "$(cat "$work/nginx.out" "$work/error.log" 2>/dev/null | tail -n 20)"
    finish
    exit 1
  fi
  # Someone took the port in between: another one.
  attempt=$((attempt + 1))
  port=$(pick_port)
  write_config "$conf" "$port" "$brotli"
  v6="http://[::1]:$port"
  v4="http://127.0.0.1:$port"
done
pass "nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///') started on [::1]:$port and 127.0.0.1:$port"

# ---------------------------------------------------------------------------------------------
# Requests. `get NAME URL [curl options]` saves the status, headers and body of one response;
# `hdr NAME Header` prints one header's value.
get() {
  _g_name=$1
  _g_url=$2
  shift 2
  curl_ -o "$out/$_g_name.body" -D "$out/$_g_name.head" -w '%{http_code}' "$@" "$_g_url" >"$out/$_g_name.status" 2>"$out/$_g_name.err" || true
}
status() { cat "$out/$1.status"; }
hdr() { tr -d '\r' <"$out/$1.head" | grep -i "^$2:" | tail -n 1 | sed 's/^[^:]*:[ ]*//'; }
# `expect NAME WHAT STATUS [RULE ...]` checks it, rules being Header=REGEX (the whole value),
# no-header=Header, body=FILE (the same bytes) and body-lacks=TEXT.
expect() {
  _e_name=$1
  _e_what=$2
  _e_want=$3
  shift 3
  _e_why=""
  _e_got=$(status "$_e_name")
  [ "$_e_got" = "$_e_want" ] || _e_why="$_e_why${nl}status $_e_got, not $_e_want $(cat "$out/$_e_name.err")"
  for _e_rule in "$@"; do
    case $_e_rule in
      body=*) cmp -s "$out/$_e_name.body" "${_e_rule#body=}" || _e_why="$_e_why${nl}body differs from ${_e_rule#body=}" ;;
      body-lacks=*) ! grep -qF -- "${_e_rule#body-lacks=}" "$out/$_e_name.body" || _e_why="$_e_why${nl}body has \"${_e_rule#body-lacks=}\"" ;;
      no-header=*)
        _e_value=$(hdr "$_e_name" "${_e_rule#no-header=}")
        [ -z "$_e_value" ] || _e_why="$_e_why${nl}has ${_e_rule#no-header=}: $_e_value" ;;
      *=*)
        _e_value=$(hdr "$_e_name" "${_e_rule%%=*}")
        printf '%s\n' "$_e_value" | grep -qxE -- "${_e_rule#*=}" ||
          _e_why="$_e_why${nl}${_e_rule%%=*}: \"$_e_value\", expected /${_e_rule#*=}/" ;;
    esac
  done
  if [ -z "$_e_why" ]; then
    pass "$_e_what"
  else
    fail "$_e_what" "${_e_why#"$nl"}"
  fi
}

# Pages at each level: home (首页), a column (二级页面), an article (三级页面), a list's second
# page, all byte for byte the built files, as UTF-8 HTML that browsers must revalidate.
html='text/html; charset=utf-8'
get home "$v6/"
expect home "home page / (IPv6)" 200 Content-Type="$html" body="$pub/index.html" Cache-Control=no-cache ETag='".+"' Last-Modified='.+GMT'
get column "$v6/reports/"
expect column "second-level page /reports/" 200 Content-Type="$html" body="$pub/reports/index.html"
get article "$v6/reports/2023-fazhi-zhengfu-jianshe/"
expect article "third-level page /reports/2023-fazhi-zhengfu-jianshe/" 200 Content-Type="$html" body="$static_file"
get pager "$v6/reports/page/2/"
expect pager "a list's second page /reports/page/2/" 200 body="$pub/reports/page/2/index.html"
get noslash "$v6/reports"
expect noslash "a folder without its slash: 301 to /reports/, a relative Location" 301 Location=/reports/
etag=$(hdr home ETag)
get revalidate "$v6/" -H "If-None-Match: $etag"
expect revalidate "a page revalidated with its ETag: 304 Not Modified" 304

# Video: byte ranges (seeking), the right types for video and captions, no compression.
mp4=/videos/minfadian-jin-shequ/minfadian-jin-shequ.mp4
mp4_file="$pub$mp4"
mp4_size=$(wc -c <"$mp4_file" | tr -d ' ')
head -c 100 "$mp4_file" >"$work/mp4-first-100"
tail -c +1001 "$mp4_file" | head -c 1000 >"$work/mp4-1000-1999"
get range "$v6$mp4" -H 'Range: bytes=0-99' -H 'Accept-Encoding: gzip, br'
expect range "video range request bytes=0-99: 206, Content-Range, the first 100 bytes" 206 \
  Content-Range="bytes 0-99/$mp4_size" Content-Length=100 Content-Type=video/mp4 body="$work/mp4-first-100" no-header=Content-Encoding
get range2 "$v6$mp4" -H 'Range: bytes=1000-1999'
expect range2 "video range request bytes=1000-1999 (seeking)" 206 Content-Range="bytes 1000-1999/$mp4_size" body="$work/mp4-1000-1999"
get mp4head "$v6$mp4" -I
expect mp4head "video HEAD: Accept-Ranges: bytes, its length, video/mp4" 200 Accept-Ranges=bytes Content-Length="$mp4_size" Content-Type=video/mp4
get vtt "$v6/videos/minfadian-jin-shequ/minfadian-jin-shequ.vtt"
expect vtt "captions as text/vtt; charset=utf-8" 200 Content-Type='text/vtt; charset=utf-8' body="$pub/videos/minfadian-jin-shequ/minfadian-jin-shequ.vtt"
get webm "$v6/gongkai-test.webm" -H 'Range: bytes=0-99'
expect webm "a .webm video as video/webm, by range" 206 Content-Type=video/webm Content-Range='bytes 0-99/4096'
get mjs "$v6/gongkai-test.mjs"
expect mjs "a JavaScript module (.mjs) as JavaScript, UTF-8" 200 Content-Type='(application|text)/javascript; charset=utf-8'
get poster "$v6/videos/minfadian-jin-shequ/poster.jpg"
expect poster "poster image as image/jpeg" 200 Content-Type=image/jpeg
get pdf "$v6/reports/2023-fazhi-zhengfu-jianshe/fujian1-2023-zhuyao-zhibiao.pdf"
expect pdf "attachment as application/pdf" 200 Content-Type=application/pdf
get docx "$v6/notices/2026-jiaoshi-zhaopin/baomingbiao.docx"
expect docx "attachment as the Word type" 200 Content-Type=application/vnd.openxmlformats-officedocument.wordprocessingml.document
get css "$v6$css_path"
expect css "stylesheet $css_path as text/css; charset=utf-8, Cache-Control: $css_cache" 200 Content-Type='text/css; charset=utf-8' Cache-Control="$css_cache" body="$pub$css_path"
get js "$v6$js_path"
expect js "script $js_path as JavaScript, UTF-8" 200 Content-Type='(application|text)/javascript; charset=utf-8' body="$pub$js_path"

# Compression.
gunzip -c "$static_file.gz" >"$work/static.expected"
get gzstatic "$v6$static_page" -H 'Accept-Encoding: gzip'
expect gzstatic "gzip_static: the .gz beside the page is sent as is (Content-Length of the .gz)" 200 \
  Content-Encoding=gzip Content-Length="$(wc -c <"$static_file.gz" | tr -d ' ')" Vary=Accept-Encoding body="$static_file.gz"
get identity "$v6$static_page"
expect identity "the same page to a client that takes no compression: plain bytes" 200 no-header=Content-Encoding body="$static_file"
if [ -n "$dynamic" ]; then
  get gzdyn "$v6$dynamic" -H 'Accept-Encoding: gzip'
  gunzip -c <"$out/gzdyn.body" >"$work/gzdyn.plain" 2>/dev/null || true
  cp "$work/gzdyn.plain" "$out/gzdyn.body"
  expect gzdyn "gzip on the fly for $dynamic (no .gz beside it), decompresses to the file" 200 \
    Content-Encoding=gzip Vary=Accept-Encoding body="$pub$dynamic"
else
  fail "no stylesheet of 1 KiB or more to check gzip on the fly with"
fi
if [ "$brotli" = yes ]; then
  get brstatic "$v6$static_page" -H 'Accept-Encoding: gzip, deflate, br'
  expect brstatic "brotli_static: the .br beside the page, preferred to gzip" 200 \
    Content-Encoding=br Content-Length="$(wc -c <"$static_file.br" | tr -d ' ')" Vary=Accept-Encoding body="$static_file.br"
fi

# Missing pages: the theme's 404 page, status 404, at any depth, for any kind of URL.
get missing "$v6/no-such-page/"
expect missing "missing page /no-such-page/: 404 with the theme's 404.html" 404 Content-Type="$html" body="$pub/404.html" Cache-Control=no-cache
get missing_deep "$v6/a/b/c/no-such-file.html"
expect missing_deep "missing deep file: 404 with the theme's 404.html" 404 body="$pub/404.html"
get missing_hashed "$v6/css/missing.3f2a9c1b0d.css"
expect missing_hashed "missing hashed-looking asset: 404, not cached for a year" 404 Cache-Control=no-cache

# Cache rules.
get hashed "$v6/gongkai-test.3f2a9c1b0d.css"
expect hashed "content-hashed name (name.3f2a9c1b0d.css): cached a year, immutable" 200 Cache-Control='public, max-age=31536000, immutable'
if [ -n "$theme_hashed" ]; then
  get theme_hashed "$v6$theme_hashed"
  expect theme_hashed "the theme's content-hashed $theme_hashed: cached a year, immutable" 200 Cache-Control='public, max-age=31536000, immutable'
fi
get dated "$v6/gongkai-test.2024031501.svg"
expect dated "a date-named file (name.2024031501.svg, no hex letter) is not taken for hashed: no-cache" 200 Cache-Control=no-cache Content-Type='image/svg\+xml(; charset=utf-8)?'

# Aliases: real 301s to the page (the redirect pages stay as a fallback).
get alias "$v6/art/2024/3/26/art_1105_20240326.html"
expect alias "alias /art/2024/3/26/art_1105_20240326.html: 301 to the report" 301 Location=/reports/2023-fazhi-zhengfu-jianshe/
get page1 "$v6/reports/page/1/"
expect page1 "/reports/page/1/: 301 to /reports/" 301 Location=/reports/
get odd1 "$v6/xxgk/%E6%97%A7%20%E6%A0%8F%E7%9B%AE/%E6%96%87%E7%AB%A0%201.html"
expect odd1 "alias with Chinese and a space (/xxgk/旧 栏目/文章 1.html): 301, Location percent-encoded" 301 Location="$odd_target"
get odd2 "$v6/xxgk/old/a%26b%24c%3B%7Bx%7D'y/"
expect odd2 "alias with & \$ ; { } ' (/xxgk/old/a&b\$c;{x}'y/): 301" 301 Location="$odd_target"
get odd3 "$v6/xxgk/%E8%80%81"
expect odd3 "folder alias without its slash (/xxgk/老): one 301 to the page" 301 Location="$odd_target"

# No folder listings; hidden files are not served, /.well-known/ is.
get listing_css "$v6/css/"
expect listing_css "no listing of /css/ (a folder without index.html): 404 page" 404 body-lacks='Index of' body="$pub/404.html"
get listing_video "$v6/videos/minfadian-jin-shequ/"
expect listing_video "a folder with index.html shows its page, not a listing" 200 body-lacks='Index of' body="$pub/videos/minfadian-jin-shequ/index.html"
get marker "$v6/.gongkai-output"
expect marker "hidden file /.gongkai-output: 404" 404 body-lacks='gongkai build' body="$pub/404.html"
get git "$v6/.git/config"
expect git "hidden folder /.git/config: 404" 404 body-lacks=SECRET
get env "$v6/.env"
expect env "hidden file /.env: 404" 404 body-lacks=SECRET
get git_encoded "$v6/%2egit/config"
expect git_encoded "hidden folder, percent-encoded /%2egit/config: 404" 404 body-lacks=SECRET
get wellknown "$v6/.well-known/gongkai-test.txt"
expect wellknown "/.well-known/ is served" 200 body="$pub/.well-known/gongkai-test.txt" Content-Type='text/plain; charset=utf-8'
get wellknown_hidden "$v6/.well-known/.hidden"
expect wellknown_hidden "a hidden file inside /.well-known/: 404" 404 body-lacks=SECRET

# The same over IPv4, byte for byte.
for pair in "home /" "article $static_page" "missing /no-such-page/" "css $css_path" "alias /art/2024/3/26/art_1105_20240326.html"; do
  name=${pair%% *}
  path=${pair#* }
  get "${name}_v4" "$v4$path"
  expect "${name}_v4" "IPv4 127.0.0.1 $path: the same status and bytes as over IPv6" "$(status "$name")" body="$out/$name.body"
done
get range_v4 "$v4$mp4" -H 'Range: bytes=0-99'
expect range_v4 "IPv4 video range request: the same 206 and bytes" 206 Content-Range="bytes 0-99/$mp4_size" body="$out/range.body"

# Security headers on every kind of response: page, asset, range, 304, 404, 301s, hidden files.
meta_csp=$(sed -n 's/.*<meta http-equiv="Content-Security-Policy" content="\([^"]*\)".*/\1/p' "$pub/index.html" | head -n 1)
directives() { printf '%s\n' "$1" | tr ';' '\n' | sed 's/^ *//; s/ *$//' | grep -v '^$' | sort; }
header_csp=$(hdr home Content-Security-Policy)
missing_directives=$(directives "$meta_csp" | while IFS= read -r d; do
  directives "$header_csp" | grep -qxF -- "$d" || printf '%s; ' "$d"
done)
if [ -n "$meta_csp" ] && [ -z "$missing_directives" ] && [ "${header_csp#default-src \'self\'}" != "$header_csp" ] &&
  printf '%s\n' "$header_csp" | grep -qE "frame-ancestors '(self|none)'"; then
  pass "Content-Security-Policy header: starts with default-src 'self', has every directive of the theme's <meta> policy, and frame-ancestors"
else
  fail "Content-Security-Policy header agrees with the theme's <meta> policy" "theme:  $meta_csp" "header: $header_csp" "missing: $missing_directives"
fi
case $header_csp in
  *"frame-ancestors 'none'"*) xfo=DENY ;;
  *) xfo=SAMEORIGIN ;;
esac
for name in home article css range revalidate gzstatic missing missing_deep noslash alias odd1 listing_css marker wellknown hashed mp4head home_v4 missing_v4; do
  expect "$name" "security headers on $name ($(status "$name"))" "$(status "$name")" \
    Content-Security-Policy="default-src 'self'; .*frame-ancestors '(self|none)'.*" \
    X-Content-Type-Options=nosniff \
    Referrer-Policy='(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)' \
    Permissions-Policy='.*camera=\(\).*' \
    X-Frame-Options="$xfo" \
    Cache-Control='.+' \
    Server=nginx
done

# ---------------------------------------------------------------------------------------------
# In Chromium, on the pages nginx serves: axe-core (every page type, five modes) and a check
# that no console error, CSP violation or failed request occurs under the server's headers.
if [ ! -f "$browser/node_modules/playwright-core/package.json" ] || [ ! -f "$browser/node_modules/axe-core/axe.min.js" ]; then
  (cd "$browser" && timeout 600 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
# (TMPDIR: the browsers' profiles go in the work folder, removed even if they are killed.)
if run env TMPDIR="$work" timeout 540 node "$browser/a11y.mjs" --base-url "$v6/" >"$work/a11y.out" 2>&1; then
  pass "axe-core suite (tests/browser/a11y.mjs) on the pages nginx serves: $(grep -E '^a11y: .* runs' "$work/a11y.out" | tail -n 1)"
else
  fail "axe-core suite (tests/browser/a11y.mjs) on the pages nginx serves" "$(tail -n 40 "$work/a11y.out")"
fi
run env TMPDIR="$work" timeout 180 node "$here/console.mjs" "$v4/" >"$work/console.out" 2>&1 || true
sed 's/^/  /' "$work/console.out"
ok=$(grep -c '^ok ' "$work/console.out" || true)
bad=$(grep -c '^FAIL ' "$work/console.out" || true)
passed=$((passed + ok))
failed=$((failed + bad))
if ! grep -q '^console: [0-9]* passed, 0 failed$' "$work/console.out"; then
  [ "$bad" -gt 0 ] || fail "Chromium console check (tests/nginx/console.mjs) ran to the end"
fi

# ---------------------------------------------------------------------------------------------
# HTTPS as the file's comments describe it, with a certificate made for the test: HTTP/2 over
# IPv6 and IPv4, the HSTS header, and plain HTTP redirected to HTTPS except ACME challenges.
stop_nginx
if ! command -v openssl >/dev/null; then
  if [ "${CI:-}" = true ]; then fail "HTTPS set-up" "no openssl to make a test certificate"; else echo "note no openssl: the HTTPS set-up is not tested"; fi
else
  mkdir -p "$work/tls" "$pub/.well-known/acme-challenge"
  echo "acme token" >"$pub/.well-known/acme-challenge/gongkai-test"
  timeout 60 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=www.example.gov.cn -keyout "$work/tls/key.pem" -out "$work/tls/cert.pem" >"$work/tls/openssl.out" 2>&1
  plain=$(pick_port)
  tls=$(pick_port)
  [ "$tls" != "$plain" ] || tls=$(pick_port)
  write_config "$work/conf-tls" "$plain" "$brotli" "$tls"
  listens=$(grep -E '^[[:space:]]*listen ' "$work/conf-tls/gongkai.conf" | tr -s ' ' | sed 's/^ //' | sort | tr '\n' ' ')
  want=$(printf 'listen %s;\n' "127.0.0.1:$plain" "127.0.0.1:$tls ssl http2" "[::1]:$plain" "[::1]:$tls ssl http2" | sort | tr '\n' ' ')
  if [ "$listens" != "$want" ]; then
    fail "HTTPS set-up: the commented 443 lines and redirecting server made live" "listen lines: $listens" "expected:     $want"
  elif ! nginx_test "$work/conf-tls"; then
    fail "nginx -t: the HTTPS set-up, no warnings" "$(cat "$work/test.out" "$work/test.log")"
  elif ! start_nginx "$work/conf-tls" "https://[::1]:$tls/" "https://127.0.0.1:$tls/" "http://[::1]:$plain/"; then
    fail "nginx starts with the HTTPS set-up" "$(tail -n 20 "$work/error.log")"
  else
    pass "nginx -t and start: the HTTPS set-up (443 lines uncommented, port 80 redirecting)"
    for base in "https://[::1]:$tls" "https://127.0.0.1:$tls"; do
      get tls "$base/" -k --http2
      expect tls "HTTPS $base/: the home page, HSTS and the security headers" 200 body="$pub/index.html" \
        Strict-Transport-Security='max-age=[0-9]+.*' Content-Security-Policy="default-src 'self'; .*" X-Content-Type-Options=nosniff
      version=$(curl_ -k --http2 -o /dev/null -w '%{http_version}' "$base/" 2>&1 || true)
      if [ "$version" = 2 ]; then pass "HTTPS $base/: HTTP/2"; else fail "HTTPS $base/: HTTP/2" "HTTP version: $version"; fi
    done
    get tls404 "https://[::1]:$tls/no-such-page/" -k --http2
    expect tls404 "HTTPS missing page: 404 with the theme's page and HSTS" 404 body="$pub/404.html" Strict-Transport-Security='max-age=[0-9]+.*'
    get to_https "http://[::1]:$plain/reports/?page=1"
    expect to_https "plain HTTP: 301 to the same URL over HTTPS" 301 Location='https://\[::1\]/reports/\?page=1'
    get acme "http://127.0.0.1:$plain/.well-known/acme-challenge/gongkai-test"
    expect acme "plain HTTP: ACME challenges still answered (certificate renewal)" 200 body="$pub/.well-known/acme-challenge/gongkai-test"
  fi
  stop_nginx
fi

# nginx itself had nothing serious to say.
if grep -E '\[(crit|alert|emerg)\]' "$work/error.log" >"$work/serious.log"; then
  fail "nginx error log: no crit/alert/emerg" "$(head -n 10 "$work/serious.log")"
else
  pass "nginx error log: no crit/alert/emerg"
fi

finish
