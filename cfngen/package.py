"""Function packaging: a code directory (or a ready .zip) becomes a deterministic zip keyed by its sha256.

Pure apart from the local filesystem and, when a Python function has a requirements.txt, one pip
subprocess. Same code in, same bytes out on any machine: the key names the S3 object, so a rebuild that
changes nothing must not change the key (and must not cause an upload or a function update).

What ships from a code directory: every file except, in this order of checks, DEFAULT_EXCLUDES (build and
VCS noise), the `exclude` globs, and what git would ignore: NEVER_SHIP (secrets and tool caches, the
lowest layer) under the project's .gitignore files from the project root down to the code directory and
inside it (a deeper file wins; a `!pattern` re-includes). An excluded folder is never entered. Vendored
dependencies get DEFAULT_EXCLUDES and `exclude` only: they are not the project's files, and some carry
files that look like secrets but are not (certifi's cacert.pem). Sizes are summed while collecting, so
code over Lambda's unzipped limit is refused before a byte is read; files are streamed into the zip.
Nothing is written into a code directory: builds and the dependency cache live under absolute paths.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import tempfile
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import IO

import pathspec

from cfngen.errors import UsageError
from cfngen.vendoring import PLATFORMS, Runner, python_version, vendor

MAX_ZIPPED = 52_428_800  # 50 MiB: Lambda's limit for a directly uploaded zip
MAX_UNZIPPED = 262_144_000  # 250 MiB: Lambda's limit for the unzipped function and its layers
COMPRESS_LEVEL = 9
DEFAULT_EXCLUDES = ("__pycache__", "*.pyc", "*.pyo", ".git", ".hg", ".svn", ".gitignore", ".DS_Store")
# Secrets and tool droppings, in .gitignore syntax (a pattern without a slash matches at any depth). Never
# shipped from a code directory unless a .gitignore re-includes a path with `!pattern`.
NEVER_SHIP = (
    ".env", ".env.*", "*.pem", "*.key", "id_rsa*", ".git-credentials", ".netrc", ".npmrc", ".pypirc",
    ".aws/", ".ssh/", ".venv/", "venv/", ".pytest_cache/", ".mypy_cache/", ".ruff_cache/", ".tox/",
    "**/node_modules/.cache/",
)  # fmt: skip

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold; file mtimes must not leak in
_UNIX = 3
_BIGGEST_SHOWN = 5
_CHUNK = 1 << 20  # bytes per read when streaming a file into the zip


@dataclass(frozen=True)
class LeftOut:
    """A file or folder that was not packaged, and the rule that left it out (for `package --verbose`)."""

    path: str  # as it would be named in the zip; folders end in "/"; "(dependencies) ..." for vendored files
    reason: str


@dataclass(frozen=True)
class Artifact:
    path: Path  # build_dir/<sha256>.zip, or the user's own .zip
    sha256: str
    size: int  # zipped bytes
    unzipped_size: int
    left_out: tuple[LeftOut, ...] = ()


def package(
    code: Path,
    *,
    runtime: str,
    architecture: str = "x86_64",
    exclude: Sequence[str] = (),
    build_dir: Path,
    cache_dir: Path | None = None,
    project_dir: Path | None = None,
    max_zipped: int = MAX_ZIPPED,
    max_unzipped: int = MAX_UNZIPPED,
    pip_args: Sequence[str] = (),
    run: Runner = subprocess.run,
) -> Artifact:
    """Package `code` for `runtime`/`architecture` and check it against Lambda's size limits.

    `exclude` globs apply to every path in the zip (code and vendored dependencies alike). `project_dir`
    is the folder whose .gitignore files, from there down to `code`, apply too (None: only those inside
    `code`). `pip_args` are appended to the pip command (an index URL, or `--no-index --find-links DIR`
    offline); they are part of the dependency cache key because they can change what gets installed, and
    so are pip's own index settings from the environment (PIP_INDEX_URL, PIP_FIND_LINKS, ...).
    """
    if architecture not in PLATFORMS:
        raise UsageError(f"{code}: unknown architecture {architecture!r}", hint=f"use one of {', '.join(PLATFORMS)}")
    if code.is_file() and code.suffix.lower() == ".zip":
        return _given_zip(code, max_zipped, max_unzipped)
    if not code.is_dir():
        what = "is not a directory or a .zip file" if code.exists() else "does not exist"
        raise UsageError(f"code path {code} {what}", hint="point `code` at a directory or a .zip file")

    # Absolute before anything runs elsewhere: pip's working directory is the code directory, so a relative
    # --target would make pip install into the user's code (and the zip ship the cache's path).
    build_dir = build_dir.resolve()
    cache = (cache_dir if cache_dir is not None else build_dir / "deps").resolve()
    build_dir.mkdir(parents=True, exist_ok=True)
    # A build or cache dir inside the code dir must not end up in its own package.
    skip = frozenset({build_dir, cache})

    files: dict[str, _File] = {}
    left_out: list[LeftOut] = []
    requirements = code / "requirements.txt"
    version = python_version(runtime)
    if version is not None and requirements.is_file():
        deps = vendor(requirements, runtime, version, architecture, cache, pip_args, run)
        dropped: list[LeftOut] = []
        files.update(_collect(deps, _Rules(exclude, ignores=()), skip, dropped))
        left_out += [LeftOut(f"(dependencies) {d.path}", d.reason) for d in dropped]
    rules = _Rules(exclude, ignores=_gitignores(code, project_dir, left_out))
    files.update(_collect(code, rules, skip, left_out))  # after the dependencies: code wins on name clashes
    if not files:
        raise UsageError(f"{code}: nothing to package", hint="the directory is empty or every file is excluded")
    _check_unzipped(code, files, max_unzipped)

    fd, tmp_name = tempfile.mkstemp(dir=build_dir, prefix=".", suffix=".zip.tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            _write_zip(out, files, code, max_zipped)
        sha, size, unzipped = _measure(tmp)
        _check_limits(code, size, unzipped, max_zipped, max_unzipped)
        target = build_dir / f"{sha}.zip"
        # The name is the content hash and files only appear there by an atomic rename, so an existing
        # file of the right size is this zip: leave it alone (its mtime stays, nothing rewrites it).
        if not (target.is_file() and target.stat().st_size == size):
            os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)  # gone after the replace; else a duplicate or a failure's leftover
    return Artifact(
        path=target, sha256=sha, size=size, unzipped_size=unzipped, left_out=tuple(sorted(left_out, key=_by_path))
    )


def _by_path(item: LeftOut) -> str:
    return item.path


def _given_zip(path: Path, max_zipped: int, max_unzipped: int) -> Artifact:
    try:
        sha, size, unzipped = _measure(path)
    except zipfile.BadZipFile as exc:
        raise UsageError(f"{path} is not a valid zip file: {exc}", hint="rebuild the archive") from exc
    _check_limits(path, size, unzipped, max_zipped, max_unzipped)
    return Artifact(path=path, sha256=sha, size=size, unzipped_size=unzipped)


def _measure(path: Path) -> tuple[str, int, int]:
    """sha256, zipped size, and unzipped size as the zip's own entries declare it (what Lambda counts)."""
    with path.open("rb") as f:
        sha = hashlib.file_digest(f, "sha256").hexdigest()
    with zipfile.ZipFile(path) as zf:
        unzipped = sum(info.file_size for info in zf.infolist())
    return sha, path.stat().st_size, unzipped


