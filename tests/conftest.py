"""Shared fixtures: the project's paths, the example stacks and one cfn-lint rule set per session.

The moto server fixtures (`moto_server`, `moto_reset`) come from tests/moto_fixtures.py, loaded here as a
plugin so tests/integration and tests/probes share one server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cfngen.definitions import Stack
from cfngen.lint import Linter

PROJECT_ROOT = Path(__file__).resolve().parents[1]
STACKS_DIR = PROJECT_ROOT / "stacks"
TEMPLATES_DIR = PROJECT_ROOT / "templates"

pytest_plugins = ["moto_fixtures"]  # importable because pyproject sets pytest's pythonpath to tests/


@pytest.fixture(scope="session")
def linter() -> Linter:
    """No cache: every run lints for real (loading the rules once is the expensive part)."""
    return Linter(cache_dir=None)


@pytest.fixture(scope="session")
def example_stacks() -> list[Stack]:
    from cfngen.discover import discover

    stacks = discover(STACKS_DIR)
    assert stacks, f"no stacks found in {STACKS_DIR}"
    return stacks


@pytest.fixture(scope="session", autouse=True)
def no_project_emulator_left_behind(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A safety net for `--local` in tests: stop every project emulator recorded under this session's temp folders.

    Tests that use `--local` stop their own emulator (and check that it is gone); this catches one that did
    not, so no background process outlives the test run.
    """
    yield
    from cfngen.project_emulator import stop

    for state_file in tmp_path_factory.getbasetemp().glob("**/.cfngen/local.json"):
        stop(state_file.parent)
