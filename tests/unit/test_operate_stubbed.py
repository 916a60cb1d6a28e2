"""Operating deployed stacks (cfngen/deploy/operate.py, report.invoke_and_check) against botocore's Stubber.

moto's docker-free Lambda (the one cfngen's emulator and the integration tests run) answers Invoke by echoing
the payload: it never sets FunctionError, never returns a LogResult and never answers anything but the request.
Its event source mappings are never in a transitional state (Enabling/Disabling), and its CloudFormation has no
UPDATE_IN_PROGRESS to wait through. So each test here scripts AWS's answers on real boto3 Lambda and
CloudFormation clients; the Stubbers check every request (operation, order and parameters), and every test ends
with assert_no_pending_responses() on both. Each test's docstring names the AWS behaviour moto lacks.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.response import StreamingBody
from stubs import STACK, STACK_ID, Harness, harness

from cfngen.deploy import report
from cfngen.deploy.operate import contains, resolve_function, switch
from cfngen.errors import OperationFailed, UsageError

PROCESSOR = "orders-ProcessorFunction-ABC123"
AUDITOR = "orders-AuditorFunction-DEF456"
ORDERS_UUID = "aaaaaaaa-0000-0000-0000-000000000001"
AUDIT_UUID = "aaaaaaaa-0000-0000-0000-000000000002"

TEMPLATE: dict[str, Any] = {
    "Parameters": {
        "ProcessorCodeBucket": {"Type": "String"},
        "ProcessorCodeKey": {"Type": "String"},
        "ProcessorOrdersEnabled": {"Type": "String", "Default": "false"},
        "ProcessorAuditEnabled": {"Type": "String", "Default": "true"},
        "FeatureEnabled": {"Type": "String"},  # ends in "Enabled" but drives no mapping
    },
    "Resources": {
        "ProcessorRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
        "ProcessorFunction": {"Type": "AWS::Lambda::Function", "Properties": {}},
        "ProcessorOrdersMapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {}},
        "ProcessorAuditMapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {}},
    },
}
DEPLOYED_PARAMETERS = {
    "ProcessorCodeBucket": "artifacts",
    "ProcessorCodeKey": "cfngen/orders/abc.zip",
    "ProcessorOrdersEnabled": "false",
    "ProcessorAuditEnabled": "true",
    "FeatureEnabled": "yes",
}


def streaming(text: str) -> StreamingBody:
    raw = text.encode()
    return StreamingBody(io.BytesIO(raw), len(raw))


@pytest.fixture
def h(request: pytest.FixtureRequest) -> Iterator[Harness]:
    """CloudFormation and Lambda stubbed; the deployed stack has TEMPLATE and DEPLOYED_PARAMETERS."""
    services = ("cloudformation", "lambda")
    with harness(request, services, template_body=TEMPLATE, deployed=DEPLOYED_PARAMETERS) as found:
        yield found


def check(h: Harness, **kw: Any) -> None:
    report.invoke_and_check(h.aws, STACK, PROCESSOR, b"{}", h.io(), **kw)


# --- invoke -------------------------------------------------------------------------------------------------


def test_function_error_fails_with_type_and_message(h: Harness) -> None:
    """AWS reports a handler's exception as HTTP 200 with FunctionError "Unhandled" and the error document as
    the payload; moto's docker-free Lambda never sets FunctionError (it echoes the payload)."""
    h.invoked(
        PROCESSOR,
        {
            "StatusCode": 200,
            "FunctionError": "Unhandled",
            "Payload": streaming('{"errorType": "ValueError", "errorMessage": "boom"}'),
            "ExecutedVersion": "$LATEST",
        },
    )
    with pytest.raises(OperationFailed) as raised:
        check(h)
    assert "Unhandled" in raised.value.message
    assert "ValueError" in raised.value.message
    assert "boom" in raised.value.message
    assert PROCESSOR in raised.value.message
    assert raised.value.exit_code == 1
    assert h.lines[0] == f"{STACK}: {PROCESSOR} -> status 200"


