"""deploy_stack (cfngen/deploy/engine.py) against botocore's Stubber: the behaviours moto does not reproduce.

moto never leaves a stack in ROLLBACK_COMPLETE, *_IN_PROGRESS, UPDATE_ROLLBACK_FAILED or DELETE_FAILED, never
rolls back a failed create, refuses an empty change set at once ("No updates are to be performed.") where AWS
returns a FAILED change set ("didn't contain changes"), sets no ClientRequestToken on events and never throttles.
So each test here scripts AWS's answers on a real boto3 CloudFormation client, and the Stubber checks every
request (operation, order and parameters): a call the script does not expect fails the test, and every test
ends with stubber.assert_no_pending_responses(). Each test's docstring names the AWS behaviour moto lacks.

Adaptive retries (session.py) absorb throttling below the Stubber, so they are not exercised here; what is
tested is what the engine does when a throttling error does surface.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY
from stubs import CREATED, STACK, STACK_ID, Harness, harness

from cfngen.deploy import changeset, compare, plan
from cfngen.deploy.engine import Options
from cfngen.deploy.events import Io
from cfngen.errors import OperationFailed, UsageError

TEMPLATE: dict[str, Any] = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {"FnCodeBucket": {"Type": "String"}, "FnCodeKey": {"Type": "String"}},
    "Resources": {
        "FnRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": ["FnRole", "Arn"]}}},
    },
    "Outputs": {"FnName": {"Value": {"Ref": "Fn"}}},
}
OLD_TEMPLATE: dict[str, Any] = {**TEMPLATE, "Resources": {"Fn": TEMPLATE["Resources"]["Fn"]}}
CODE = {"FnCodeBucket": "artifacts", "FnCodeKey": "cfngen/orders/new.zip"}
OLD_CODE = {**CODE, "FnCodeKey": "cfngen/orders/old.zip"}


@pytest.fixture
def h(request: pytest.FixtureRequest) -> Iterator[Harness]:
    """deploy_stack asks only for the CloudFormation client; by default it deploys TEMPLATE with CODE."""
    with harness(request, template_body=TEMPLATE, parameters=CODE) as found:
        yield found


def statuses(action: plan.Action) -> list[str | None]:
    return [s for s, a in plan.STATUS_ACTIONS.items() if a is action]


# --- one test per row of the status table -------------------------------------------------------------


@pytest.mark.parametrize("status", statuses(plan.Action.CREATE), ids=str)
def test_create_rows(h: Harness, status: str | None) -> None:
    """AWS events carry the ClientRequestToken and a create passes through CREATE_IN_PROGRESS (moto: instant)."""
    h.missing() if status is None else h.stack(status)
    h.create_and_execute("CREATE")
    result = h.deploy()
    h.stubber.assert_no_pending_responses()
    assert result.result == "created"
    assert result.outputs == {"FnName": "orders-Fn-ABC"}
    assert h.mutations() == ["create_change_set", "execute_change_set"]
    assert h.calls[:2] == ["describe_stacks", "create_change_set"]
    assert len(h.sleeps) == 1
    assert any("CREATE_COMPLETE" in line and STACK in line for line in h.lines)


@pytest.mark.parametrize("status", statuses(plan.Action.RECREATE), ids=str)
def test_recreate_rows(h: Harness, status: str) -> None:
    """moto never leaves a stack in ROLLBACK_COMPLETE / CREATE_FAILED / an abandoned REVIEW_IN_PROGRESS, and
    its deleted stacks do not answer "does not exist" mid-wait as AWS's do."""
    h.stack(status)
    if status == "REVIEW_IN_PROGRESS":  # only an abandoned one: no change set on it is pending or available
        h.change_sets(("cfngen-old", "FAILED", "UNAVAILABLE"))
    h.delete_until_gone()
    h.missing()
    h.create_and_execute("CREATE")
    result = h.deploy()
    h.stubber.assert_no_pending_responses()
    assert result.result == "created"
    assert h.mutations() == ["delete_stack", "create_change_set", "execute_change_set"]
    assert any("never created" in line for line in h.lines)


@pytest.mark.parametrize("status", statuses(plan.Action.UPDATE), ids=str)
def test_update_rows(h: Harness, status: str) -> None:
    """moto cannot put a stack in UPDATE_ROLLBACK_COMPLETE, UPDATE_FAILED or IMPORT_* states."""
    h.stack(status, parameters=OLD_CODE)
    h.template(OLD_TEMPLATE)  # for the Enabled switches; the parameters differ, so no second read
    h.create_and_execute("UPDATE")
    result = h.deploy()
    h.stubber.assert_no_pending_responses()
    assert result.result == "updated"
    assert h.mutations() == ["create_change_set", "execute_change_set"]
    assert h.calls[:3] == ["describe_stacks", "get_template", "create_change_set"]


