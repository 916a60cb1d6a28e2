"""Find the stacks: import stacks/*.py and collect every module-level Stack.

Files starting with "_" are helpers, not stack files. Any error while importing a stack file is
reported with the file's name; a SpecError already names file, stack, resource and field.

Each stack file is imported once, as the module of its file name, with the stacks folder on sys.path: so
`from orders import stream` in workers.py gets the very stream that orders.py's stack creates (a cross-stack
reference, definitions/imports.py), whichever file is loaded first. A file named like a module Python already
has loaded (json.py) keeps a private name, and the other stack files cannot import it.
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from cfngen.definitions import Stack
from cfngen.errors import SpecError, UsageError

_STACK_DIRS: set[str] = set()  # the stacks folders loaded in this process (resolved): their modules load afresh


def forget(stacks_dir: Path) -> None:
    """Drop the modules of stack files loaded before (this project's or another's), so a load sees the files now.
    Their __file__ is under the resolved folder: load_file imports by resolved path, with that folder on sys.path."""
    _STACK_DIRS.add(str(stacks_dir.resolve()))
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and os.path.dirname(file) in _STACK_DIRS:
            del sys.modules[name]


def _import(path: Path) -> list[Stack]:
    path = path.resolve()
    loaded = sys.modules.get(path.stem)
    if loaded is not None and _file_of(loaded) == path:  # already imported by another stack file
        return _stacks_of(loaded, path)
    module_name = path.stem if loaded is None else f"cfngen_stacks.{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise UsageError(f"{path}: cannot be imported as a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    sys.path.insert(0, str(path.parent))  # lets stack files share helpers from the same folder
    try:
        spec.loader.exec_module(module)
    except BaseException:  # whatever a stack file raises: forget the half-run module, load_file reports it
        sys.modules.pop(module_name, None)
        raise
    finally:
        sys.path.remove(str(path.parent))
    return _stacks_of(module, path)


def _file_of(module: object) -> Path | None:
    file = getattr(module, "__file__", None)
    return Path(file).resolve() if file else None


def _stacks_of(module: object, path: Path) -> list[Stack]:
    """The module's stacks defined in its own file (a stack imported from another stack file is that file's)."""
    found: list[Stack] = []
    for value in vars(module).values():
        if isinstance(value, Stack) and value.file == path and all(value is not s for s in found):
            found.append(value)
    return found


def load_file(path: Path) -> list[Stack]:
    try:
        return _import(path)
    except SpecError as exc:
        if exc.file is None:  # raised outside a Stack (e.g. KinesisStream.from_arn): name the file here
            raise SpecError(exc.message, file=str(path), hint=exc.hint) from exc
        raise
    except Exception as exc:  # a stack file is the user's code: whatever it raises is theirs to fix (exit 2)
        raise UsageError(
            f"{path}: failed to load: {type(exc).__name__}: {exc}", hint="run with --debug for the traceback"
        ) from exc
    except SystemExit as exc:  # sys.exit() in a stack file must not end cfngen silently with its code
        raise UsageError(
            f"{path}: called sys.exit({exc.code!r}) while loading", hint="a stack file only defines stacks"
        ) from exc


def discover(stacks_dir: Path) -> list[Stack]:
    """Every stack, in file-name order then definition order: the order `deploy` uses. None is an error:
    an empty or mistyped stacks directory must not pass `check` or `deploy` as a silent no-op."""
    if not stacks_dir.is_dir():
        raise UsageError(f"stacks directory {stacks_dir} does not exist", hint="set --stacks-dir or stacks-dir "
                         "in [tool.cfngen] of pyproject.toml")  # fmt: skip
    stacks: list[Stack] = []
    seen: dict[str, Path] = {}
    forget(stacks_dir)
    for path in sorted(stacks_dir.glob("*.py")):
        if path.name.startswith("_"):
            continue
        for stack in load_file(path):
            if stack.name in seen:
                raise UsageError(f"{path}: stack name {stack.name!r} is already defined in {seen[stack.name]}; "
                                 "allowed: each stack name once")  # fmt: skip
            seen[stack.name] = path
            stacks.append(stack)
    if not stacks:
        raise UsageError(
            f"no stacks in {stacks_dir}",
            hint="a stack is a module-level `stack = Stack(...)` in a stacks/*.py file (files starting with _ "
            "are helpers)",
        )
    return stacks


def select(stacks: Sequence[Stack], names: Sequence[str]) -> list[Stack]:
    """The named stacks (all when none named), in the order given; unknown names are an error."""
    if not names:
        return list(stacks)
    by_name = {s.name: s for s in stacks}
    for name in names:
        if name not in by_name:
            near = difflib.get_close_matches(name, list(by_name), n=1)
            raise UsageError(
                f"no stack named {name!r}; stacks: {', '.join(by_name) or '(none)'}",
                hint=f"did you mean {near[0]!r}?" if near else None,
            )
    return [by_name[n] for n in dict.fromkeys(names)]
