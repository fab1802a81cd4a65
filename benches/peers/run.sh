#!/usr/bin/env bash
# medsec against what an analyst would use instead, on the same generated inputs (issue 8;
# PRODUCT.md "Performance budgets"):
#   export xlsx of 1,000 and 10,000 devices   vs  openpyxl (default mode) writing the same cells
#   import nmap of 1,000 and 65,536 hosts     vs  python-libnmap parsing the same file
# Every job runs N times per tool, medsec and its peer taking turns, each under
# /usr/bin/time -v (peak memory) with a nanosecond clock around it (wall time). The table of
# medians (min–max), ratios, peak memory and budgets is printed and written to
# target/bench-results/peers.md (peers-quick.md for --quick); every run's figures go to
# peers-runs.tsv beside it.
#
# Usage: benches/peers/run.sh [--runs N] [--quick] [--regenerate] [--only export|nmap]
#   --runs N       runs per job and tool (default 5; fewer than 5 only with --quick)
#   --only KIND    only the export jobs or only the nmap jobs
#   --quick        smoke test: 1 run (unless --runs says otherwise), 1,000 devices and hosts only
#   --regenerate   make the generated inputs again even when they are up to date
#
# What it does, in order: a Python venv in target/peers-venv (python3 -m venv, then pip install
# of requirements.txt, only when the venv is missing or requirements.txt changed: the only
# network use of the script, besides cargo fetching the crates of Cargo.lock on a machine that
# has never built medsec), `cargo build --release --locked` of medsec and the two bench examples,
# then the inputs under target/bench-inputs/ (a passphrase file, demo workbooks of every
# control answered via `medsec demo`, their exports and cell dumps via examples/xlsx_cells.rs,
# nmap sweeps via examples/nmap_scan.rs; made again when the program that made them changed),
# then the runs (outputs in target/bench-work/). Each export job also checks, untimed and once
# for a given set of inputs and scripts, that openpyxl's file holds the same sheets and cells
# as medsec's (compare_cells.py), and each import job that medsec stored one device per host
# python-libnmap read.
#
# Any failing step stops the script with a message and a non-zero exit.
set -euo pipefail

die() {
    printf 'run.sh: %s\n' "$*" >&2
    exit 1
}
say() { printf '== %s\n' "$*" >&2; }
usage() {
    cat >&2 <<'EOF_USAGE'
usage: benches/peers/run.sh [--runs N] [--quick] [--regenerate] [--only export|nmap]
  --runs N       runs per job and tool (default 5; fewer than 5 only with --quick)
  --only KIND    only the export jobs or only the nmap jobs
  --quick        smoke test: 1 run (unless --runs), 1,000 devices and hosts only
  --regenerate   make the generated inputs again even when they are up to date
EOF_USAGE
    exit 2
}
trap 'printf "run.sh: stopped at line %s: %s\n" "$LINENO" "$BASH_COMMAND" >&2' ERR

runs=""
only=""
quick=0
regenerate=0
while (($#)); do
    case "$1" in
    --runs)
        [[ $# -ge 2 && "$2" =~ ^[0-9]+$ && "$2" -ge 1 ]] || {
            echo "run.sh: --runs needs a whole number of at least 1" >&2
            usage
        }
        runs=$2
        shift 2
        ;;
    --quick) quick=1 && shift ;;
    --only)
        [[ $# -ge 2 && ( "$2" == export || "$2" == nmap ) ]] || {
            echo "run.sh: --only needs export or nmap" >&2
            usage
        }
        only=$2
        shift 2
        ;;
    --regenerate) regenerate=1 && shift ;;
    -h | --help) usage ;;
    *)
        echo "run.sh: unknown option $1" >&2
        usage
        ;;
    esac
done
if ((quick)); then
    runs=${runs:-1}
    export_sizes=(1000)
    nmap_sizes=(1000)
else
    runs=${runs:-5}
    ((runs >= 5)) || {
        echo "run.sh: --runs $runs: the figures are medians of at least 5 runs (use --quick for a smoke test)" >&2
        exit 2
    }
    export_sizes=(1000 10000)
    nmap_sizes=(1000 65536)
fi
case "$only" in
export) nmap_sizes=() ;;
nmap) export_sizes=() ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
peers="$root/benches/peers"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/peers-venv"
inputs="$target/bench-inputs"
results="$target/bench-results"
work="$target/bench-work"

for tool in python3 cargo sha256sum flock; do
    command -v "$tool" >/dev/null || die "$tool is needed and was not found"
done
/usr/bin/time -v true 2>/dev/null || die "/usr/bin/time -v does not work: install GNU time (apt-get install time)"

# One run at a time: two would share the inputs and outputs below (and each other's cores).
mkdir -p "$target"
exec 9>"$target/peers-run.lock"
flock -n 9 || die "another benches/peers/run.sh is running on $target (it holds $target/peers-run.lock)"