_HINT = "make the package smaller (exclude files, drop unused dependencies) or move dependencies to layers"


def _check_limits(path: Path, size: int, unzipped: int, max_zipped: int, max_unzipped: int) -> None:
    if size > max_zipped:
        raise UsageError(f"{path}: package is {size:,} bytes zipped, over the limit of {max_zipped:,}", hint=_HINT)
    if unzipped > max_unzipped:
        raise UsageError(
            f"{path}: package is {unzipped:,} bytes unzipped, over the limit of {max_unzipped:,}", hint=_HINT
        )


def _check_unzipped(code: Path, files: Mapping[str, _File], max_unzipped: int) -> None:
    """Refuse from the sizes the directory listing gave: no file is read for a package Lambda would refuse."""
    total = sum(f.size for f in files.values())
    if total <= max_unzipped:
        return
    biggest = sorted(files.items(), key=lambda item: (-item[1].size, item[0]))[:_BIGGEST_SHOWN]
    shown = ", ".join(f"{name} ({f.size:,} bytes)" for name, f in biggest)
    raise UsageError(
        f"{code}: package is {total:,} bytes unzipped, over the limit of {max_unzipped:,}; biggest: {shown}",
        hint=_HINT,
    )


@dataclass(frozen=True)
class _File:
    path: Path  # where the bytes are read from
    size: int  # from the directory listing, before anything is read