# Where each in-progress status settles, and what the engine must then do.
SETTLES = {
    "CREATE_IN_PROGRESS": ("CREATE_COMPLETE", "update"),
    "ROLLBACK_IN_PROGRESS": ("ROLLBACK_COMPLETE", "recreate"),
    "DELETE_IN_PROGRESS": ("DELETE_COMPLETE", "create"),  # as DescribeStacks by stack id reports it
    "UPDATE_IN_PROGRESS": ("UPDATE_COMPLETE", "update"),
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS": ("UPDATE_COMPLETE", "update"),
    "UPDATE_ROLLBACK_IN_PROGRESS": ("UPDATE_ROLLBACK_COMPLETE", "update"),
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS": ("UPDATE_ROLLBACK_COMPLETE", "update"),
    "IMPORT_IN_PROGRESS": ("IMPORT_COMPLETE", "update"),
    "IMPORT_ROLLBACK_IN_PROGRESS": ("IMPORT_ROLLBACK_COMPLETE", "update"),
}


def test_settles_covers_every_wait_row() -> None:
    assert set(SETTLES) == set(statuses(plan.Action.WAIT))


@pytest.mark.parametrize("status", statuses(plan.Action.WAIT), ids=str)
def test_wait_rows(h: Harness, status: str) -> None:
    """moto finishes every operation within the request, so it never shows a stack *_IN_PROGRESS: the engine
    must poll DescribeStacks (with backoff) until the other operation settles, then decide again."""
    final, then = SETTLES[status]
    h.stack(status)
    h.run_to(None, status, final)
    if then == "update":
        h.stack(final, parameters=OLD_CODE)
        h.template(OLD_TEMPLATE)
        h.create_and_execute("UPDATE")
        expected = ["create_change_set", "execute_change_set"]
    elif then == "recreate":
        h.stack(final)
        h.delete_until_gone()
        h.missing()
        h.create_and_execute("CREATE")
        expected = ["delete_stack", "create_change_set", "execute_change_set"]
    else:
        h.stack(final)
        h.create_and_execute("CREATE")
        expected = ["create_change_set", "execute_change_set"]
    result = h.deploy()
    h.stubber.assert_no_pending_responses()
    assert result.result == ("updated" if then == "update" else "created")
    assert h.mutations() == expected
    assert h.calls[:6] == [
        "describe_stacks",
        "describe_stack_events",
        "describe_stacks",
        "describe_stack_events",
        "describe_stacks",
        "describe_stack_events",
    ]
    assert h.lines[0] == f"{STACK}: {status}; waiting for it to finish"
    assert h.sleeps[0] == pytest.approx(0.05, rel=0.2)


def test_wait_for_a_delete_in_progress_then_create(h: Harness) -> None:
    """AWS: a stack deleted while we wait vanishes from DescribeStackEvents/DescribeStacks by name ("Stack [x]
    does not exist"); moto has no DELETE_IN_PROGRESS at all. The engine should then create the stack."""
    h.stack("DELETE_IN_PROGRESS")
    h.events()
    h.stack("DELETE_IN_PROGRESS")
    h.error("describe_stack_events", "ValidationError", f"Stack [{STACK}] does not exist", {"StackName": STACK})
    h.missing()
    h.change_set("CREATE")
    h.delete_change_set()
    h.stack("REVIEW_IN_PROGRESS")
    h.change_sets()  # ours is deleted; no other deploy has one on it
    h.delete_stack()
    result = h.deploy(options=Options(dry_run=True))
    assert result.result == "dry-run"
    assert h.mutations() == ["create_change_set", "delete_change_set", "delete_stack"]


@pytest.mark.parametrize("status", [*statuses(plan.Action.REFUSE), "SOME_FUTURE_STATUS"], ids=str)
def test_refuse_rows_mutate_nothing(h: Harness, status: str) -> None:
    """moto cannot produce UPDATE_ROLLBACK_FAILED, DELETE_FAILED, ROLLBACK_FAILED or IMPORT_ROLLBACK_FAILED."""
    h.stack(status)
    with pytest.raises(OperationFailed) as raised:
        h.deploy()
    h.stubber.assert_no_pending_responses()
    assert h.calls == ["describe_stacks"]
    assert raised.value.message == f"stack {STACK} is {status}: cfngen will not touch it"
    assert raised.value.hint == plan.next_step(status, STACK)
    assert raised.value.exit_code == 1


def test_update_rollback_failed_hint_is_the_command(h: Harness) -> None:
    """moto cannot produce UPDATE_ROLLBACK_FAILED."""
    h.stack("UPDATE_ROLLBACK_FAILED")
    with pytest.raises(OperationFailed, match="continue-update-rollback --stack-name orders"):
        h.deploy()
    assert h.mutations() == []


def test_delete_failed_hint_is_the_command(h: Harness) -> None:
    """moto cannot produce DELETE_FAILED."""
    h.stack("DELETE_FAILED")
    with pytest.raises(OperationFailed, match="`cfngen delete orders`"):
        h.deploy()
    assert h.mutations() == []


