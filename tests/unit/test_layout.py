"""The code base keeps the shape a newcomer can find their way in (docs/ARCHITECTURE.md).

Rules that are cheap to break by accident and expensive to notice late: a package folder that the usual
Python .gitignore hides, a module or function that grows past what one can read at once, broad exception
handlers away from process boundaries, private names reached into from another module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pathspec
import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "cfngen"
MODULES = sorted(PACKAGE.rglob("*.py"))

# The directory and file patterns of GitHub's Python.gitignore template (github/gitignore), which is what a
# fork or a new project most likely starts with.
PYTHON_GITIGNORE = """
__pycache__/
*.py[cod]
*$py.class
*.so
.Python
build/
develop-eggs/
dist/
downloads/
eggs/
.eggs/
lib/
lib64/
parts/
sdist/
var/
wheels/
share/python-wheels/
*.egg-info/
.installed.cfg
*.egg
MANIFEST
*.manifest
*.spec
pip-log.txt
htmlcov/
.tox/
.nox/
.coverage
.cache
nosetests.xml
coverage.xml
*.cover
.hypothesis/
.pytest_cache/
cover/
*.mo
*.pot
*.log
instance/
.webassets-cache
.scrapy
docs/_build/
target/
.ipynb_checkpoints
profile_default/
.pdm.toml
__pypackages__/
celerybeat-schedule
*.sage.py
.env
.venv
env/
venv/
ENV/
env.bak/
venv.bak/
.spyderproject
.ropeproject
/site
.mypy_cache/
.dmypy.json
.pyre/
.pytype/
cython_debug/
"""
TEST_LIKE = {"spec", "specs", "test", "tests", "testing"}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80
MAX_BROAD_HANDLERS = 4


def relative(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def test_no_source_file_is_hidden_by_the_usual_python_gitignore() -> None:
    spec = pathspec.GitIgnoreSpec.from_lines(PYTHON_GITIGNORE.splitlines())
    hidden = [relative(p) for p in MODULES if spec.match_file(relative(p))]
    assert hidden == []


def test_the_gitignore_check_would_catch_the_old_build_folder() -> None:
    spec = pathspec.GitIgnoreSpec.from_lines(PYTHON_GITIGNORE.splitlines())
    assert spec.match_file("cfngen/build/function.py")


def test_no_package_folder_is_named_like_a_test_folder() -> None:
    folders = {p.parent.name for p in MODULES}
    assert folders & TEST_LIKE == set()


@pytest.mark.parametrize("path", MODULES, ids=relative)
def test_modules_and_functions_stay_readable(path: Path) -> None:
    text = path.read_text()
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{relative(path)}: split it by concern"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


def broad_handlers() -> list[tuple[str, int, str]]:
    found = []
    for path in MODULES:
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, ast.ExceptHandler):
                continue
            caught = node.type
            names = [caught] if not isinstance(caught, ast.Tuple) else list(caught.elts)
            if caught is None or any(isinstance(n, ast.Name) and n.id in ("Exception", "BaseException") for n in names):
                found.append((relative(path), node.lineno, lines[node.lineno - 1]))
    return found


def test_broad_exception_handlers_are_few_and_say_why() -> None:
    """Only at process boundaries (the CLI, a user's stack file, ...), each with a comment saying why."""
    handlers = broad_handlers()
    assert len(handlers) <= MAX_BROAD_HANDLERS, handlers
    assert [h for h in handlers if "#" not in h[2]] == []


def test_no_private_name_is_imported_from_another_module() -> None:
    offenders = [
        f"{relative(p)}:{node.lineno}: {alias.name} from {node.module}"
        for p in MODULES
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cfngen")
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]
    assert offenders == []