@dataclass(frozen=True)
class _Ignore:
    """One .gitignore-syntax layer and where it applies: zip names under `under`, seen from its folder."""

    spec: pathspec.GitIgnoreSpec
    lines: tuple[str, ...]
    source: str  # for --verbose: "default list" or ".gitignore at PATH"
    under: str = ""  # the layer governs zip names starting with this ("lib/" for code/lib/.gitignore)
    prefix: str = ""  # put before the rest of the name: the code dir's path seen from an outer .gitignore

    def check(self, name: str) -> tuple[bool, str] | None:
        """(excluded?, reason) when a pattern of this layer matches `name` (folders end in "/"), else None."""
        if not name.startswith(self.under):
            return None
        result = self.spec.check_file(self.prefix + name[len(self.under) :])
        if result.include is None or result.index is None:
            return None
        line = self.lines[result.index].strip()
        where = self.source if self.source == "default list" else f"{self.source} line {result.index + 1}"
        return result.include, f"{where}: {line}"


def _layer(lines: Sequence[str], source: str, under: str = "", prefix: str = "") -> _Ignore:
    return _Ignore(pathspec.GitIgnoreSpec.from_lines(lines), tuple(lines), source, under, prefix)


def _read_gitignore(path: Path, under: str = "", prefix: str = "") -> _Ignore:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read: {exc}") from exc
    return _layer(lines, f".gitignore at {path}", under, prefix)


def _gitignores(code: Path, project_dir: Path | None, left_out: list[LeftOut]) -> tuple[_Ignore, ...]:
    """NEVER_SHIP, then the .gitignore files from the project root down to the code dir's parent.

    A code dir that those files ignore as a whole (generated code, say) was chosen on purpose: then only
    NEVER_SHIP and the .gitignore files inside it apply.
    """
    base = _layer(NEVER_SHIP, "default list")
    real = code.resolve()
    if project_dir is None or not real.is_relative_to(project_dir.resolve()) or real == project_dir.resolve():
        return (base,)
    root = project_dir.resolve()
    rel = real.relative_to(root)
    outer = []
    for depth in range(len(rel.parts)):
        folder = root.joinpath(*rel.parts[:depth])
        if (folder / ".gitignore").is_file():
            outer.append(_read_gitignore(folder / ".gitignore", prefix="/".join(rel.parts[depth:]) + "/"))
    for layer in reversed(outer):
        verdict = layer.check("")  # the code dir itself, as a folder: prefix already ends in "/"
        if verdict is not None:
            if verdict[0]:
                left_out.append(LeftOut("(code dir)", f"is git-ignored ({verdict[1]}); that file does not apply"))
                return (base,)
            break
    return (base, *outer)


@dataclass(frozen=True)
class _Rules:
    exclude: Sequence[str]  # fnmatch globs, matched against the path and each of its components
    ignores: tuple[_Ignore, ...]  # .gitignore layers, shallowest first; the deepest match decides

    def why(self, name: str, is_dir: bool, extra: Sequence[_Ignore]) -> str | None:
        """Why `name` is left out, or None when it ships."""
        for patterns, label in ((DEFAULT_EXCLUDES, "default list"), (self.exclude, "--exclude")):
            hit = _excluded(name, patterns)
            if hit is not None:
                return f"{label}: {hit}"
        for layer in reversed((*self.ignores, *extra)):
            verdict = layer.check(name + "/" if is_dir else name)
            if verdict is not None:
                return verdict[1] if verdict[0] else None
        return None