# --- throttling ---------------------------------------------------------------------------------------


def test_throttled_first_describe_is_not_a_missing_stack(h: Harness) -> None:
    """AWS throttles DescribeStacks ("Rate exceeded"); moto never does. If it surfaces past botocore's retries
    it must not read as "stack does not exist" (which would attempt a CREATE): it propagates, nothing mutated."""
    h.throttled()
    with pytest.raises(ClientError) as raised:
        h.deploy()
    assert raised.value.response["Error"]["Code"] == "Throttling"
    assert h.calls == ["describe_stacks"]


def test_throttled_poll_during_execution_is_absorbed(h: Harness) -> None:
    """moto never throttles. A DescribeStacks throttled past botocore's retries while the stack updates tells
    nothing about the stack: the poll backs off and asks again, and the deploy completes."""
    h.stack("UPDATE_COMPLETE", parameters=OLD_CODE)
    h.template(OLD_TEMPLATE)
    token = h.change_set("UPDATE")
    h.execute(token)
    h.events()
    h.throttled()
    h.run_to(token, "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE")
    h.stack("UPDATE_COMPLETE", outputs=True)  # outputs()
    result = h.deploy()
    h.stubber.assert_no_pending_responses()
    assert result.result == "updated"
    assert h.mutations() == ["create_change_set", "execute_change_set"]
    assert len(h.sleeps) >= 2  # backed off after the throttled poll


def test_throttled_poll_while_deleting_a_failed_create_waits_for_the_delete(h: Harness) -> None:
    """moto never throttles. Waiting for a ROLLBACK_COMPLETE stack's delete, a throttled DescribeStacks must not
    be taken for "deleted" nor fail the deploy: polling goes on until the stack is really gone."""
    h.stack("ROLLBACK_COMPLETE")
    token = h.token()
    h.delete_stack(token)
    h.events()
    h.throttled()
    h.stack_event("DELETE_IN_PROGRESS", token)
    h.events()
    h.stack("DELETE_IN_PROGRESS")
    h.error("describe_stack_events", "ValidationError", f"Stack [{STACK}] does not exist", {"StackName": STACK})
    h.missing()
    h.create_and_execute("CREATE")
    result = h.deploy()
    h.stubber.assert_no_pending_responses()
    assert result.result == "created"
    assert h.mutations() == ["delete_stack", "create_change_set", "execute_change_set"]


def test_throttled_poll_while_waiting_for_another_operation(h: Harness) -> None:
    """moto never throttles nor shows *_IN_PROGRESS: a throttled poll is skipped, the wait goes on, then the
    engine decides again (here: update)."""
    h.stack("UPDATE_IN_PROGRESS")
    h.events()
    h.throttled()
    h.run_to(None, "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE")
    h.stack("UPDATE_COMPLETE", parameters=OLD_CODE)
    h.template(OLD_TEMPLATE)
    h.create_and_execute("UPDATE")
    result = h.deploy()
    h.stubber.assert_no_pending_responses()
    assert result.result == "updated"


def test_access_denied_during_a_poll_is_not_absorbed(h: Harness) -> None:
    """Only throttling is skipped: any other error while polling surfaces (nothing is deleted)."""
    h.stack("UPDATE_COMPLETE", parameters=OLD_CODE)
    h.template(OLD_TEMPLATE)
    token = h.change_set("UPDATE")
    h.execute(token)
    h.events()
    h.error("describe_stacks", "AccessDenied", "not authorized", {"StackName": STACK})
    with pytest.raises(ClientError, match="not authorized"):
        h.deploy()
    assert h.mutations() == ["create_change_set", "execute_change_set"]


# --- empty change sets --------------------------------------------------------------------------------


def test_empty_change_set_aws_style(h: Harness) -> None:
    """AWS creates the change set, then marks it FAILED with "didn't contain changes" (moto refuses it at once):
    that is success, "no-changes", and the failed change set is deleted."""
    h.stack("UPDATE_COMPLETE", parameters=OLD_CODE, outputs=True)  # read once: the outputs come from it too
    h.template(OLD_TEMPLATE)
    h.change_set(
        "UPDATE",
        status="FAILED",
        reason="The submitted information didn't contain changes. Submit different information to create a change set.",
    )
    h.delete_change_set()
    result = h.deploy()
    h.stubber.assert_no_pending_responses()
    assert result.result == "no-changes"
    assert result.outputs == {"FnName": "orders-Fn-ABC"}
    assert h.mutations() == ["create_change_set", "delete_change_set"]
    assert f"{STACK}: no changes" in h.lines


