"""What to do with a stack in each status: the table, as data, with one test per row.

Only stacks that never finished creating (and so hold nothing) are deleted automatically. Stacks in a
failed state that may hold resources are refused with the exact next step.
"""

from __future__ import annotations

from enum import Enum


class Action(Enum):
    CREATE = "create"
    RECREATE = "delete the never-created stack, then create"
    WAIT = "wait for the operation in progress, then decide again"
    UPDATE = "update"
    REFUSE = "refuse"


STATUS_ACTIONS: dict[str | None, Action] = {
    None: Action.CREATE,
    "DELETE_COMPLETE": Action.CREATE,
    "ROLLBACK_COMPLETE": Action.RECREATE,
    "CREATE_FAILED": Action.RECREATE,
    "REVIEW_IN_PROGRESS": Action.RECREATE,
    "CREATE_COMPLETE": Action.UPDATE,
    "UPDATE_COMPLETE": Action.UPDATE,
    "UPDATE_ROLLBACK_COMPLETE": Action.UPDATE,
    "UPDATE_FAILED": Action.UPDATE,
    "IMPORT_COMPLETE": Action.UPDATE,
    "IMPORT_ROLLBACK_COMPLETE": Action.UPDATE,
    "CREATE_IN_PROGRESS": Action.WAIT,
    "ROLLBACK_IN_PROGRESS": Action.WAIT,
    "DELETE_IN_PROGRESS": Action.WAIT,
    "UPDATE_IN_PROGRESS": Action.WAIT,
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS": Action.WAIT,
    "UPDATE_ROLLBACK_IN_PROGRESS": Action.WAIT,
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS": Action.WAIT,
    "IMPORT_IN_PROGRESS": Action.WAIT,
    "IMPORT_ROLLBACK_IN_PROGRESS": Action.WAIT,
    "UPDATE_ROLLBACK_FAILED": Action.REFUSE,
    "DELETE_FAILED": Action.REFUSE,
    "ROLLBACK_FAILED": Action.REFUSE,
    "IMPORT_ROLLBACK_FAILED": Action.REFUSE,
}

NEXT_STEP = {
    "UPDATE_ROLLBACK_FAILED": "aws cloudformation continue-update-rollback --stack-name {stack} (skip the "
    "resources that cannot roll back with --resources-to-skip), then deploy again",
    "DELETE_FAILED": "fix what blocked the delete (see `cfngen status {stack}`), then `cfngen delete {stack}` "
    "(or aws cloudformation delete-stack --stack-name {stack} --retain-resources ...)",
    "ROLLBACK_FAILED": "the failed create could not be rolled back: fix the resources named in `cfngen status "
    "{stack}`, then `cfngen delete {stack}` and deploy again",
    "IMPORT_ROLLBACK_FAILED": "aws cloudformation continue-update-rollback --stack-name {stack}, then deploy again",
}


def action_for(status: str | None) -> Action:
    """Unknown statuses (AWS may add some) are refused rather than guessed at."""
    return STATUS_ACTIONS.get(status, Action.REFUSE)


def next_step(status: str, stack: str) -> str:
    return NEXT_STEP.get(status, "inspect it with `cfngen status {stack}`").format(stack=stack)
