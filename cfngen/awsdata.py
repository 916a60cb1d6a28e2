"""Facts about AWS that cfn-lint ships and keeps current: Lambda's runtime calendar, IAM's action model.

Read straight from cfn-lint's data files, without importing cfn-lint (half a second), so stack
definitions stay fast and these tables live in one maintained place.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Runtime:
    name: str
    deprecated: dt.date | None
    successor: str | None


def _data(name: str) -> Any:
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - cfn-lint is a dependency
        raise RuntimeError("cfn-lint is not installed")
    return json.loads((Path(next(iter(spec.submodule_search_locations))) / "data/AdditionalSpecs" / name).read_text())


@functools.cache
def runtime_lifecycle() -> dict[str, Runtime]:
    raw: dict[str, dict[str, str | None]] = _data("LmbdRuntimeLifecycle.json")
    return {
        name: Runtime(
            name,
            dt.date.fromisoformat(deprecated) if (deprecated := d.get("deprecated")) else None,
            d.get("successor"),
        )
        for name, d in sorted(raw.items())
    }


def current_runtimes(today: dt.date | None = None) -> list[str]:
    """Runtimes not yet deprecated on `today`."""
    day = today or dt.date.today()
    return [r.name for r in runtime_lifecycle().values() if r.deprecated is None or r.deprecated > day]


@functools.cache
def _iam() -> dict[str, Any]:
    data: dict[str, Any] = _data("Policies.json")
    return data


def action_takes_resources(action: str) -> bool:
    """Whether IAM can scope `service:Action` to resources; unknown actions count as scopable (so `*` is refused)."""
    service, _, name = action.partition(":")
    actions = _iam().get(service, {}).get("Actions", {})
    if "*" in name:
        matching = [v for k, v in actions.items() if k.startswith(name.lower().rstrip("*"))]
        return not matching or any(v.get("Resources") for v in matching)
    entry = actions.get(name.lower())
    return entry is None or bool(entry.get("Resources"))
