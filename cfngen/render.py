"""Canonical template text, and writing/checking templates/.

Canonical = fixed section and attribute order, other keys sorted, 2-space indent, trailing newline:
the same spec gives the same bytes on any machine, so committed templates diff only on real change.
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from troposphere import Template

SECTIONS = ("AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules", "Mappings",
            "Conditions", "Transform", "Resources", "Outputs")  # fmt: skip
RESOURCE_KEYS = ("Type", "Condition", "DependsOn", "Metadata", "Properties", "CreationPolicy",
                 "UpdatePolicy", "DeletionPolicy", "UpdateReplacePolicy")  # fmt: skip


def _ordered(mapping: dict[str, Any], first: tuple[str, ...]) -> dict[str, Any]:
    head = [k for k in first if k in mapping]
    return {k: mapping[k] for k in [*head, *sorted(k for k in mapping if k not in first)]}


def _sort_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sort_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sort_keys(v) for v in value]
    return value


def canonical(template: Template | dict[str, Any]) -> dict[str, Any]:
    body = template.to_dict() if isinstance(template, Template) else template
    out = _ordered(body, SECTIONS)
    if "Resources" in out:
        out["Resources"] = {
            name: _ordered({k: _sort_keys(v) for k, v in res.items()}, RESOURCE_KEYS)
            for name, res in sorted(out["Resources"].items())
        }
    for section in out:
        if section != "Resources":
            out[section] = _sort_keys(out[section])
    return out


def canonical_json(template: Template | dict[str, Any]) -> str:
    return json.dumps(canonical(template), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def canonical_yaml(template: Template | dict[str, Any]) -> str:
    from cfn_flip import to_yaml  # troposphere's own dependency; converts to !Ref-style short forms

    text: str = to_yaml(canonical_json(template), clean_up=False, long_form=False)
    return text if text.endswith("\n") else text + "\n"


def render_text(template: Template, fmt: str = "json") -> str:
    return canonical_yaml(template) if fmt == "yaml" else canonical_json(template)


FORMATS = ("json", "yaml")


def template_path(templates_dir: Path, stack_name: str, fmt: str = "json") -> Path:
    return templates_dir / f"{stack_name}.{fmt}"


def committed_formats(templates_dir: Path, stack_name: str) -> list[str]:
    """The formats in which templates/ holds this stack's template (none: it was never rendered)."""
    return [fmt for fmt in FORMATS if template_path(templates_dir, stack_name, fmt).is_file()]


def other_formats(templates_dir: Path, stack_name: str, fmt: str) -> list[Path]:
    """The stack's committed templates in formats other than `fmt`: stale once it renders as `fmt`."""
    others = [f for f in committed_formats(templates_dir, stack_name) if f != fmt]
    return [template_path(templates_dir, stack_name, f) for f in others]


def drift(template: Template, templates_dir: Path, stack_name: str) -> list[Staleness]:
    """How each committed template of a stack differs from a fresh render; empty when all match (or none
    is committed). What deploys must be what was reviewed: a spec changed without `render`, or a
    committed template edited by hand, shows up here."""
    found = (
        staleness(template_path(templates_dir, stack_name, f), render_text(template, f))
        for f in committed_formats(templates_dir, stack_name)  # only those: rendering YAML costs a cfn_flip import
    )
    return [s for s in found if s.stale]


def _umask() -> int:
    mask = os.umask(0)  # the only way to read it is to set it: put it straight back
    os.umask(mask)
    return mask


def write_atomic(path: Path, text: str) -> bool:
    """Write only when the bytes change; never leave a half-written file. True when written.

    The file gets the mode a plain open() would give it (0666 less the umask), not mkstemp's 0600:
    rendered templates are shared files that other users and tools read.
    """
    data = text.encode()
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)  # gone after the replace; left only by a failure
    return True


@dataclass(frozen=True)
class Staleness:
    path: Path
    diff: str  # empty when current

    @property
    def stale(self) -> bool:
        return bool(self.diff)


def staleness(path: Path, expected: str) -> Staleness:
    current = path.read_text() if path.exists() else ""
    if current == expected:
        return Staleness(path, "")
    before = f"{path} (committed)" if path.exists() else f"{path} (missing)"
    return Staleness(path, unified_diff(current, expected, before, f"{path} (rendered)"))


def unified_diff(old: str, new: str, fromfile: str, tofile: str) -> str:
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), fromfile, tofile)
    return "".join(lines)
