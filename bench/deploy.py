"""Whole-process benchmarks for `cfngen deploy`, as medians and as ratios against peers measured in the same run.

    python bench/deploy.py [--runs N] [--json] [--keep]

Against one fresh moto server per run, the same stack (a function, a Kinesis stream and its mapping) and
the same code are deployed by:

- cfngen: `cfngen deploy STACK --endpoint-url URL --region us-east-1 --artifact-bucket B`
- the peers' chain: `cfn-lint` + `zip` + `aws s3 cp` + `aws cloudformation deploy` (awscli v1), on the very
  template file cfngen renders, with the same parameters (<Fn>CodeBucket/<Fn>CodeKey)
- a raw boto3 floor: put_object + create_stack/update_stack + DescribeStacks every 0.05 s (for a no-op:
  one DescribeStacks), each run as its own Python process

for create, no-op redeploy and code-only change. Every repetition uses fresh stack names, so creates are
real creates; cfngen's code-only change finds its lint cache warm (the template did not change), the
chain lints again (it has no cache). An untimed warm-up repetition first lets moto load its services.

Targets (issue: deploy): create with a cold lint cache <= 0.8x the chain; create right after `cfngen lint`
<= 1.5x the floor's create; no-op <= 0.5x awscli's no-op (s3 cp + deploy) and <= 1.5x
the floor's; code-only change <= 0.6x the chain and <= 1.5x the floor's update.

awscli pins botocore, so the peers live in their own venv (.cfngen/bench-peers, made on first use and
reused). Not a test: nothing here asserts; it reports.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PEERS = ROOT / ".cfngen" / "bench-peers"
REGION = "us-east-1"
BUCKET = "cfngen-bench-artifacts"
FUNCTION = "Processor"
STACK_ENV = "CFNGEN_BENCH_STACK"
TIMEOUT = 300  # seconds for any one process: a hang is reported, not waited out

STACK_FILE = f'''"""The benchmark stack: its name comes from ${STACK_ENV}, so each repetition deploys a fresh stack."""

import os

from cfngen import Stack

stack = Stack(os.environ["{STACK_ENV}"], description="cfngen deploy benchmark")
fn = stack.function(
    "{FUNCTION}", code="functions/bench", handler="app.handler", runtime="python3.12", memory=256, timeout=30
)
events = stack.kinesis_stream("Events", shards=1)
fn.add_event_source(events, starting_position="LATEST", batch_size=100, enabled=False)
'''

# The floor: the least a deploy can do with boto3, as its own process (interpreter start and imports count).
FLOOR = """import io, sys, time, zipfile
from pathlib import Path

import boto3

mode, stack = sys.argv[1], sys.argv[2]
cfn = boto3.client("cloudformation")
if mode == "noop":
    cfn.describe_stacks(StackName=stack)
    sys.exit(0)
template, code, fn, bucket, key = Path(sys.argv[3]), Path(sys.argv[4]), sys.argv[5], sys.argv[6], sys.argv[7]
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
    for path in sorted(p for p in code.rglob("*") if p.is_file()):
        zf.write(path, path.relative_to(code).as_posix())
boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=buf.getvalue())
call = cfn.create_stack if mode == "create" else cfn.update_stack
call(
    StackName=stack,
    TemplateBody=template.read_text(),
    Parameters=[
        {"ParameterKey": fn + "CodeBucket", "ParameterValue": bucket},
        {"ParameterKey": fn + "CodeKey", "ParameterValue": key},
    ],
    Capabilities=["CAPABILITY_IAM"],
)
while True:
    status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    if not status.endswith("_IN_PROGRESS"):
        break
    time.sleep(0.05)
