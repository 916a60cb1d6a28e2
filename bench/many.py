"""Many stacks: `cfngen deploy` of six stacks at the default --concurrency (4) vs --concurrency 1.

    python bench/many.py [--runs N] [--json] [--keep]

On one fresh moto server per benchmark, a project of four independent stacks (a function and a Kinesis stream
each) plus a producer/consumer pair (the consumer imports the producer's function ARN through the
`cfngen:imports` Metadata, so it deploys after it) is deployed by whole `cfngen deploy` processes:

- independent: the four independent stacks, created (`--concurrency 1`, then the default), each repetition
  with fresh stack names (the names carry the repetition's tag)
- all six: the four plus the pair, created the same way (the pair is a chain: at most five stacks at once)

Reported: the medians and the ratio default / --concurrency 1, also per repetition (`paired`, robust to load
drift). Target (issue: many stacks): four independent stacks in <= 0.7x the one-at-a-time wall time on a
two-core machine, where the emulator shares the CPU; on AWS, where stacks wait on the service, the ratio
approaches 1/N. In "all six" the consumer's template names the producer (a new name each repetition), so
its lint is cold and the lint gate, which every stack passes before executing, dominates both runs. Not a
test: nothing here asserts; it reports.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from deploy import BIN, TIMEOUT, client, start_moto, stop, tool_env

BUCKET = "cfngen-bench-many"
TAG_ENV = "CFNGEN_BENCH_TAG"
INDEPENDENT = ["a", "b", "c", "d"]
TARGET = 0.7

INDEPENDENT_FILE = """import os

from cfngen import Stack

stack = Stack(f"many-{name}-{{os.environ['{tag}']}}")
fn = stack.function("Worker", code="functions/bench", handler="app.handler", runtime="python3.12")
events = stack.kinesis_stream("Events", shards=1)
fn.add_event_source(events, starting_position="LATEST", enabled=False)
"""

PAIR_FILE = """import os

from troposphere import Parameter

from cfngen import Stack

tag = os.environ["{tag}"]
producer = Stack(f"many-producer-{{tag}}")
producer.function("Orders", code="functions/bench", handler="app.handler", runtime="python3.12")
consumer = Stack(f"many-consumer-{{tag}}")
consumer.function("Worker", code="functions/bench", handler="app.handler", runtime="python3.12")
template = consumer.template()
template.add_parameter(Parameter("OrdersFunction", Type="String"))
imports = {{"OrdersFunction": {{"Stack": producer.name, "Output": "OrdersFunctionArn"}}}}
template.set_metadata({{"cfngen:imports": imports}})
"""


def make_project(work: Path) -> None:
    code = work / "stacks" / "functions" / "bench"
    code.mkdir(parents=True)
    (code / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (work / "pyproject.toml").write_text('[tool.cfngen]\nstacks-dir = "stacks"\ntemplates-dir = "templates"\n')
    for name in INDEPENDENT:
        (work / "stacks" / f"{name}.py").write_text(INDEPENDENT_FILE.format(name=name, tag=TAG_ENV))
    (work / "stacks" / "pair.py").write_text(PAIR_FILE.format(tag=TAG_ENV))


def deploy(work: Path, env: dict[str, str], tag: str, stacks: list[str], *extra: str) -> float:
    names = [f"many-{s}-{tag}" for s in stacks]
    args = [str(BIN / "cfngen"), "deploy", *names, "--artifact-bucket", BUCKET, *extra]
    started = time.perf_counter()
    done = subprocess.run(args, cwd=work, env={**env, TAG_ENV: tag}, capture_output=True, text=True, timeout=TIMEOUT)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cfngen-bench-many-"))
    proc, endpoint = start_moto(work / "moto.log")
    times: dict[str, list[float]] = {}
    try:
        make_project(work)
        env = tool_env(work, endpoint)
        client("s3", endpoint).create_bucket(Bucket=BUCKET)
        deploy(work, env, "warmup", INDEPENDENT, "--concurrency", "1")  # moto loads its services; lint cache
        deploy(work, env, "warmup2", [*INDEPENDENT, "producer", "consumer"])
        for rep in range(args.runs):
            for scenario, stacks in (("independent", INDEPENDENT), ("all six", [*INDEPENDENT, "producer", "consumer"])):
                for concurrency in ("1", "4"):  # 4 is the default
                    tag = f"r{rep}{scenario[0]}{concurrency}"
                    seconds = deploy(work, env, tag, stacks, "--concurrency", concurrency)
                    times.setdefault(f"{scenario}, --concurrency {concurrency}", []).append(seconds)
    finally:
        stop(proc)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    report(times, args.runs, args.json, work if args.keep else None)


def report(times: dict[str, list[float]], runs: int, as_json: bool, kept: Path | None) -> None:
    medians = {k: statistics.median(v) for k, v in times.items()}
    ratios = {}
    for scenario in ("independent", "all six"):
        one, default = times[f"{scenario}, --concurrency 1"], times[f"{scenario}, --concurrency 4"]
        value = statistics.median(default) / statistics.median(one)
        paired = statistics.median(d / o for d, o in zip(default, one, strict=True))
        ratios[scenario] = {"value": round(value, 3), "paired": round(paired, 3)}
    ratios["independent"] |= {"target": TARGET, "met": ratios["independent"]["value"] <= TARGET}
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    if as_json:
        doc = {"runs": runs, "load_average": load, "cpus": os.cpu_count(), "seconds": medians, "ratios": ratios}
        print(json.dumps(doc, indent=2, sort_keys=True))
        return
    print(f"many stacks: {runs} run(s), {os.cpu_count()} CPU(s), load average {load}")
    for name, seconds in medians.items():
        print(f"  {name:34} {seconds:7.2f} s (median)")
    for scenario, r in ratios.items():
        target = f"  target <= {r['target']}: {'met' if r['met'] else 'NOT met'}" if "target" in r else ""
        print(f"  {scenario}: default / --concurrency 1 = {r['value']:.2f} (paired {r['paired']:.2f}){target}")
    if kept is not None:
        print(f"  kept {kept}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
