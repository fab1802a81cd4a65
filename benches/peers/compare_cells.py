#!/usr/bin/env python3
"""Checks that two xlsx files hold the same sheets and cells, read with openpyxl: the peer's
file written by openpyxl_write.py against the medsec export it was dumped from
(benches/peers/run.sh runs it once per export job, untimed).

Usage: compare_cells.py MEDSEC.xlsx PEER.xlsx

Compared: sheet names in order, each sheet's state (visible, hidden, veryHidden), and every
cell that holds a value: its position, value and kind (openpyxl's data_type: text, number,
bool, date, formula, error), so text that starts with "=" is not taken for a formula. Formulas
compare by their text (openpyxl reads no cached results). Styles are not compared: the peer
writes none. Prints one JSON line {"sheets": N, "cells": C, "seconds": S} and exits 0 when the
files agree; else prints the first differences (at most 10) and exits 1.
"""

import json
import sys
import time

from openpyxl import load_workbook


def cells_of(ws):
    """Yields (row, column, value, data_type) for every cell of `ws` holding a value, in order."""
    for row in ws.iter_rows():
        for cell in row:
            value = cell.value
            if value is None:
                continue
            yield cell.row, cell.column, value, cell.data_type


def main(argv):
    if len(argv) != 3:
        print("usage: compare_cells.py MEDSEC.xlsx PEER.xlsx", file=sys.stderr)
        return 2
    start = time.perf_counter()
    ours = load_workbook(argv[1], read_only=True)
    theirs = load_workbook(argv[2], read_only=True)
    problems = []
    if ours.sheetnames != theirs.sheetnames:
        problems.append(f"sheets differ: {ours.sheetnames} vs {theirs.sheetnames}")
    cells = 0
    for name in ours.sheetnames:
        if problems or name not in theirs.sheetnames:
            break
        a, b = ours[name], theirs[name]
        if a.sheet_state != b.sheet_state:
            problems.append(f"{name}: state {a.sheet_state} vs {b.sheet_state}")
        # Both yield cells in (row, column) order: walk them side by side.
        left, right = cells_of(a), cells_of(b)
        x, y = next(left, None), next(right, None)
        while (x is not None or y is not None) and len(problems) < 10:
            if y is None or (x is not None and x[:2] < y[:2]):
                problems.append(f"{name}: only in the first file: {x!r}")
                x = next(left, None)
            elif x is None or y[:2] < x[:2]:
                problems.append(f"{name}: only in the second file: {y!r}")
                y = next(right, None)
            else:
                if x != y:
                    problems.append(f"{name}: {x!r} vs {y!r}")
                cells += 1
                x, y = next(left, None), next(right, None)
    ours.close()
    theirs.close()
    if problems:
        print(f"compare_cells: {argv[1]} and {argv[2]} differ:", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    print(json.dumps({"sheets": len(ours.sheetnames), "cells": cells,
                      "seconds": round(time.perf_counter() - start, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
