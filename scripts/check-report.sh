#!/usr/bin/env bash
# Renders the HTML assessment report in headless Chromium and checks the screenshot and the PDF.
#
#   scripts/check-report.sh [WORKBOOK PASSPHRASE_FILE] [OUT_DIR]
#
# With a workbook and its passphrase file, reports on that workbook. Without, builds a sample
# workbook through the medsec binary (init, device add, an nmap import from the shared corpus
# when present, answers on devices, a model and a site; owners and an accepted risk when the
# binary has `medsec risk`) in a temporary HOME. Then writes report.html (and report.md), runs
#   chromium --headless --screenshot=report.png --window-size=1280,2000
#   chromium --headless --no-pdf-header-footer --print-to-pdf=report.pdf
# with the flags that stop background networking, and checks both files exist, are not
# trivially small, that the PDF has more than one page and (with pdftotext) that it prints no
# file:// path in a page header or footer. Prints `ok: ...` or `FAIL: ...` and exits 0 or 1.
# The files stay in OUT_DIR (default: a new temporary folder) to look at.
#
# Binary: $MEDSEC, else target/release/medsec (built with `cargo build --release` if missing).
# Chromium: $CHROMIUM, else chromium / chromium-browser on PATH (`apt-get install chromium`).
set -euo pipefail

fail() { echo "FAIL: $*"; exit 1; }

here="$(cd "$(dirname "$0")/.." && pwd)"
medsec="${MEDSEC:-$here/target/release/medsec}"
if [[ ! -x "$medsec" ]]; then
    echo "building $medsec (cargo build --release: several minutes, up to a quarter of an hour from scratch)…"
    (cd "$here" && cargo build --release --quiet) || fail "cargo build --release failed"
fi
chromium="${CHROMIUM:-}"
if [[ -z "$chromium" ]]; then
    chromium="$(command -v chromium || command -v chromium-browser || true)"
fi
[[ -n "$chromium" && -x "$chromium" ]] ||
    fail "no Chromium found; install it with: apt-get install chromium (or set CHROMIUM=/path)"