def test_empty_change_set_moto_style(h: Harness) -> None:
    """moto (unlike AWS) refuses CreateChangeSet with "No updates are to be performed.": also "no-changes"."""
    h.stack("UPDATE_COMPLETE", parameters=OLD_CODE, outputs=True)  # read once: the outputs come from it too
    h.template(OLD_TEMPLATE)
    h.error(
        "create_change_set",
        "ValidationError",
        "No updates are to be performed.",
        {
            "StackName": STACK,
            "ChangeSetName": ANY,
            "ChangeSetType": "UPDATE",
            "Parameters": ANY,
            "Capabilities": ANY,
            "Tags": [],
            "TemplateBody": ANY,
        },
    )
    result = h.deploy()
    h.stubber.assert_no_pending_responses()
    assert result.result == "no-changes"
    assert h.mutations() == ["create_change_set"]


def test_change_set_failed_for_another_reason_is_an_error(h: Harness) -> None:
    """AWS reports template problems in the change set's StatusReason; it is deleted and the reason shown."""
    h.stack("UPDATE_COMPLETE", parameters=OLD_CODE)
    h.template(OLD_TEMPLATE)
    h.change_set("UPDATE", status="FAILED", reason="Template error: instance of Fn::GetAtt references undefined X")
    h.delete_change_set()
    with pytest.raises(OperationFailed, match="change set failed: Template error"):
        h.deploy()
    assert h.mutations() == ["create_change_set", "delete_change_set"]


# --- a failed create: the first failed resource -------------------------------------------------------


def test_failed_create_names_the_first_failed_resource(h: Harness) -> None:
    """AWS rolls back a failed create (moto does not): the resource that failed first is the cause, the ones
    "cancelled" after it are consequences, and another operation's events (other token) are not ours."""
    h.missing()
    token = h.change_set("CREATE")
    h.execute(token)
    h.stack_event("CREATE_IN_PROGRESS", token)
    h.event("FnRole", "CREATE_IN_PROGRESS", token=token, resource_type="AWS::IAM::Role")
    h.event("Fn", "CREATE_IN_PROGRESS", token=token)
    h.events()
    h.stack("CREATE_IN_PROGRESS")
    h.event("Intruder", "CREATE_FAILED", token="someone-else", reason="not ours")
    h.event(
        "FnRole",
        "CREATE_FAILED",
        token=token,
        resource_type="AWS::IAM::Role",
        reason="User is not authorized to perform: iam:CreateRole",
    )
    h.event("Fn", "CREATE_FAILED", token=token, reason="Resource creation cancelled")
    h.stack_event("ROLLBACK_IN_PROGRESS", token)
    h.events()
    h.stack("ROLLBACK_IN_PROGRESS")
    h.event("FnRole", "DELETE_COMPLETE", token=token, resource_type="AWS::IAM::Role")
    h.stack_event("ROLLBACK_COMPLETE", token)
    h.events()
    h.stack("ROLLBACK_COMPLETE")
    h.events()
    with pytest.raises(OperationFailed) as raised:
        h.deploy()
    h.stubber.assert_no_pending_responses()
    message = raised.value.message
    assert message == (
        f"{STACK}: deploy failed (ROLLBACK_COMPLETE): FnRole (AWS::IAM::Role) CREATE_FAILED: "
        "User is not authorized to perform: iam:CreateRole"
    )
    assert "cancelled" not in message and "Intruder" not in message
    assert h.mutations() == ["create_change_set", "execute_change_set"]
    assert not any("Intruder" in line for line in h.lines)
    assert sum("CREATE_FAILED" in line for line in h.lines) == 2  # each event printed once


# --- Ctrl-C -------------------------------------------------------------------------------------------


def interrupt(_change_set: object) -> bool:
    raise KeyboardInterrupt


def test_ctrl_c_at_confirm_of_a_create_deletes_change_set_and_empty_stack(h: Harness) -> None:
    """AWS leaves an empty REVIEW_IN_PROGRESS stack behind a CREATE change set (moto's is not observable the
    same way): Ctrl-C at the prompt deletes both, and the interrupt propagates."""
    h.missing()
    h.change_set("CREATE")
    h.delete_change_set()
    h.stack("REVIEW_IN_PROGRESS")
    h.change_sets()  # ours is deleted; no other deploy has one on it
    h.delete_stack()
    with pytest.raises(KeyboardInterrupt):
        h.deploy(options=Options(confirm=interrupt))
    h.stubber.assert_no_pending_responses()
    assert h.mutations() == ["create_change_set", "delete_change_set", "delete_stack"]


def test_ctrl_c_at_confirm_of_an_update_deletes_only_the_change_set(h: Harness) -> None:
    """Stubbed so the exact cleanup calls are checked: the deployed stack itself is never touched."""
    h.stack("UPDATE_COMPLETE", parameters=OLD_CODE)
    h.template(OLD_TEMPLATE)
    h.change_set("UPDATE")
    h.delete_change_set()
    with pytest.raises(KeyboardInterrupt):
        h.deploy(options=Options(confirm=interrupt))
    h.stubber.assert_no_pending_responses()
    assert h.mutations() == ["create_change_set", "delete_change_set"]