def test_success_echoes_status_and_pretty_payload(h: Harness) -> None:
    """moto echoes the request; AWS returns what the handler returned, so a distinct response is scripted."""
    h.invoked(
        PROCESSOR, {"StatusCode": 200, "Payload": streaming('{"b": 1, "a": [1, 2]}'), "ExecutedVersion": "$LATEST"}
    )
    check(h)
    assert h.lines == [
        f"{STACK}: {PROCESSOR} -> status 200",
        json.dumps({"a": [1, 2], "b": 1}, indent=2, sort_keys=True),
    ]


def test_logs_decodes_and_echoes_the_log_tail(h: Harness) -> None:
    """AWS returns the last 4 KB of the function's log, base64-encoded, in LogResult when LogType is Tail;
    moto's docker-free Lambda never returns LogResult."""
    tail = "START RequestId: 1 Version: $LATEST\nprocessing 3 records\nEND RequestId: 1\n"
    h.invoked(
        PROCESSOR,
        {
            "StatusCode": 200,
            "Payload": streaming('"ok"'),
            "LogResult": base64.b64encode(tail.encode()).decode(),
            "ExecutedVersion": "$LATEST",
        },
        logs=True,
    )
    check(h, logs=True)
    assert "--- log tail ---\n" + tail.rstrip() in h.lines
    assert "ok" in h.lines  # a JSON string payload is printed bare


def test_logs_are_not_requested_for_an_event_invocation(h: Harness) -> None:
    """AWS returns no log tail for asynchronous (Event) invocations: LogType is only sent with RequestResponse.
    moto ignores LogType entirely, so only the scripted request can show it is left out."""
    h.invoked(PROCESSOR, {"StatusCode": 202, "Payload": streaming("")}, invocation_type="Event")
    check(h, logs=True, invocation_type="Event")
    assert h.lines == [f"{STACK}: {PROCESSOR} -> status 202"]


def test_expect_mismatch_fails(h: Harness) -> None:
    """moto echoes the payload, so a response that differs from the request must be scripted."""
    h.invoked(PROCESSOR, {"StatusCode": 200, "Payload": streaming('{"hello": "world", "n": 1}')})
    with pytest.raises(OperationFailed, match="does not contain") as raised:
        check(h, expected={"hello": "mars"})
    assert '{"hello": "mars"}' in raised.value.message
    assert raised.value.exit_code == 1


def test_expect_subset_match_passes(h: Harness) -> None:
    """moto echoes the payload, so a response that differs from the request must be scripted."""
    h.invoked(
        PROCESSOR, {"StatusCode": 200, "Payload": streaming('{"hello": "world", "n": 1, "items": [{"id": 1, "x": 2}]}')}
    )
    check(h, expected={"hello": "world", "items": [{"id": 1}]})


@pytest.mark.parametrize(
    ("expected", "actual", "result"),
    [
        ({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}, "d": 3}, True),  # nested dict subset
        ({"a": {"b": 1}}, {"a": {"b": 2}}, False),  # nested value differs
        ({"a": {"b": 1}}, {"a": 1}, False),  # dict expected, scalar found
        ({"missing": 1}, {"a": 1}, False),  # a missing key
        ({"a": None}, {}, False),  # a missing key is not a None value
        ({}, {"a": 1}, True),
        ([1, 2], [1, 2, 3], True),  # lists element-wise, a prefix
        ([2], [1, 2], False),  # element-wise, not membership
        ([1, 2, 3], [1, 2], False),  # longer than actual
        ([{"id": 1}], [{"id": 1, "x": 2}], True),  # elements compared as subsets
        ([1], {"0": 1}, False),
        ("ok", "ok", True),
        ("ok", "OK", False),
        (1, 1, True),
        (1, 2, False),
        (None, None, True),
        ({"a": 1}, None, False),
    ],
)
def test_contains(expected: Any, actual: Any, result: bool) -> None:
    assert contains(expected, actual) is result


@pytest.mark.parametrize(("expected", "actual"), [(True, 1), (1, True), (False, 0), ({"ok": True}, {"ok": 1})])
def test_contains_tells_booleans_from_numbers(expected: Any, actual: Any) -> None:
    assert not contains(expected, actual)


