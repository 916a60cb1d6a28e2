"""The stack status -> action table (cfngen/deploy/plan.py): one test per row, checked against a table
written out here independently, so an edit to the code's table breaks a test instead of passing silently.

Pure: no AWS. What the engine does with each action is tested in test_engine_stubbed.py.
"""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest

from cfngen.deploy import plan
from cfngen.deploy.plan import Action

# Written by hand from the CloudFormation documentation, not copied from plan.py.
EXPECTED: dict[str | None, str] = {
    None: "CREATE",  # DescribeStacks: "does not exist"
    "DELETE_COMPLETE": "CREATE",
    # never finished creating, so holds nothing: delete it and create again
    "ROLLBACK_COMPLETE": "RECREATE",
    "CREATE_FAILED": "RECREATE",
    "REVIEW_IN_PROGRESS": "RECREATE",
    # stable and updatable
    "CREATE_COMPLETE": "UPDATE",
    "UPDATE_COMPLETE": "UPDATE",
    "UPDATE_ROLLBACK_COMPLETE": "UPDATE",
    "UPDATE_FAILED": "UPDATE",
    "IMPORT_COMPLETE": "UPDATE",
    "IMPORT_ROLLBACK_COMPLETE": "UPDATE",
    # another operation is running
    "CREATE_IN_PROGRESS": "WAIT",
    "ROLLBACK_IN_PROGRESS": "WAIT",
    "DELETE_IN_PROGRESS": "WAIT",
    "UPDATE_IN_PROGRESS": "WAIT",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS": "WAIT",
    "UPDATE_ROLLBACK_IN_PROGRESS": "WAIT",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS": "WAIT",
    "IMPORT_IN_PROGRESS": "WAIT",
    "IMPORT_ROLLBACK_IN_PROGRESS": "WAIT",
    # may hold resources and needs a human
    "UPDATE_ROLLBACK_FAILED": "REFUSE",
    "DELETE_FAILED": "REFUSE",
    "ROLLBACK_FAILED": "REFUSE",
    "IMPORT_ROLLBACK_FAILED": "REFUSE",
}

ALL_ROWS = sorted(set(EXPECTED) | set(plan.STATUS_ACTIONS), key=lambda s: s or "")


@pytest.mark.parametrize("status", ALL_ROWS, ids=[str(s) for s in ALL_ROWS])
def test_row(status: str | None) -> None:
    assert status in plan.STATUS_ACTIONS, f"{status} is missing from plan.STATUS_ACTIONS"
    assert status in EXPECTED, f"{status} is in plan.STATUS_ACTIONS but not in this test's table"
    assert plan.STATUS_ACTIONS[status] is Action[EXPECTED[status]]
    assert plan.action_for(status) is Action[EXPECTED[status]]


def test_table_covers_every_status_botocore_knows() -> None:
    """A new AWS status would be refused (safe), but the table should decide it explicitly."""
    model = botocore.session.get_session().get_service_model("cloudformation")
    shape: Any = model.shape_for("StackStatus")  # a StringShape, which has .enum
    known = set(shape.enum)
    assert known - set(plan.STATUS_ACTIONS) == set()
    assert set(plan.STATUS_ACTIONS) - {None} == known


@pytest.mark.parametrize("status", ["SOMETHING_NEW_IN_PROGRESS", "BRAND_NEW_STATUS", ""])
def test_unknown_status_is_refused(status: str) -> None:
    assert plan.action_for(status) is Action.REFUSE


def test_every_refused_status_has_a_specific_next_step() -> None:
    refused = [s for s, a in plan.STATUS_ACTIONS.items() if a is Action.REFUSE]
    assert refused
    generic = plan.next_step("SOMETHING_ELSE", "orders")
    for status in refused:
        assert status is not None
        text = plan.next_step(status, "orders")
        assert text != generic
        assert "orders" in text
        assert "{stack}" not in text


def test_next_step_update_rollback_failed() -> None:
    text = plan.next_step("UPDATE_ROLLBACK_FAILED", "orders-pipeline")
    assert "aws cloudformation continue-update-rollback --stack-name orders-pipeline" in text
    assert "--resources-to-skip" in text


def test_next_step_delete_failed() -> None:
    text = plan.next_step("DELETE_FAILED", "orders-pipeline")
    assert "`cfngen delete orders-pipeline`" in text
    assert "aws cloudformation delete-stack --stack-name orders-pipeline" in text
    assert "cfngen status orders-pipeline" in text


def test_next_step_rollback_failed() -> None:
    text = plan.next_step("ROLLBACK_FAILED", "orders-pipeline")
    assert "`cfngen delete orders-pipeline`" in text


def test_next_step_for_other_statuses_points_at_status() -> None:
    assert plan.next_step("WHATEVER", "orders") == "inspect it with `cfngen status orders`"
