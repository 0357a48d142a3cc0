#!/usr/bin/env bash
# Counts the instructions one `outpost` command executes, with valgrind's callgrind. Instruction
# counts do not depend on what else the machine is doing, so two builds (or two designs) compare
# on a shared machine where wall-clock times vary by a third from run to run.
#
#   tools/callgrind/count.sh [--top N] [--out FILE] -- ARGS...      # ARGS as for `outpost`
#
# Uses $OUTPOST, else .build/release/outpost (build it with `swift build -c release`). Prints the
# total instruction count and the N (default 15) functions with the most inclusive instructions;
# --out keeps the raw callgrind file for callgrind_annotate or kcachegrind. The command runs about
# 50 times slower than usual, and OUTPOST_NOW is passed through as it is set.
set -euo pipefail
top=15
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --top) top="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [--top N] [--out FILE] -- ARGS..." >&2; exit 64 ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--top N] [--out FILE] -- ARGS..." >&2; exit 64; }
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 69; }
root="$(cd "$(dirname "$0")/../.." && pwd)"
binary="${OUTPOST:-$root/.build/release/outpost}"
[ -x "$binary" ] || { echo "no outpost binary at $binary; run: swift build -c release" >&2; exit 66; }
file="${out:-$(mktemp -t callgrind.XXXXXX)}"
valgrind --tool=callgrind --callgrind-out-file="$file" "$binary" "$@" > /dev/null 2> "$file.log" || {
  status=$?
  echo "outpost exited $status under valgrind; see $file.log" >&2
  exit "$status"
}
total=$(grep -m1 '^summary:' "$file" | awk '{print $2}')
echo "instructions: $total"
# The functions follow the "Ir  file:function" header and its rule.
callgrind_annotate --inclusive=yes "$file" 2>/dev/null \
  | awk 'seen && /^-+$/ {list = 1; next} /file:function/ {seen = 1; next} list && NF > 0' \
  | head -n "$top" | cut -c1-160
[ -n "$out" ] || rm -f "$file" "$file.log"
