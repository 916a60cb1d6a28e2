"""Settings from [tool.cfngen] in pyproject.toml, fed to click as its default_map.

Precedence is click's: a flag beats its environment variable, which beats the file, which beats the
built-in default. Keys are the long option names (`stacks-dir`); an unknown key is an error with a
suggestion, so a typo never silently falls back to a default.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cfngen.errors import UsageError

PATH_KEYS = {"stacks-dir", "templates-dir", "out-dir", "outputs-file"}
# Options that may not come from the file: a prompt that guards a delete is not a default.
NOT_SETTINGS = {"yes": "a prompt that guards a delete is answered per call: pass --yes on the command line"}
WORK_DIR_NAME = ".cfngen"


def find_pyproject(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def project_dir(start: Path | None = None) -> Path:
    """The project: the folder of the nearest pyproject.toml with a [tool.cfngen] table, else the working
    directory. Absolute. Its `.cfngen/` holds builds and caches, and its .gitignore applies to packages."""
    here = (start or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and _has_table(candidate):
            return folder
    return here


def work_dir(start: Path | None = None) -> Path:
    """The project's `.cfngen/` (absolute): builds and caches, never inside a code folder by accident."""
    return project_dir(start) / WORK_DIR_NAME


def _has_table(path: Path) -> bool:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return False  # load() reports an unreadable file; here it just is not the project marker
    tool = data.get("tool")
    return isinstance(tool, dict) and isinstance(tool.get("cfngen"), dict)


def load(start: Path) -> tuple[dict[str, Any], Path | None]:
    """The [tool.cfngen] table (keys as written: long option names) of the nearest pyproject.toml, and its path."""
    path = find_pyproject(start)
    if path is None:
        return {}, None
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: cannot be read: {exc}") from exc
    table = data.get("tool", {}).get("cfngen", {})
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.cfngen] must be a table")
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key in NOT_SETTINGS:
            raise UsageError(f"{path}: [tool.cfngen] cannot set {key!r}", hint=NOT_SETTINGS[key])
        if key in PATH_KEYS and not isinstance(value, str):
            raise UsageError(
                f"{path}: [tool.cfngen] {key} = {value!r}: not a path; allowed: a string, relative to the file"
            )
        out[key] = _relative(path.parent / value) if key in PATH_KEYS and isinstance(value, str) else value
    return out, path


def default_map(
    settings: dict[str, Any], path: Path | None, commands: Mapping[str, Mapping[str, str]]
) -> dict[str, Any]:
    """click default_map: each command gets the settings it has an option for.

    `commands` maps each command to {long option name: parameter name}.
    """
    known = sorted({flag for flags in commands.values() for flag in flags})
    for key in settings:
        if key not in known:
            near = difflib.get_close_matches(key, known, n=1)
            raise UsageError(
                f"{path}: [tool.cfngen] has an unknown key {key!r}; allowed: "
                + ", ".join(k for k in known if k not in NOT_SETTINGS),
                hint=f"did you mean {near[0]!r}?" if near else None,
            )
    return {
        cmd: {param: settings[flag] for flag, param in flags.items() if flag in settings}
        for cmd, flags in commands.items()
    }


def _relative(path: Path) -> str:
    """Paths from the file are relative to it; shown relative to the working directory when inside it."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd()))
    except ValueError:
        return str(resolved)
