"""Shared fixtures: the project's paths, the example stacks and one cfn-lint rule set per session.

The moto server fixtures (`moto_server`, `moto_reset`) come from tests/moto_fixtures.py, loaded here as a
plugin so tests/integration and tests/probes share one server.
"""

from __future__ import annotations

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