# --- the Python peers -----------------------------------------------------------------------
requirements="$peers/requirements.txt"
venv_stamp="$(sha256sum "$requirements" | cut -d' ' -f1) $(python3 --version 2>&1)"
if [[ ! -x "$venv/bin/python" || "$(cat "$venv/.requirements-stamp" 2>/dev/null)" != "$venv_stamp" ]]; then
    say "Python venv $venv: pip install -r benches/peers/requirements.txt (from PyPI)"
    rm -rf "$venv"
    python3 -m venv "$venv" || die "python3 -m venv $venv failed (Debian and Ubuntu: apt-get install python3-venv)"
    "$venv/bin/python" -m pip install --quiet --no-input --require-hashes -r "$requirements" ||
        die "pip install -r $requirements failed: it needs PyPI (the only network use of this script)"
    printf '%s\n' "$venv_stamp" >"$venv/.requirements-stamp"
fi
py="$venv/bin/python"

# --- medsec and the bench examples ------------------------------------------------------------
say "cargo build --release (medsec, examples nmap_scan and xlsx_cells)"
(cd "$root" && cargo build --release --locked --bin medsec --example nmap_scan --example xlsx_cells) ||
    die "cargo build --release failed"
medsec="$target/release/medsec"
nmap_scan="$target/release/examples/nmap_scan"
xlsx_cells="$target/release/examples/xlsx_cells"
for bin in "$medsec" "$nmap_scan" "$xlsx_cells"; do
    [[ -x "$bin" ]] || die "$bin was not built (is CARGO_TARGET_DIR or the build profile unusual?)"
done

# --- inputs -------------------------------------------------------------------------------------
mkdir -p "$inputs" "$results" "$work"
chmod 700 "$inputs" "$work"
passphrase="$inputs/passphrase"
if [[ ! -s "$passphrase" ]]; then
    (umask 077 && printf '%s\n' 'medsec benchmarks: synthetic data only' >"$passphrase")
fi
chmod 600 "$passphrase"
export MEDSEC_PASSPHRASE_FILE="$passphrase"
unset MEDSEC_PASSPHRASE MEDSEC_WORKBOOK

# An input is up to date when its stamp (the SHA-256 of the program that made it) is current.
hash_of() { sha256sum "$1" | cut -d' ' -f1; }
up_to_date() { ((!regenerate)) && [[ -s "$1" && "$(cat "$1.stamp" 2>/dev/null)" == "$2" ]]; }

medsec_hash=$(hash_of "$medsec")
for n in "${export_sizes[@]}"; do
    wb="$inputs/demo-$n.medsec"
    if ! up_to_date "$wb" "$medsec_hash"; then
        say "medsec demo: $n devices, every control answered (not timed)"
        partial="$inputs/demo-$n.partial.medsec"
        rm -f "$wb" "$wb.stamp" "$partial" "$partial-journal"
        "$medsec" demo "$partial" --devices "$n" --answered 1 --no-open >/dev/null ||
            die "medsec demo --devices $n failed"
        mv -f "$partial" "$wb"
        printf '%s\n' "$medsec_hash" >"$wb.stamp"
    fi
    # The export the peer rewrites and the cells it writes, made from this workbook.
    export="$inputs/export-$n.xlsx"
    cells="$inputs/cells-$n.jsonl"
    if ! up_to_date "$cells" "$medsec_hash $(hash_of "$xlsx_cells")"; then
        say "export and cell dump of $n devices for openpyxl (not timed)"
        rm -f "$export" "$cells"
        "$medsec" -w "$wb" export xlsx "$export" >/dev/null || die "medsec export xlsx of $wb failed"
        "$xlsx_cells" "$export" "$cells.partial" || die "xlsx_cells $export failed"
        mv -f "$cells.partial" "$cells"
        printf '%s\n' "$medsec_hash $(hash_of "$xlsx_cells")" >"$cells.stamp"
    fi
done
for n in "${nmap_sizes[@]}"; do
    scan="$inputs/nmap-$n.xml"
    if ! up_to_date "$scan" "$(hash_of "$nmap_scan")"; then
        say "synthetic nmap sweep of $n hosts (not timed)"
        "$nmap_scan" "$n" "$scan.partial" || die "nmap_scan $n failed"
        mv -f "$scan.partial" "$scan"
        printf '%s\n' "$(hash_of "$nmap_scan")" >"$scan.stamp"
    fi
done

# --- the runs -----------------------------------------------------------------------------------
if ((quick)); then
    table="$results/peers-quick.md"
else
    table="$results/peers.md"
fi
tsv="${table%.md}-runs.tsv"
printf 'job\ttool\trun\twall_seconds\tmax_rss_kb\tscript_seconds\tscript_json\n' >"$tsv"