# --- resolve_function ---------------------------------------------------------------------------------------


def test_one_function_is_chosen_when_none_named(h: Harness) -> None:
    """Lambda functions' physical names come from CloudFormation (moto names them differently); scripted."""
    h.stack()
    h.resources({"Processor": PROCESSOR})
    assert resolve_function(h.aws, STACK, None) == PROCESSOR


def test_two_functions_and_none_named_lists_both(h: Harness) -> None:
    """Scripted ListStackResources with AWS's physical names; moto's would differ in form."""
    h.stack()
    h.resources({"Processor": PROCESSOR, "Auditor": AUDITOR})
    with pytest.raises(UsageError) as raised:
        resolve_function(h.aws, STACK, None)
    assert "2 functions" in raised.value.message
    assert "Auditor, Processor" in raised.value.message
    assert raised.value.exit_code == 2


def test_spec_name_maps_to_physical_name(h: Harness) -> None:
    """Scripted ListStackResources with AWS's physical names."""
    h.stack()
    h.resources({"Processor": PROCESSOR, "Auditor": AUDITOR})
    assert resolve_function(h.aws, STACK, "Auditor") == AUDITOR


def test_unknown_name_suggests_the_nearest(h: Harness) -> None:
    """Scripted ListStackResources with AWS's physical names."""
    h.stack()
    h.resources({"Processor": PROCESSOR, "Auditor": AUDITOR})
    with pytest.raises(UsageError) as raised:
        resolve_function(h.aws, STACK, "Procesor")
    assert "no function 'Procesor'" in raised.value.message
    assert "Auditor, Processor" in raised.value.message
    assert raised.value.hint == "did you mean 'Processor'?"
    assert "did you mean" in str(raised.value)


def test_physical_name_is_accepted_as_is(h: Harness) -> None:
    """Scripted ListStackResources with AWS's physical names."""
    h.stack()
    h.resources({"Processor": PROCESSOR, "Auditor": AUDITOR})
    assert resolve_function(h.aws, STACK, AUDITOR) == AUDITOR


def test_missing_stack_fails_with_a_hint_to_deploy(h: Harness) -> None:
    """AWS answers DescribeStacks for a missing stack with a ValidationError ("does not exist"). The call was
    right, the account just does not hold the stack: exit 1, like every other command on a missing stack."""
    h.missing()
    with pytest.raises(OperationFailed) as raised:
        resolve_function(h.aws, STACK, None)
    assert raised.value.exit_code == 1
    assert raised.value.message == f"stack {STACK} does not exist"
    assert raised.value.hint is not None and f"cfngen deploy {STACK}" in raised.value.hint


# --- switch (enable / disable) ------------------------------------------------------------------------------


def previous_except(targets: dict[str, str]) -> list[dict[str, Any]]:
    """The Parameters an enable/disable must send: the targets set, every other one with its current value
    as DescribeStacks reports it (not UsePreviousValue, which moto cannot resolve for defaults)."""
    return [{"ParameterKey": k, "ParameterValue": targets.get(k, v)} for k, v in DEPLOYED_PARAMETERS.items()]


def test_unknown_mapping_lists_the_stacks_mappings(h: Harness) -> None:
    """The mappings come from the deployed template (GetTemplate, Original stage); nothing is updated."""
    h.stack()
    h.template()
    with pytest.raises(UsageError) as raised:
        switch(h.aws, STACK, ["ProcessorOrder"], True, h.io(), timeout=None)
    assert "'ProcessorOrder'" in raised.value.message
    assert raised.value.hint == f"mappings and rules of {STACK}: ProcessorAudit, ProcessorOrders"


def test_a_stack_without_mappings_is_a_usage_error(h: Harness) -> None:
    """The deployed template is AWS's GetTemplate answer; FeatureEnabled drives no mapping and is not one."""
    h.stack()
    h.template({"Parameters": {"FeatureEnabled": {"Type": "String"}}, "Resources": {}})
    with pytest.raises(UsageError, match=f"stack {STACK} has no mappings"):
        switch(h.aws, STACK, [], True, h.io(), timeout=None)


