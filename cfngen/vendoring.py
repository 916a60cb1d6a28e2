"""Vendoring a Python function's requirements.txt for Lambda's platform, without docker.

pip installs wheels for the function's runtime and architecture (`--platform manylinux2014_*
--only-binary=:all:`) into a cache entry keyed by the requirements, runtime, architecture and pip's own
index settings, so an unchanged requirements.txt is installed once. The entry is filled beside the cache
and renamed into place (a crash never leaves a half-filled one), and console scripts are dropped (their
shebang names this machine's interpreter). Nothing is written into the code directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from cfngen.errors import OperationFailed

PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}

_PIP_TAIL_LINES = 20
# pip's own settings that change what gets installed: part of the dependency cache key when set.
_PIP_ENV = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_NO_INDEX", "PIP_CONSTRAINT")
# A RECORD row for a script that pip wrote to bin/, outside the lib dir the paths are relative to.
_SCRIPT_ROW = re.compile(rb"^(?:\.\./)+(bin/[^,]+),")

Runner = Callable[..., "subprocess.CompletedProcess[str]"]


def python_version(runtime: str) -> str | None:
    match = re.fullmatch(r"python(\d+\.\d+)", runtime)
    return match.group(1) if match else None


def vendor(
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
    settings = [f"{name}={os.environ[name]}" for name in _PIP_ENV if os.environ.get(name)]
    for part in (runtime, architecture, *pip_args, *settings):
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