# measure JOB TOOL RUN COMMAND...: runs COMMAND under /usr/bin/time -v, appends its figures to
# the TSV; the command's stdout, stderr and time report stay in $work/JOB-TOOL-RUN.*.
measure() {
    local job=$1 tool=$2 run=$3
    shift 3
    local base="$work/$job-$tool-$run" rc=0 t0 t1 rss wall script_s="" script_json=""
    t0=$(date +%s%N)
    /usr/bin/time -v -o "$base.time" "$@" >"$base.out" 2>"$base.err" || rc=$?
    t1=$(date +%s%N)
    if ((rc != 0)); then
        tail -n 5 "$base.err" >&2
        die "$job: $tool run $run failed (exit $rc): $* (output in $base.err)"
    fi
    rss=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): *//p' "$base.time")
    [[ "$rss" =~ ^[0-9]+$ ]] || die "$base.time holds no peak memory: is /usr/bin/time GNU time?"
    wall=$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.4f", ns / 1e9 }')
    if [[ "$tool" == peer ]]; then
        script_json=$(tail -n 1 "$base.out")
        script_s=$("$py" -c 'import json, sys; print(json.loads(sys.argv[1])["seconds"])' "$script_json") ||
            die "$job: the peer printed no timing: $base.out"
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$job" "$tool" "$run" "$wall" "$rss" "$script_s" "$script_json" >>"$tsv"
    printf '   %-13s %-6s run %s: %8.2f s, %6d MB peak%s\n' "$job" "$tool" "$run" "$wall" \
        $((rss * 1024 / 1000000)) "${script_s:+ (in-script $(printf '%.2f' "$script_s") s)}" >&2
}

json_field() { "$py" -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

for n in "${export_sizes[@]}"; do
    job="export-$n"
    say "$job: medsec export xlsx vs openpyxl_write.py, runs: $runs per tool"
    for run in $(seq 1 "$runs"); do
        out="$work/medsec-$n.xlsx"
        rm -f "$out"
        measure "$job" medsec "$run" "$medsec" -w "$inputs/demo-$n.medsec" export xlsx "$out"
        peer_out="$work/openpyxl-$n.xlsx"
        rm -f "$peer_out"
        measure "$job" peer "$run" "$py" "$peers/openpyxl_write.py" "$inputs/cells-$n.jsonl" "$peer_out"
        # Once per set of inputs and scripts (10,000 devices take about 10 minutes).
        checked="$inputs/cells-$n.jsonl.checked"
        check_stamp="$(cat "$inputs/cells-$n.jsonl.stamp") $(hash_of "$peers/openpyxl_write.py") $(hash_of "$peers/compare_cells.py") $(hash_of "$requirements")"
        if ((run == 1)) && ! up_to_date "$checked" "$check_stamp"; then
            say "$job: does openpyxl's file hold the same sheets and cells as medsec's? (not timed)"
            same=$("$py" "$peers/compare_cells.py" "$inputs/export-$n.xlsx" "$peer_out") ||
                die "$job: openpyxl's file differs from medsec's export (see above)"
            say "$job: same sheets and cells: $same"
            printf '%s\n' "$same" >"$checked"
            printf '%s\n' "$check_stamp" >"$checked.stamp"
        elif ((run == 1)); then
            say "$job: openpyxl's file was checked against medsec's for these inputs: $(cat "$checked")"
        fi
    done
done

for n in "${nmap_sizes[@]}"; do
    job="nmap-$n"
    scan="$inputs/nmap-$n.xml"
    say "$job: medsec import nmap (fresh workbook each run) vs libnmap_parse.py, runs: $runs per tool"
    for run in $(seq 1 "$runs"); do
        fresh="$work/fresh.medsec"
        rm -f "$fresh" "$fresh-journal"
        "$medsec" init "$fresh" >/dev/null || die "medsec init $fresh failed"
        measure "$job" medsec "$run" "$medsec" -w "$fresh" import nmap "$scan"
        measure "$job" peer "$run" "$py" "$peers/libnmap_parse.py" "$scan"
        if ((run == 1)); then
            devices=$("$medsec" -w "$fresh" status --json | "$py" -c 'import json, sys; print(json.load(sys.stdin)["devices"])') ||
                die "$job: medsec status --json on $fresh failed"
            hosts_up=$(json_field "$(tail -n 1 "$work/$job-peer-1.out")" hosts_up)
            [[ "$devices" == "$n" && "$hosts_up" == "$n" ]] ||
                die "$job: $n hosts scanned, medsec stored $devices devices, python-libnmap read $hosts_up hosts up"
            say "$job: both read all $n hosts (medsec stored $devices devices)"
        fi
    done
done
rm -f "$work/fresh.medsec" "$work/fresh.medsec-journal"

# --- the table ----------------------------------------------------------------------------------
machine="$work/machine.md"
"$peers/machine.sh" "$py" >"$machine"
"$py" "$peers/summarize.py" "$tsv" "$machine" "$table" || die "summarize.py failed on $tsv"
say "written: $table (every run: $tsv; outputs and logs: $work)"