def test_missing_stack_is_refused_before_anything(h: Harness) -> None:
    """AWS answers DescribeStacks for a missing stack with a ValidationError ("does not exist")."""
    h.missing()
    with pytest.raises(OperationFailed, match="does not exist"):
        switch(h.aws, STACK, [], True, h.io(), timeout=None)


@pytest.mark.parametrize(
    ("resources", "capabilities"),
    [
        ({"ProcessorRole": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "fixed"}}}, ["CAPABILITY_NAMED_IAM"]),
        ({"ProcessorRole": {"Type": "AWS::IAM::Role", "Properties": {}}}, ["CAPABILITY_IAM"]),
        ({}, []),
    ],
    ids=["named-iam", "iam", "none"],
)
def test_no_updates_still_confirms_with_lambda(h: Harness, resources: dict[str, Any], capabilities: list[str]) -> None:
    """AWS refuses an UpdateStack that changes nothing with a ValidationError "No updates are to be performed.";
    the mapping's state must still be confirmed with Lambda. The request keeps the previous template, sets only the
    targeted parameter, sends every other one's current value and the capabilities the deployed template
    needs (moto accepts any capabilities, so only the scripted request shows them)."""
    template = {
        **TEMPLATE,
        "Resources": {**resources, **{k: v for k, v in TEMPLATE["Resources"].items() if k != "ProcessorRole"}},
    }
    h.stack()
    h.template(template)  # mappings()
    h.template(template)  # capabilities()
    h.update(previous_except({"ProcessorOrdersEnabled": "true"}), capabilities, error="No updates are to be performed.")
    h.resources({"Processor": PROCESSOR}, {"ProcessorOrders": ORDERS_UUID, "ProcessorAudit": AUDIT_UUID})
    h.mapping_state("Enabled", ORDERS_UUID)
    states = switch(h.aws, STACK, ["ProcessorOrders"], True, h.io(), timeout=30)
    assert states == {"ProcessorOrders": "Enabled"}
    assert f"{STACK}: parameters already true; checking the mappings and rules" in h.lines
    assert h.sleeps == []


def test_disable_all_sets_every_mapping_parameter_false(h: Harness) -> None:
    """AWS runs the update (UPDATE_IN_PROGRESS, polled) and Lambda then reports each mapping Disabled; moto
    finishes the update within the request. No names: every mapping of the deployed template is targeted."""
    h.stack()
    h.template()
    h.template()
    h.update(previous_except({"ProcessorOrdersEnabled": "false", "ProcessorAuditEnabled": "false"}), ["CAPABILITY_IAM"])
    h.events()
    h.stack("UPDATE_COMPLETE")
    h.events()
    h.resources({"Processor": PROCESSOR}, {"ProcessorOrders": ORDERS_UUID, "ProcessorAudit": AUDIT_UUID})
    h.mapping_state("Disabled", AUDIT_UUID)  # sorted: ProcessorAudit first
    h.mapping_state("Disabled", ORDERS_UUID)
    states = switch(h.aws, STACK, [], False, h.io(), timeout=30)
    assert states == {"ProcessorAudit": "Disabled", "ProcessorOrders": "Disabled"}


def test_update_rolled_back_fails(h: Harness) -> None:
    """AWS can roll an update back (UPDATE_ROLLBACK_COMPLETE); moto never does. Lambda is then not asked."""
    h.stack()
    h.template()
    h.template()
    h.update(previous_except({"ProcessorOrdersEnabled": "true"}), ["CAPABILITY_IAM"])
    h.events()
    h.stack("UPDATE_ROLLBACK_COMPLETE")
    h.events()
    with pytest.raises(OperationFailed, match=r"update failed \(UPDATE_ROLLBACK_COMPLETE\)") as raised:
        switch(h.aws, STACK, ["ProcessorOrders"], True, h.io(), timeout=30)
    assert raised.value.hint == f"cfngen status {STACK}"


