#!/usr/bin/env bash
# Prints the machine the benchmarks ran on, as markdown list items: CPU model, cores, memory,
# OS, rustc, cargo and Python versions (for target/bench-results/peers.md and
# benches/reproduce.sh). Usage: benches/peers/machine.sh [PYTHON]   (default python3)
set -euo pipefail

python=${1:-python3}
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
cores=$(nproc 2>/dev/null || echo '?')
mem_kb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo 2>/dev/null || true)
if [[ -n "$mem_kb" ]]; then
    mem=$(awk -v kb="$mem_kb" 'BEGIN { printf "%.1f GiB", kb / 1024 / 1024 }')
else
    mem='?'
fi
# shellcheck source=/dev/null
os=$( (. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-}") || true)
echo "- CPU: ${cpu:-unknown}, ${cores} cores available"
echo "- memory: ${mem}"
echo "- OS: ${os:-unknown}, kernel $(uname -r)"
echo "- $(rustc --version 2>/dev/null || echo 'rustc: not found')"
echo "- $(cargo --version 2>/dev/null || echo 'cargo: not found')"
echo "- $("$python" --version 2>&1 || echo 'python: not found')"
# Other work on the machine makes the figures noisier; this says how busy it was at the end.
echo "- load average (1, 5, 15 min) when this was written: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
