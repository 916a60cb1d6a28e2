"""cfn-lint, in-process: one rule set loaded once for every template, results cached by content.

Loading cfn-lint's rules costs more than linting a template, so a run builds one Runner and reuses it.
Results are cached under .cfngen/cache/lint keyed by the template bytes, cfn-lint's version and the
lint settings: an unchanged template is never linted twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib.metadata import version
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

    def _key(self, text: str) -> str:
        material = json.dumps({"cfn-lint": version("cfn-lint"), "regions": self.regions, "template": text})
        return hashlib.sha256(material.encode()).hexdigest()

    def lint(self, text: str) -> list[Finding]:
        cached = self.cache_dir / f"{self._key(text)}.json" if self.cache_dir else None
        if cached is not None and cached.exists():
            return [Finding(**f) for f in json.loads(cached.read_text())]
        findings = self._lint(text)
        if cached is not None:
            from cfngen.render import write_atomic

            write_atomic(cached, json.dumps([asdict(f) for f in findings]))
        return findings

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
