"""Which Lambda runtimes a new function may use, from cfn-lint's runtime lifecycle data.

cfn-lint ships AWS's deprecation calendar and keeps it current; reading its JSON directly (without
importing cfn-lint, which costs half a second) keeps stack definitions fast and the table in one place.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Runtime:
    name: str
    deprecated: dt.date | None
    successor: str | None


@functools.cache
def lifecycle() -> dict[str, Runtime]:
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - cfn-lint is a dependency
        raise RuntimeError("cfn-lint is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "data/AdditionalSpecs/LmbdRuntimeLifecycle.json"
    raw: dict[str, dict[str, str | None]] = json.loads(path.read_text())
    return {
        name: Runtime(
            name,
            dt.date.fromisoformat(deprecated) if (deprecated := d.get("deprecated")) else None,
            d.get("successor"),
        )
        for name, d in sorted(raw.items())
    }


def current(today: dt.date | None = None) -> list[str]:
    """Runtimes not yet deprecated on `today`."""
    day = today or dt.date.today()
    return [r.name for r in lifecycle().values() if r.deprecated is None or r.deprecated > day]


def language_version(runtime: str) -> tuple[str, str]:
    """('python', '3.12') for python3.12: the interpreter packaging must target."""
    for lang in ("python", "nodejs", "java", "dotnet", "ruby"):
        if runtime.startswith(lang):
            return lang, runtime.removeprefix(lang).removesuffix(".x")
    return runtime, ""
