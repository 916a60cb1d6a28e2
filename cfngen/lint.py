"""cfn-lint, in-process: one rule set loaded once for every template, results cached by content.

Loading cfn-lint's rules costs more than linting a template, so a run builds one Runner and reuses it;
several templates are linted by forked workers that inherit the loaded rules (one per core). Results are
cached under .cfngen/cache/lint keyed by the template bytes, cfn-lint's version and the
lint settings: an unchanged template is never linted twice.

`in_background` runs the same in a child process (`python -m cfngen.lint`), so deploy can package,
upload and create change sets on one core while cfn-lint works on the other.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import multiprocessing
import os
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SEVERITIES = {"E": "error", "W": "warning", "I": "info"}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str  # error | warning | info
    path: str  # Resources/Name/Properties/...
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.rule} {self.severity} line {self.line} {self.path}: {self.message}"


class Linter:
    """Lints template texts; the cfn-lint import and rule loading happen on first use."""

    def __init__(self, regions: Sequence[str] = ("us-east-1",), cache_dir: Path | None = None) -> None:
        self.regions = list(regions)
        self.cache_dir = cache_dir
        self._runner: Any = None

    def _cached(self, text: str) -> Path | None:
        if self.cache_dir is None:
            return None
        material = json.dumps({"cfn-lint": _cfn_lint_version(), "regions": self.regions, "template": text})
        return self.cache_dir / f"{hashlib.sha256(material.encode()).hexdigest()}.json"

    def lint(self, text: str) -> list[Finding]:
        return self.lint_many([text])[0]

    def _read(self, path: Path | None) -> list[Finding] | None:
        if path is None or not path.exists():
            return None
        return [Finding(**f) for f in json.loads(path.read_text())]

    def cached(self, texts: Sequence[str]) -> list[list[Finding]] | None:
        """Every text's findings from the cache, or None when any one is missing."""
        found = [self._read(self._cached(t)) for t in texts]
        return None if any(f is None for f in found) else [f or [] for f in found]

    def in_background(self, texts: Sequence[str]) -> Callable[[], list[list[Finding]]]:
        """Start linting `texts` in a child process; the returned call waits for the findings."""
        done = self.cached(texts)
        if done is not None:
            return lambda: done
        request = json.dumps({"regions": self.regions, "cache_dir": str(self.cache_dir or ""), "texts": list(texts)})
        child = subprocess.Popen(
            [sys.executable, "-m", "cfngen.lint"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert child.stdin is not None
        child.stdin.write(request)  # templates are small (< 1 MB): the pipe takes them without a deadlock
        child.stdin.close()

        def result() -> list[list[Finding]]:
            assert child.stdout is not None
            out = child.stdout.read()
            if child.wait() != 0:
                raise RuntimeError(f"the cfn-lint process failed (exit {child.returncode})")
            return [[Finding(**f) for f in found] for found in json.loads(out)]

        return functools.cache(result)  # the child answers once

    def lint_many(self, texts: Sequence[str]) -> list[list[Finding]]:
        """Findings per text, in order: cached ones read back, the rest linted (in parallel when it pays)."""
        from cfngen.render import write_atomic

        paths = [self._cached(t) for t in texts]
        results = [self._read(p) for p in paths]
        todo = [i for i, r in enumerate(results) if r is None]
        for i, findings in zip(todo, self._lint_all([texts[i] for i in todo]), strict=True):
            results[i] = findings
            if (path := paths[i]) is not None:
                write_atomic(path, json.dumps([asdict(f) for f in findings]))
        return [r or [] for r in results]

    def _lint_all(self, texts: list[str]) -> list[list[Finding]]:
        workers = min(len(texts) - 1, os.cpu_count() or 1)
        if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return [self._lint(t) for t in texts]
        global _FORKED
        first = self._lint(texts[0])  # loads rules and the schemas most templates share, before forking
        _FORKED = self
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                return [first, *pool.map(_lint_forked, texts[1:], chunksize=1)]
        finally:
            _FORKED = None

    def _lint(self, text: str) -> list[Finding]:
        from cfnlint.decode.decode import decode_str

        template, errors = decode_str(text)
        if errors or template is None:
            return sorted((_finding(m) for m in errors or []), key=_order)
        if self._runner is None:
            from cfnlint.config import ConfigMixIn
            from cfnlint.runner import Runner

            self._runner = Runner(ConfigMixIn(regions=self.regions))
        # Sorted: cfn-lint's own order depends on rule registration, and output must be stable.
        return sorted({_finding(m) for m in self._runner.validate_template(template)}, key=_order)


_FORKED: Linter | None = None


def _lint_forked(text: str) -> list[Finding]:
    assert _FORKED is not None
    return _FORKED._lint(text)


@functools.cache
def _cfn_lint_version() -> str:
    """From cfn-lint's version.py, read as text: importing cfn-lint (or its metadata) costs far more."""
    spec = importlib.util.find_spec("cfnlint")
    assert spec is not None and spec.submodule_search_locations
    text = (Path(next(iter(spec.submodule_search_locations))) / "version.py").read_text()
    match = re.search(r"__version__\s*=\s*[\"']([^\"']+)", text)
    return match.group(1) if match else text


def _finding(match: Any) -> Finding:
    rule_id = str(match.rule.id)
    return Finding(
        rule=rule_id,
        severity=SEVERITIES.get(rule_id[:1], "error"),
        path="/".join(str(p) for p in (match.path or [])),
        line=int(match.linenumber or 0),
        message=str(match.message),
    )


def _order(f: Finding) -> tuple[int, str, str, str]:
    return (f.line, f.rule, f.path, f.message)


def failed(findings: Sequence[Finding], *, strict: bool = False) -> bool:
    bad = {"error", "warning"} if strict else {"error"}
    return any(f.severity in bad for f in findings)


def _serve() -> None:
    """The background linter: a JSON request on stdin, findings as JSON on stdout."""
    request = json.loads(sys.stdin.read())
    linter = Linter(request["regions"], cache_dir=Path(request["cache_dir"]) if request["cache_dir"] else None)
    found = linter.lint_many(request["texts"])
    sys.stdout.write(json.dumps([[asdict(f) for f in findings] for findings in found]))
    sys.stdout.flush()
    os._exit(0)  # skip tearing down cfn-lint's object graph: the answer is written


if __name__ == "__main__":
    _serve()
