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
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from cfngen.errors import OperationFailed

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
        """A cached result; None when there is none, or when the entry is unreadable or corrupt (lint again)."""
        if path is None or not path.exists():
            return None
        try:
            return [Finding(**f) for f in json.loads(path.read_text(encoding="utf-8"))]
        except (OSError, ValueError, TypeError):
            return None

    def cached(self, texts: Sequence[str]) -> list[list[Finding]] | None:
        """Every text's findings from the cache, or None when any one is missing."""
        found = [self._read(self._cached(t)) for t in texts]
        return None if any(f is None for f in found) else [f or [] for f in found]

    def in_background(self, texts: Sequence[str]) -> Background:
        """Start linting `texts` in a child process; calling the result waits for the findings."""
        done = self.cached(texts)
        if done is not None:
            return Background(None, done)
        request = json.dumps({"regions": self.regions, "cache_dir": str(self.cache_dir or ""), "texts": list(texts)})
        # The child's stderr goes to a file, read only when it fails: nothing of it reaches the terminal.
        errors = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115 - Background.close
        child = subprocess.Popen(
            [sys.executable, "-m", "cfngen.lint"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            process_group=0,  # the terminal's Ctrl-C goes to the parent, which stops the child (close)
        )
        assert child.stdin is not None
        try:
            child.stdin.write(request)  # templates are small (< 1 MB): the pipe takes them without a deadlock
            child.stdin.close()
        except BrokenPipeError:
            pass  # the child died at once: waiting for it reports how
        return Background(child, None, errors)

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
            # Workers ignore Ctrl-C (it reaches the whole process group): the parent stops them, quietly.
            pool = multiprocessing.get_context("fork").Pool(workers, _ignore_interrupts, (os.getpid(),))
            with pool:
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


class Background:
    """The findings of a background lint: call it to wait for them (once); `close` ends a child whose answer
    is no longer wanted (a deploy that failed or was interrupted first) and reaps it, quietly."""

    def __init__(
        self, child: subprocess.Popen[str] | None, done: list[list[Finding]] | None, errors: IO[str] | None = None
    ) -> None:
        self.child, self.done, self.errors = child, done, errors
        self.error_text = ""  # the child's stderr, kept when it is closed

    def __call__(self) -> list[list[Finding]]:
        if self.done is not None:
            return self.done
        child = self.child
        if child is None or child.stdout is None:
            raise OperationFailed(f"the cfn-lint process ended without an answer: {self._last_error()}")
        try:
            out = child.stdout.read()
            code = child.wait()
        finally:
            self.close()
        if code != 0:
            raise OperationFailed(
                f"the cfn-lint process failed (exit {code}): {self._last_error()}", hint="cfngen lint"
            )
        self.done = [[Finding(**f) for f in found] for found in json.loads(out)]
        return self.done

    def _last_error(self) -> str:
        lines = self.error_text.strip().splitlines()
        return lines[-1] if lines else "no message"

    def close(self) -> None:
        child, self.child = self.child, None
        if child is not None:
            if child.poll() is None:
                child.kill()
            child.wait()
            if child.stdout is not None:
                child.stdout.close()
        if self.errors is not None:
            self.errors.seek(0)
            self.error_text = self.errors.read()
            self.errors.close()
            self.errors = None


_FORKED: Linter | None = None


def _ignore_interrupts(parent: int) -> None:
    """A forked worker: Ctrl-C is the parent's to handle. On Linux it also dies with the parent: the pool may fork a
    replacement while the parent kills its workers on Ctrl-C, and that one must not outlive it (holding stderr)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before that took effect
            os._exit(130)


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


def _interrupted(_signum: int, _frame: object) -> None:
    """Ctrl-C in the background linter: stop the forked workers (they ignore it), then leave at once."""
    for worker in multiprocessing.active_children():
        worker.kill()
    os._exit(130)


def _serve() -> None:
    """The background linter: a JSON request on stdin, findings as JSON on stdout.

    It dies quietly: Ctrl-C (sent to the whole process group) and a parent that stopped reading (a deploy
    that failed first) end it without a traceback; the parent reports what matters. os._exit skips tearing
    down cfn-lint's object graph.
    """
    signal.signal(signal.SIGINT, _interrupted)
    try:
        request = json.loads(sys.stdin.read())
        linter = Linter(request["regions"], cache_dir=Path(request["cache_dir"]) if request["cache_dir"] else None)
        found = linter.lint_many(request["texts"])
        sys.stdout.write(json.dumps([[asdict(f) for f in findings] for findings in found]))
        sys.stdout.flush()
    except BrokenPipeError:
        os._exit(141)  # nobody reads the answer any more
    os._exit(0)


if __name__ == "__main__":
    _serve()