def test_no_at_confirm_cancels_and_deletes_the_change_set(h: Harness) -> None:
    h.stack("UPDATE_COMPLETE", parameters=OLD_CODE)
    h.template(OLD_TEMPLATE)
    h.change_set("UPDATE")
    h.delete_change_set()
    result = h.deploy(options=Options(confirm=lambda _cs: False))
    assert result.result == "cancelled"
    assert [str(r) for r in result.rows] == ["  + FnRole (AWS::IAM::Role)"]
    assert h.mutations() == ["create_change_set", "delete_change_set"]


def test_ctrl_c_during_execution_leaves_the_stack_alone(h: Harness) -> None:
    """AWS keeps executing after the client goes away (moto has finished before the first poll): the message
    says how to follow it, nothing is deleted, and the interrupt propagates."""
    h.missing()
    token = h.change_set("CREATE")
    h.execute(token)
    h.stack_event("CREATE_IN_PROGRESS", token)
    h.events()
    h.stack("CREATE_IN_PROGRESS")

    def ctrl_c(_seconds: float) -> None:
        raise KeyboardInterrupt

    h.sleep_hook = ctrl_c
    with pytest.raises(KeyboardInterrupt):
        h.deploy()
    h.stubber.assert_no_pending_responses()
    assert h.mutations() == ["create_change_set", "execute_change_set"]
    assert any(f"`cfngen status {STACK}`" in line and "interrupted" in line for line in h.lines)


def test_ctrl_c_while_the_change_set_is_being_created_cleans_up(h: Harness) -> None:
    """AWS takes seconds to compute a change set (moto answers CREATE_COMPLETE at once), so Ctrl-C lands here."""
    h.missing()
    h.change_set("CREATE", status="CREATE_PENDING")
    h.delete_change_set()
    h.stack("REVIEW_IN_PROGRESS")
    h.change_sets()  # ours is deleted; no other deploy has one on it
    h.delete_stack()

    def ctrl_c(_seconds: float) -> None:
        raise KeyboardInterrupt

    h.sleep_hook = ctrl_c
    with pytest.raises(KeyboardInterrupt):
        h.deploy()
    assert h.mutations() == ["create_change_set", "delete_change_set", "delete_stack"]


# --- options ------------------------------------------------------------------------------------------


def test_no_update_if_exists_on_an_existing_stack(h: Harness) -> None:
    """Stubbed so "nothing mutated" is checked call by call."""
    h.stack("UPDATE_COMPLETE")
    with pytest.raises(UsageError) as raised:
        h.deploy(options=Options(update_if_exists=False))
    assert raised.value.exit_code == 2
    assert "already exists" in raised.value.message
    assert h.calls == ["describe_stacks"]


def test_no_update_if_exists_on_a_new_stack_creates(h: Harness) -> None:
    h.missing()
    h.create_and_execute("CREATE")
    assert h.deploy(options=Options(update_if_exists=False)).result == "created"


def test_dry_run_on_a_new_stack_deletes_change_set_and_review_stack(h: Harness) -> None:
    """AWS leaves a REVIEW_IN_PROGRESS stack after a CREATE change set: a dry run must not leave it behind."""
    h.missing()
    h.change_set("CREATE")
    h.delete_change_set()
    h.stack("REVIEW_IN_PROGRESS")
    h.change_sets()  # ours is deleted; no other deploy has one on it
    h.delete_stack()
    result = h.deploy(options=Options(dry_run=True))
    h.stubber.assert_no_pending_responses()
    assert result.result == "dry-run"
    assert [str(r) for r in result.rows] == ["  + FnRole (AWS::IAM::Role)"]
    assert h.mutations() == ["create_change_set", "delete_change_set", "delete_stack"]
    assert "execute_change_set" not in h.calls


def test_dry_run_never_uploads(h: Harness) -> None:
    """The engine's own rule, whatever its caller passes: a change set does not read the code, so a dry run
    sends the key the zip would get and never calls Target.upload."""

    def upload() -> str | None:
        raise AssertionError("a dry run uploaded")

    h.stack("UPDATE_COMPLETE", parameters=OLD_CODE)
    h.template(TEMPLATE)
    h.change_set("UPDATE")
    h.delete_change_set()
    result = h.deploy(h.target(upload=upload), Options(dry_run=True))
    assert result.result == "dry-run"
    assert result.differences is not None
    assert [(c.key, c.deployed, c.deploying) for c in result.differences.parameters] == [
        ("FnCodeKey", OLD_CODE["FnCodeKey"], CODE["FnCodeKey"])
    ]
    assert h.mutations() == ["create_change_set", "delete_change_set"]


def test_dry_run_on_a_rollback_complete_stack_refuses_to_delete(h: Harness) -> None:
    """moto cannot produce ROLLBACK_COMPLETE; a dry run must not delete it to show a plan."""
    h.stack("ROLLBACK_COMPLETE")
    with pytest.raises(UsageError):
        h.deploy(options=Options(dry_run=True))
    assert h.mutations() == []


