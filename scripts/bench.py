#!/usr/bin/env python3
"""Gate Edge benchmarks: prints one table of medians and ratios measured in this run.

Usage: .venv/bin/python scripts/bench.py [SECTION ...]
Sections: measure, replay, drivers, screen, sync, latency (default: all). Benchmarks are scripts,
not tests: the suite asserts behaviour, this measures speed on the machine at hand.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from typing import Callable, Dict, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

Row = Tuple[str, float, str]

# section -> (module under scripts/, function returning rows)
SECTIONS: Dict[str, Tuple[str, str]] = {
    "measure": ("bench_measure", "bench_measure"),
    "replay": ("bench_replay", "bench_replay"),
    "drivers": ("bench_drivers", "bench_drivers"),
    "screen": ("bench_screen", "bench_screen"),
    "sync": ("bench_sync", "bench_sync"),
    "latency": ("bench_latency", "bench_latency"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sections", nargs="*", metavar="SECTION", help=f"one of {', '.join(SECTIONS)}")
    args = parser.parse_args()
    unknown = [s for s in args.sections if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {unknown[0]!r}; choose from {', '.join(SECTIONS)}")
    args.sections = args.sections or list(SECTIONS)
    rows: List[Tuple[str, str, float, str]] = []
    for section in args.sections:
        module_name, func_name = SECTIONS[section]
        func: Callable[[], List[Row]] = getattr(importlib.import_module(module_name), func_name)
        started = time.perf_counter()
        for name, value, unit in func():
            rows.append((section, name, value, unit))
        print(f"# {section}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    width = max(len(r[1]) for r in rows) if rows else 10
    print(f"| {'section':<8} | {'measurement':<{width}} | {'value':>12} | unit |")
    print(f"|{'-' * 10}|{'-' * (width + 2)}|{'-' * 14}|------|")
    for section, name, value, unit in rows:
        print(f"| {section:<8} | {name:<{width}} | {value:>12.3f} | {unit} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
