#!/usr/bin/env bash
# report-check: render the demo's HTML report (SPEC.md §9.10) in headless Chromium and check it.
#
#   tools/report-check/check.sh OUTPOST_BINARY
#
# Runs `OUTPOST_BINARY demo` into a temporary folder, then with Chromium:
#   - saves a full-page screenshot and a PDF (A4, the report's print style) under
#     .build/report-check/ (report.png, report.pdf: CI artifacts);
#   - renders a copy of report.html with a checking script injected (the report itself has no
#     scripts), which walks every svg.chart: drawn (non-empty geometry), a <title>, both axes with
#     ticks and the unit, data marks, no text outside the viewBox; and records window errors,
#     console.error calls and resource errors. Its JSON verdict is read back with --dump-dom;
#   - scans Chromium's log of the original page for console messages.
# Prints "report-check: ok (N charts)", or exits 1 naming what is wrong.
set -euo pipefail

fail() { echo "report-check: FAIL: $*" >&2; exit 1; }

[ $# -eq 1 ] || { echo "usage: $0 OUTPOST_BINARY" >&2; exit 64; }
[ -x "$1" ] || fail "'$1' is not an executable outpost binary"
binary="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/.build/report-check"
mkdir -p "$out"
chromium=""
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" >/dev/null; then chromium=$(command -v "$candidate"); break; fi
done
[ -n "$chromium" ] || fail "Chromium not found (apt-get install chromium fonts-noto-cjk)"
command -v python3 >/dev/null || fail "python3 not found"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The demo's clock is fixed (SPEC.md §10): the same report every run.
if ! "$binary" demo "$work/demo" >"$work/demo.log" 2>&1; then
  tail -n 30 "$work/demo.log" >&2
  fail "'outpost demo' failed (its last lines above)"
fi
report="$work/demo/report.html"
[ -s "$report" ] || fail "the demo wrote no report.html"

# The report stays self-contained: no scripts, nothing loaded from elsewhere.
if grep -qi '<script' "$report"; then fail "report.html contains a <script>"; fi
if grep -Eqi '(src|href)="(https?:)?//' "$report"; then
  fail "report.html loads something from elsewhere: $(grep -Eoi '(src|href)="(https?:)?//[^"]*' "$report" | head -1)"
fi

chrome() {
  timeout 180 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --no-first-run --no-default-browser-check --user-data-dir="$work/profile" "$@"
}

# 1. The checking copy: the script goes right after the charset, before anything can fail.
python3 - "$report" "$work/check.html" "$(dirname "$0")/check.js" <<'PY'
import sys
page, copy, script = sys.argv[1], sys.argv[2], open(sys.argv[3], encoding="utf-8").read()
html = open(page, encoding="utf-8").read()
anchor = '<meta charset="utf-8">'
if anchor not in html:
    sys.exit("report-check: FAIL: report.html has no <meta charset=\"utf-8\">")
html = html.replace(anchor, anchor + "<script>\n" + script + "\n</script>", 1)
open(copy, "w", encoding="utf-8").write(html)
PY
chrome --window-size=1200,900 --virtual-time-budget=5000 --dump-dom "file://$work/check.html" >"$work/dom.html" \
  2>"$work/dump.log" || { tail -n 20 "$work/dump.log" >&2; fail "Chromium could not render the page"; }
verdict=$(python3 - "$work/dom.html" <<'PY'
import html, json, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
# The last one: the script's own text names the element too.
found = re.findall(r'<pre id="verdict">(\{.*?\})</pre>', dom, re.S)
try:
    verdict = json.loads(html.unescape(found[-1]))
except (IndexError, ValueError) as error:
    print("FAIL the checking script wrote no readable verdict (did the page load?): %s" % error)
    sys.exit(0)
problems = verdict["errors"] + verdict["problems"]
if verdict["charts"] == 0:
    problems.append("no svg.chart in the page")
if problems:
    print("FAIL " + "\n  ".join([""] + problems[:40]))
else:
    print("OK %d %d" % (verdict["charts"], verdict["height"]))
PY
)
case "$verdict" in
  OK*) ;;
  *) fail "the rendered page:${verdict#FAIL}" ;;
esac
read -r _ charts height <<<"$verdict"

# 2. The original page: a full-page screenshot, with Chromium's log scanned for console
# messages (a page without scripts has none), and the PDF.
height=$((height + 40))
[ "$height" -le 30000 ] || height=30000
rm -f "$out/report.png" "$out/report.pdf"
chrome --enable-logging=stderr --v=0 --window-size=1200,"$height" \
  --screenshot="$out/report.png" "file://$report" >"$work/shot.out" 2>"$work/shot.log" || true
[ -s "$out/report.png" ] || { tail -n 20 "$work/shot.log" >&2; fail "no screenshot was written"; }
if grep -q 'CONSOLE' "$work/shot.log"; then
  grep 'CONSOLE' "$work/shot.log" | head -n 10 >&2
  fail "the report logs console messages (above)"
fi
chrome --no-pdf-header-footer --print-to-pdf="$out/report.pdf" "file://$report" \
  >"$work/pdf.out" 2>"$work/pdf.log" || true
[ -s "$out/report.pdf" ] || { tail -n 20 "$work/pdf.log" >&2; fail "no PDF was written"; }
head -c 5 "$out/report.pdf" | grep -q '%PDF' || fail "report.pdf is not a PDF"
cp "$report" "$out/report.html"
echo "report-check: ok ($charts charts)"