# --- fast no-op and the Enabled switches --------------------------------------------------------------


def test_same_template_and_parameters_is_up_to_date_without_a_change_set(h: Harness) -> None:
    """Stubbed to prove no CreateChangeSet is sent at all (AWS would answer "didn't contain changes" slowly)."""
    h.stack("UPDATE_COMPLETE", parameters=CODE, outputs=True)  # read once: the outputs come from it too
    h.template(TEMPLATE)  # read once: for the Enabled switches and the up-to-date check
    result = h.deploy()
    h.stubber.assert_no_pending_responses()
    assert result.result == "up-to-date"
    assert result.outputs == {"FnName": "orders-Fn-ABC"}
    assert "create_change_set" not in h.calls
    assert h.mutations() == []


def test_same_parameters_other_template_is_not_up_to_date(h: Harness) -> None:
    h.stack("UPDATE_COMPLETE", parameters=CODE)
    h.template(OLD_TEMPLATE)  # read once: for the Enabled switches and the up-to-date check
    h.change_set("UPDATE")
    h.delete_change_set()
    assert h.deploy(options=Options(dry_run=True)).result == "dry-run"


SWITCHED: dict[str, Any] = {
    **TEMPLATE,
    "Parameters": {
        **TEMPLATE["Parameters"],
        "OrdersEnabled": {"Type": "String", "Default": "true", "AllowedValues": ["true", "false"]},
    },
    # A parameter is a mapping's switch only when the mapping it names exists ("<Name>Mapping").
    "Resources": {**TEMPLATE["Resources"], "OrdersMapping": {"Type": "AWS::Lambda::EventSourceMapping"}},
}


def with_default(template: dict[str, Any], default: str, resources: dict[str, Any] | None = None) -> dict[str, Any]:
    parameters = {**template["Parameters"], "OrdersEnabled": {**template["Parameters"]["OrdersEnabled"]}}
    parameters["OrdersEnabled"]["Default"] = default
    return {**template, "Parameters": parameters, "Resources": resources or template["Resources"]}


def test_deployed_enabled_value_is_kept(h: Harness) -> None:
    """`cfngen disable` set OrdersEnabled=false on the deployed stack; a later deploy (spec default "true",
    unchanged) must pass "false" on, not flip the mapping back on. Stubbed to read the exact request."""
    old = with_default(SWITCHED, "true", OLD_TEMPLATE["Resources"])
    h.stack("UPDATE_COMPLETE", parameters={**CODE, "OrdersEnabled": "false"})
    h.template(old)
    h.change_set("UPDATE", {**CODE, "OrdersEnabled": "false"}, template=SWITCHED)
    h.delete_change_set()
    result = h.deploy(h.target(SWITCHED), Options(dry_run=True))
    h.stubber.assert_no_pending_responses()
    assert result.notes == ["Orders: keeping deployed Enabled=false (spec default true)"]


def test_changed_spec_default_wins_over_deployed_value(h: Harness) -> None:
    """The spec's default moved from "false" to "true": that is a deliberate change, so "true" is passed."""
    old = with_default(SWITCHED, "false", OLD_TEMPLATE["Resources"])
    h.stack("UPDATE_COMPLETE", parameters={**CODE, "OrdersEnabled": "false"})
    h.template(old)
    h.change_set("UPDATE", {**CODE, "OrdersEnabled": "true"}, template=SWITCHED)
    h.delete_change_set()
    result = h.deploy(h.target(SWITCHED), Options(dry_run=True))
    h.stubber.assert_no_pending_responses()
    assert result.notes == ["Orders: Enabled=true (the spec's default changed)"]


def test_explicit_parameter_beats_deployed_value(h: Harness) -> None:
    """--parameter OrdersEnabled=true is the user's word: no note, the value is passed as given."""
    old = with_default(SWITCHED, "true", OLD_TEMPLATE["Resources"])
    h.stack("UPDATE_COMPLETE", parameters={**CODE, "OrdersEnabled": "false"})
    h.template(old)
    h.change_set("UPDATE", {**CODE, "OrdersEnabled": "true"}, template=SWITCHED)
    h.delete_change_set()
    tgt = h.target(SWITCHED, {**CODE, "OrdersEnabled": "true"}, explicit=frozenset({"OrdersEnabled"}))
    result = h.deploy(tgt, Options(dry_run=True))
    h.stubber.assert_no_pending_responses()
    assert result.notes == []


def test_termination_protection_is_turned_on_after_a_create(h: Harness) -> None:
    """Stubbed to check the request; moto accepts it but the order of calls is what matters here."""
    h.missing()
    token = h.change_set("CREATE")
    h.execute(token)
    h.run_to(token, "CREATE_IN_PROGRESS", "CREATE_COMPLETE")
    h.stubber.add_response(
        "update_termination_protection",
        {"StackId": STACK_ID},
        {"StackName": STACK, "EnableTerminationProtection": True},
    )
    h.stack("CREATE_COMPLETE", outputs=True)
    result = h.deploy(h.target(termination_protection=True))
    assert result.result == "created"
    assert h.mutations() == ["create_change_set", "execute_change_set", "update_termination_protection"]