sys.exit(0 if status in ("CREATE_COMPLETE", "UPDATE_COMPLETE") else 1)
"""

# (name, numerator, denominator, target): numerator <= target x denominator is "met".
TARGETS = [
    ("create cold / chain create", "cfngen create (cold lint cache)", "chain create", 0.8),
    ("create after lint / floor create", "cfngen create (after cfngen lint)", "floor create", 1.5),
    ("no-op / awscli no-op", "cfngen no-op", "awscli no-op (s3 cp + deploy)", 0.5),
    ("no-op / floor no-op", "cfngen no-op", "floor no-op (DescribeStacks)", 1.5),
    ("code change / chain update", "cfngen code-only change", "chain code-only change", 0.6),
    ("code change / floor update", "cfngen code-only change", "floor update", 1.5),
]


@dataclass
class Bench:
    work: Path
    endpoint: str
    env: dict[str, str]
    runs: int
    times: dict[str, list[float]] = field(default_factory=dict)
    steps: dict[str, list[float]] = field(default_factory=dict)
    exits: dict[str, set[int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    recording: bool = True
    version: int = 0  # of the function's code; each edit is a new sha256, so a real update
    last_rc: int = 0  # exit code of the last process run (awscli's no-op deploy: is it really 0?)
    peer_keys: dict[str, tuple[Path, str]] = field(default_factory=dict)  # chain stack -> (zip, S3 key)

    # -------------------------------------------------------------------------------------- processes

    def run(
        self,
        cmd: list[str],
        *,
        ok: Callable[[int], bool] = lambda rc: rc == 0,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> float:
        """Wall time of one whole process; a failure stops the benchmark with the process's output."""
        start = time.perf_counter()
        done = subprocess.run(
            cmd,
            cwd=cwd or self.work,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        elapsed = time.perf_counter() - start
        if not ok(done.returncode):
            raise SystemExit(f"failed (exit {done.returncode}): {' '.join(cmd)}\n{done.stdout}{done.stderr}")
        self.last_rc = done.returncode
        return elapsed

    def record(self, name: str, seconds: float, steps: dict[str, float] | None = None) -> None:
        if not self.recording:
            return
        self.times.setdefault(name, []).append(seconds)
        for step, secs in (steps or {}).items():
            self.steps.setdefault(f"{name}: {step}", []).append(secs)

    # -------------------------------------------------------------------------------------- the tools

    def cfngen(self, *args: str, stack: str) -> float:
        """`cfngen ARGS` in the project, with the stack file naming `stack`."""
        return self.run([str(BIN / "cfngen"), *args], env={STACK_ENV: stack})

    def cfngen_deploy(self, stack: str) -> float:
        return self.cfngen(
            "deploy", stack, "--endpoint-url", self.endpoint, "--region", REGION, "--artifact-bucket", BUCKET,
            stack=stack,
        )  # fmt: skip

    def aws(self, *args: str, ok: Callable[[int], bool] = lambda rc: rc == 0) -> float:
        return self.run([str(PEERS / "bin" / "aws"), "--endpoint-url", self.endpoint, *args], ok=ok)

    def aws_deploy(self, stack: str, key: str, *extra: str, ok: Callable[[int], bool] = lambda rc: rc == 0) -> float:
        return self.aws(
            "cloudformation", "deploy", "--template-file", str(self.template), "--stack-name", stack,
            "--parameter-overrides", f"{FUNCTION}CodeBucket={BUCKET}", f"{FUNCTION}CodeKey={key}",
            "--capabilities", "CAPABILITY_IAM", *extra,
            ok=ok,
        )  # fmt: skip

    def chain(self, stack: str) -> tuple[float, dict[str, float]]:
        """cfn-lint && zip && aws s3 cp && aws cloudformation deploy, each step a process, as CI would."""
        key = f"peers/{stack}/v{self.version}.zip"
        zipped = self.work / "build" / f"{stack}-v{self.version}.zip"
        zipped.parent.mkdir(exist_ok=True)
        steps = {
            "cfn-lint": self.run([str(PEERS / "bin" / "cfn-lint"), str(self.template)]),
            "zip": self.run(self.zip_cmd(zipped), cwd=self.code),
            "aws s3 cp": self.aws("s3", "cp", "--quiet", str(zipped), f"s3://{BUCKET}/{key}"),
            "aws cloudformation deploy": self.aws_deploy(stack, key),
        }
        self.peer_keys[stack] = (zipped, key)
        return sum(steps.values()), steps

    def awscli_noop(self, stack: str) -> tuple[float, dict[str, float]]:
        """The chain again with nothing changed: s3 cp of the same zip, deploy of the same template."""
        zipped, key = self.peer_keys[stack]
        steps = {"aws s3 cp": self.aws("s3", "cp", "--quiet", str(zipped), f"s3://{BUCKET}/{key}")}
        # --no-fail-on-empty-changeset should make "no changes" exit 0; record what it really does.
        steps["aws cloudformation deploy"] = self.aws_deploy(
            stack, key, "--no-fail-on-empty-changeset", ok=lambda rc: rc in (0, 255)
        )
        if self.recording:
            self.exits.setdefault("aws cloudformation deploy --no-fail-on-empty-changeset (no-op)", set()).add(
                self.last_rc
            )
        return sum(steps.values()), steps

    def floor(self, mode: str, stack: str) -> float:
        cmd = [sys.executable, str(self.work / "floor.py"), mode, stack]
        if mode != "noop":
            cmd += [str(self.template), str(self.code), FUNCTION, BUCKET, f"floor/{stack}/v{self.version}.zip"]
        return self.run(cmd)

    def zip_cmd(self, out: Path) -> list[str]:
        if shutil.which("zip"):
            return ["zip", "-q", "-r", "-X", str(out), "."]
        return [str(PEERS / "bin" / "python"), "-m", "zipfile", "-c", str(out), *sorted(os.listdir(self.code))]

    # -------------------------------------------------------------------------------------- project

    @property
    def code(self) -> Path:
        return self.work / "stacks" / "functions" / "bench"

    @property
    def template(self) -> Path:
        return self.work / "templates" / "bench.json"

    def edit_code(self) -> None:
        """A new version of the function's code (a new sha256, so a new key and a real update)."""
        self.version += 1
        (self.code / "app.py").write_text(
            f'"""Benchmark function, version {self.version}."""\n\nVERSION = {self.version}\n\n\n'
            "def handler(event, context):\n    return {'version': VERSION, 'records': len(event.get('Records', []))}\n"
        )

    def statuses(self, stacks: list[str], expected: str, phase: str) -> None:
        """Untimed: each stack really reached `expected` (a tool that exits 0 having done nothing is news)."""
        cfn = client("cloudformation", self.endpoint)
        for stack in stacks:
            status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
            if status != expected:
                self.notes.append(f"{phase}: {stack} is {status}, expected {expected}")

    # -------------------------------------------------------------------------------------- one repetition

    def repetition(self, tag: str) -> None:
        cold, warm, chain, floor = (f"cfngen-cold-{tag}", f"cfngen-warm-{tag}", f"chain-{tag}", f"floor-{tag}")
        self.edit_code()

        shutil.rmtree(self.work / ".cfngen" / "cache" / "lint", ignore_errors=True)
        self.record("cfngen create (cold lint cache)", self.cfngen_deploy(cold))
        shutil.rmtree(self.work / ".cfngen" / "cache" / "lint", ignore_errors=True)
        self.cfngen("lint", stack=warm)  # not timed: warms the cache for the same template
        self.record("cfngen create (after cfngen lint)", self.cfngen_deploy(warm))
        self.record("chain create", *self.chain(chain))
        self.record("floor create", self.floor("create", floor))
        self.statuses([cold, warm, chain, floor], "CREATE_COMPLETE", "create")

        self.record("cfngen no-op", self.cfngen_deploy(cold))
        self.record("awscli no-op (s3 cp + deploy)", *self.awscli_noop(chain))
        self.record("floor no-op (DescribeStacks)", self.floor("noop", floor))

        self.edit_code()
        self.record("cfngen code-only change", self.cfngen_deploy(cold))
        self.record("chain code-only change", *self.chain(chain))
        self.record("floor update", self.floor("update", floor))
        self.statuses([cold, chain, floor], "UPDATE_COMPLETE", "code-only change")


# ------------------------------------------------------------------------------------------------ setup


def peers_venv() -> dict[str, str]:
    """awscli v1 and cfn-lint in their own venv (awscli pins botocore); made once, then reused."""
    aws, lint = PEERS / "bin" / "aws", PEERS / "bin" / "cfn-lint"
    if not (aws.exists() and lint.exists()):
        print(f"creating {PEERS.relative_to(ROOT)} (awscli + cfn-lint, first use only)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(PEERS)], check=True)
        done = subprocess.run(
            [str(PEERS / "bin" / "python"), "-m", "pip", "install", "-q", "awscli", "cfn-lint"],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"cannot install the peers:\n{done.stdout}{done.stderr}")
    aws_out = subprocess.run([str(aws), "--version"], capture_output=True, text=True, check=True)
    words = (aws_out.stdout + aws_out.stderr).split()
    lint_out = subprocess.run([str(lint), "--version"], capture_output=True, text=True, check=True).stdout.split()
    return {
        "awscli": next(w for w in words if w.startswith("aws-cli/")).split("/")[1],
        "awscli botocore": next((w for w in words if w.startswith("botocore/")), "botocore/?").split("/")[1],
        "cfn-lint (peers)": lint_out[-1],
    }


def client(service: str, endpoint: str) -> Any:
    """The benchmark's own (untimed) boto3 client, with moto's credentials whatever the environment holds."""
    import boto3

    return boto3.client(
        service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_moto(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=subprocess.STDOUT
        )
    endpoint = f"http://localhost:{port}"  # moto parses a TemplateURL only when its host is "localhost"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SystemExit(f"moto server did not start:\n{log.read_text()}") from None
            time.sleep(0.1)
    config = json.dumps({"lambda": {"use_docker": False}}).encode()
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/config", data=config), timeout=5).close()
    return proc, endpoint


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def make_project(work: Path) -> None:
    (work / "stacks" / "functions" / "bench").mkdir(parents=True)
    (work / "pyproject.toml").write_text('[tool.cfngen]\nstacks-dir = "stacks"\ntemplates-dir = "templates"\n')
    (work / "stacks" / "bench.py").write_text(STACK_FILE)
    (work / "floor.py").write_text(FLOOR)


def tool_env(work: Path, endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CFNGEN_"))}
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_CONFIG_FILE=str(work / "no-aws-config"),  # no user config or profile leaks in
        AWS_SHARED_CREDENTIALS_FILE=str(work / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def render_template(bench: Bench) -> None:
    """The peers deploy the very file cfngen renders. It names no stack, so one file serves every stack."""
    bench.cfngen("render", stack="bench")
    rendered = bench.work / "templates" / "bench.json"
    if not rendered.exists():
        raise SystemExit(f"cfngen render wrote no {rendered}")


# ------------------------------------------------------------------------------------------------ report


def report(bench: Bench, versions: dict[str, str], warmup: int, as_json: bool) -> None:
    seconds = {name: statistics.median(values) for name, values in bench.times.items()}
    steps = {name: statistics.median(values) for name, values in bench.steps.items()}
    ratios = {}
    for name, num, den, target in TARGETS:
        value = seconds[num] / seconds[den]
        # The same ratio within each repetition, then its median: robust to drift in the machine's load.
        paired = statistics.median(a / b for a, b in zip(bench.times[num], bench.times[den], strict=True))
        ratios[name] = {"value": round(value, 3), "paired": round(paired, 3), "target": target, "met": value <= target}
    exits = {cmd: sorted(codes) for cmd, codes in bench.exits.items()}
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    if as_json:
        doc = {
            "runs": bench.runs,
            "warmup": warmup,
            "load_average": load,
            "versions": versions,
            "seconds": {k: round(v, 4) for k, v in seconds.items()},
            "steps": {k: round(v, 4) for k, v in steps.items()},
            "samples": {k: [round(x, 4) for x in v] for k, v in bench.times.items()},
            "ratios": ratios,
            "exit_codes": exits,
            "notes": bench.notes,
        }
        print(json.dumps(doc))
        return
    print(f"median of {bench.runs} whole-process runs (+{warmup} warm-up), one fresh moto server, {REGION}")
    print(f"  {os.cpu_count()} cores, load average at the end {load} (other work on the machine skews timings)")
    print("  " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    print(f"  {'scenario':40} {'seconds':>8}")
    for name, secs in seconds.items():
        print(f"  {name:40} {secs:8.3f}")
        for step, step_secs in steps.items():
            if step.startswith(f"{name}: "):
                print(f"    {step.removeprefix(f'{name}: '):38} {step_secs:8.3f}")
    print(f"  {'ratio (of medians; paired: median of per-repetition ratios)':62} {'target':>7}")
    for name, r in ratios.items():
        verdict = "met" if r["met"] else "NOT MET"
        print(f"  {name:40} {r['value']:7.2f}x  paired {r['paired']:5.2f}x  <= {r['target']:.1f}x  {verdict}")
    for cmd, codes in exits.items():
        print(f"  exit codes of {cmd}: {', '.join(map(str, codes))}")
    for note in bench.notes:
        print(f"  note: {note}")


def versions_of(peers: dict[str, str]) -> dict[str, str]:
    from importlib.metadata import version

    return {
        "cfngen": version("cfngen"),
        "cfn-lint (cfngen)": version("cfn-lint"),
        "moto": version("moto"),
        **peers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="untimed repetitions first (moto loads lazily)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project (its path goes to stderr)")
    args = parser.parse_args()
    versions = versions_of(peers_venv())
    work = Path(tempfile.mkdtemp(prefix="cfngen-bench-deploy-"))
    proc = None
    try:
        make_project(work)
        proc, endpoint = start_moto(work / "moto.log")
        bench = Bench(work=work, endpoint=endpoint, env=tool_env(work, endpoint), runs=args.runs)
        client("s3", endpoint).create_bucket(Bucket=BUCKET)
        bench.edit_code()
        render_template(bench)
        for i in range(args.warmup + args.runs):
            bench.recording = i >= args.warmup
            tag = f"{i - args.warmup + 1}" if bench.recording else f"w{i + 1}"
            print(f"repetition {tag} ({'timed' if bench.recording else 'warm-up'})", file=sys.stderr)
            bench.repetition(tag)
        report(bench, versions, args.warmup, args.json)
    finally:
        if proc is not None:
            stop(proc)
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
