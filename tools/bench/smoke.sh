#!/usr/bin/env bash
# CI smoke run of `outpost-bench scale` at a small size: builds nothing, asserts no timing.
#
#   tools/bench/smoke.sh BINARY [OUT.json]
#
# BINARY is a built outpost-bench (swift build -c release --product outpost-bench). Runs
# `scale --records 2000 --changes 50` in a temporary work folder (removed afterwards) and exits
# with the benchmark's own status: non-zero only when the benchmark fails (a phase or an outpost
# command exits non-zero, verify finds a problem, the document is missing). A missing sqlite3 or
# git is not a failure: the document says so. Keeps the JSON document in OUT.json if given.
set -euo pipefail
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 BINARY [OUT.json]" >&2; exit 64; }
binary="$1"
[ -x "$binary" ] || { echo "smoke: no executable outpost-bench at $binary" >&2; exit 66; }
work="$(mktemp -d -t outpost-bench-smoke.XXXXXX)"
trap 'rm -rf "$work"' EXIT
out="${2:-$work/scale.json}"
start=$SECONDS
"$binary" scale --records 2000 --changes 50 --work "$work" --out "$out" > /dev/null 2> "$work/log" || {
  status=$?
  echo "smoke: outpost-bench scale failed (status $status); its log:" >&2
  tail -n 40 "$work/log" >&2
  exit "$status"
}
grep -q '"benchmark":"scale"' "$out" || { echo "smoke: $out is not a scale document" >&2; exit 1; }
echo "smoke: outpost-bench scale --records 2000 --changes 50 ok in $((SECONDS - start)) s ($out)"
