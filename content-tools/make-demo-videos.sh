#!/usr/bin/env bash
# Regenerate the demo 普法视频 media from the narration text.
#
# For every content-tools/narration/<slug>.txt this writes, into
# content/videos/<slug>/:
#   <slug>.mp4   H.264 + AAC, 480x270, +faststart
#   <slug>.vtt   WebVTT captions whose cues match the spoken sentences
#   poster.jpg   one frame of the video (480x270)
# and prints the duration to put in the page's [video] table.
#
# The narration is spoken sentence by sentence with espeak-ng (Mandarin
# voice); each sentence's WAV is measured with soxi, so every caption cue
# starts and ends exactly where its sentence does.
#
# Idempotent: every run rebuilds the outputs from scratch in a temporary
# directory and then replaces the files in place; encoder output is
# bit-exact for the same tool versions, so an unchanged narration gives
# unchanged files.
#
# Needs (Debian): espeak-ng sox ffmpeg fonts-noto-cjk
#   apt-get install -y espeak-ng sox ffmpeg fonts-noto-cjk
#
# Usage: content-tools/make-demo-videos.sh [slug ...]   (default: all)

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
narration_dir="$here/narration"
videos_dir="$root/content/videos"

# Tunables.
W=480 H=270
BG="0x1d4e89"          # 政务蓝
ACCENT="0xc8161d"      # 党政红 accent bar
VOICE="cmn"            # espeak-ng Mandarin
SPEED=250              # words per minute (espeak-ng -s)
LEAD=0.50              # silence before the first sentence (s)
GAP=0.40               # silence between sentences (s)
TAIL=0.80              # silence after the last sentence (s)
RATE=22050             # espeak-ng native sample rate
FONT="Noto Sans CJK SC"

for tool in espeak-ng sox soxi ffmpeg ffprobe fc-match; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
fc-match "$FONT" | grep -q "CJK" || { echo "font not found: $FONT (install fonts-noto-cjk)" >&2; exit 1; }

# Seconds (float) -> WebVTT timestamp HH:MM:SS.mmm
vtt_time() { awk -v t="$1" 'BEGIN { ms = int(t * 1000 + 0.5); h = int(ms / 3600000); ms -= h * 3600000; m = int(ms / 60000); ms -= m * 60000; s = int(ms / 1000); ms -= s * 1000; printf "%02d:%02d:%02d.%03d", h, m, s, ms }'; }
# Seconds -> M:SS-style "MM:SS" for front matter
mmss() { awk -v t="$1" 'BEGIN { s = int(t + 0.5); printf "%02d:%02d", int(s / 60), s % 60 }'; }
add() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", a + b }'; }

