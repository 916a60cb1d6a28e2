"""`cfngen package` as a user meets it: a throwaway project outside the repo, relative paths, real pip.

pip runs offline: the test writes a tiny pure-Python wheel and points pip at it through pip's own
environment variables (PIP_NO_INDEX, PIP_FIND_LINKS), which `cfngen package` passes through untouched.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cfngen.cli import cli

PYPROJECT = '[tool.cfngen]\nstacks-dir = "stacks"\ntemplates-dir = "templates"\n'
STACK = """\
from cfngen import Stack

stack = Stack("pack-demo")
stack.function("Api", code="../src/api", handler="app.handler", runtime="python3.12")
"""
APP = "import tinydep\n\n\ndef handler(event, context):\n    return tinydep.greet(event)\n"


def write_wheel(folder: Path, name: str = "tinydep", version: str = "1.0") -> Path:
    """A minimal valid py3-none-any wheel holding one module, RECORD hashes included."""
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}.py": "def greet(who):\n    return f'hello {who}'\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    rows = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        rows.append(f"{path},sha256={digest},{len(text.encode())}")
    rows.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = "\n".join(rows) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return wheel


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every entry under root with its size and mtime: a snapshot to prove nothing was written there."""
    return {str(p.relative_to(root)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in sorted(root.rglob("*"))}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    (root / "stacks").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "stacks" / "x.py").write_text(STACK)
    code = root / "src" / "api"
    code.mkdir(parents=True)
    (code / "app.py").write_text(APP)
    (code / "requirements.txt").write_text("tinydep==1.0\n")
    write_wheel(tmp_path / "wheels")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "wheels"))
    for name in [n for n in os.environ if n.startswith("CFNGEN_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(root)
    return root


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def artifact_of(result: Result) -> Path:
    [line] = [line for line in result.output.splitlines() if line.startswith("pack-demo.Api: ")]
    return Path(line.split()[1]).resolve()  # printed relative to the working directory


def test_dependencies_sit_at_the_zip_root_and_the_handler_imports_them_from_the_zip(project: Path) -> None:
    code = project / "src" / "api"
    before = tree(code)

    result = run("package")

    assert result.exit_code == 0, result.output
    zip_path = artifact_of(result)
    assert zip_path.parent == project / ".cfngen" / "build"
    with zipfile.ZipFile(zip_path) as zf:
        listed = zf.namelist()
    assert "tinydep.py" in listed and "app.py" in listed, listed
    assert not any(".cfngen" in n or ".tmp-" in n for n in listed), listed
    assert tree(code) == before  # pip and cfngen wrote nothing into the code folder
    assert [p.name for p in (project / ".cfngen" / "cache" / "deps").iterdir()]  # the cache is the project's

    # Lambda puts the zip's root on sys.path; zipimport does the same from the zip itself.
    check = "import sys; sys.path[:0] = [sys.argv[1]]; import app; print(app.handler('zip', None), app.__file__)"
    out = subprocess.run(
        [sys.executable, "-I", "-c", check, str(zip_path)], capture_output=True, text=True, check=True, cwd="/"
    )
    assert out.stdout.split() == ["hello", "zip", f"{zip_path}/app.py"]


def test_package_from_a_subdirectory_uses_the_project_work_dir(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project / "src")
    result = run("package")
    assert result.exit_code == 0, result.output
    assert artifact_of(result).parent == project / ".cfngen" / "build"
    assert not (project / "src" / ".cfngen").exists()


def test_verbose_lists_what_was_left_out_and_why(project: Path) -> None:
    code = project / "src" / "api"
    (project / ".gitignore").write_text(".cfngen/\n*.log\n")
    (code / ".env").write_text("SECRET=1\n")
    (code / ".venv" / "bin").mkdir(parents=True)
    (code / ".venv" / "bin" / "python").symlink_to(sys.executable)
    (code / "debug.log").write_text("")
    (code / "NOTES.md").write_text("")

    result = run("package", "--verbose", "--exclude", "*.md")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "  left out .env (default list: .env)" in lines
    assert "  left out .venv/ (default list: .venv/)" in lines
    assert f"  left out debug.log (.gitignore at {project / '.gitignore'} line 2: *.log)" in lines
    assert "  left out NOTES.md (--exclude: *.md)" in lines
    with zipfile.ZipFile(artifact_of(result)) as zf:
        assert sorted(n for n in zf.namelist() if "/" not in n) == ["app.py", "requirements.txt", "tinydep.py"]

    quiet = run("package", "--exclude", "*.md")
    assert quiet.exit_code == 0 and "left out" not in quiet.output


def test_code_over_the_unzipped_limit_is_refused_with_the_biggest_files(project: Path) -> None:
    code = project / "src" / "api"
    (code / "requirements.txt").unlink()
    with (code / "model.bin").open("wb") as f:
        f.truncate(300 * 1024 * 1024)  # sparse
    result = run("package")
    assert result.exit_code == 2, result.output
    assert "over the limit of 262,144,000; biggest: model.bin (314,572,800 bytes)" in result.output
    assert "Traceback" not in result.output


def test_project_is_the_nearest_pyproject_with_a_cfngen_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cfngen import config

    project = tmp_path / "proj"
    (project / "lib").mkdir(parents=True)
    (project / "pyproject.toml").write_text(PYPROJECT)
    (project / "lib" / "pyproject.toml").write_text('[project]\nname = "lib"\n')  # not a cfngen project
    assert config.project_dir(project / "lib") == project
    assert config.work_dir(project / "lib") == project / ".cfngen"
    monkeypatch.chdir(project / "lib")
    assert config.project_dir() == project
    (tmp_path / "bare").mkdir()
    assert config.project_dir(tmp_path / "bare") == tmp_path / "bare"  # no project: the working directory
