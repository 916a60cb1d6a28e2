"""Packaging: deterministic bytes, exclusions (defaults, secrets, .gitignore), modes, limits, symlinks and
dependency vendoring."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import os
import subprocess
import sys
import unicodedata
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from cfngen.errors import OperationFailed, UsageError
from cfngen.package import Artifact, LeftOut, package

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PIP_ENV = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_NO_INDEX", "PIP_CONSTRAINT")

TREE = {
    "app.py": "def handler(event, context):\n    return event\n",
    "lib/__init__.py": "",
    "lib/util.py": "X = 1\n" * 50,
    "lib/deep/data.json": '{"a": 1}\n',
    "zeta.txt": "last\n",
    "Alpha.txt": "upper case sorts first\n",
}


def make_tree(root: Path, files: dict[str, str], order: Sequence[str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name in order if order is not None else sorted(files):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[name])
    return root


def build(code: Path, tmp_path: Path, **kwargs: Any) -> Artifact:
    kwargs.setdefault("runtime", "python3.12")
    kwargs.setdefault("build_dir", tmp_path / "build")
    return package(code, **kwargs)


def names(artifact: Artifact) -> list[str]:
    with zipfile.ZipFile(artifact.path) as zf:
        return zf.namelist()


# --- determinism -----------------------------------------------------------------------------------------


def test_same_tree_built_twice_gives_same_bytes_and_does_not_rewrite(tmp_path: Path) -> None:
    code = make_tree(tmp_path / "code", TREE)
    first = build(code, tmp_path)
    before = first.path.stat()
    data = first.path.read_bytes()
    second = build(code, tmp_path)

    assert second == first
    assert first.path == tmp_path / "build" / f"{first.sha256}.zip"
    assert first.sha256 == hashlib.sha256(data).hexdigest()
    assert first.size == len(data)
    assert first.unzipped_size == sum(len(v.encode()) for v in TREE.values())
    after = second.path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert sorted(p.name for p in (tmp_path / "build").iterdir()) == [f"{first.sha256}.zip"]


def test_mtimes_do_not_change_the_bytes(tmp_path: Path) -> None:
    a = make_tree(tmp_path / "a", TREE)
    b = make_tree(tmp_path / "b", TREE)
    for i, path in enumerate(sorted(b.rglob("*"))):
        os.utime(path, (1_000_000_000 + i * 7919, 1_000_000_000 + i * 7919))
    assert build(a, tmp_path).path.read_bytes() == build(b, tmp_path).path.read_bytes()


def test_creation_order_does_not_change_the_bytes(tmp_path: Path) -> None:
    a = make_tree(tmp_path / "a", TREE, order=sorted(TREE))
    b = make_tree(tmp_path / "b", TREE, order=sorted(TREE, reverse=True))
    assert build(a, tmp_path).sha256 == build(b, tmp_path).sha256


def test_entries_are_sorted_files_only(tmp_path: Path) -> None:
    code = make_tree(tmp_path / "code", TREE)
    (code / "empty-dir").mkdir()
    listed = names(build(code, tmp_path))
    assert listed == sorted(TREE)
    assert not any(n.endswith("/") for n in listed)


def test_same_bytes_across_processes_with_different_hash_seeds(tmp_path: Path) -> None:
    many = {f"pkg{i % 7}/mod_{i:03d}.py": f"V = {i}\n" for i in range(60)}
    code = make_tree(tmp_path / "code", many)
    script = (
        "import sys; from pathlib import Path; from cfngen.package import package; "
        "print(package(Path(sys.argv[1]), runtime='python3.12', build_dir=Path(sys.argv[2])).sha256)"
    )
    keys = set()
    for seed in ("0", "1", "424242"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(PROJECT_ROOT)}
        out = subprocess.run(
            [sys.executable, "-c", script, str(code), str(tmp_path / f"build-{seed}")],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        keys.add(out.stdout.strip())
    assert keys == {build(code, tmp_path).sha256}


def test_zip_metadata_is_fixed(tmp_path: Path) -> None:
    code = make_tree(tmp_path / "code", {"app.py": "x = 1\n", "run.sh": "#!/bin/sh\n", "data.bin": "d"})
    (code / "run.sh").chmod(0o700)  # group/other bits must not matter, only owner-executable
    (code / "data.bin").chmod(0o600)
    (code / "app.py").chmod(0o664)
    with zipfile.ZipFile(build(code, tmp_path).path) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        assert zf.comment == b""
    modes = {name: (info.external_attr >> 16) & 0o7777 for name, info in infos.items()}
    assert modes == {"app.py": 0o644, "data.bin": 0o644, "run.sh": 0o755}
    for info in infos.values():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.create_system == 3
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.extra == b""
        assert (info.external_attr >> 16) & 0o170000 == 0o100000  # regular file


def test_names_are_unicode_normalised(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "café.txt")
    code = make_tree(tmp_path / "code", {decomposed: "x"})
    assert names(build(code, tmp_path)) == [unicodedata.normalize("NFC", "café.txt")]


# --- exclusions --------------------------------------------------------------------------------------------


def test_default_exclusions(tmp_path: Path) -> None:
    junk = {
        "__pycache__/app.cpython-312.pyc": "",
        "lib/__pycache__/util.cpython-312.pyc": "",
        "stray.pyc": "",
        "stray.pyo": "",
        ".git/HEAD": "ref\n",
        ".hg/store": "",
        ".svn/entries": "",
        ".gitignore": "*.pyc\n",
        "lib/.DS_Store": "",
    }
    code = make_tree(tmp_path / "code", {**TREE, **junk})
    assert names(build(code, tmp_path)) == sorted(TREE)


def test_custom_exclude_globs_match_paths_and_components(tmp_path: Path) -> None:
    code = make_tree(
        tmp_path / "code",
        {**TREE, "tests/test_app.py": "", "lib/tests/test_util.py": "", "notes.md": "", "docs/a.md": ""},
    )
    listed = names(build(code, tmp_path, exclude=["tests", "*.md", "lib/deep/*"]))
    assert listed == sorted(n for n in TREE if not n.startswith("lib/deep/"))


def test_build_dir_inside_code_dir_is_not_packaged(tmp_path: Path) -> None:
    code = make_tree(tmp_path / "code", TREE)
    first = package(code, runtime="python3.12", build_dir=code / ".build")
    second = package(code, runtime="python3.12", build_dir=code / ".build")
    assert names(second) == sorted(TREE)
    assert second.sha256 == first.sha256


SECRETS_AND_DROPPINGS = {
    ".env": "AWS_SECRET_ACCESS_KEY=x\n",
    ".env.production": "x",
    "lib/.env": "x",
    ".aws/credentials": "[default]\n",
    ".ssh/id_ed25519": "k",
    ".git-credentials": "https://u:p@host\n",
    ".netrc": "machine x\n",
    ".npmrc": "//registry/:_authToken=x\n",
    ".pypirc": "[pypi]\n",
    ".venv/lib/python3.12/site-packages/big.py": "",
    "venv/pyvenv.cfg": "",
    ".pytest_cache/v/cache/lastfailed": "{}",
    ".mypy_cache/3.12/app.meta.json": "{}",
    ".ruff_cache/CACHEDIR.TAG": "",
    ".tox/py312/log": "",
    "node_modules/.cache/babel/x.json": "{}",
    "web/node_modules/.cache/y": "",
    "server.pem": "-----BEGIN PRIVATE KEY-----\n",
    "certs/signing.key": "k",
    "id_rsa": "k",
    "id_rsa.pub": "k",
}


def test_secrets_and_tool_droppings_never_ship(tmp_path: Path) -> None:
    kept = {"node_modules/left-pad/index.js": "module.exports = 1\n", "environment.py": "", "keys.py": ""}
    code = make_tree(tmp_path / "code", {**TREE, **kept, **SECRETS_AND_DROPPINGS})
    artifact = build(code, tmp_path)
    assert names(artifact) == sorted({**TREE, **kept})
    reasons = {item.path: item.reason for item in artifact.left_out}
    assert reasons[".env"] == "default list: .env"
    assert reasons[".aws/"] == "default list: .aws/"
    assert reasons["web/node_modules/.cache/"] == "default list: **/node_modules/.cache/"
    assert reasons["certs/signing.key"] == "default list: *.key"
    assert ".aws/credentials" not in reasons  # the folder is left out whole, never listed file by file


def test_an_excluded_folder_is_never_entered(tmp_path: Path) -> None:
    code = make_tree(tmp_path / "code", {**TREE, ".venv/pyvenv.cfg": "", "build/junk.txt": ""})
    # Entering either folder would fail: a link out of the code dir, and a loop.
    (code / ".venv" / "python").symlink_to(sys.executable)
    (code / "build" / "loop").symlink_to("..", target_is_directory=True)
    assert names(build(code, tmp_path, exclude=["build"])) == sorted(TREE)


def test_project_and_nested_gitignores_are_honoured(tmp_path: Path) -> None:
    project = make_tree(tmp_path / "proj", {".gitignore": "*.log\n/dist/\nsrc/api/local_settings.py\n"})
    code = make_tree(
        project / "src" / "api",
        {
            **TREE,
            "debug.log": "",
            "local_settings.py": "",
            "dist/x.py": "",  # /dist/ is anchored at the project root: this one ships
            ".gitignore": "fixtures/\n!keep.log\n!ca-bundle.pem\n",
            "keep.log": "re-included by the deeper file",
            "ca-bundle.pem": "public CA certificates, re-included on purpose",
            "fixtures/big.json": "",
            "lib/.gitignore": "*.tmp\n",
            "lib/scratch.tmp": "",
            "scratch.tmp": "only lib/.gitignore names it: ships",
        },
    )
    artifact = build(code, tmp_path, project_dir=project)
    assert names(artifact) == sorted([*TREE, "ca-bundle.pem", "dist/x.py", "keep.log", "scratch.tmp"])
    reasons = {item.path: item.reason for item in artifact.left_out}
    assert reasons["debug.log"] == f".gitignore at {project / '.gitignore'} line 1: *.log"
    assert reasons["local_settings.py"] == f".gitignore at {project / '.gitignore'} line 3: src/api/local_settings.py"
    assert reasons["fixtures/"] == f".gitignore at {code / '.gitignore'} line 1: fixtures/"
    assert reasons["lib/scratch.tmp"] == f".gitignore at {code / 'lib' / '.gitignore'} line 1: *.tmp"

    # without the project, only the .gitignore files inside the code dir apply
    alone = names(build(code, tmp_path))
    assert "debug.log" in alone and "local_settings.py" in alone and "fixtures/big.json" not in alone


def test_a_git_ignored_code_dir_is_packaged_with_its_own_rules_only(tmp_path: Path) -> None:
    project = make_tree(tmp_path / "proj", {".gitignore": "generated/\n*.txt\n"})
    code = make_tree(project / "generated" / "fn", {**TREE, ".env": ""})
    artifact = build(code, tmp_path, project_dir=project)
    assert names(artifact) == sorted(TREE)  # *.txt files ship: that .gitignore does not govern this dir
    assert any(i.path == "(code dir)" and "generated/" in i.reason for i in artifact.left_out)


def test_dependencies_ignore_the_projects_gitignore_and_the_secret_list(tmp_path: Path) -> None:
    project = make_tree(tmp_path / "proj", {".gitignore": "*.log\n"})
    code = make_tree(project / "code", {"app.py": "", "requirements.txt": "dep\n", ".gitignore": "*.pem\n"})
    pip = FakePip({"certifi/cacert.pem": "certs", "dep/changes.log": "", "dep/__pycache__/x.pyc": ""})
    artifact = build(code, tmp_path, project_dir=project, run=pip, exclude=["*.md"])
    assert names(artifact) == ["app.py", "certifi/cacert.pem", "dep/changes.log", "requirements.txt"]
    assert LeftOut("(dependencies) dep/__pycache__/", "default list: __pycache__") in artifact.left_out


# --- given zips, bad input, limits ------------------------------------------------------------------------


def test_given_zip_is_used_as_is(tmp_path: Path) -> None:
    given = tmp_path / "fn.zip"
    with zipfile.ZipFile(given, "w") as zf:  # not deterministic on purpose: it must not be rebuilt
        zf.writestr("app.py", "x" * 1000)
        zf.writestr("b.txt", "y" * 10)
    data = given.read_bytes()
    artifact = package(given, runtime="python3.12", build_dir=tmp_path / "build")
    assert artifact == Artifact(path=given, sha256=hashlib.sha256(data).hexdigest(), size=len(data), unzipped_size=1010)


def test_given_zip_that_is_not_a_zip(tmp_path: Path) -> None:
    bad = tmp_path / "fn.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(UsageError, match="not a valid zip"):
        package(bad, runtime="python3.12", build_dir=tmp_path / "build")


def test_given_zip_unzipped_limit_uses_entry_sizes(tmp_path: Path) -> None:
    given = tmp_path / "fn.zip"
    with zipfile.ZipFile(given, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros", b"\0" * 5000)  # compresses to a few bytes
    with pytest.raises(UsageError) as err:
        package(given, runtime="python3.12", build_dir=tmp_path / "b", max_unzipped=4999)
    assert "5,000" in str(err.value) and "4,999" in str(err.value) and str(given) in str(err.value)


@pytest.mark.parametrize("kind", ["zipped", "unzipped"])
def test_size_limits(tmp_path: Path, kind: str) -> None:
    code = make_tree(tmp_path / "code", {"app.py": os.urandom(3000).hex()})
    ok = build(code, tmp_path, build_dir=tmp_path / "ok")
    size = ok.size if kind == "zipped" else ok.unzipped_size
    limit = size - 1
    arg = "max_zipped" if kind == "zipped" else "max_unzipped"

    assert build(code, tmp_path, build_dir=tmp_path / "exact", **{arg: size}).sha256 == ok.sha256
    with pytest.raises(UsageError) as err:
        build(code, tmp_path, **{arg: limit})
    message = str(err.value)
    assert f"{size:,} bytes {kind}" in message
    assert f"{limit:,}" in message
    assert str(code) in message
    assert err.value.hint is not None and "layers" in err.value.hint
    assert err.value.exit_code == 2
    assert list((tmp_path / "build").iterdir()) == []  # nothing half-made left behind


def test_over_the_unzipped_limit_is_refused_before_reading_a_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = make_tree(tmp_path / "code", {"app.py": "x = 1\n", "small.bin": "s" * 10})
    with (code / "big.bin").open("wb") as f:
        f.truncate(300 * 1024 * 1024)  # sparse: costs no disk, and no time unless someone reads it

    def never(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the zip writer ran for a package that was already too big")

    monkeypatch.setattr("cfngen.package._write_zip", never)
    with pytest.raises(UsageError) as err:
        build(code, tmp_path)
    message = str(err.value)
    assert f"{300 * 1024 * 1024 + 16:,} bytes unzipped, over the limit of 262,144,000" in message
    assert "biggest: big.bin (314,572,800 bytes), small.bin (10 bytes), app.py (6 bytes)" in message
    assert list((tmp_path / "build").iterdir()) == []


def test_over_the_zipped_limit_stops_zipping_early(tmp_path: Path) -> None:
    code = make_tree(tmp_path / "code", {"app.py": "x = 1\n"})
    (code / "noise.bin").write_bytes(os.urandom(4 << 20))  # 4 MiB that deflate cannot shrink
    with pytest.raises(UsageError) as err:
        build(code, tmp_path, max_zipped=1 << 20)
    assert f"over {1 << 20:,} bytes zipped by noise.bin (file 2 of 2" in str(err.value)
    assert list((tmp_path / "build").iterdir()) == []


def test_missing_code_path(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        build(tmp_path / "nope", tmp_path)
    (tmp_path / "file.py").write_text("")
    with pytest.raises(UsageError, match=r"not a directory or a \.zip"):
        build(tmp_path / "file.py", tmp_path)


def test_unknown_architecture(tmp_path: Path) -> None:
    code = make_tree(tmp_path / "code", TREE)
    with pytest.raises(UsageError, match="architecture"):
        build(code, tmp_path, architecture="aarch64")


def test_empty_package_is_an_error(tmp_path: Path) -> None:
    code = make_tree(tmp_path / "code", {"__pycache__/x.pyc": ""})
    with pytest.raises(UsageError, match="nothing to package"):
        build(code, tmp_path)


# --- symlinks ---------------------------------------------------------------------------------------------


def test_symlink_escaping_the_code_dir_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("outside")
    code = make_tree(tmp_path / "code", TREE)
    (code / "lib" / "leak.txt").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(UsageError, match="points outside") as err:
        build(code, tmp_path)
    assert "leak.txt" in str(err.value) and str(code) in str(err.value)


def test_symlinked_dir_escaping_the_code_dir_is_rejected(tmp_path: Path) -> None:
    make_tree(tmp_path / "elsewhere", {"x.py": ""})
    code = make_tree(tmp_path / "code", TREE)
    (code / "vendor").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(UsageError, match="points outside"):
        build(code, tmp_path)


def test_dangling_symlink_is_rejected(tmp_path: Path) -> None:
    code = make_tree(tmp_path / "code", TREE)
    (code / "gone.py").symlink_to(code / "missing.py")
    with pytest.raises(UsageError, match="dangling") as err:
        build(code, tmp_path)
    assert "gone.py" in str(err.value)


def test_symlinks_inside_the_code_dir_are_followed(tmp_path: Path) -> None:
    code = make_tree(tmp_path / "code", TREE)
    (code / "alias.py").symlink_to("app.py")
    (code / "shared").symlink_to("lib", target_is_directory=True)
    with zipfile.ZipFile(build(code, tmp_path).path) as zf:
        assert zf.read("alias.py") == zf.read("app.py")
        assert zf.read("shared/util.py") == zf.read("lib/util.py")
        info = zf.getinfo("alias.py")
        assert (info.external_attr >> 16) & 0o170000 == 0o100000  # stored as a file, not a link


def test_symlink_loop_is_rejected(tmp_path: Path) -> None:
    code = make_tree(tmp_path / "code", TREE)
    (code / "lib" / "up").symlink_to("..", target_is_directory=True)
    with pytest.raises(UsageError, match="loop"):
        build(code, tmp_path)


# --- dependency vendoring ---------------------------------------------------------------------------------


class FakePip:
    """Stands in for subprocess.run: records the command and 'installs' files into --target."""

    def __init__(self, files: dict[str, str] | None = None, returncode: int = 0, stderr: str = "") -> None:
        self.files = files if files is not None else {"dep/__init__.py": "DEP = 1\n"}
        self.returncode = returncode
        self.stderr = stderr
        self.calls: list[tuple[list[str], dict[str, Any]]] = []

    def __call__(self, command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        self.calls.append((command, kwargs))
        target = Path(command[command.index("--target") + 1])
        make_tree(target, self.files)
        return subprocess.CompletedProcess(command, self.returncode, "", self.stderr)


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_requirements_are_installed_for_the_lambda_platform(tmp_path: Path) -> None:
    code = make_tree(tmp_path / "code", {"app.py": "from dep import DEP\n", "requirements.txt": "dep==1\n"})
    pip = FakePip()
    artifact = build(code, tmp_path, runtime="python3.11", architecture="arm64", run=pip)

    [(command, kwargs)] = pip.calls
    assert command[:4] == [sys.executable, "-m", "pip", "install"]
    assert option(command, "-r") == str((code / "requirements.txt").resolve())
    assert option(command, "--platform") == "manylinux2014_aarch64"
    assert option(command, "--python-version") == "3.11"
    assert option(command, "--implementation") == "cp"
    for flag in ("--only-binary=:all:", "--no-compile", "--disable-pip-version-check", "-q"):
        assert flag in command
    assert kwargs["cwd"] == code
    assert names(artifact) == ["app.py", "dep/__init__.py", "requirements.txt"]


def test_x86_64_platform(tmp_path: Path) -> None:
    code = make_tree(tmp_path / "code", {"app.py": "", "requirements.txt": "dep\n"})
    pip = FakePip()
    build(code, tmp_path, runtime="python3.13", run=pip)
    assert option(pip.calls[0][0], "--platform") == "manylinux2014_x86_64"
    assert option(pip.calls[0][0], "--python-version") == "3.13"


def test_code_wins_over_dependencies_and_pycache_is_dropped(tmp_path: Path) -> None:
    code = make_tree(tmp_path / "code", {"app.py": "mine\n", "requirements.txt": "dep\n"})
    pip = FakePip({"app.py": "theirs\n", "dep/__pycache__/x.pyc": "", "dep/x.py": ""})
    with zipfile.ZipFile(build(code, tmp_path, run=pip).path) as zf:
        assert zf.read("app.py") == b"mine\n"
        assert zf.namelist() == ["app.py", "dep/x.py", "requirements.txt"]


def test_dependency_cache_is_reused_and_keyed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PIP_ENV:
        monkeypatch.delenv(name, raising=False)
    code = make_tree(tmp_path / "code", {"app.py": "", "requirements.txt": "dep==1\n"})
    cache = tmp_path / "cache"
    pip = FakePip()
    first = build(code, tmp_path, cache_dir=cache, run=pip)
    second = build(code, tmp_path, cache_dir=cache, run=pip)
    assert len(pip.calls) == 1
    assert second.sha256 == first.sha256

    expected_key = hashlib.sha256(b"dep==1\n" + b"\0python3.12" + b"\0x86_64").hexdigest()
    assert sorted(p.name for p in cache.iterdir()) == [expected_key]

    build(code, tmp_path, cache_dir=cache, run=pip, architecture="arm64")
    build(code, tmp_path, cache_dir=cache, run=pip, runtime="python3.13")
    (code / "requirements.txt").write_text("dep==2\n")
    build(code, tmp_path, cache_dir=cache, run=pip)
    assert len(pip.calls) == 4
    assert len(list(cache.iterdir())) == 4

    # pip's own index settings can change what gets installed: a new entry, not the one from another index
    monkeypatch.setenv("PIP_INDEX_URL", "https://mirror.example/simple")
    build(code, tmp_path, cache_dir=cache, run=pip)
    assert len(pip.calls) == 5


def test_default_cache_lives_in_the_build_dir(tmp_path: Path) -> None:
    code = make_tree(tmp_path / "code", {"app.py": "", "requirements.txt": "dep\n"})
    pip = FakePip()
    build(code, tmp_path, run=pip)
    build(code, tmp_path, run=pip)
    assert len(pip.calls) == 1
    assert len(list((tmp_path / "build" / "deps").iterdir())) == 1


def test_pip_failure_reports_stderr_tail_and_leaves_no_cache(tmp_path: Path) -> None:
    code = make_tree(tmp_path / "code", {"app.py": "", "requirements.txt": "nosuchpkg\n"})
    stderr = "\n".join(f"noise {i}" for i in range(100)) + "\nERROR: No matching distribution for nosuchpkg"
    pip = FakePip(returncode=1, stderr=stderr)
    with pytest.raises(OperationFailed) as err:
        build(code, tmp_path, cache_dir=tmp_path / "cache", run=pip)
    message = str(err.value)
    assert "No matching distribution for nosuchpkg" in message
    assert "noise 99" in message and "noise 0\n" not in message
    assert err.value.exit_code == 1
    assert list((tmp_path / "cache").iterdir()) == []

    # the next run tries again instead of trusting a half-made entry
    retry = FakePip()
    build(code, tmp_path, cache_dir=tmp_path / "cache", run=retry)
    assert len(retry.calls) == 1


def test_non_python_runtime_does_not_install(tmp_path: Path) -> None:
    code = make_tree(tmp_path / "code", {"index.js": "", "requirements.txt": "dep\n"})
    pip = FakePip()
    artifact = build(code, tmp_path, runtime="nodejs20.x", run=pip)
    assert pip.calls == []
    assert names(artifact) == ["index.js", "requirements.txt"]


def test_no_requirements_no_pip(tmp_path: Path) -> None:
    pip = FakePip()
    build(make_tree(tmp_path / "code", TREE), tmp_path, run=pip)
    assert pip.calls == []


def test_console_scripts_and_their_record_rows_are_dropped(tmp_path: Path) -> None:
    code = make_tree(tmp_path / "code", {"app.py": "", "requirements.txt": "dep\n"})
    record = "../../bin/tool,sha256=abc,10\ndep/__init__.py,sha256=def,0\ndep-1.dist-info/RECORD,,\n"
    pip = FakePip(
        {
            "bin/tool": f"#!{sys.executable}\n",  # what pip writes: this machine's interpreter
            "bin/data.txt": "not a script: stays",
            "dep/__init__.py": "",
            "dep-1.dist-info/RECORD": record,
        }
    )
    with zipfile.ZipFile(build(code, tmp_path, run=pip).path) as zf:
        assert "bin/tool" not in zf.namelist()
        assert zf.read("bin/data.txt") == b"not a script: stays"
        assert zf.read("dep-1.dist-info/RECORD") == b"dep/__init__.py,sha256=def,0\ndep-1.dist-info/RECORD,,\n"


def make_wheel(directory: Path, name: str, version: str, files: dict[str, str]) -> Path:
    """A minimal pure-python wheel, written by hand so the test needs neither the network nor `wheel`."""
    dist_info = f"{name}-{version}.dist-info"
    contents = {
        **files,
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist_info}/WHEEL": ("Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
    }
    record = []
    for path, text in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{dist_info}/RECORD,,")
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, text in contents.items():
            zf.writestr(path, text)
        zf.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return wheel


@pytest.mark.skipif(importlib.util.find_spec("pip") is None, reason="pip is not installed")
def test_real_pip_installs_a_local_wheel(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    make_wheel(wheels, "tinydep", "1.0", {"tinydep/__init__.py": "VALUE = 42\n"})
    code = make_tree(tmp_path / "code", {"app.py": "import tinydep\n", "requirements.txt": "tinydep==1.0\n"})
    offline = ["--no-index", "--find-links", str(wheels)]

    first = build(code, tmp_path, architecture="arm64", cache_dir=tmp_path / "cache", pip_args=offline)
    with zipfile.ZipFile(first.path) as zf:
        listed = zf.namelist()
        assert zf.read("tinydep/__init__.py") == b"VALUE = 42\n"
    assert "app.py" in listed and "requirements.txt" in listed
    assert any(n.startswith("tinydep-1.0.dist-info/") for n in listed)
    assert not any(n.endswith(".pyc") for n in listed)

    def no_pip(*args: Any, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        raise AssertionError("pip ran although the cache had the dependencies")

    again = build(code, tmp_path, architecture="arm64", cache_dir=tmp_path / "cache", pip_args=offline, run=no_pip)
    assert again.sha256 == first.sha256


@pytest.mark.skipif(importlib.util.find_spec("pip") is None, reason="pip is not installed")
def test_real_pip_console_scripts_do_not_leak_the_build_machine(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    entry_points = "[console_scripts]\ntinycli = tinydep:main\n"
    make_wheel(
        wheels,
        "tinydep",
        "1.0",
        {"tinydep/__init__.py": "def main(): pass\n", "tinydep-1.0.dist-info/entry_points.txt": entry_points},
    )
    code = make_tree(tmp_path / "code", {"app.py": "", "requirements.txt": "tinydep==1.0\n"})
    artifact = build(code, tmp_path, pip_args=["--no-index", "--find-links", str(wheels)])
    with zipfile.ZipFile(artifact.path) as zf:
        assert not any(n.startswith("bin/") for n in zf.namelist())
        assert b"bin/" not in zf.read("tinydep-1.0.dist-info/RECORD")
        assert not any(sys.executable.encode() in zf.read(n) for n in zf.namelist())


@pytest.mark.skipif(importlib.util.find_spec("pip") is None, reason="pip is not installed")
def test_real_pip_failure_is_operation_failed(tmp_path: Path) -> None:
    (tmp_path / "wheels").mkdir()
    code = make_tree(tmp_path / "code", {"app.py": "", "requirements.txt": "tinydep==1.0\n"})
    with pytest.raises(OperationFailed, match="tinydep"):
        build(code, tmp_path, pip_args=["--no-index", "--find-links", str(tmp_path / "wheels")])
