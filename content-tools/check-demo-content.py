#!/usr/bin/env python3
"""Lint the demo content against the engine's content contract.

Checks, for every .md file under content/:
  * front matter is TOML between +++ lines and uses only contract keys
    (everything else must live in [extra]);
  * dates have the allowed forms; validity is one of 有效/废止/已修订;
  * internal links @/path.md[#anchor] point at existing files (and, for an
    anchor, at an explicit {#id} on a heading of that file);
  * relative links and [video] files in page bundles exist;
  * each department and category is used on at least two published pages;
  * a page bundle's video transcript carries every caption cue.
Also reports the size of content/ (must stay under 3 MB).

Standard library only (Python 3.11+). Exit status 1 on any error.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"

SECTION_KEYS_STRICT = {"title", "sort_by", "paginate_by", "template", "page_template", "weight", "extra"}
PAGE_KEYS = {"title", "date", "updated", "expires", "draft", "slug", "path", "summary", "weight",
             "template", "aliases", "tags", "department", "category", "source", "publisher",
             "index_number", "doc_number", "written", "validity", "pinned", "video", "extra"}
VIDEO_KEYS = {"file", "poster", "captions", "duration"}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$")
LINK_RE = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING_ID_RE = re.compile(r"^#{1,6} .*\{#([A-Za-z0-9_-]+)\}\s*$", re.M)

errors: list[str] = []
warnings: list[str] = []


def err(path: Path, msg: str) -> None:
    errors.append(f"{path.relative_to(ROOT)}: {msg}")


def split_front(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("+++\n"):
        err(path, "front matter must start with +++")
        return {}, text
    end = text.find("\n+++\n", 4)
    if end < 0:
        err(path, "front matter not closed with +++")
        return {}, text
    try:
        fm = tomllib.loads(text[4:end + 1])
    except tomllib.TOMLDecodeError as e:
        err(path, f"bad TOML: {e}")
        fm = {}
    return fm, text[end + 5:]


def main() -> int:
    used: dict[str, dict[str, set[str]]] = {"department": defaultdict(set), "category": defaultdict(set),
                                             "tags": defaultdict(set)}
    pages = sorted(CONTENT.rglob("*.md"))
    for p in pages:
        fm, body = split_front(p)
        is_section = p.name == "_index.md"
        if "title" not in fm:
            err(p, "missing title")
        allowed = SECTION_KEYS_STRICT if is_section else PAGE_KEYS
        for k in fm:
            if k not in allowed:
                err(p, f"key {k!r} is not in the contract (move it into [extra])")
        for k in ("date", "updated", "expires", "written"):
            v = fm.get(k)
            if v is not None and (not isinstance(v, str) or not DATE_RE.match(v)):
                err(p, f"{k} = {v!r}: use a \"YYYY-MM-DD[ HH:MM]\" string")
        if "validity" in fm and fm["validity"] not in ("有效", "废止", "已修订"):
            err(p, f"validity = {fm['validity']!r}")
        for tax in used:
            v = fm.get(tax)
            if v is not None:
                if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                    err(p, f"{tax} must be a list of strings")
                elif not fm.get("draft"):
                    for term in v:
                        used[tax][term].add(str(p.relative_to(CONTENT)))
        bundle_dir = p.parent
        is_bundle = p.name == "index.md"
        if "video" in fm:
            video = fm["video"]
            for k in video:
                if k not in VIDEO_KEYS:
                    err(p, f"[video] key {k!r} not in the contract")
            for k in ("file", "poster", "captions"):
                if k in video and not (bundle_dir / video[k]).is_file():
                    err(p, f"[video] {k} = {video[k]!r} does not exist in the bundle")
            if "duration" in video and not re.match(r"^\d{2}:\d{2}(:\d{2})?$", video["duration"]):
                err(p, f"[video] duration {video['duration']!r}")
            if "captions" in video and (bundle_dir / video["captions"]).is_file():
                vtt = (bundle_dir / video["captions"]).read_text(encoding="utf-8")
                if not vtt.startswith("WEBVTT"):
                    err(p, "captions file does not start with WEBVTT")
                cues = [ln for ln in vtt.splitlines()
                        if ln and "-->" not in ln and not ln.isdigit() and ln != "WEBVTT"]
                for cue in cues:
                    if cue not in body:
                        err(p, f"transcript lacks caption cue {cue!r}")
                if "## 视频文字稿" not in body:
                    err(p, "video page lacks a '## 视频文字稿' heading")
        # links
        for m in LINK_RE.finditer(body):
            target = m.group(1)
            if target.startswith("@/"):
                file_part, _, anchor = target[2:].partition("#")
                tp = CONTENT / file_part
                if not tp.is_file():
                    err(p, f"internal link {target} -> missing file")
                elif anchor:
                    ids = HEADING_ID_RE.findall(tp.read_text(encoding="utf-8"))
                    if anchor not in ids:
                        err(p, f"internal link {target}: no heading with {{#{anchor}}}")
            elif re.match(r"^[a-z]+:", target) or target.startswith("#") or target.startswith("/"):
                continue
            else:
                if not is_bundle:
                    err(p, f"relative link {target!r} outside a page bundle")
                elif not (bundle_dir / target).is_file():
                    err(p, f"relative link {target!r} -> missing asset")
        if "<!-- more -->" in body and not re.search(r"^<!-- more -->$", body, re.M):
            err(p, "<!-- more --> must be on its own line")

    for tax in ("department", "category"):
        for term, where in sorted(used[tax].items()):
            if len(where) < 2:
                err(CONTENT, f"{tax} {term!r} is used on only {len(where)} published page(s): {sorted(where)}")

    size = sum(f.stat().st_size for f in CONTENT.rglob("*") if f.is_file())
    if size >= 3 * 1024 * 1024:
        err(CONTENT, f"content/ is {size} bytes (limit 3 MB)")

    print(f"{len(pages)} markdown files, content/ = {size} bytes ({size / 1024 / 1024:.2f} MiB)")
    for tax in used:
        print(f"  {tax}: " + ", ".join(f"{t}×{len(w)}" for t, w in sorted(used[tax].items())))
    for w in warnings:
        print("warning:", w)
    for e in errors:
        print("error:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
