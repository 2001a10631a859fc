#!/bin/sh
# Turns the redirect pages of a built gongkai site into nginx 301 redirects.
#
# For every alias (`aliases = [...]` in front matter, and the `page/1/` of paginated lists)
# gongkai writes a small HTML page that sends the browser on (a meta refresh). A web server can
# answer those URLs with a real `301 Moved Permanently` instead, which search engines and link
# checkers understand. This script reads the built site and prints one nginx `location` per
# redirect, for deploy/nginx.conf to include:
#
#   sh deploy/aliases-to-nginx.sh public > /etc/nginx/snippets/gongkai-redirects.conf
#   nginx -t && systemctl reload nginx
#
# Run it again after a build that adds or changes aliases (the redirect pages keep working in the
# meantime). The output depends only on the built files, so comparing it with the installed copy
# tells whether a reload is needed.
#
# Usage: sh aliases-to-nginx.sh [--base-path /PATH/] PUBLIC_DIR
#   --base-path  the path part of `base_url` in site.toml when the site is not at the root of its
#                host (base_url = "https://www.example.gov.cn/xxgk/" → --base-path /xxgk/).
# Exit status: 0 done (also with no redirects), 1 a redirect leads to a page not in the build (wrong --base-path?), 2 usage.
# Needs only POSIX sh, find, grep, sort and awk.
set -eu

usage() {
  echo "usage: sh aliases-to-nginx.sh [--base-path /PATH/] PUBLIC_DIR" >&2
  exit 2
}

base=/
while [ $# -gt 0 ]; do
  case $1 in
    --base-path) [ $# -ge 2 ] || usage; base=$2; shift 2 ;;
    --base-path=*) base=${1#*=}; shift ;;
    -h | --help) sed -n '2,21s/^# \{0,1\}//p' "$0"; exit 0 ;;
    --) shift; break ;;
    -*) echo "aliases-to-nginx: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || usage
dir=$1
if [ ! -f "$dir/.gongkai-output" ]; then
  echo "aliases-to-nginx: $dir is not a folder written by \`gongkai build\` (no .gongkai-output)" >&2
  exit 2
fi
case $base in /*) ;; *) base=/$base ;; esac
case $base in */) ;; *) base=$base/ ;; esac

cd "$dir"
# Byte-wise everywhere: paths are UTF-8, and the percent-encoding below works on bytes.
LC_ALL=C
export LC_ALL

# The redirect pages are the small files with gongkai's fixed redirect title (src/render.rs
# `redirect_html`); each is checked line by line below. Hidden folders are never published.
# (grep exits 1 when no file matches: a site without aliases, nothing to print.)
find . -name '.*' ! -name . -prune -o -type f -name '*.html' -size -8000c \
  -exec grep -l -x -F '<title>页面已迁移</title>' {} + |
  sort |
  awk -v base="$base" '
    BEGIN {
      for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i
      failed = 0
      count = 0
      out = ""
    }
    # A URL path for the Location header: bytes outside a safe set as %XX (Chinese characters,
    # spaces, and `$`, which nginx would read as a variable).
    function encode(s,    out, i, c) {
      out = ""
      for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        if (c ~ /[A-Za-z0-9._~\/!&()*+,;=:@-]/) out = out c
        else out = out sprintf("%%%02X", ord[c])
      }
      return out
    }
    # A quoted nginx string (location paths are compared with the decoded URI, so they stay raw).
    function quote(s) {
      gsub(/\\/, "\\\\", s)
      gsub(/"/, "\\\"", s)
      return "\"" s "\""
    }
    function unescape_html(s) {
      gsub(/&lt;/, "<", s)
      gsub(/&gt;/, ">", s)
      gsub(/&quot;/, "\"", s)
      gsub(/&#39;/, "\047", s)
      gsub(/&amp;/, "\\&", s)
      return s
    }
    function emit(from, to) {
      out = out sprintf("location = %s { return 301 %s; }\n", quote(from), quote(encode(to)))
    }
    {
      file = $0
      rel = substr(file, 3)
      to = ""
      refreshes = 0
      robots = 0
      while ((getline line < file) > 0) {
        if (line ~ /^<meta http-equiv="refresh" content="0; url=[^"]*">$/) {
          to = line
          sub(/^<meta http-equiv="refresh" content="0; url=/, "", to)
          sub(/">$/, "", to)
          refreshes++
        } else if (line == "<meta name=\"robots\" content=\"noindex\">") {
          robots = 1
        }
      }
      close(file)
      if (refreshes != 1 || !robots) {
        # Titled like a redirect page but not one (an author page with that title): left alone.
        next
      }
      to = unescape_html(to)
      # The target is a page of this build: its file must be here (this also catches a wrong
      # --base-path, which would make every location miss).
      target = substr(to, length(base) + 1)
      if (target == "" || target ~ /\/$/) target = target "index.html"
      if (substr(to, 1, length(base)) != base || (getline line < target) < 0) {
        printf "aliases-to-nginx: %s redirects to %s, which is not in this build under the base path %s (wrong --base-path?)\n", rel, to, base > "/dev/stderr"
        failed = 1
        next
      }
      close(target)
      if (rel ~ /(^|\/)index\.html$/) {
        # A folder URL (/old/): also its index.html, and without the slash (one hop, not two).
        folder = base substr(rel, 1, length(rel) - length("index.html"))
        emit(folder, to)
        emit(folder "index.html", to)
        if (folder != "/") emit(substr(folder, 1, length(folder) - 1), to)
      } else {
        emit(base rel, to)
      }
      count++
    }
    END {
      # Nothing on standard output after a problem, so a half-made file is never installed.
      if (failed) {
        print "aliases-to-nginx: nothing written" > "/dev/stderr"
        exit 1
      }
      print "# 301 redirects for the aliases of a gongkai site; made by deploy/aliases-to-nginx.sh."
      print "# Included by deploy/nginx.conf inside `server { }`. Do not edit: make it again after a build."
      printf "%s", out
      printf "aliases-to-nginx: %d redirect(s)\n", count > "/dev/stderr"
    }
  '