def _excluded(rel: str, patterns: Sequence[str]) -> str | None:
    # fnmatchcase, not fnmatch: the result must not depend on the host's case rules.
    parts = rel.split("/")
    for p in patterns:
        if fnmatchcase(rel, p) or any(fnmatchcase(part, p) for part in parts):
            return p
    return None


def _collect(root: Path, rules: _Rules, skip: frozenset[Path], left_out: list[LeftOut]) -> dict[str, _File]:
    """Map each zip name (POSIX path relative to root) to the file whose bytes it holds, with its size."""
    real_root = root.resolve()
    found: dict[str, _File] = {}

    def walk(directory: Path, prefix: str, active: frozenset[Path], inner: tuple[_Ignore, ...]) -> None:
        if rules.ignores and (directory / ".gitignore").is_file():  # rules.ignores: not for dependencies
            inner = (*inner, _read_gitignore(directory / ".gitignore", under=prefix))
        for entry in _entries(directory):  # order is irrelevant: names are sorted when written
            # NFC: macOS may hand out decomposed names; the zip must not depend on where it was built.
            rel = unicodedata.normalize("NFC", prefix + entry.name)
            path = Path(entry.path)
            try:
                real = path.resolve()
            except (RuntimeError, OSError) as exc:  # RuntimeError: a link loop in Python 3.11, OSError later
                raise UsageError(f"{path}: symlink loop ({exc})", hint="remove the link") from exc
            if real in skip:
                continue
            is_dir = real.is_dir()
            reason = rules.why(rel, is_dir, inner)
            if reason is not None:
                left_out.append(LeftOut(rel + "/" if is_dir else rel, reason))
                continue  # an excluded folder is never entered: a .venv can hold 100,000 files
            if entry.is_symlink() and not (real.exists() and real.is_relative_to(real_root)):
                problem = f"points outside {root}" if real.exists() else "is dangling: nothing"
                raise UsageError(
                    f"{path}: symlink {problem} (to {real})",
                    hint="copy the file into the code directory or replace the link with the file",
                )
            if is_dir:
                if real in active:
                    raise UsageError(f"{path}: symlink loop (back to {real})", hint="remove the link")
                walk(path, rel + "/", active | {real}, inner)
            elif real.is_file():
                found[rel] = _File(path, real.stat().st_size)

    walk(root, "", frozenset({real_root}), ())
    return found


def _entries(directory: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as found:
            return list(found)
    except OSError as exc:
        raise UsageError(f"{directory}: cannot be read: {exc.strerror or exc}", hint=_UNREADABLE) from exc


_UNREADABLE = "fix its permissions, or leave it out with --exclude or a .gitignore entry"


def _write_zip(out: IO[bytes], files: Mapping[str, _File], code: Path, max_zipped: int) -> None:
    with zipfile.ZipFile(out, "w") as zf:
        for count, name in enumerate(sorted(files), start=1):
            source = files[name].path
            try:
                src = source.open("rb")
            except OSError as exc:
                raise UsageError(f"{source}: cannot be read: {exc.strerror or exc}", hint=_UNREADABLE) from exc
            mode = 0o755 if os.fstat(src.fileno()).st_mode & stat.S_IXUSR else 0o644
            info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            info.create_system = _UNIX  # ZipInfo guesses from the host OS
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            # What writestr(..., compresslevel=) sets; ZipInfo has no public name for it before Python 3.13.
            info._compresslevel = COMPRESS_LEVEL  # type: ignore[attr-defined]
            # The size up front, as writestr knows it: the same header bytes, the same zip64 choice.
            info.file_size = files[name].size
            with src, zf.open(info, "w") as dst:
                while chunk := src.read(_CHUNK):
                    dst.write(chunk)
                    if out.tell() > max_zipped:  # stop early: the finished zip could only be bigger
                        raise UsageError(
                            f"{code}: package is over {max_zipped:,} bytes zipped by {name} "
                            f"(file {count} of {len(files)}, in name order)",
                            hint=_HINT,
                        )