build_one() {
  local slug="$1" src="$narration_dir/$1.txt"
  [[ -f "$src" ]] || { echo "no narration: $src" >&2; return 1; }
  local out="$videos_dir/$slug"
  mkdir -p "$out"

  local tmp; tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN

  local title="" org="" n=0
  local -a keys=() lines=()
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ -z "$line" || "$line" == \#* ]] && continue
    case "$line" in
      title:*) title="$(sed 's/^title:[[:space:]]*//' <<<"$line")" ;;
      org:*)   org="$(sed 's/^org:[[:space:]]*//' <<<"$line")" ;;
      *\|*)    keys+=("${line%%|*}"); lines+=("${line#*|}"); n=$((n + 1)) ;;
      *)       echo "$src: bad line: $line" >&2; return 1 ;;
    esac
  done <"$src"
  [[ -n "$title" && -n "$org" && $n -gt 0 ]] || { echo "$src: need title:, org: and cue lines" >&2; return 1; }

  # 1. Speak each sentence, measure it, lay out the timeline.
  local t="$LEAD" i dur
  local -a starts=() ends=() parts=()
  sox -D -R -n -r "$RATE" -c 1 -b 16 "$tmp/lead.wav" trim 0 "$LEAD"
  sox -D -R -n -r "$RATE" -c 1 -b 16 "$tmp/gap.wav" trim 0 "$GAP"
  sox -D -R -n -r "$RATE" -c 1 -b 16 "$tmp/tail.wav" trim 0 "$TAIL"
  parts+=("$tmp/lead.wav")
  for ((i = 0; i < n; i++)); do
    espeak-ng -v "$VOICE" -s "$SPEED" -w "$tmp/raw$i.wav" "${lines[$i]}"
    # normalise the format (so the concatenation below is sample-exact) and
    # trim espeak-ng's leading/trailing silence so each cue fits its speech
    sox -D -R "$tmp/raw$i.wav" -r "$RATE" -c 1 -b 16 "$tmp/s$i.wav" \
      silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse
    dur="$(soxi -D "$tmp/s$i.wav")"
    starts+=("$t"); t="$(add "$t" "$dur")"; ends+=("$t")
    parts+=("$tmp/s$i.wav")
    if ((i < n - 1)); then parts+=("$tmp/gap.wav"); t="$(add "$t" "$GAP")"; fi
  done
  parts+=("$tmp/tail.wav")
  sox -D -R "${parts[@]}" "$tmp/narration.wav" gain -n -3
  local total; total="$(soxi -D "$tmp/narration.wav")"

  # 2. WebVTT captions.
  {
    echo "WEBVTT"
    echo
    for ((i = 0; i < n; i++)); do
      echo "$((i + 1))"
      echo "$(vtt_time "${starts[$i]}") --> $(vtt_time "${ends[$i]}")"
      echo "${lines[$i]}"
      echo
    done
  } >"$tmp/$slug.vtt"

  # 3. Video: plain background, accent bar, org name, title, and the key
  #    point of the sentence being spoken. Text goes through textfile= so
  #    no drawtext escaping is needed.
  printf '%s' "$org" >"$tmp/org.txt"
  printf '%s' "示例区普法小课堂 · $title" >"$tmp/title.txt"
  local vf="drawbox=x=0:y=0:w=iw:h=6:color=${ACCENT}:t=fill"
  vf+=",drawbox=x=24:y=ih*0.40-4:w=4:h=ih*0.20:color=white@0.85:t=fill"
  vf+=",drawtext=font='${FONT}':textfile='$tmp/org.txt':fontsize=16:fontcolor=white@0.85:x=24:y=22"
  vf+=",drawtext=font='${FONT}':textfile='$tmp/title.txt':fontsize=18:fontcolor=white:x=24:y=48"
  for ((i = 0; i < n; i++)); do
    printf '%s' "${keys[$i]}" >"$tmp/key$i.txt"
    local from="${starts[$i]}" to
    if ((i < n - 1)); then to="${starts[$((i + 1))]}"; else to="$total"; fi
    # the first key point is also shown during the lead-in, so frame 0 and
    # the poster carry the title
    ((i == 0)) && from=0
    vf+=",drawtext=font='${FONT}':textfile='$tmp/key$i.txt':fontsize=30:fontcolor=white:x=40:y=h*0.50-th/2:enable='between(t,${from},${to})'"
  done

  ffmpeg -nostdin -hide_banner -loglevel error -y \
    -f lavfi -i "color=c=${BG}:s=${W}x${H}:r=25" \
    -i "$tmp/narration.wav" \
    -filter_complex "[0:v]${vf},format=yuv420p[v]" \
    -map "[v]" -map 1:a -t "$total" \
    -c:v libx264 -preset medium -profile:v main -crf 30 -tune stillimage -g 125 -threads 1 \
    -c:a aac -b:a 40k -ar 44100 -ac 1 \
    -map_metadata -1 -fflags +bitexact -flags:v +bitexact -flags:a +bitexact \
    -metadata title="$title" -metadata:s:a:0 language=chi \
    -movflags +faststart \
    "$tmp/$slug.mp4"

  # 4. Poster: a frame from the lead-in (title key point on screen).
  ffmpeg -nostdin -hide_banner -loglevel error -y -ss 0.3 -i "$tmp/$slug.mp4" \
    -frames:v 1 -q:v 4 -map_metadata -1 -fflags +bitexact "$tmp/poster.jpg"

  # 5. Replace outputs in place.
  cp "$tmp/$slug.mp4" "$tmp/$slug.vtt" "$tmp/poster.jpg" "$out/"

  # 6. Check that the page's transcript carries every spoken sentence.
  local page="$out/index.md" missing=0
  if [[ -f "$page" ]]; then
    for ((i = 0; i < n; i++)); do
      grep -qF -- "${lines[$i]}" "$page" || { echo "  warning: $page lacks sentence: ${lines[$i]}" >&2; missing=1; }
    done
  fi

  local vdur; vdur="$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$out/$slug.mp4")"
  printf '%-36s duration = "%s"  (%.2fs, %d cues, %s bytes mp4)\n' \
    "$slug" "$(mmss "$vdur")" "$vdur" "$n" "$(stat -c %s "$out/$slug.mp4")"
  return 0
}

if (($# == 0)); then
  set --
  for f in "$narration_dir"/*.txt; do set -- "$@" "$(basename "$f" .txt)"; done
fi
for slug in "$@"; do build_one "$slug"; done