def test_update_refused_for_another_reason_fails(h: Harness) -> None:
    """AWS refuses UpdateStack while another operation runs ("... is in UPDATE_IN_PROGRESS state and can not be
    updated"); moto has no in-progress state. That is not "no updates": the update is reported as refused."""
    text = f"Stack:{STACK_ID} is in UPDATE_IN_PROGRESS state and can not be updated."
    h.stack()
    h.template()
    h.template()
    h.update(previous_except({"ProcessorOrdersEnabled": "true"}), ["CAPABILITY_IAM"], error=text)
    with pytest.raises(OperationFailed, match="update refused") as raised:
        switch(h.aws, STACK, ["ProcessorOrders"], True, h.io(), timeout=30)
    assert "UPDATE_IN_PROGRESS" in raised.value.message


def test_enabling_is_waited_for(h: Harness) -> None:
    """AWS moves a mapping through Enabling before Enabled (moto switches at once): the state is polled with
    backoff until Lambda reports Enabled."""
    h.stack()
    h.template()
    h.template()
    h.update(
        previous_except({"ProcessorOrdersEnabled": "true"}), ["CAPABILITY_IAM"], error="No updates are to be performed."
    )
    h.resources({"Processor": PROCESSOR}, {"ProcessorOrders": ORDERS_UUID})
    for state in ("Enabling", "Enabling", "Enabled"):
        h.mapping_state(state, ORDERS_UUID)
    states = switch(h.aws, STACK, ["ProcessorOrders"], True, h.io(), timeout=30)
    assert states == {"ProcessorOrders": "Enabled"}
    assert len(h.sleeps) == 2
    assert h.sleeps[0] == pytest.approx(0.05, rel=0.2)
    assert h.sleeps[1] == pytest.approx(0.075, rel=0.2)


def test_mapping_stuck_enabling_times_out(h: Harness) -> None:
    """AWS can leave a mapping in Enabling (moto never does): past the timeout (a fake clock that moves only when
    the code sleeps) it fails naming the mapping and its state, without sleeping beyond the deadline."""
    timeout = 1.0
    h.stack()
    h.template()
    h.template()
    h.update(
        previous_except({"ProcessorOrdersEnabled": "true"}), ["CAPABILITY_IAM"], error="No updates are to be performed."
    )
    h.resources({"Processor": PROCESSOR}, {"ProcessorOrders": ORDERS_UUID})
    h.mapping_state("Enabling", ORDERS_UUID)

    def still_enabling(_: float) -> None:  # Lambda answers Enabling to every poll
        if h.now > 10 * timeout:
            pytest.fail("still polling long after the timeout")
        h.mapping_state("Enabling", ORDERS_UUID)

    h.sleep_hook = still_enabling
    with pytest.raises(OperationFailed) as raised:
        switch(h.aws, STACK, ["ProcessorOrders"], True, h.io(), timeout=timeout)
    assert raised.value.message == f"{STACK}: mappings did not reach Enabled: ProcessorOrders=Enabling"
    assert raised.value.hint == f"cfngen status {STACK}"
    assert len(h.sleeps) >= 3  # it did poll, with backoff
    assert h.now <= timeout


def test_mapping_in_a_wrong_settled_state_fails_at_once(h: Harness) -> None:
    """AWS mappings can be switched outside CloudFormation (drift): a Disabled mapping when Enabled is wanted is
    not a transition to wait for. moto cannot be made to report such a state after the update."""
    h.stack()
    h.template()
    h.template()
    h.update(
        previous_except({"ProcessorOrdersEnabled": "true"}), ["CAPABILITY_IAM"], error="No updates are to be performed."
    )
    h.resources({"Processor": PROCESSOR}, {"ProcessorOrders": ORDERS_UUID})
    h.mapping_state("Disabled", ORDERS_UUID)
    with pytest.raises(OperationFailed, match="ProcessorOrders=Disabled"):
        switch(h.aws, STACK, ["ProcessorOrders"], True, h.io(), timeout=None)
    assert h.sleeps == []