# --- AWS's refusals vs cfngen's bugs ------------------------------------------------------------------


def test_refused_change_set_says_why(h: Harness) -> None:
    """AWS refuses CreateChangeSet when the template needs a capability not granted (moto checks no
    capabilities): that is AWS's answer, reported as a refusal with its reason, exit 1."""
    h.missing()
    h.error(
        "create_change_set",
        "InsufficientCapabilitiesException",
        "Requires capabilities : [CAPABILITY_NAMED_IAM]",
        {
            "StackName": STACK,
            "ChangeSetName": ANY,
            "ChangeSetType": "CREATE",
            "Parameters": ANY,
            "Capabilities": ANY,
            "Tags": [],
            "TemplateBody": ANY,
        },
    )
    with pytest.raises(OperationFailed) as raised:
        h.deploy()
    assert raised.value.message == (
        f"{STACK}: CloudFormation refused the change set: Requires capabilities : [CAPABILITY_NAMED_IAM]"
    )
    assert raised.value.exit_code == 1


def test_a_bug_inside_changeset_create_is_not_a_refusal() -> None:
    """Only a ClientError is CloudFormation's word. A TypeError (a bad request cfngen built) must surface as the
    bug it is (the CLI prints it as an internal error), not as "CloudFormation refused the change set"."""

    class Broken:
        def create_change_set(self, **_: Any) -> None:
            raise TypeError("create_change_set() got an unexpected keyword argument 'TemplateBdy'")

    with pytest.raises(TypeError, match="TemplateBdy"):
        changeset.create(Broken(), Io(), stack=STACK, name="cfngen-1", change_set_type="CREATE")  # type: ignore[arg-type]


# --- pure pieces: change set rows, the no-op comparison -----------------------------------------------


@pytest.mark.parametrize(
    ("action", "replacement", "text"),
    [
        ("Add", "", "  + Fn (AWS::Lambda::Function)"),
        ("Modify", "False", "  ~ Fn (AWS::Lambda::Function)"),
        ("Modify", "True", "  ! Fn (AWS::Lambda::Function) (replacement)"),
        ("Modify", "Conditional", "  ! Fn (AWS::Lambda::Function) (may be replaced)"),
        ("Remove", "", "  - Fn (AWS::Lambda::Function)"),
    ],
)
def test_change_set_row_symbol_and_text(action: str, replacement: str, text: str) -> None:
    """A Conditional replacement may destroy the resource too: it is flagged like a certain one."""
    row = changeset.Row(action, "Fn", "AWS::Lambda::Function", replacement)
    assert str(row) == text
    assert row.symbol == text.split()[0]


def described(tags: dict[str, str]) -> Any:
    return {
        "StackName": STACK,
        "CreationTime": CREATED,
        "StackStatus": "UPDATE_COMPLETE",
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in CODE.items()],
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
    }


def test_up_to_date_when_template_parameters_and_tags_match() -> None:
    found = compare.differences(described({"team": "orders"}), TEMPLATE, TEMPLATE, CODE, {"team": "orders"})
    assert not found.any
    assert (found.template_changed, found.parameters, found.tags) == (False, (), ())


@pytest.mark.parametrize("deployed_tags", [{}, {"team": "billing"}, {"team": "orders", "extra": "x"}])
def test_not_up_to_date_when_only_the_tags_differ(deployed_tags: dict[str, str]) -> None:
    """Tags are set by the change set: a stack whose tags differ needs one, even with the same template."""
    found = compare.differences(described(deployed_tags), TEMPLATE, TEMPLATE, CODE, {"team": "orders"})
    assert found.any and not found.template_changed and found.parameters == ()
    wanted = {"team": "orders"}
    assert {c.key: (c.deployed, c.deploying) for c in found.tags} == {
        k: (deployed_tags.get(k), wanted.get(k))
        for k in set(deployed_tags) | set(wanted)
        if deployed_tags.get(k) != wanted.get(k)
    }


def test_differences_list_each_parameter_old_and_new_defaults_included() -> None:
    """A deployed stack records defaults too: a default the spec changed is a difference, like a new code key."""
    template = {
        **TEMPLATE,
        "Parameters": {**TEMPLATE.get("Parameters", {}), "Memory": {"Type": "String", "Default": "256"}},
    }
    deployed = {**described({}), "Parameters": [
        *({"ParameterKey": k, "ParameterValue": v} for k, v in CODE.items()),
        {"ParameterKey": "Memory", "ParameterValue": "128"},
        {"ParameterKey": "Gone", "ParameterValue": "x"},
    ]}  # fmt: skip
    key = next(k for k in CODE if k.endswith("CodeKey"))
    sending = {**CODE, key: "cfngen/orders/newer.zip"}

    found = compare.differences(deployed, TEMPLATE, template, sending, {})

    assert found.template_changed
    assert [(c.key, c.deployed, c.deploying) for c in found.parameters] == sorted(
        [(key, CODE[key], "cfngen/orders/newer.zip"), ("Memory", "128", "256"), ("Gone", "x", None)]
    )


