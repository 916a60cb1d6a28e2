"""Whole-process benchmarks for the core, as medians and as ratios against a peer measured in the same run.

    python bench/run.py [--runs N] [--json]

Targets (issue: core): `cfngen --help` <= 0.2 s (no boto3/cfn-lint import on that path), `cfngen render`
of all examples <= 0.5 s, and `cfngen lint` of all examples <= 1.0x `cfn-lint templates/*.json` run the
same way (whole process). Lint is measured cold (--no-cache) and warm (cache hit) and reported apart.
Not a test: nothing here asserts; it reports.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def median_seconds(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args()
    cfngen = str(BIN / "cfngen")
    templates = sorted(str(p) for p in (ROOT / "templates").glob("*.json"))
    subprocess.run([cfngen, "lint"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)  # warm the cache
    results = {
        "cfngen --help": median_seconds([cfngen, "--help"], args.runs),
        "cfngen render": median_seconds([cfngen, "render"], args.runs),
        "cfngen lint (cold)": median_seconds([cfngen, "lint", "--no-cache"], args.runs),
        "cfngen lint (cached)": median_seconds([cfngen, "lint"], args.runs),
        "cfn-lint templates/*.json": median_seconds([str(BIN / "cfn-lint"), *templates], args.runs),
    }
    peer = results["cfn-lint templates/*.json"]
    ratios = {
        "lint cold / cfn-lint": results["cfngen lint (cold)"] / peer,
        "lint cached / cfn-lint": results["cfngen lint (cached)"] / peer,
    }
    if args.json:
        print(json.dumps({"runs": args.runs, "templates": len(templates), "seconds": results, "ratios": ratios}))
        return
    print(f"{len(templates)} example templates, median of {args.runs} whole-process runs")
    for name, secs in results.items():
        print(f"  {name:28} {secs:7.3f} s")
    for name, ratio in ratios.items():
        print(f"  {name:28} {ratio:7.2f}x")


if __name__ == "__main__":
    main()
