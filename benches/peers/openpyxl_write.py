#!/usr/bin/env python3
"""The openpyxl peer of `medsec export xlsx` (benches/peers/run.sh).

Usage: openpyxl_write.py CELLS.jsonl OUT.xlsx

Loads the JSON lines that `examples/xlsx_cells.rs` dumped from medsec's own export (not timed),
then, timed, writes the same sheets and cells with openpyxl in its default mode (Workbook(),
not write_only): text as text (also text starting with "="), numbers, booleans, dates and
date-times as datetime objects, formulas as formulas (openpyxl cannot store a formula's cached
result, medsec does), sheet visibility as in medsec's file; then save(). Styles, column widths,
validations, conditional formats and the chart of medsec's export are not written, so the peer
does less than medsec.

Prints one JSON object on stdout:
  {"peer": "openpyxl 3.1.5 (default mode)", "seconds": S, "load_seconds": L, "sheets": N,
   "cells": C, "rss_after_load_mb": R}
where "seconds" (wall, time.perf_counter) covers creating the workbook, every cell and save(),
and "rss_after_load_mb" is the resident memory (10^6 bytes) after loading the input, before
writing: the part of the process's peak that is the input held in memory, not openpyxl's work.
Exits 1 with a message when the input cannot be read or the output cannot be written.
"""

import datetime
import json
import sys
import time
from importlib.metadata import version

from openpyxl import Workbook

STATES = {"visible": "visible", "hidden": "hidden", "very_hidden": "veryHidden"}


class Sheet:
    """One sheet to write: its name, state, rows and the text cells that begin with '='."""

    def __init__(self, name, state):
        self.name = name
        self.state = state
        self.rows = []  # (1-based row number, {1-based column: value})
        self.text_like_formula = []  # (row, column)


def value_of(cell, where):
    """The Python value for one JSON cell (see examples/xlsx_cells.rs); None for empty."""
    if cell is None or isinstance(cell, (bool, int, float, str)):
        return cell
    if "formula" in cell:
        return cell["formula"]
    if "date" in cell:
        return datetime.date.fromisoformat(cell["date"])
    if "datetime" in cell:
        return datetime.datetime.fromisoformat(cell["datetime"])
    if "duration_days" in cell:
        return datetime.timedelta(days=cell["duration_days"])
    if "error" in cell:
        return cell["error"]
    raise ValueError(f"{where}: unknown cell {cell!r}")


def load(path):
    """Reads the dump into Sheet objects; returns (sheets, cell count). Errors name the line."""
    sheets = []
    cells = 0
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            where = f"{path}:{number}"
            try:
                cells += load_line(json.loads(line), sheets, where)
            except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as e:
                raise ValueError(f"{where}: not a line of xlsx_cells: {e!r}") from e
    return sheets, cells


def load_line(item, sheets, where):
    """Adds one dumped line to `sheets`; returns how many cells it held."""
    if "sheet" in item:
        state = STATES.get(item.get("visibility"))
        if state is None:
            raise ValueError(f"{where}: unknown visibility {item.get('visibility')!r}")
        sheets.append(Sheet(item["sheet"], state))
        return 0
    if not sheets:
        raise ValueError(f"{where}: a row before the first sheet line")
    sheet = sheets[-1]
    row = item["row"]
    if sheet.rows and row <= sheet.rows[-1][0]:
        raise ValueError(f"{where}: row {row} comes after row {sheet.rows[-1][0]}")
    values = {}
    for col, cell in enumerate(item["cells"], 1):
        value = value_of(cell, where)
        if value is None:
            continue
        if isinstance(cell, str) and cell.startswith("="):
            sheet.text_like_formula.append((row, col))
        values[col] = value
    sheet.rows.append((row, values))
    return len(values)


def write(sheets, out):
    """Writes the sheets with openpyxl in its default mode and saves to `out`."""
    wb = Workbook()
    for i, sheet in enumerate(sheets):
        if i == 0:
            ws = wb.active
            ws.title = sheet.name
        else:
            ws = wb.create_sheet(sheet.name)
        ws.sheet_state = sheet.state
        last = 0
        for row, values in sheet.rows:
            while last < row - 1:  # rows without a value
                ws.append({})
                last += 1
            ws.append(values)
            last = row
        for row, col in sheet.text_like_formula:
            ws.cell(row=row, column=col).data_type = "s"
    if sheets and all(s.state != "visible" for s in sheets):
        raise ValueError("no visible sheet: an xlsx needs one")
    if sheets:
        # The first visible sheet is the active one (openpyxl keeps the first sheet).
        wb.active = next(i for i, s in enumerate(sheets) if s.state == "visible")
    wb.save(out)


def rss_mb():
    """The current resident set size in 10^6 bytes (Linux), else None."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return None


def main(argv):
    if len(argv) != 3:
        print("usage: openpyxl_write.py CELLS.jsonl OUT.xlsx", file=sys.stderr)
        return 2
    source, out = argv[1], argv[2]
    start = time.perf_counter()
    try:
        sheets, cells = load(source)
    except (OSError, ValueError) as e:
        print(f"openpyxl_write: {e}", file=sys.stderr)
        return 1
    loaded = time.perf_counter()
    rss = rss_mb()
    try:
        write(sheets, out)
    except (OSError, ValueError) as e:
        print(f"openpyxl_write: {out}: {e}", file=sys.stderr)
        return 1
    done = time.perf_counter()
    print(json.dumps({
        "peer": f"openpyxl {version('openpyxl')} (default mode)",
        "seconds": done - loaded,
        "load_seconds": loaded - start,
        "sheets": len(sheets),
        "cells": cells,
        "rss_after_load_mb": rss,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