work="$(mktemp -d)"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
out="${3:-}"
if [[ $# -ge 2 ]]; then
    out="${3:-$(mktemp -d)}"
    workbook="$1"
    export MEDSEC_PASSPHRASE_FILE="$2"
else
    out="${1:-$(mktemp -d)}"
fi
mkdir -p "$out"
export HOME="$work/home"
mkdir -p "$HOME"

if [[ $# -lt 2 ]]; then
    workbook="$work/sample.medsec"
    printf 'correct horse battery staple\n' >"$work/pass"
    chmod 600 "$work/pass"
    export MEDSEC_PASSPHRASE_FILE="$work/pass"
    m() { "$medsec" -w "$workbook" "$@" >/dev/null || fail "medsec $*"; }
    "$medsec" init "$workbook" --org "St. Example Hospital" --site "Main campus" \
        --assessor "A. Assessor" --title "Clinical network device assessment" >/dev/null ||
        fail "medsec init"
    m device add --name "Infusion pump ICU-1" --manufacturer "B. Braun" --model "Space" \
        --site "Main campus" --room "ICU bed 3" --department "ICU" --ip-addresses 10.20.0.11 \
        --criticality Life-sustaining --category "Infusion pump" --asset-tag IP-001
    m device add --name "Infusion pump ICU-2" --manufacturer "B. Braun" --model "Space" \
        --site "Main campus" --room "ICU bed 4" --department "ICU" --ip-addresses 10.20.0.12 \
        --criticality Life-sustaining --category "Infusion pump" --asset-tag IP-002
    m device add --name "Patient monitor <b>Ward 5</b> | bed \"7\"" --manufacturer "Philips" \
        --model "IntelliVue MX450" --site "Main campus" --room "Ward 5" \
        --ip-addresses 10.20.1.7 --criticality Monitoring --category "Patient monitor"
    m device add --name "CT scanner" --manufacturer "Siemens" --model "SOMATOM" \
        --site "Main campus" --room "Radiology 1" --ip-addresses 10.30.0.5 \
        --criticality Diagnostic --category "Imaging modality" --phi-stored Yes
    scan="$here/../shared/corpus/nmap/nmap-zenmap-xml_test11.xml"
    if [[ -f "$scan" ]]; then
        "$medsec" -w "$workbook" import nmap "$scan" >/dev/null 2>&1 ||
            echo "note: the nmap import of $scan did not apply; continuing without it"
    fi
    m answer DEV-0001 ENC-01 no --note "No disk encryption; <script>alert(1)</script>" \
        --likelihood 4 --impact 5 --recommendation "Ask B. Braun for the encrypted firmware"
    m answer DEV-0001 ACC-01 partial --note "Shared clinical login, badge tap" --likelihood 3 \
        --impact 4
    m answer DEV-0001 INV-01 yes
    m answer DEV-0002 VULN-05 no --note "Default service password still set" --likelihood 5 \
        --impact 5 --recommendation "Change it during the next service visit"
    m answer DEV-0003 ENC-03 unknown --note "Could not capture traffic"
    m answer DEV-0003 NET-01 no --note "Flat network | no VLAN" --likelihood 4 --impact 3
    m answer DEV-0004 ENC-01 partial --note "Only the archive is encrypted" --likelihood 2 \
        --impact 4 --evidence-ref "photo 12"
    m answer DEV-0004 INV-01 yes --evidence-ref "CMMS 4711"
    m answer "MODEL:B. Braun/Space" INV-03 no --note "No SBOM from the manufacturer" \
        --likelihood 3 --impact 5
    m answer "SITE:Main campus" IR-01 partial --note "Plan does not name devices" \
        --likelihood 3 --impact 3
    if "$medsec" risk --help >/dev/null 2>&1; then
        "$medsec" -w "$workbook" risk set R-0001 --owner "Biomed team" --due 2026-01-15 \
            --treatment Mitigate --actions "Firmware 4.2 with encryption" >/dev/null 2>&1 ||
            echo "note: medsec risk set R-0001 failed; the report shows no owner for it"
        "$medsec" -w "$workbook" risk set R-0004 --treatment Accept --accepted-by "CMO" \
            --note "Unit is replaced next year" --review 2026-03-01 >/dev/null 2>&1 ||
            echo "note: medsec risk set R-0004 failed; the report shows no accepted risk"
    fi
fi

html="$out/report.html"
md="$out/report.md"
"$medsec" -w "$workbook" export html "$html" >/dev/null || fail "medsec export html"
"$medsec" -w "$workbook" export markdown "$md" >/dev/null || fail "medsec export markdown"
[[ -s "$html" && -s "$md" ]] || fail "the report files are missing or empty"
if grep -Eiq '<script|(src|href)="(https?:)?//|url\(|@import' "$html"; then
    fail "$html refers to something outside the file (script, link, url() or @import)"
fi

flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
    --disable-component-update --disable-default-apps --disable-sync --no-first-run
    --metrics-recording-only --safebrowsing-disable-auto-update --hide-scrollbars
    --user-data-dir="$work/chromium")
png="$out/report.png"
pdf="$out/report.pdf"
rm -f "$png" "$pdf"
timeout 120 "$chromium" "${flags[@]}" --screenshot="$png" --window-size=1280,2000 \
    "file://$html" >"$work/chromium-png.log" 2>&1 || true
# No header or footer: they would print the file:// path (and the date) on every page.
# --no-pdf-header-footer since Chromium 111, --print-to-pdf-no-header before; each ignores the other.
timeout 120 "$chromium" "${flags[@]}" --no-pdf-header-footer --print-to-pdf-no-header \
    --print-to-pdf="$pdf" \
    "file://$html" >"$work/chromium-pdf.log" 2>&1 || true

[[ -f "$png" ]] || fail "no screenshot: $(tail -3 "$work/chromium-png.log")"
[[ -f "$pdf" ]] || fail "no PDF: $(tail -3 "$work/chromium-pdf.log")"
png_size=$(stat -c %s "$png")
pdf_size=$(stat -c %s "$pdf")
((png_size > 20000)) || fail "$png is only $png_size bytes (a blank page?)"
((pdf_size > 20000)) || fail "$pdf is only $pdf_size bytes"
# Page objects (`/Type /Page`, not the `/Pages` tree nodes); pdfinfo when installed.
if command -v pdfinfo >/dev/null; then
    pages=$(pdfinfo "$pdf" 2>/dev/null | awk '/^Pages:/ {print $2}')
else
    pages=$(grep -a -o '/Type */Page[A-Za-z]*' "$pdf" | grep -c -x '/Type */Page' || true)
fi
((pages > 1)) || fail "$pdf has $pages page(s); expected more than one"
if command -v pdftotext >/dev/null && pdftotext "$pdf" "$work/report.txt" 2>/dev/null &&
    grep -q 'file://' "$work/report.txt"; then
    fail "$pdf prints the file:// path (a browser header or footer)"
fi
echo "ok: $html rendered: $png ($png_size bytes), $pdf ($pages pages, $pdf_size bytes); $md"