def test_differences_of_a_stack_that_does_not_exist() -> None:
    found = compare.differences(None, None, TEMPLATE, CODE, {})
    assert found.any and not found.exists and found.deployed_template is None
    assert {c.key for c in found.parameters} == set(CODE)
    assert all(c.deployed is None for c in found.parameters)


# --- faults (issue 9) ----------------------------------------------------------------------------------


def test_a_refused_execute_deletes_its_change_set(h: Harness) -> None:
    """AWS refuses ExecuteChangeSet on validation (e.g. a NoEcho parameter without a value); moto executes
    anything. The change set must not be left behind, and the error says nothing changed."""
    h.stack("UPDATE_COMPLETE", parameters=OLD_CODE)
    h.template(OLD_TEMPLATE)
    token = h.change_set("UPDATE")
    h.error(
        "execute_change_set",
        "ValidationError",
        "Parameters: [Secret] must have values",
        {"ChangeSetName": ANY, "StackName": STACK, "ClientRequestToken": token},
    )
    h.delete_change_set()
    with pytest.raises(OperationFailed) as raised:
        h.deploy()
    h.stubber.assert_no_pending_responses()
    assert "refused to execute the change set: Parameters: [Secret] must have values" in raised.value.message
    assert "the change set was deleted, nothing changed" in raised.value.message
    assert h.mutations() == ["create_change_set", "execute_change_set", "delete_change_set"]


def test_timeout_bounds_the_whole_deploy_not_each_wait(h: Harness) -> None:
    """--timeout is one budget for the run: time spent waiting for another operation counts, so nothing new
    starts once it is spent (on main each wait got the whole timeout again). moto has no UPDATE_IN_PROGRESS."""
    h.stack("UPDATE_IN_PROGRESS")
    h.events()
    h.stack("UPDATE_IN_PROGRESS")
    h.events()
    h.stack("UPDATE_COMPLETE")
    h.events()
    h.sleep_hook = lambda _seconds: setattr(h, "now", h.now + 2.0)  # each poll delay costs two seconds
    with pytest.raises(OperationFailed) as raised:
        h.deploy(options=Options(timeout=1.0))
    h.stubber.assert_no_pending_responses()
    assert raised.value.message == f"timed out: --timeout 1s was spent before {STACK} could settle"
    assert h.mutations() == []


def test_review_in_progress_with_another_deploys_change_set_is_waited_for(h: Harness) -> None:
    """A concurrent deploy's CREATE change set (being created, then available, then executed) keeps its
    REVIEW_IN_PROGRESS stack: this deploy waits, then updates what the other created. moto executes at once."""
    h.stack("REVIEW_IN_PROGRESS")
    h.change_sets(("cfngen-other", "CREATE_IN_PROGRESS", "UNAVAILABLE"))
    h.stack("REVIEW_IN_PROGRESS")
    h.change_sets(("cfngen-other", "CREATE_COMPLETE", "AVAILABLE"))
    h.stack("CREATE_COMPLETE", parameters=CODE)
    h.stack("CREATE_COMPLETE", parameters=CODE, outputs=True)  # the description the deploy goes on with
    h.template(TEMPLATE)
    result = h.deploy()
    h.stubber.assert_no_pending_responses()
    assert result.result == "up-to-date"
    assert h.mutations() == []
    assert "another deploy is creating it (change set cfngen-other (CREATE_IN_PROGRESS, UNAVAILABLE))" in h.lines[0]


def test_review_in_progress_held_too_long_is_refused_not_deleted(h: Harness) -> None:
    """Another deploy's change set that stays AVAILABLE (a --confirm prompt left open, a killed run): refused
    within the time left, with the command that removes an abandoned one; never deleted."""
    h.stack("REVIEW_IN_PROGRESS")
    h.change_sets(("cfngen-other", "CREATE_COMPLETE", "AVAILABLE"))
    h.sleep_hook = lambda _seconds: setattr(h, "now", h.now + 1.0)
    for _ in range(3):  # polls at ~1.05 s, ~2.1 s, ~3.2 s of fake time: the last is past the 2.5 s left
        h.stack("REVIEW_IN_PROGRESS")
        h.change_sets(("cfngen-other", "CREATE_COMPLETE", "AVAILABLE"))
    with pytest.raises(OperationFailed) as raised:
        h.deploy(options=Options(timeout=2.5))
    h.stubber.assert_no_pending_responses()
    assert "being created by another deploy (change set cfngen-other (CREATE_COMPLETE, AVAILABLE))" in str(raised.value)
    assert f"delete-stack --stack-name {STACK}" in str(raised.value)
    assert h.mutations() == []
