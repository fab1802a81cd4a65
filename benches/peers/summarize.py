#!/usr/bin/env python3
"""Turns the runs of benches/peers/run.sh into the markdown table of target/bench-results/.

Usage: summarize.py RUNS.tsv MACHINE.md OUT.md

RUNS.tsv has a header line, then one line per run:
  job  tool  run  wall_seconds  max_rss_kb  script_seconds  script_json
with tool "medsec" or "peer"; script_seconds and script_json are the peer's own report (empty for
medsec). MACHINE.md holds markdown list items about the machine (benches/peers/machine.sh).
Writes the table with notes to OUT.md and prints it. Exits 1 when a job lacks runs of either tool.
"""

import csv
import json
import statistics
import sys

# job -> (what, peer, budget text from PRODUCT.md "Performance budgets" or None,
#         (max medsec seconds, max medsec peak MB, min ratio) or None)
JOBS = {
    "export-1000": ("`export xlsx`, 1,000 devices", "openpyxl, default mode", None, None),
    "export-10000": (
        "`export xlsx`, 10,000 devices",
        "openpyxl, default mode",
        "≤ 30 s, ≤ 300 MB peak, ≥ 10× faster than openpyxl (default mode)",
        (30.0, 300.0, 10.0),
    ),
    "nmap-1000": ("`import nmap`, 1,000 hosts", "python-libnmap", None, None),
    "nmap-65536": (
        "`import nmap`, 65,536 hosts",
        "python-libnmap",
        "≤ 10 s, ≤ 200 MB peak",
        (10.0, 200.0, None),
    ),
}


def spread(values, fmt):
    """`median (min–max)` of `values` formatted with `fmt`."""
    med = statistics.median(values)
    if len(values) == 1:
        return fmt.format(med)
    return f"{fmt.format(med)} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def seconds_fmt(values):
    return "{:.2f}" if max(values) < 100 else "{:.0f}"


def verdict(limits, t, rss, ratio):
    """`met` or `MISSED: ...` for the medians against the budget's limits."""
    if limits is None:
        return "—"
    max_s, max_mb, min_ratio = limits
    missed = []
    if t > max_s:
        missed.append(f"{t:.1f} s > {max_s:g} s")
    if rss > max_mb:
        missed.append(f"{rss:.0f} MB > {max_mb:g} MB")
    if min_ratio is not None and ratio < min_ratio:
        missed.append(f"{ratio:.1f}× < {min_ratio:g}×")
    return "met" if not missed else "MISSED (" + "; ".join(missed) + ")"


def main(argv):
    if len(argv) != 4:
        print("usage: summarize.py RUNS.tsv MACHINE.md OUT.md", file=sys.stderr)
        return 2
    runs_path, machine_path, out_path = argv[1:]
    runs = {}
    with open(runs_path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            runs.setdefault(row["job"], {"medsec": [], "peer": []})[row["tool"]].append(row)
    with open(machine_path, encoding="utf-8") as f:
        machine = f.read().strip()

    lines = [
        "| job | medsec s | peer | peer s (in-script) | peer s (process) | peer / medsec "
        "| medsec peak MB | peer peak MB | budget (PRODUCT.md) | |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    notes = []
    counts = set()
    for job, (what, peer_kind, budget, limits) in JOBS.items():
        if job not in runs:
            continue
        med, peer = runs[job]["medsec"], runs[job]["peer"]
        if not med or not peer:
            print(f"summarize: {job}: runs of medsec or of the peer are missing", file=sys.stderr)
            return 1
        counts.add(len(med))
        counts.add(len(peer))
        m_wall = [float(r["wall_seconds"]) for r in med]
        m_rss = [int(r["max_rss_kb"]) * 1024 / 1e6 for r in med]
        p_script = [float(r["script_seconds"]) for r in peer]
        p_wall = [float(r["wall_seconds"]) for r in peer]
        p_rss = [int(r["max_rss_kb"]) * 1024 / 1e6 for r in peer]
        report = json.loads(peer[0]["script_json"])
        ratio = statistics.median(p_script) / statistics.median(m_wall)
        mark = verdict(limits, statistics.median(m_wall), statistics.median(m_rss), ratio)
        lines.append(
            f"| {what} | {spread(m_wall, seconds_fmt(m_wall))} | {report['peer']} "
            f"| {spread(p_script, seconds_fmt(p_script))} | {spread(p_wall, seconds_fmt(p_wall))} "
            f"| {ratio:.1f}× | {spread(m_rss, '{:.0f}')} | {spread(p_rss, '{:.0f}')} "
            f"| {budget or '— (no budget at this size)'} | {mark} |"
        )
        if "rss_after_load_mb" in report and report["rss_after_load_mb"] is not None:
            notes.append(
                f"- {what}: the openpyxl process held about "
                f"{report['rss_after_load_mb']:.0f} MB after loading its input (the cells, "
                f"{report['cells']:,} of them in {report['sheets']} sheets), before writing; "
                "that part of its peak is the input, not openpyxl's work."
            )
        if "hosts_up" in report:
            notes.append(
                f"- {what}: python-libnmap read {report['hosts_up']:,} hosts up with "
                f"{report['services']:,} services (parse alone: median "
                f"{statistics.median(json.loads(r['script_json'])['parse_seconds'] for r in peer):.2f} s)."
            )
    n = " or ".join(str(c) for c in sorted(counts))
    text = "\n".join([
        "# medsec and its peers",
        "",
        f"Written by `benches/peers/run.sh`: runs of each tool per job: {n}, medsec and its "
        "peer taking turns, each under `/usr/bin/time -v`. Times are wall seconds, median (min–max); "
        "peak memory is the maximum resident set size, median, in MB of 10^6 bytes.",
        "",
        *lines,
        "",
        "- medsec s: the whole `medsec` process — start, key derivation (PBKDF2), reading the "
        "workbook, the work, and for an export the read-back check of the file.",
        "- peer s (in-script): the peer's own timer around the equivalent work (openpyxl: "
        "creating the workbook, every cell and `save()`; python-libnmap: `parse_fromfile` and "
        "reading every host and service). It leaves out Python's start-up and, for openpyxl, "
        "loading the cells to write; peer s (process) is the whole process under "
        "`/usr/bin/time`.",
        "- peer / medsec is the ratio of the medians: peer in-script over medsec's whole process.",
        "- Budgets are judged on the medians.",
        *notes,
        "",
        "Machine:",
        "",
        machine,
        "",
    ])
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(text)
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
