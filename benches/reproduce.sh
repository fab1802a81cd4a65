#!/usr/bin/env bash
# The one command behind BENCHMARKS.md: every `cargo bench` benchmark (divan), then medsec
# against its peers (benches/peers/run.sh: openpyxl and python-libnmap on the same inputs), then
# where the results are and the machine they ran on.
#
# Usage: benches/reproduce.sh [run.sh options]   e.g. --runs 7; --quick for a smoke test of the
#        peers' part (the divan benchmarks always run in full)
#
# Results: target/bench-results/divan.txt (the benchmarks' output), peers.md (the table) and
# peers-runs.tsv (every run). Network: only the pip install of the peers' venv (run.sh), the
# first time. Takes about half an hour on a 2-core machine (more the first time: the inputs
# are generated), most of it openpyxl writing 10,000 devices' cells five times.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target="${CARGO_TARGET_DIR:-$root/target}"
results="$target/bench-results"
mkdir -p "$results"
started=$(date +%s)

echo "== cargo bench --bench '*' (divan; output in $results/divan.txt)" >&2
(cd "$root" && cargo bench --locked --bench '*') 2>&1 | tee "$results/divan.txt" ||
    {
        echo "reproduce.sh: cargo bench failed (see $results/divan.txt)" >&2
        exit 1
    }

echo "== benches/peers/run.sh $*" >&2
"$root/benches/peers/run.sh" "$@" || {
    echo "reproduce.sh: benches/peers/run.sh failed" >&2
    exit 1
}

python="$target/peers-venv/bin/python"
[[ -x "$python" ]] || python=python3
echo
echo "Results ($(($(date +%s) - started)) s in all):"
table="$results/peers.md"
for arg in "$@"; do
    if [[ "$arg" == --quick ]]; then table="$results/peers-quick.md"; fi
done
echo "- $results/divan.txt: the divan benchmarks"
echo "- $table: medsec against openpyxl and python-libnmap"
echo "- ${table%.md}-runs.tsv: every run of that table"
echo
echo "Machine:"
"$root/benches/peers/machine.sh" "$python"
