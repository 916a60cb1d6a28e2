"""Same specs, same bytes: across processes, hash seeds and runs, and equal to what is committed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GOLDEN_DIR = PROJECT_ROOT / "tests" / "golden"
SEEDS = ("0", "1", "2024", "random")

# Renders every example (as `cfngen render` does) and every golden case, and reports the process's
# hash of a string so the test can prove the seeds really differed.
SCRIPT = """
import json, sys
from pathlib import Path
from cfngen.discover import discover
from cfngen.render import render_text
sys.path.insert(0, sys.argv[2])
import test_golden
examples = {s.name: render_text(s.template()) for s in discover(Path(sys.argv[1]))}
golden = {name: build().to_json() for name, build in sorted(test_golden.CASES.items())}
print(json.dumps({"hash": hash("cfngen"), "examples": examples, "golden": golden}))
"""


@pytest.fixture(scope="module")
def renders() -> dict[str, dict[str, Any]]:
    """One subprocess per PYTHONHASHSEED, run in parallel."""
    procs = {}
    for seed in SEEDS:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CFNGEN_")}
        env["PYTHONHASHSEED"] = seed
        procs[seed] = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(PROJECT_ROOT / "stacks"), str(Path(__file__).parent)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    out = {}
    for seed, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, f"PYTHONHASHSEED={seed}: {stderr}"
        out[seed] = json.loads(stdout)
    return out


def test_seeds_really_differ(renders: dict[str, dict[str, Any]]) -> None:
    assert len({r["hash"] for r in renders.values()}) > 1


def test_examples_render_identically_under_every_seed(renders: dict[str, dict[str, Any]]) -> None:
    first, *others = (r["examples"] for r in renders.values())
    assert first
    for other in others:
        assert other == first


def test_examples_equal_committed_templates(renders: dict[str, dict[str, Any]]) -> None:
    committed = {p.stem: p.read_bytes() for p in (PROJECT_ROOT / "templates").glob("*.json")}
    for seed, render in renders.items():
        rendered = {name: text.encode() for name, text in render["examples"].items()}
        assert rendered == committed, f"PYTHONHASHSEED={seed} differs from templates/"


def test_golden_cases_identical_under_every_seed_and_equal_golden_files(renders: dict[str, dict[str, Any]]) -> None:
    first, *others = (r["golden"] for r in renders.values())
    assert first
    for other in others:
        assert other == first
    if os.environ.get("CFNGEN_REGENERATE_GOLDEN") != "1":
        for name, text in first.items():
            assert (GOLDEN_DIR / f"{name}.json").read_bytes() == text.encode(), name


def test_rendering_in_process_matches_subprocess(renders: dict[str, dict[str, Any]], example_stacks: list[Any]) -> None:
    """Discovery order and a second build in this process change nothing either."""
    rendered = {s.name: s.to_json() for s in example_stacks}
    assert rendered == renders["0"]["examples"]
