"""Probes: tests of moto, not of cfngen. Each pins one thing moto does (often unlike AWS) that a workaround in
cfngen/ or a limit of the integration tests depends on; when moto changes, the probe fails and names the
workaround that may go. They use the shared moto server (tests/moto_fixtures.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark everything here `probe` (and `integration`: it needs the moto server), so `-m "not probe"` skips it."""
    for item in items:
        if _HERE in item.path.parents:
            item.add_marker(pytest.mark.probe)
            item.add_marker(pytest.mark.integration)
