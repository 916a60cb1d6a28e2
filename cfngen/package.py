"""Function packaging: a code directory (or a ready .zip) becomes a deterministic zip keyed by its sha256.

Pure apart from the local filesystem and, when a Python function has a requirements.txt, one pip
subprocess. Same code in, same bytes out on any machine: the key names the S3 object, so a rebuild that
changes nothing must not change the key (and must not cause an upload or a function update).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import IO

from cfngen.errors import OperationFailed, UsageError

MAX_ZIPPED = 52_428_800  # 50 MiB: Lambda's limit for a directly uploaded zip
MAX_UNZIPPED = 262_144_000  # 250 MiB: Lambda's limit for the unzipped function and its layers
COMPRESS_LEVEL = 9
DEFAULT_EXCLUDES = ("__pycache__", "*.pyc", "*.pyo", ".git", ".hg", ".svn", ".gitignore", ".DS_Store")
PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold; file mtimes must not leak in
_UNIX = 3
_PIP_TAIL_LINES = 20
# A RECORD row for a script that pip wrote to bin/, outside the lib dir the paths are relative to.
_SCRIPT_ROW = re.compile(rb"^(?:\.\./)+(bin/[^,]+),")

Runner = Callable[..., "subprocess.CompletedProcess[str]"]


@dataclass(frozen=True)
class Artifact:
    path: Path  # build_dir/<sha256>.zip, or the user's own .zip
    sha256: str
    size: int  # zipped bytes
    unzipped_size: int


def package(
    code: Path,
    *,
    runtime: str,
    architecture: str = "x86_64",
    exclude: Sequence[str] = (),
    build_dir: Path,
    cache_dir: Path | None = None,
    max_zipped: int = MAX_ZIPPED,
    max_unzipped: int = MAX_UNZIPPED,
    pip_args: Sequence[str] = (),
    run: Runner = subprocess.run,
) -> Artifact:
    """Package `code` for `runtime`/`architecture` and check it against Lambda's size limits.

    `exclude` globs apply to every path in the zip (code and vendored dependencies alike). `pip_args` are
    appended to the pip command (an index URL, or `--no-index --find-links DIR` offline); they are part
    of the dependency cache key because they can change what gets installed.
    """
    if architecture not in PLATFORMS:
        raise UsageError(f"{code}: unknown architecture {architecture!r}", hint=f"use one of {', '.join(PLATFORMS)}")
    if code.is_file() and code.suffix.lower() == ".zip":
        return _given_zip(code, max_zipped, max_unzipped)
    if not code.is_dir():
        what = "is not a directory or a .zip file" if code.exists() else "does not exist"
        raise UsageError(f"code path {code} {what}", hint="point `code` at a directory or a .zip file")

    build_dir.mkdir(parents=True, exist_ok=True)
    cache = cache_dir if cache_dir is not None else build_dir / "deps"
    patterns = (*DEFAULT_EXCLUDES, *exclude)
    # A build or cache dir inside the code dir must not end up in its own package.
    skip = frozenset({build_dir.resolve(), cache.resolve()})

    files: dict[str, Path] = {}
    requirements = code / "requirements.txt"
    python_version = _python_version(runtime)
    if python_version is not None and requirements.is_file():
        deps = _vendor(requirements, runtime, python_version, architecture, cache, pip_args, run)
        files.update(_collect(deps, patterns, skip))
    files.update(_collect(code, patterns, skip))  # after the dependencies: code wins on name clashes
    if not files:
        raise UsageError(f"{code}: nothing to package", hint="the directory is empty or every file is excluded")

    fd, tmp_name = tempfile.mkstemp(dir=build_dir, prefix=".", suffix=".zip.tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            _write_zip(out, files)
        sha, size, unzipped = _measure(tmp)
        _check_limits(code, size, unzipped, max_zipped, max_unzipped)
        target = build_dir / f"{sha}.zip"
        # The name is the content hash and files only appear there by an atomic rename, so an existing
        # file of the right size is this zip: leave it alone (its mtime stays, nothing rewrites it).
        if target.is_file() and target.stat().st_size == size:
            tmp.unlink()
        else:
            os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Artifact(path=target, sha256=sha, size=size, unzipped_size=unzipped)


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


def _check_limits(path: Path, size: int, unzipped: int, max_zipped: int, max_unzipped: int) -> None:
    hint = "make the package smaller (exclude files, drop unused dependencies) or move dependencies to layers"
    if size > max_zipped:
        raise UsageError(f"{path}: package is {size:,} bytes zipped, over the limit of {max_zipped:,}", hint=hint)
    if unzipped > max_unzipped:
        raise UsageError(
            f"{path}: package is {unzipped:,} bytes unzipped, over the limit of {max_unzipped:,}", hint=hint
        )


def _excluded(rel: str, patterns: Sequence[str]) -> bool:
    # fnmatchcase, not fnmatch: the result must not depend on the host's case rules.
    parts = rel.split("/")
    return any(fnmatchcase(rel, p) or any(fnmatchcase(part, p) for part in parts) for p in patterns)


def _collect(root: Path, patterns: Sequence[str], skip: frozenset[Path]) -> dict[str, Path]:
    """Map each zip name (POSIX path relative to root) to the file whose bytes it holds."""
    real_root = root.resolve()
    found: dict[str, Path] = {}

    def walk(directory: Path, prefix: str, active: frozenset[Path]) -> None:
        for entry in os.scandir(directory):  # order is irrelevant: names are sorted when written
            # NFC: macOS may hand out decomposed names; the zip must not depend on where it was built.
            rel = unicodedata.normalize("NFC", prefix + entry.name)
            if _excluded(rel, patterns):
                continue
            path = Path(entry.path)
            real = path.resolve()
            if real in skip:
                continue
            if entry.is_symlink() and not (real.exists() and real.is_relative_to(real_root)):
                problem = f"points outside {root}" if real.exists() else "is dangling: nothing"
                raise UsageError(
                    f"{path}: symlink {problem} (to {real})",
                    hint="copy the file into the code directory or replace the link with the file",
                )
            if real.is_dir():
                if real in active:
                    raise UsageError(f"{path}: symlink loop (back to {real})", hint="remove the link")
                walk(path, rel + "/", active | {real})
            elif real.is_file():
                found[rel] = path

    walk(root, "", frozenset({real_root}))
    return found


def _write_zip(out: IO[bytes], files: Mapping[str, Path]) -> None:
    with zipfile.ZipFile(out, "w") as zf:
        for name in sorted(files):
            source = files[name]
            mode = 0o755 if source.stat().st_mode & stat.S_IXUSR else 0o644
            info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            info.create_system = _UNIX  # ZipInfo guesses from the host OS
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, source.read_bytes(), compresslevel=COMPRESS_LEVEL)


def _python_version(runtime: str) -> str | None:
    match = re.fullmatch(r"python(\d+\.\d+)", runtime)
    return match.group(1) if match else None


def _vendor(
    requirements: Path,
    runtime: str,
    python_version: str,
    architecture: str,
    cache: Path,
    pip_args: Sequence[str],
    run: Runner,
) -> Path:
    """Install the requirements for the Lambda platform once per (requirements, runtime, architecture)."""
    digest = hashlib.sha256(requirements.read_bytes())
    for part in (runtime, architecture, *pip_args):
        digest.update(b"\0" + part.encode())
    target = cache / digest.hexdigest()
    if target.is_dir():
        return target

    cache.mkdir(parents=True, exist_ok=True)
    # Install beside the cache entry and rename it into place: a crash never leaves a half-filled entry.
    tmp = Path(tempfile.mkdtemp(dir=cache, prefix=".tmp-"))
    command = [
        sys.executable, "-m", "pip", "install", "-r", str(requirements.resolve()),
        "--platform", PLATFORMS[architecture], "--only-binary=:all:", "--python-version", python_version,
        "--implementation", "cp", "--target", str(tmp), "--no-compile", "--disable-pip-version-check", "-q",
        *pip_args,
    ]  # fmt: skip
    try:
        # cwd: relative paths inside requirements.txt (-r, -c, ./lib) resolve against the code directory.
        result = run(command, capture_output=True, text=True, check=False, cwd=requirements.parent)
        if result.returncode != 0:
            tail = "\n".join((result.stderr or result.stdout or "").strip().splitlines()[-_PIP_TAIL_LINES:])
            raise OperationFailed(
                f"pip could not install {requirements} for {runtime} on {architecture} "
                f"(exit {result.returncode}):\n{tail}",
                hint=f"every requirement needs a wheel for {PLATFORMS[architecture]} or py3-none-any; "
                "cfngen does not build from source",
            )
        _drop_scripts(tmp)
        try:
            tmp.rename(target)
        except OSError:
            if not target.is_dir():  # otherwise a concurrent run filled the same entry first: use theirs
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _drop_scripts(site: Path) -> None:
    """Remove the console scripts pip writes to bin/ and their RECORD rows.

    Their shebang names this machine's interpreter, so they cannot run on Lambda and would make the zip
    (and, through their hashes, RECORD) depend on where it was built.
    """
    for record in sorted(site.glob("*.dist-info/RECORD")):
        rows = record.read_bytes().splitlines(keepends=True)
        scripts = [m.group(1).decode() for m in map(_SCRIPT_ROW.match, rows) if m]
        for script in scripts:
            (site / script).unlink(missing_ok=True)
        if scripts:
            record.write_bytes(b"".join(row for row in rows if not _SCRIPT_ROW.match(row)))
    with contextlib.suppress(OSError):  # kept when a package put something else there
        (site / "bin").rmdir()
