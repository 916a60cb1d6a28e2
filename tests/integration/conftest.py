"""Integration tests: cfngen itself (CLI, deploy engine, artifacts) against a moto server over HTTP.

The server fixtures (`moto_server`, `moto_reset`) live in tests/moto_fixtures.py, shared with tests/probes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/integration talks to moto: mark it, so `-m "not integration"` skips it."""
    for item in items:
        if _HERE in item.path.parents:
            item.add_marker(pytest.mark.integration)
