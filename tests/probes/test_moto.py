"""Probes: what moto (5.2.x, server mode, Lambda docker off) does with the CloudFormation cfngen generates.

These tests pin moto's behaviour, not cfngen's. Each one asserts a single fact about moto as it is today; its
docstring says what moto does, what AWS does, and what in cfngen depends on the fact (a workaround in
cfngen/, whose comment names the probe, or a limit of the integration tests that the Stubber tests in
tests/unit cover instead). When moto changes, the probe fails and says which workaround may go.

Templates are small hand-written dicts, so that a failure points at moto, not at a builder.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import zipfile
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from cfngen.local import FAKE_ACCOUNT_ID

REGION = "us-east-1"
NO_UPDATES = "No updates are to be performed."
NO_CHANGES_REASON = (
    "The submitted information didn't contain changes. Submit different information to create a change set."
)

ROLE: dict[str, Any] = {
    "Type": "AWS::IAM::Role",
    "Properties": {
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        },
        "Policies": [
            {
                "PolicyName": "read",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": ["kinesis:*", "logs:*"], "Resource": "*"}],
                },
            }
        ],
    },
}
FUNCTION: dict[str, Any] = {
    "Type": "AWS::Lambda::Function",
    "Properties": {
        "FunctionName": "probe-fn",
        "Runtime": "python3.12",
        "Handler": "index.handler",
        "Role": {"Fn::GetAtt": ["Role", "Arn"]},
        "Code": {"ZipFile": "def handler(event, context):\n    return event\n"},
    },
}
FUNCTION_ARN = {"Fn::GetAtt": ["Fn", "Arn"]}
ENABLED_IF = {"Fn::If": ["IsEnabled", True, False]}
ENABLED_REF = {"Ref": "Enabled"}


def esm_template(enabled: Any, *, metadata: bool = True) -> dict[str, Any]:
    """Function + Kinesis stream + mapping whose Enabled is `enabled`, driven by the Enabled parameter.

    With `metadata`, the mapping's Metadata refers to the parameter directly, as cfngen's builder emits it.
    """
    mapping: dict[str, Any] = {
        "Type": "AWS::Lambda::EventSourceMapping",
        "Properties": {
            "FunctionName": {"Ref": "Fn"},
            "EventSourceArn": {"Fn::GetAtt": ["Stream", "Arn"]},
            "StartingPosition": "LATEST",
            "BatchSize": 100,
            "Enabled": enabled,
        },
    }
    if metadata:
        mapping["Metadata"] = {"cfngen:enabled": {"Ref": "Enabled"}}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"Enabled": {"Type": "String", "AllowedValues": ["true", "false"], "Default": "false"}},
        "Conditions": {"IsEnabled": {"Fn::Equals": [{"Ref": "Enabled"}, "true"]}},
        "Resources": {
            "Role": ROLE,
            "Fn": FUNCTION,
            "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}},
            "Mapping": mapping,
        },
        "Outputs": {"MappingId": {"Value": {"Ref": "Mapping"}}},
    }


TOPIC_TEMPLATE: dict[str, Any] = {
    "Parameters": {"Env": {"Type": "String", "Default": "a"}},
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "t1"}}},
    "Outputs": {"TopicArn": {"Value": {"Ref": "Topic"}}, "EnvOut": {"Value": {"Ref": "Env"}}},
}
TOPIC_ARN = f"arn:aws:sns:{REGION}:{FAKE_ACCOUNT_ID}:t1"


def enabled(value: str) -> list[dict[str, str]]:
    return [{"ParameterKey": "Enabled", "ParameterValue": value}]


def env(value: str) -> list[dict[str, str]]:
    return [{"ParameterKey": "Env", "ParameterValue": value}]


def body(template: dict[str, Any]) -> str:
    return json.dumps(template)


def stack(cf: Any, name: str) -> dict[str, Any]:
    result: dict[str, Any] = cf.describe_stacks(StackName=name)["Stacks"][0]
    return result


def outputs(cf: Any, name: str) -> dict[str, str] | None:
    found = stack(cf, name).get("Outputs")
    return None if found is None else {o["OutputKey"]: o["OutputValue"] for o in found}


def mapping_state(cf: Any, lam: Any, name: str) -> str:
    uuid = cf.describe_stack_resource(StackName=name, LogicalResourceId="Mapping")["StackResourceDetail"]
    return str(lam.get_event_source_mapping(UUID=uuid["PhysicalResourceId"])["State"])


def error_of(exc_info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc_info.value.response["Error"]
    return err["Code"], err["Message"]


def change_set_by_create(cf: Any, name: str, template: dict[str, Any], **request: Any) -> None:
    """Create `name` the way cfngen does: a CREATE change set, executed."""
    cf.create_change_set(
        StackName=name, ChangeSetName="create", ChangeSetType="CREATE", TemplateBody=body(template), **request
    )
    cf.execute_change_set(StackName=name, ChangeSetName="create")


# --- event source mappings and their Enabled parameter -----------------------------------------------------


def test_mapping_enabled_through_fn_if_follows_the_parameter_in_place(moto_reset: Any) -> None:
    """moto, as AWS: `Enabled: Fn::If [IsEnabled, true, false]` creates the mapping Disabled for "false", and a
    parameter-only update (UsePreviousTemplate) flips the same mapping to Enabled.

    Depends on it: the form cfngen/builders/triggers.py emits; `cfngen enable`/`disable` (deploy/operate.py).
    The control for the two probes below.
    """
    cf, lam = moto_reset.client("cloudformation"), moto_reset.client("lambda")
    cf.create_stack(StackName="esm", TemplateBody=body(esm_template(ENABLED_IF)), Parameters=enabled("false"))
    uuid = outputs(cf, "esm")["MappingId"]  # type: ignore[index]
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled"

    cf.update_stack(StackName="esm", UsePreviousTemplate=True, Parameters=enabled("true"))
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled"


def test_mapping_enabled_through_a_plain_ref_is_enabled_for_false(moto_reset: Any) -> None:
    """moto: `Enabled: {Ref: Enabled}` passes the string "false", which moto reads as true: the mapping is
    created Enabled. AWS converts "false" to false and creates it Disabled.

    Workaround: cfngen/builders/triggers.py wraps the parameter in Fn::If, a real boolean on every engine.
    """
    cf, lam = moto_reset.client("cloudformation"), moto_reset.client("lambda")
    cf.create_stack(StackName="esm", TemplateBody=body(esm_template(ENABLED_REF)), Parameters=enabled("false"))
    assert mapping_state(cf, lam, "esm") == "Enabled"


def test_update_skips_a_mapping_tied_to_the_parameter_only_by_a_condition(moto_reset: Any) -> None:
    """moto: a parameter-only update re-applies only resources that refer to the changed parameter directly;
    it does not follow Conditions, so a mapping whose Enabled is `Fn::If [IsEnabled, ...]` (and nothing
    else mentioning the parameter) stays Disabled while the update reports UPDATE_COMPLETE. AWS re-evaluates
    the condition and enables it.

    Workaround: cfngen/builders/triggers.py gives each mapping `Metadata: {"cfngen:enabled": {Ref: <param>}}`.
    """
    cf, lam = moto_reset.client("cloudformation"), moto_reset.client("lambda")
    template = esm_template(ENABLED_IF, metadata=False)
    cf.create_stack(StackName="esm", TemplateBody=body(template), Parameters=enabled("false"))
    cf.update_stack(StackName="esm", UsePreviousTemplate=True, Parameters=enabled("true"))
    assert stack(cf, "esm")["StackStatus"] == "UPDATE_COMPLETE"
    assert mapping_state(cf, lam, "esm") == "Disabled"


def test_describe_stack_resource_leaves_out_metadata(moto_reset: Any) -> None:
    """moto: DescribeStackResource has no Metadata (GetTemplate still has it, unresolved). AWS returns it as a
    JSON string with its Refs resolved.

    Depends on it: cfngen reads a mapping's switch from the deployed template's Parameters
    (deploy/operate.py `mappings`, via names.switches) and its state from Lambda, never from Metadata.
    """
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="esm", TemplateBody=body(esm_template(ENABLED_IF)), Parameters=enabled("false"))
    detail = cf.describe_stack_resource(StackName="esm", LogicalResourceId="Mapping")["StackResourceDetail"]
    assert "Metadata" not in detail
    template = cf.get_template(StackName="esm")["TemplateBody"]  # botocore parses a JSON body into a dict
    assert template["Resources"]["Mapping"]["Metadata"] == {"cfngen:enabled": {"Ref": "Enabled"}}


def test_parameter_only_change_set_lists_no_changes(moto_reset: Any) -> None:
    """moto: a change set that changes only a parameter value is CREATE_COMPLETE with no Changes at all. AWS
    lists a Modify row for each resource that refers to the parameter.

    Workaround: deploy/changeset.py decides "no changes" only from a FAILED change set or a refused request,
    never from an empty row list, so a code-only deploy (new CodeKey parameter) still executes.
    """
    cf = moto_reset.client("cloudformation")
    change_set_by_create(cf, "esm", esm_template(ENABLED_IF), Parameters=enabled("false"))
    created = cf.create_change_set(
        StackName="esm",
        ChangeSetName="on",
        ChangeSetType="UPDATE",
        UsePreviousTemplate=True,
        Parameters=enabled("true"),
    )
    described = cf.describe_change_set(ChangeSetName=created["Id"])
    assert (described["Status"], described["Changes"]) == ("CREATE_COMPLETE", [])


def test_executing_a_change_set_without_rows_applies_its_parameters(moto_reset: Any) -> None:
    """moto, as AWS: executing that row-less change set updates the stack's Parameters and the mapping.

    Depends on it: the same code-only and switch-only deploys (deploy/engine.py executes any change set
    that is CREATE_COMPLETE, rows or not).
    """
    cf, lam = moto_reset.client("cloudformation"), moto_reset.client("lambda")
    change_set_by_create(cf, "esm", esm_template(ENABLED_IF), Parameters=enabled("false"))
    created = cf.create_change_set(
        StackName="esm",
        ChangeSetName="on",
        ChangeSetType="UPDATE",
        UsePreviousTemplate=True,
        Parameters=enabled("true"),
    )
    cf.execute_change_set(ChangeSetName=created["Id"])
    assert stack(cf, "esm")["Parameters"] == enabled("true")
    assert mapping_state(cf, lam, "esm") == "Enabled"


# --- change sets and outputs ---------------------------------------------------------------------------------


def test_change_set_is_ready_as_soon_as_it_is_created(moto_reset: Any) -> None:
    """moto: DescribeChangeSet right after CreateChangeSet says CREATE_COMPLETE / AVAILABLE. AWS passes through
    CREATE_PENDING and CREATE_IN_PROGRESS first.

    Depends on it: the integration tests never exercise the polling in deploy/changeset.py; the Stubber
    tests in tests/unit do.
    """
    cf = moto_reset.client("cloudformation")
    cf.create_change_set(StackName="cs", ChangeSetName="c1", ChangeSetType="CREATE", TemplateBody=body(TOPIC_TEMPLATE))
    described = cf.describe_change_set(StackName="cs", ChangeSetName="c1")
    assert (described["Status"], described["ExecutionStatus"]) == ("CREATE_COMPLETE", "AVAILABLE")


def test_change_set_rows_carry_no_replacement(moto_reset: Any) -> None:
    """moto: a row's ResourceChange has only Action, LogicalResourceId and ResourceType, even for Modify. AWS
    adds Replacement (True | False | Conditional), Scope, Details and PhysicalResourceId.

    Workaround: deploy/changeset.py `_rows` reads Replacement with .get (default ""); the `!` replacement
    symbol is tested with the Stubber only.
    """
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="s", TemplateBody=body(TOPIC_TEMPLATE))
    changed = json.loads(body(TOPIC_TEMPLATE))
    changed["Resources"]["Topic"]["Properties"]["TopicName"] = "t2"  # AWS: Replacement True
    cf.create_change_set(StackName="s", ChangeSetName="u1", ChangeSetType="UPDATE", TemplateBody=body(changed))
    rows = cf.describe_change_set(StackName="s", ChangeSetName="u1")["Changes"]
    assert rows == [
        {
            "Type": "Resource",
            "ResourceChange": {"Action": "Modify", "LogicalResourceId": "Topic", "ResourceType": "AWS::SNS::Topic"},
        }
    ]


def test_execute_change_set_finishes_before_it_returns(moto_reset: Any) -> None:
    """moto: ExecuteChangeSet does the whole create before it answers: the stack is CREATE_COMPLETE at once.
    AWS answers at once and the stack is CREATE_IN_PROGRESS for a while.

    Depends on it: cfngen/cli/ship.py's LOCAL_TIMEOUT (on the emulator a stack still in progress is
    stuck, not slow); deploy/events.py `wait` sees a settled stack on its first poll, so its loop is tested
    with the Stubber.
    """
    cf = moto_reset.client("cloudformation")
    cf.create_change_set(StackName="cs", ChangeSetName="c1", ChangeSetType="CREATE", TemplateBody=body(TOPIC_TEMPLATE))
    cf.execute_change_set(StackName="cs", ChangeSetName="c1")
    assert stack(cf, "cs")["StackStatus"] == "CREATE_COMPLETE"


def test_stack_created_by_a_change_set_has_no_outputs(moto_reset: Any) -> None:
    """moto: a stack created through a CREATE change set has no Outputs at all (the same template through
    CreateStack has them). AWS computes them either way.

    Workarounds: deploy/engine.py `outputs` shows the resources' physical ids as `resource:<LogicalId>`;
    deploy/bootstrap.py `find` asks DescribeStackResources for the bucket.
    """
    cf = moto_reset.client("cloudformation")
    change_set_by_create(cf, "cs", TOPIC_TEMPLATE)
    assert stack(cf, "cs")["StackStatus"] == "CREATE_COMPLETE"
    assert outputs(cf, "cs") is None  # AWS: TopicArn and EnvOut
    cf.create_stack(StackName="plain", TemplateBody=body(TOPIC_TEMPLATE))
    assert outputs(cf, "plain") == {"TopicArn": TOPIC_ARN, "EnvOut": "a"}


def test_outputs_once_described_are_not_recomputed_by_an_update_change_set(moto_reset: Any) -> None:
    """moto: a stack's Outputs are computed when DescribeStacks first reads them and then kept; executing an
    UPDATE change set does not refresh them (EnvOut keeps the old parameter value) although the stack's
    Parameters change. UpdateStack does refresh them; so does a change set on a stack nobody described yet.
    AWS recomputes Outputs on every update.

    Depends on it: nothing works around it. cfngen describes a stack before updating it, so on the emulator
    deploy/engine.py `outputs` reports the old values after an update; the README says so.
    """
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="s", TemplateBody=body(TOPIC_TEMPLATE))
    assert outputs(cf, "s") == {"TopicArn": TOPIC_ARN, "EnvOut": "a"}  # read once, as cfngen's deploy does
    cf.create_change_set(
        StackName="s",
        ChangeSetName="u1",
        ChangeSetType="UPDATE",
        TemplateBody=body(TOPIC_TEMPLATE),
        Parameters=env("b"),
    )
    cf.execute_change_set(StackName="s", ChangeSetName="u1")
    assert stack(cf, "s")["Parameters"] == env("b")
    assert outputs(cf, "s") == {"TopicArn": TOPIC_ARN, "EnvOut": "a"}  # AWS: EnvOut b


# --- "nothing to change" -------------------------------------------------------------------------------------


def test_unchanged_change_set_with_parameters_is_refused_with_no_updates(moto_reset: Any) -> None:
    """moto: CreateChangeSet with Parameters and nothing changed raises ValidationError "No updates are to be
    performed.". AWS never refuses here: it creates a FAILED change set ("didn't contain changes").

    Workaround: deploy/awserrors.py NO_CHANGES holds moto's text too, and deploy/changeset.py `create` takes
    the refusal as "no changes".
    """
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="s", TemplateBody=body(TOPIC_TEMPLATE))
    with pytest.raises(ClientError) as exc_info:
        cf.create_change_set(
            StackName="s",
            ChangeSetName="x",
            ChangeSetType="UPDATE",
            TemplateBody=body(TOPIC_TEMPLATE),
            Parameters=env("a"),
        )
    assert error_of(exc_info) == ("ValidationError", NO_UPDATES)


@pytest.mark.parametrize("request_parameters", [{}, {"Parameters": []}], ids=["no-Parameters", "empty-Parameters"])
def test_unchanged_change_set_without_parameters_fails_as_on_aws(
    moto_reset: Any, request_parameters: dict[str, Any]
) -> None:
    """moto, as AWS: without parameter values in the request (none, or an empty list as cfngen sends for a
    stack without parameters), an unchanged change set is created FAILED with AWS's "didn't contain changes".

    Depends on it: deploy/changeset.py `_until_ready` takes that FAILED change set as "no changes" and
    deletes it; this is the only way the integration tests reach that branch.
    """
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="s", TemplateBody=body(TOPIC_TEMPLATE))
    created = cf.create_change_set(
        StackName="s",
        ChangeSetName="x",
        ChangeSetType="UPDATE",
        TemplateBody=body(TOPIC_TEMPLATE),
        **request_parameters,
    )
    described = cf.describe_change_set(ChangeSetName=created["Id"])
    assert (described["Status"], described["StatusReason"]) == ("FAILED", NO_CHANGES_REASON)


def test_tags_only_change_set_is_refused_with_no_updates(moto_reset: Any) -> None:
    """moto: a change set whose only change is the stack's tags (Parameters in the request) raises "No updates
    are to be performed.". AWS creates a change set that updates the tags.

    Depends on it: on moto a retag deploy ends "no changes" and the tags stay; tests/integration/test_deploy.py
    `test_tags_and_parameters` accepts "updated" or "no-changes" for this reason.
    """
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="s", TemplateBody=body(TOPIC_TEMPLATE), Tags=[{"Key": "team", "Value": "a"}])
    with pytest.raises(ClientError) as exc_info:
        cf.create_change_set(
            StackName="s",
            ChangeSetName="x",
            ChangeSetType="UPDATE",
            TemplateBody=body(TOPIC_TEMPLATE),
            Parameters=env("a"),
            Tags=[{"Key": "team", "Value": "b"}],
        )
    assert error_of(exc_info) == ("ValidationError", NO_UPDATES)


def test_failed_change_set_can_be_executed(moto_reset: Any) -> None:
    """moto: ExecuteChangeSet accepts a FAILED change set and runs an update. AWS refuses it
    (InvalidChangeSetStatus).

    Depends on it: an integration test cannot catch cfngen executing a FAILED change set; deploy/changeset.py
    deletes FAILED change sets and the Stubber tests check that nothing executes them.
    """
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="s", TemplateBody=body(TOPIC_TEMPLATE))
    created = cf.create_change_set(
        StackName="s", ChangeSetName="x", ChangeSetType="UPDATE", TemplateBody=body(TOPIC_TEMPLATE)
    )
    assert cf.describe_change_set(ChangeSetName=created["Id"])["Status"] == "FAILED"
    cf.execute_change_set(ChangeSetName=created["Id"])
    assert stack(cf, "s")["StackStatus"] == "UPDATE_COMPLETE"


def test_update_stack_without_changes_raises_no_updates(moto_reset: Any) -> None:
    """moto, as AWS: UpdateStack with nothing changed raises ValidationError "No updates are to be performed.".

    Depends on it: deploy/operate.py `switch` (enable/disable) takes that error as "already in that state"
    through deploy/awserrors.py `is_no_changes`.
    """
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="s", TemplateBody=body(TOPIC_TEMPLATE), Parameters=env("a"))
    with pytest.raises(ClientError) as exc_info:
        cf.update_stack(StackName="s", UsePreviousTemplate=True, Parameters=env("a"))
    assert error_of(exc_info) == ("ValidationError", NO_UPDATES)


# --- stack events --------------------------------------------------------------------------------------------


def test_stack_events_carry_no_client_request_token(moto_reset: Any) -> None:
    """moto: no event has a ClientRequestToken, even when the operation was given one. AWS copies the token
    into every event of that operation.

    Workaround: deploy/events.py `EventStream._older` falls back to the run's start time when events carry
    no token.
    """
    cf = moto_reset.client("cloudformation")
    cf.create_change_set(StackName="s", ChangeSetName="c1", ChangeSetType="CREATE", TemplateBody=body(TOPIC_TEMPLATE))
    cf.execute_change_set(StackName="s", ChangeSetName="c1", ClientRequestToken="tok-create")
    events = cf.describe_stack_events(StackName="s")["StackEvents"]
    assert events
    assert [e for e in events if "ClientRequestToken" in e] == []


def test_stack_events_are_only_the_stack_s_own(moto_reset: Any) -> None:
    """moto: DescribeStackEvents lists only events of the stack itself (REVIEW_IN_PROGRESS, CREATE_IN_PROGRESS,
    CREATE_COMPLETE), none per resource. AWS lists every resource's events too.

    Depends on it: deploy/events.py `first_failure` (the failed resource a deploy reports) is tested with the
    Stubber only; on moto a deploy prints stack-level events.
    """
    cf = moto_reset.client("cloudformation")
    cf.create_change_set(StackName="s", ChangeSetName="c1", ChangeSetType="CREATE", TemplateBody=body(TOPIC_TEMPLATE))
    cf.execute_change_set(StackName="s", ChangeSetName="c1")
    events = cf.describe_stack_events(StackName="s")["StackEvents"]
    assert {(e["LogicalResourceId"], e["ResourceType"]) for e in events} == {("s", "AWS::CloudFormation::Stack")}


# --- errors and checks moto does not make --------------------------------------------------------------------


@pytest.mark.parametrize("call", ["describe_stacks", "update_stack", "create_change_set"])
def test_missing_stack_is_a_validation_error_saying_does_not_exist(moto_reset: Any, call: str) -> None:
    """moto, as AWS: calls on a stack that does not exist raise ValidationError "Stack with id <name> does not
    exist".

    Depends on it: deploy/awserrors.py `is_stack_missing` (only this error means "missing").
    """
    cf = moto_reset.client("cloudformation")
    request: dict[str, Any] = {"StackName": "nope"}
    if call != "describe_stacks":
        request["TemplateBody"] = body(TOPIC_TEMPLATE)
    if call == "create_change_set":
        request.update(ChangeSetName="x", ChangeSetType="UPDATE")
    with pytest.raises(ClientError) as exc_info:
        getattr(cf, call)(**request)
    assert error_of(exc_info) == ("ValidationError", "Stack with id nope does not exist")


def test_missing_change_set_reads_as_a_missing_stack(moto_reset: Any) -> None:
    """moto: DescribeChangeSet for a change set that does not exist raises ValidationError "Stack with id <change
    set name> does not exist". AWS raises ChangeSetNotFound "ChangeSet [<name>] does not exist".

    Workaround: deploy/awserrors.py `is_change_set_missing` also matches "does not exist" in the message.
    """
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="s", TemplateBody=body(TOPIC_TEMPLATE))
    with pytest.raises(ClientError) as exc_info:
        cf.describe_change_set(StackName="s", ChangeSetName="zzz")
    assert error_of(exc_info) == ("ValidationError", "Stack with id zzz does not exist")


def test_create_change_set_on_an_existing_stack_makes_a_second_stack(moto_reset: Any) -> None:
    """moto: a CREATE change set for a name that already has a stack is accepted and makes a second stack of
    that name. AWS raises AlreadyExistsException.

    Workaround: deploy/engine.py chooses CREATE or UPDATE from DescribeStacks (`_settle`), never from an
    error of CreateChangeSet.
    """
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="s", TemplateBody=body(TOPIC_TEMPLATE))
    first_id = stack(cf, "s")["StackId"]
    second = cf.create_change_set(
        StackName="s", ChangeSetName="again", ChangeSetType="CREATE", TemplateBody=body(TOPIC_TEMPLATE)
    )
    assert second["StackId"] != first_id


def test_iam_resources_need_no_capability(moto_reset: Any) -> None:
    """moto: a template with IAM resources is created without CAPABILITY_IAM. AWS raises
    InsufficientCapabilitiesException.

    Depends on it: a missing capability cannot show on moto; deploy/engine.py `capabilities` is unit-tested.
    """
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="iam", TemplateBody=body({"Resources": {"Role": ROLE}}))
    assert stack(cf, "iam")["StackStatus"] == "CREATE_COMPLETE"


def test_update_termination_protection_is_not_implemented(moto_reset: Any) -> None:
    """moto: UpdateTerminationProtection answers HTTP 500 with an HTML page, which botocore raises as
    ResponseParserError (not ClientError); the stack stays unprotected. AWS implements the call.

    Workaround: deploy/engine.py `_protect` reports any failure of the call (not only a ClientError) as
    "deployed, but termination protection could not be turned on", with the command to finish the job.
    """
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="s", TemplateBody=body(TOPIC_TEMPLATE))
    with pytest.raises(ResponseParserError, match="500 Internal Server Error"):
        cf.update_termination_protection(StackName="s", EnableTerminationProtection=True)
    assert stack(cf, "s")["EnableTerminationProtection"] is False


# --- resources: what is created, skipped or ignored ----------------------------------------------------------

SUBSCRIPTION_AND_POLICY: dict[str, Any] = {
    "Resources": {
        "Role": ROLE,
        "Fn": FUNCTION,
        "Topic": {"Type": "AWS::SNS::Topic"},
        "Subscription": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {"TopicArn": {"Ref": "Topic"}, "Protocol": "lambda", "Endpoint": FUNCTION_ARN},
        },
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "probe-bucket"}},
        "BucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "Bucket"},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": "arn:aws:s3:::probe-bucket/*",
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ],
                },
            },
        },
    },
}


def test_unsupported_resource_types_are_listed_without_ids(moto_reset: Any) -> None:
    """moto: AWS::SNS::Subscription and AWS::S3::BucketPolicy are not supported: skipped with a warning in the
    server log ("No Moto CloudFormation support for ..."), the stack still completes, and ListStackResources
    lists each as an entry whose LogicalResourceId, ResourceType and PhysicalResourceId are empty strings.
    AWS creates both.

    Workarounds: deploy/engine.py `outputs` (and every reader of stack_resources) skips entries without ids;
    the background emulator (cfngen/project_emulator.py) quiets moto's logger so its log is not full of them.
    """
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="push", TemplateBody=body(SUBSCRIPTION_AND_POLICY))
    assert stack(cf, "push")["StackStatus"] == "CREATE_COMPLETE"
    resources = cf.list_stack_resources(StackName="push")["StackResourceSummaries"]
    assert sorted(r["LogicalResourceId"] for r in resources) == ["", "", "Bucket", "Fn", "Role", "Topic"]
    skipped = [r for r in resources if not r["LogicalResourceId"]]
    assert [(r["ResourceType"], r["PhysicalResourceId"]) for r in skipped] == [("", "")] * 2
    assert moto_reset.client("sns").list_subscriptions()["Subscriptions"] == []


def test_event_invoke_config_is_skipped_like_other_unsupported_types(moto_reset: Any) -> None:
    """moto: AWS::Lambda::EventInvokeConfig (cfngen's `on_failure=`) has no CloudFormation support: skipped like
    the types above, the stack still completes, and Lambda holds no event invoke config. AWS creates it.

    Workaround: none needed (readers skip entries without ids); failure destinations are covered by the golden
    and lint tests only (docs/ARCHITECTURE.md, known limits).
    """
    cf = moto_reset.client("cloudformation")
    config = {
        "Type": "AWS::Lambda::EventInvokeConfig",
        "Properties": {
            "FunctionName": {"Ref": "Fn"},
            "Qualifier": "$LATEST",
            "DestinationConfig": {"OnFailure": {"Destination": {"Ref": "Topic"}}},
        },
    }
    template = {"Resources": {"Role": ROLE, "Fn": FUNCTION, "Topic": {"Type": "AWS::SNS::Topic"}, "Config": config}}
    cf.create_stack(StackName="dest", TemplateBody=body(template))
    assert stack(cf, "dest")["StackStatus"] == "CREATE_COMPLETE"
    resources = cf.list_stack_resources(StackName="dest")["StackResourceSummaries"]
    assert sorted(r["LogicalResourceId"] for r in resources) == ["", "Fn", "Role", "Topic"]
    function = next(r["PhysicalResourceId"] for r in resources if r["LogicalResourceId"] == "Fn")
    configs = moto_reset.client("lambda").list_function_event_invoke_configs(FunctionName=function)
    assert configs["FunctionEventInvokeConfigs"] == []


def test_lambda_permission_has_no_physical_id(moto_reset: Any) -> None:
    """moto: an AWS::Lambda::Permission is created (it is in the function's policy) but ListStackResources gives
    it an empty PhysicalResourceId, and its Ref is a Python repr. AWS gives it an id.

    Workaround: deploy/status.py reports a permission as present from its ResourceStatus, not its id;
    deploy/engine.py `outputs` leaves resources without an id out.
    """
    cf = moto_reset.client("cloudformation")
    template = {
        "Resources": {
            "Role": ROLE,
            "Fn": FUNCTION,
            "Topic": {"Type": "AWS::SNS::Topic"},
            "Permission": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "FunctionName": FUNCTION_ARN,
                    "Action": "lambda:InvokeFunction",
                    "Principal": "sns.amazonaws.com",
                    "SourceArn": {"Ref": "Topic"},
                },
            },
        },
        "Outputs": {"PermissionRef": {"Value": {"Ref": "Permission"}}},
    }
    cf.create_stack(StackName="perm", TemplateBody=body(template))
    resources = {r["LogicalResourceId"]: r for r in cf.list_stack_resources(StackName="perm")["StackResourceSummaries"]}
    assert (resources["Permission"]["PhysicalResourceId"], resources["Permission"]["ResourceStatus"]) == (
        "",
        "CREATE_COMPLETE",
    )
    assert outputs(cf, "perm")["PermissionRef"].startswith("<moto.awslambda.models.Permission object")  # type: ignore[index]
    policy = json.loads(moto_reset.client("lambda").get_policy(FunctionName="probe-fn")["Policy"])
    assert [s["Principal"]["Service"] for s in policy["Statement"]] == ["sns.amazonaws.com"]


# --- Lambda versions and aliases (cfngen's alias=): cfngen/local_models.py teaches the embedded emulator ----------

VERSION: dict[str, Any] = {
    "Type": "AWS::Lambda::Version",
    "Properties": {"FunctionName": {"Ref": "Fn"}, "CodeSha256": {"Ref": "CodeSha256"}},
}


def version_template(**outputs: Any) -> dict[str, Any]:
    """Function + a Version whose CodeSha256 is a parameter, as cfngen/builders/function.py emits for alias=."""
    return {
        "Parameters": {"CodeSha256": {"Type": "String"}},
        "Resources": {"Role": ROLE, "Fn": FUNCTION, "Version": VERSION},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }


def code_sha256(value: str = "any") -> list[dict[str, str]]:
    """The CodeSha256 parameter (moto checks no value: test_lambda_version_code_sha256_is_not_checked)."""
    return [{"ParameterKey": "CodeSha256", "ParameterValue": value}]


def test_lambda_alias_is_skipped_like_other_unsupported_types(moto_reset: Any) -> None:
    """moto: AWS::Lambda::Alias has no CloudFormation support: skipped like the types above, the stack still
    completes and the function has no alias, so a mapping, permission or target naming the alias cannot find it.
    AWS creates it.

    Workaround: the embedded emulator registers its own AWS::Lambda::Alias model (cfngen/local_models.py), so
    `--local` deploys aliases; a plain moto server still deploys every stack without one.
    """
    cf = moto_reset.client("cloudformation")
    alias = {
        "Type": "AWS::Lambda::Alias",
        "Properties": {"FunctionName": {"Ref": "Fn"}, "FunctionVersion": "$LATEST", "Name": "live"},
    }
    cf.create_stack(StackName="alias", TemplateBody=body({"Resources": {"Role": ROLE, "Fn": FUNCTION, "Alias": alias}}))
    assert stack(cf, "alias")["StackStatus"] == "CREATE_COMPLETE"
    resources = cf.list_stack_resources(StackName="alias")["StackResourceSummaries"]
    assert sorted(r["LogicalResourceId"] for r in resources) == ["", "Fn", "Role"]
    assert moto_reset.client("lambda").list_aliases(FunctionName="probe-fn")["Aliases"] == []


def test_lambda_version_ref_is_its_logical_id(moto_reset: Any) -> None:
    """moto: an AWS::Lambda::Version publishes a version, but its Ref is the resource's logical id ("Version"),
    not the version's ARN, and ListStackResources gives it no PhysicalResourceId. AWS: Ref is the version's ARN.

    Workaround: cfngen/local_models.py's Version model (Ref: the version's ARN, GetAtt Version: its number).
    """
    cf = moto_reset.client("cloudformation")
    template = version_template(Ref={"Ref": "Version"})
    cf.create_stack(StackName="ver", TemplateBody=body(template), Parameters=code_sha256())
    assert outputs(cf, "ver") == {"Ref": "Version"}
    versions = moto_reset.client("lambda").list_versions_by_function(FunctionName="probe-fn")["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1"]


def test_lambda_version_code_sha256_is_not_checked(moto_reset: Any) -> None:
    """moto: a Version's CodeSha256 is not compared with the function's code: any value publishes. AWS refuses
    a CodeSha256 that is not $LATEST's (base64 of the zip's SHA-256), so a wrong hash fails the deploy.

    Workaround: cfngen/local_models.py's Version model checks it, as Lambda does, so `--local` catches a
    deploy that passes the wrong hash (deploy/pipeline.py fills <Fn>CodeSha256 from the zip).
    """
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="ver", TemplateBody=body(version_template()), Parameters=code_sha256())
    assert stack(cf, "ver")["StackStatus"] == "CREATE_COMPLETE"


def test_lambda_version_update_drops_it_from_the_stack(moto_reset: Any) -> None:
    """moto: an update that changes a Version's CodeSha256 (AWS: replacement, a new version published) finds no
    update for the type: the stack completes, and the stack lists the Version no more.

    Workaround: cfngen/local_models.py's Version model publishes a new version on update and moves the
    function's aliases on the old one to it (CloudFormation updates an alias whose version was replaced).
    """
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="ver", TemplateBody=body(version_template()), Parameters=code_sha256())
    cf.update_stack(StackName="ver", UsePreviousTemplate=True, Parameters=code_sha256("new"))
    assert stack(cf, "ver")["StackStatus"] == "UPDATE_COMPLETE"
    listed = cf.list_stack_resources(StackName="ver")["StackResourceSummaries"]
    assert "Version" not in [r["LogicalResourceId"] for r in listed]


def test_fn_sub_resolves_pseudo_parameters(moto_reset: Any) -> None:
    """moto, as AWS: Fn::Sub resolves ${AWS::AccountId}, ${AWS::Region} and ${AWS::Partition}.

    Depends on it: the deterministic bucket names (builders: `<stack>-<bucket>-<account>-<region>`;
    deploy/bootstrap.py `cfngen-artifacts-<account>-<region>`) come out as cfngen predicts them on moto.
    """
    cf = moto_reset.client("cloudformation")
    name = {"Fn::Sub": "probe-${AWS::AccountId}-${AWS::Region}-${AWS::Partition}"}
    template = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": name}}}}
    cf.create_stack(StackName="sub", TemplateBody=body(template))
    moto_reset.client("s3").head_bucket(Bucket=f"probe-{FAKE_ACCOUNT_ID}-{REGION}-aws")


def test_bucket_notification_configuration_is_ignored(moto_reset: Any) -> None:
    """moto: an S3 bucket's NotificationConfiguration is dropped (the bucket is created without it). AWS
    configures the notification.

    Depends on it: S3 push wiring cannot be checked on moto; the golden templates check it.
    """
    cf = moto_reset.client("cloudformation")
    notification = {
        "LambdaConfigurations": [{"Event": "s3:ObjectCreated:*", "Function": FUNCTION_ARN}],
    }
    template = {
        "Resources": {
            "Role": ROLE,
            "Fn": FUNCTION,
            "Bucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {"BucketName": "probe-bucket", "NotificationConfiguration": notification},
            },
        }
    }
    cf.create_stack(StackName="s3", TemplateBody=body(template))
    configuration = moto_reset.client("s3").get_bucket_notification_configuration(Bucket="probe-bucket")
    assert "LambdaFunctionConfigurations" not in configuration


def test_bucket_public_access_block_is_ignored(moto_reset: Any) -> None:
    """moto: an S3 bucket's PublicAccessBlockConfiguration is dropped. AWS applies it.

    Depends on it: the hardened-bucket properties (builders/buckets.py, used by the bootstrap bucket too)
    cannot be checked on moto; the golden templates check them.
    """
    cf = moto_reset.client("cloudformation")
    block = {k: True for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")}
    template = {
        "Resources": {
            "Bucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {"BucketName": "probe-bucket", "PublicAccessBlockConfiguration": block},
            }
        }
    }
    cf.create_stack(StackName="s3", TemplateBody=body(template))
    with pytest.raises(ClientError) as exc_info:
        moto_reset.client("s3").get_public_access_block(Bucket="probe-bucket")
    assert error_of(exc_info)[0] == "NoSuchPublicAccessBlockConfiguration"


def test_bucket_versioning_and_lifecycle_are_ignored(moto_reset: Any) -> None:
    """moto: an S3 bucket's VersioningConfiguration and LifecycleConfiguration are dropped (versioning never
    enabled, no lifecycle rules). AWS applies both.

    Depends on it: the bootstrap bucket's versioning and expiry (deploy/bootstrap.py) cannot be checked on
    moto; tests/unit/test_artifacts_stubbed.py checks the template. On moto a deleted bootstrap bucket
    therefore empties with plain DeleteObject calls (AWS needs every version deleted first).
    """
    cf = moto_reset.client("cloudformation")
    rule = {
        "Id": "Expire",
        "Status": "Enabled",
        "ExpirationInDays": 3,
        "NoncurrentVersionExpiration": {"NoncurrentDays": 3},
    }
    properties = {
        "BucketName": "probe-bucket",
        "VersioningConfiguration": {"Status": "Enabled"},
        "LifecycleConfiguration": {"Rules": [rule]},
    }
    cf.create_stack(
        StackName="s3",
        TemplateBody=body({"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": properties}}}),
    )
    s3 = moto_reset.client("s3")
    assert "Status" not in s3.get_bucket_versioning(Bucket="probe-bucket")
    with pytest.raises(ClientError) as exc_info:
        s3.get_bucket_lifecycle_configuration(Bucket="probe-bucket")
    assert error_of(exc_info)[0] == "NoSuchLifecycleConfiguration"


def test_update_change_set_tags_are_dropped(moto_reset: Any) -> None:
    """moto: a stack keeps the tags of the change set that created it; an UPDATE change set's Tags are
    dropped. AWS applies the tags of every change set it executes.

    Depends on it: deploy/bootstrap.py marks its stack with a `cfngen:bootstrap` tag and reads the mark from
    the template's Metadata when the tag is missing; on moto a bootstrap stack updated from version 1 keeps
    no tag, so each later run reads its template (one GetTemplate).
    """
    cf = moto_reset.client("cloudformation")
    change_set_by_create(cf, "tagged", TOPIC_TEMPLATE, Tags=[{"Key": "k", "Value": "1"}])
    assert stack(cf, "tagged")["Tags"] == [{"Key": "k", "Value": "1"}]
    cf.create_change_set(
        StackName="tagged",
        ChangeSetName="update",
        ChangeSetType="UPDATE",
        TemplateBody=body(TOPIC_TEMPLATE),
        Parameters=env("b"),
        Tags=[{"Key": "k", "Value": "2"}],
    )
    cf.execute_change_set(StackName="tagged", ChangeSetName="update")
    assert stack(cf, "tagged")["Parameters"] == env("b")
    assert stack(cf, "tagged")["Tags"] == [{"Key": "k", "Value": "1"}]


def test_object_put_without_a_checksum_has_no_sha256(moto_reset: Any) -> None:
    """moto, as AWS: HeadObject with ChecksumMode=ENABLED returns the ChecksumSHA256 an object was put with,
    and none for an object put without one (boto3 then sends its default CRC32). moto does not check a
    checksum sent with the body; AWS refuses a wrong one (BadDigest).

    Depends on it: deploy/artifacts.py skips an upload only when the stored SHA-256 is ours, so the
    integration tests can overwrite an artifact behind cfngen's back and see it replaced.
    """
    s3 = moto_reset.client("s3")
    s3.create_bucket(Bucket="probe-bucket")
    sha = base64.b64encode(hashlib.sha256(b"ours").digest()).decode()
    s3.put_object(Bucket="probe-bucket", Key="k", Body=b"ours", ChecksumAlgorithm="SHA256", ChecksumSHA256=sha)
    assert s3.head_object(Bucket="probe-bucket", Key="k", ChecksumMode="ENABLED")["ChecksumSHA256"] == sha
    s3.put_object(Bucket="probe-bucket", Key="k", Body=b"theirs")
    assert "ChecksumSHA256" not in s3.head_object(Bucket="probe-bucket", Key="k", ChecksumMode="ENABLED")


def test_delete_stack_keeps_retained_resources_and_ignores_termination_protection(moto_reset: Any) -> None:
    """moto: DeleteStack keeps a resource with DeletionPolicy Retain (as AWS), and tolerates one already
    deleted behind its back; it reports EnableTerminationProtection set through CreateStack but deletes the
    stack anyway (AWS refuses).

    Depends on it: deploy/bootstrap.py restores a deleted artifact bucket by deleting and re-creating its
    stack; cfngen's delete checks termination protection itself (deploy/engine.py), so the integration test
    of a restore that cannot happen uses a protected stack.
    """
    cf, s3 = moto_reset.client("cloudformation"), moto_reset.client("s3")
    kept = {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "Properties": {"BucketName": "probe-kept"}}
    gone = {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "Properties": {"BucketName": "probe-gone"}}
    cf.create_stack(
        StackName="retain",
        TemplateBody=body({"Resources": {"Kept": kept, "Gone": gone}}),
        EnableTerminationProtection=True,
    )
    assert stack(cf, "retain")["EnableTerminationProtection"] is True
    s3.delete_bucket(Bucket="probe-gone")
    cf.delete_stack(StackName="retain")
    with pytest.raises(ClientError):
        cf.describe_stacks(StackName="retain")
    s3.head_bucket(Bucket="probe-kept")


def test_lambda_logging_config_is_ignored(moto_reset: Any) -> None:
    """moto: a function's LoggingConfig is dropped (GetFunctionConfiguration has none), though the log group it
    names is created. AWS sends the function's logs to that group.

    Depends on it: the explicit log group wiring cannot be checked on moto; the golden templates check it.
    """
    cf = moto_reset.client("cloudformation")
    template = {
        "Resources": {
            "Role": ROLE,
            "LogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/aws/lambda/probe-fn"}},
            "Fn": {
                **FUNCTION,
                "Properties": {**FUNCTION["Properties"], "LoggingConfig": {"LogGroup": {"Ref": "LogGroup"}}},
            },
        }
    }
    cf.create_stack(StackName="logs", TemplateBody=body(template))
    assert "LoggingConfig" not in moto_reset.client("lambda").get_function_configuration(FunctionName="probe-fn")


def test_kinesis_stream_encryption_is_ignored(moto_reset: Any) -> None:
    """moto: a Kinesis stream's StreamEncryption is dropped (EncryptionType NONE). AWS encrypts the stream.

    Depends on it: `encrypted` streams cannot be checked on moto; the golden templates check them.
    """
    cf = moto_reset.client("cloudformation")
    encryption = {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"}
    template = {
        "Resources": {
            "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1, "StreamEncryption": encryption}}
        }
    }
    cf.create_stack(StackName="kinesis", TemplateBody=body(template))
    physical = cf.describe_stack_resource(StackName="kinesis", LogicalResourceId="Stream")["StackResourceDetail"]
    summary = moto_reset.client("kinesis").describe_stream_summary(StreamName=physical["PhysicalResourceId"])
    assert summary["StreamDescriptionSummary"]["EncryptionType"] == "NONE"


TABLE: dict[str, Any] = {
    "Type": "AWS::DynamoDB::Table",
    "Properties": {
        "TableName": "probe-table",
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
        "SSESpecification": {"SSEEnabled": True},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
    },
}


def test_dynamodb_sse_specification_is_ignored(moto_reset: Any) -> None:
    """moto: a table's SSESpecification is dropped (DescribeTable has no SSEDescription). AWS uses a KMS key.

    Depends on it: table encryption cannot be checked on moto; the golden templates check it.
    """
    moto_reset.client("cloudformation").create_stack(StackName="t", TemplateBody=body({"Resources": {"T": TABLE}}))
    assert "SSEDescription" not in moto_reset.client("dynamodb").describe_table(TableName="probe-table")["Table"]


def test_dynamodb_point_in_time_recovery_is_ignored(moto_reset: Any) -> None:
    """moto: a table's PointInTimeRecoverySpecification is dropped (PITR DISABLED). AWS turns PITR on.

    Depends on it: point-in-time recovery cannot be checked on moto; the golden templates check it.
    """
    moto_reset.client("cloudformation").create_stack(StackName="t", TemplateBody=body({"Resources": {"T": TABLE}}))
    backups = moto_reset.client("dynamodb").describe_continuous_backups(TableName="probe-table")
    assert backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == (
        "DISABLED"
    )


# --- failures moto does not report as AWS does ---------------------------------------------------------------


def s3_code_template(bucket: str) -> dict[str, Any]:
    properties = {**FUNCTION["Properties"], "Code": {"S3Bucket": bucket, "S3Key": "missing.zip"}}
    return {"Resources": {"Role": ROLE, "Fn": {**FUNCTION, "Properties": properties}}}


def test_missing_code_key_is_not_noticed(moto_reset: Any) -> None:
    """moto: a function whose code key does not exist in an existing bucket is created (CREATE_COMPLETE). AWS
    fails the resource (CREATE_FAILED) and rolls back.

    Depends on it: a deploy that uploads code to the wrong key cannot fail on moto; the artifact tests check
    keys directly.
    """
    cf = moto_reset.client("cloudformation")
    moto_reset.client("s3").create_bucket(Bucket="artifacts")
    cf.create_stack(StackName="key", TemplateBody=body(s3_code_template("artifacts")))
    assert stack(cf, "key")["StackStatus"] == "CREATE_COMPLETE"


def test_a_change_set_does_not_read_the_code_it_names(moto_reset: Any) -> None:
    """moto, as AWS: CreateChangeSet accepts a function whose code bucket and key do not exist (CREATE and
    UPDATE), and lists its rows; the code is read only when the change set executes.

    Depends on it: a preview (deploy --dry-run, diff) creates its change set with the key the zip would get
    and uploads nothing, not even the bootstrap bucket (deploy/pipeline.py `preview_bucket`).
    """
    cf = moto_reset.client("cloudformation")
    cf.create_change_set(
        StackName="p", ChangeSetName="c", ChangeSetType="CREATE", TemplateBody=body(s3_code_template("no-such-bucket"))
    )
    described = cf.describe_change_set(StackName="p", ChangeSetName="c")
    assert described["Status"] == "CREATE_COMPLETE"
    assert {c["ResourceChange"]["LogicalResourceId"] for c in described["Changes"]} == {"Role", "Fn"}
    moto_reset.client("s3").create_bucket(Bucket="artifacts")
    cf.create_stack(StackName="u", TemplateBody=body(s3_code_template("artifacts")))
    template = s3_code_template("artifacts")
    template["Resources"]["Fn"]["Properties"]["Code"]["S3Key"] = "also-missing.zip"
    cf.create_change_set(StackName="u", ChangeSetName="c", ChangeSetType="UPDATE", TemplateBody=body(template))
    assert cf.describe_change_set(StackName="u", ChangeSetName="c")["Status"] == "CREATE_COMPLETE"


def test_execute_change_set_with_a_failing_resource_raises_an_unparseable_error(moto_reset: Any) -> None:
    """moto: when a resource fails during ExecuteChangeSet (here: the code bucket does not exist), moto answers
    with Lambda's JSON error body on CloudFormation's XML protocol, which botocore raises as
    ResponseParserError ("... S3 Error Code: NoSuchBucket ..."). AWS accepts the call and reports the failure
    in events (CREATE_FAILED, then a rollback).

    Depends on it: on the emulator such a deploy fails with that error instead of a failed-resource report;
    the report (deploy/engine.py `_execute`, events.py `first_failure`) is tested with the Stubber. The CLI
    prints the body's type and message instead of the parser's complaint (cfngen.deploy.unparsable.py).
    """
    cf = moto_reset.client("cloudformation")
    cf.create_change_set(
        StackName="b", ChangeSetName="c", ChangeSetType="CREATE", TemplateBody=body(s3_code_template("no-such-bucket"))
    )
    with pytest.raises(ResponseParserError, match="S3 Error Code: NoSuchBucket"):
        cf.execute_change_set(StackName="b", ChangeSetName="c")


def test_change_set_create_failed_that_way_stays_review_in_progress(moto_reset: Any) -> None:
    """moto: after that failed ExecuteChangeSet the stack is still REVIEW_IN_PROGRESS (nothing rolls back). AWS
    ends in ROLLBACK_COMPLETE.

    Depends on it: deploy/plan.py treats REVIEW_IN_PROGRESS as never created (RECREATE), so the next deploy
    on the emulator starts over.
    """
    cf = moto_reset.client("cloudformation")
    cf.create_change_set(
        StackName="b", ChangeSetName="c", ChangeSetType="CREATE", TemplateBody=body(s3_code_template("no-such-bucket"))
    )
    with pytest.raises(ResponseParserError):
        cf.execute_change_set(StackName="b", ChangeSetName="c")
    assert stack(cf, "b")["StackStatus"] == "REVIEW_IN_PROGRESS"


def test_create_stack_with_a_failing_resource_stays_create_in_progress(moto_reset: Any) -> None:
    """moto: CreateStack with a failing resource raises the same ResponseParserError and leaves the stack
    CREATE_IN_PROGRESS for ever. AWS fails the resource and ends in ROLLBACK_COMPLETE.

    Depends on it: cfngen/cli/ship.py LOCAL_TIMEOUT: waiting on the emulator needs a deadline, because a
    stack in progress there never settles.
    """
    cf = moto_reset.client("cloudformation")
    with pytest.raises(ResponseParserError, match="S3 Error Code: NoSuchBucket"):
        cf.create_stack(StackName="bucket", TemplateBody=body(s3_code_template("no-such-bucket")))
    assert stack(cf, "bucket")["StackStatus"] == "CREATE_IN_PROGRESS"


def test_stuck_stack_with_outputs_on_the_broken_resource_cannot_be_described(moto_reset: Any) -> None:
    """moto: for a stack stuck that way whose Outputs Ref the failing resource, DescribeStacks retries the
    resource and raises the same ResponseParserError. AWS describes any stack.

    Depends on it: deploy/awserrors.py `is_stack_missing` looks at the error code only, so this
    unparseable answer is never read as "the stack does not exist" (which would make deploy create it again).
    """
    cf = moto_reset.client("cloudformation")
    missing_stream = esm_template(ENABLED_IF)
    del missing_stream["Resources"]["Stream"]
    stream_arn = f"arn:aws:kinesis:{REGION}:{FAKE_ACCOUNT_ID}:stream/nope"
    missing_stream["Resources"]["Mapping"]["Properties"]["EventSourceArn"] = stream_arn
    with pytest.raises(ResponseParserError, match="Invalid EventSourceArn"):
        cf.create_stack(StackName="esm", TemplateBody=body(missing_stream), Parameters=enabled("false"))
    with pytest.raises(ResponseParserError, match="Invalid EventSourceArn"):
        cf.describe_stacks(StackName="esm")


# --- TemplateURL ---------------------------------------------------------------------------------------------


@pytest.fixture
def template_in_s3(moto_reset: Any) -> str:
    """TOPIC_TEMPLATE stored at s3://artifacts/templates/t.json on the moto server; returns the key's path."""
    s3 = moto_reset.client("s3")
    s3.create_bucket(Bucket="artifacts")
    s3.put_object(Bucket="artifacts", Key="templates/t.json", Body=body(TOPIC_TEMPLATE).encode())
    return "artifacts/templates/t.json"


def test_template_url_on_a_localhost_endpoint_is_read_path_style(moto_reset: Any, template_in_s3: str) -> None:
    """moto: a TemplateURL http://localhost:<port>/<bucket>/<key> is read from moto's own S3, path-style.
    (AWS accepts only S3 URLs.)

    Depends on it: deploy/artifacts.py `upload_template` builds the URL path-style on the client's endpoint.
    """
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="url", TemplateURL=f"{moto_reset.endpoint_url}/{template_in_s3}")
    assert outputs(cf, "url") == {"TopicArn": TOPIC_ARN, "EnvOut": "a"}


def test_template_url_on_127_0_0_1_is_read_virtual_host_style(moto_reset: Any, template_in_s3: str) -> None:
    """moto: on a host that is not "localhost", such as 127.0.0.1, moto reads the URL virtual-host style
    (bucket "127") and fails with NoSuchBucket.

    Workaround: cfngen/local.py advertises the emulator as http://localhost:<port> although it binds 127.0.0.1
    (and tests/moto_fixtures.py does the same).
    """
    cf = moto_reset.client("cloudformation")
    port = moto_reset.endpoint_url.rsplit(":", 1)[1]
    with pytest.raises(ClientError) as exc_info:
        cf.create_stack(StackName="ip", TemplateURL=f"http://127.0.0.1:{port}/{template_in_s3}")
    assert error_of(exc_info) == ("NoSuchBucket", "The specified bucket does not exist")


@pytest.mark.parametrize(
    "url",
    [
        f"https://artifacts.s3.{REGION}.amazonaws.com/templates/t.json",
        "https://s3.amazonaws.com/artifacts/templates/t.json",
    ],
    ids=["virtual-host", "path"],
)
def test_template_url_in_an_aws_form_is_read_from_moto_s3(moto_reset: Any, template_in_s3: str, url: str) -> None:
    """moto, as AWS: a TemplateURL in AWS's own forms is read (from moto's S3).

    Depends on it: nothing yet; it means deploy/artifacts.py could send the AWS virtual-host URL on the
    emulator too, instead of one built from the endpoint.
    """
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="aws-url", TemplateURL=url)
    assert outputs(cf, "aws-url") == {"TopicArn": TOPIC_ARN, "EnvOut": "a"}


# --- Lambda Invoke with docker off ---------------------------------------------------------------------------


def _code_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    raise Exception('never runs')\n")
    return buffer.getvalue()


@pytest.fixture
def function_name(moto_reset: Any) -> str:
    """A deployed function whose code would raise if it ran: moto never runs it."""
    s3 = moto_reset.client("s3")
    s3.create_bucket(Bucket="artifacts")
    s3.put_object(Bucket="artifacts", Key="code/abc.zip", Body=_code_zip())
    properties = {
        **FUNCTION["Properties"],
        "Handler": "app.handler",
        "Code": {"S3Bucket": "artifacts", "S3Key": "code/abc.zip"},
    }
    template = {"Resources": {"Role": ROLE, "Fn": {**FUNCTION, "Properties": properties}}}
    moto_reset.client("cloudformation").create_stack(StackName="fn", TemplateBody=body(template))
    return str(FUNCTION["Properties"]["FunctionName"])


def invoke(moto: Any, function: str, **request: Any) -> tuple[dict[str, Any], bytes]:
    response = moto.client("lambda").invoke(FunctionName=function, **request)
    payload = response.pop("Payload").read()
    response.pop("ResponseMetadata")
    return response, payload


def test_invoke_echoes_the_payload(moto_reset: Any, function_name: str) -> None:
    """moto: with docker off the code never runs; Invoke answers StatusCode 200 with the request's payload. AWS
    runs the code.

    Depends on it: the integration tests of `cfngen invoke` and `deploy --smoke-test` expect their own
    payload back.
    """
    assert invoke(moto_reset, function_name, Payload=b'{"hello": "world"}') == (
        {"StatusCode": 200},
        b'{"hello": "world"}',
    )


def test_invoke_never_reports_a_function_error_or_a_log_tail(moto_reset: Any, function_name: str) -> None:
    """moto: no FunctionError (the code would raise) and no LogResult, even with LogType=Tail. AWS reports both.

    Depends on it: function errors and `--logs` (deploy/report.py `invoke_and_check`) are tested with the
    Stubber only.
    """
    assert invoke(moto_reset, function_name, Payload=b"{}", LogType="Tail") == ({"StatusCode": 200}, b"{}")


@pytest.mark.parametrize(
    ("invocation_type", "expected"), [("Event", ({"StatusCode": 202}, b"{}")), ("DryRun", ({"StatusCode": 204}, b""))]
)
def test_invoke_status_code_follows_the_invocation_type(
    moto_reset: Any, function_name: str, invocation_type: str, expected: tuple[dict[str, Any], bytes]
) -> None:
    """moto, as AWS: Event answers 202 and DryRun 204 (with an empty payload).

    Depends on it: `cfngen invoke --type` on the emulator prints the status AWS would.
    """
    assert invoke(moto_reset, function_name, Payload=b"{}", InvocationType=invocation_type) == expected


def test_invoke_answers_for_a_function_that_does_not_exist(moto_reset: Any) -> None:
    """moto: Invoke does not look the function up: an unknown name answers 200 with the payload. AWS raises
    ResourceNotFoundException.

    Depends on it: cfngen resolves a function from the stack's resources before invoking
    (deploy/operate.py `resolve_function`), so an unknown name fails there, on moto as on AWS.
    """
    assert invoke(moto_reset, "no-such-function", Payload=b"{}") == ({"StatusCode": 200}, b"{}")


def test_queued_lambda_responses_replace_the_echo_once_each(moto_reset: Any, function_name: str) -> None:
    """moto: POST /moto-api/static/lambda-simple/response {"results": [...]} queues payloads that the next
    invocations return instead of the echo, one each. (No AWS equivalent: a test hook.)

    Depends on it: a test that needs a given response (not an echo) from a function on moto can queue one.
    """
    moto_reset.moto_api("static/lambda-simple/response", {"results": ['{"queued": true}'], "region": REGION})
    assert invoke(moto_reset, function_name, Payload=b"{}") == ({"StatusCode": 200}, b'{"queued": true}')
    assert invoke(moto_reset, function_name, Payload=b"{}") == ({"StatusCode": 200}, b"{}")


# The UUID head of the stack id, as a generated bucket name's Fn::Sub variable computes it.
_UUID = {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}
STACK_ID_HEAD = {"Fn::Select": [0, {"Fn::Split": ["-", _UUID]}]}


def test_moto_resolves_select_and_split_on_the_stack_id(moto_reset: Any) -> None:
    """moto resolves Fn::Select/Fn::Split on AWS::StackId inside Fn::Sub's variable map, as AWS does:
    generated bucket names rest on it (builders/sources.py)."""
    template = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {
            "Head": {"Value": STACK_ID_HEAD},
            "Name": {"Value": {"Fn::Sub": ["p-${Head}-${AWS::AccountId}-${AWS::Region}", {"Head": STACK_ID_HEAD}]}},
        },
    }
    cf = moto_reset.client("cloudformation")
    stack_id = cf.create_stack(StackName="probe", TemplateBody=json.dumps(template))["StackId"]
    found = {o["OutputKey"]: o["OutputValue"] for o in cf.describe_stacks(StackName="probe")["Stacks"][0]["Outputs"]}
    assert re.fullmatch(r"[0-9a-f]{8}", found["Head"]) and found["Head"] == stack_id.rsplit("/", 1)[1][:8]
    assert found["Name"] == f"p-{found['Head']}-{FAKE_ACCOUNT_ID}-{moto_reset.region}"


# --- SQS queues and EventBridge rules --------------------------------------------------------------------------

QUEUE: dict[str, Any] = {"Type": "AWS::SQS::Queue", "Properties": {"SqsManagedSseEnabled": True}}


def test_queue_policy_is_skipped_like_other_unsupported_types(moto_reset: Any) -> None:
    """moto: AWS::SQS::QueuePolicy (cfngen's TLS-only queue policy) has no CloudFormation support: skipped, listed
    without ids, the stack completes. AWS creates it.

    Workaround: none needed (readers skip entries without ids); the policy is checked by the golden tests only.
    """
    cf = moto_reset.client("cloudformation")
    policy = {
        "Type": "AWS::SQS::QueuePolicy",
        "Properties": {
            "Queues": [{"Ref": "Queue"}],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "sqs:*",
                        "Resource": {"Fn::GetAtt": ["Queue", "Arn"]},
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            },
        },
    }
    cf.create_stack(StackName="qp", TemplateBody=body({"Resources": {"Queue": QUEUE, "Policy": policy}}))
    assert stack(cf, "qp")["StackStatus"] == "CREATE_COMPLETE"
    resources = cf.list_stack_resources(StackName="qp")["StackResourceSummaries"]
    assert sorted(r["LogicalResourceId"] for r in resources) == ["", "Queue"]


def test_fifo_queue_without_a_name_is_refused(moto_reset: Any) -> None:
    """moto: a FIFO queue without a QueueName is refused ("Queue name must end in .fifo"): moto generates a name
    without the suffix. AWS generates one ending in .fifo.

    Workaround: none in the templates (what AWS needs is emitted); the README says to give a FIFO queue a
    queue_name to deploy it on the emulator, and the examples do.
    """
    cf = moto_reset.client("cloudformation")
    fifo = {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": True}}
    with pytest.raises(ClientError) as exc_info:
        cf.create_stack(StackName="fifo", TemplateBody=body({"Resources": {"Queue": fifo}}))
    assert error_of(exc_info) == ("InvalidParameterValue", "Queue name must end in .fifo for FIFO queues")


def test_event_bus_ref_is_not_its_name(moto_reset: Any) -> None:
    """moto: Ref of an AWS::Events::EventBus is a Python repr, not the bus name, and the bus has no physical id;
    a rule whose EventBusName is that Ref crashes the request. AWS's Ref is the name. `Fn::GetAtt <Bus>.Name` is the
    name on both (and, unlike a DependsOn, orders the two in a change set too).

    Workaround: builders/rules.py `bus_name` names a created bus by GetAtt Name in the rule and the output.
    """
    cf = moto_reset.client("cloudformation")
    bus = {"Type": "AWS::Events::EventBus", "Properties": {"Name": "probe-bus"}}
    template: dict[str, Any] = {"Resources": {"Bus": bus}, "Outputs": {"Name": {"Value": {"Ref": "Bus"}}}}
    template["Outputs"]["ByGetAtt"] = {"Value": {"Fn::GetAtt": ["Bus", "Name"]}}
    cf.create_stack(StackName="bus", TemplateBody=body(template))
    assert outputs(cf, "bus")["Name"].startswith("<moto.events.models.EventBus object")  # type: ignore[index]
    assert outputs(cf, "bus")["ByGetAtt"] == "probe-bus"  # type: ignore[index]
    resources = cf.list_stack_resources(StackName="bus")["StackResourceSummaries"]
    assert [(r["LogicalResourceId"], r["PhysicalResourceId"]) for r in resources] == [("Bus", "")]
    rule = {"Type": "AWS::Events::Rule",
            "Properties": {"EventBusName": {"Ref": "Bus"}, "EventPattern": {"source": ["probe"]}}}  # fmt: skip
    with pytest.raises(ResponseParserError):  # an HTML 500 page
        cf.create_stack(StackName="bus-rule", TemplateBody=body({"Resources": {"Bus": bus, "Rule": rule}}))


def test_rule_state_follows_its_parameter_through_fn_if_and_metadata(moto_reset: Any) -> None:
    """moto, as AWS: a rule's State through Fn::If follows its parameter on a parameter-only update when the rule's
    Metadata refers to the parameter (moto then replaces the rule: a new name; AWS updates it in place).

    Depends on it: the rule switch in builders/rules.py (the same mechanism as the mappings' Enabled).
    """
    cf, events = moto_reset.client("cloudformation"), moto_reset.client("events")
    template = {
        "Parameters": {"Enabled": {"Type": "String", "Default": "false"}},
        "Conditions": {"IsEnabled": {"Fn::Equals": [{"Ref": "Enabled"}, "true"]}},
        "Resources": {
            "Rule": {
                "Type": "AWS::Events::Rule",
                "Metadata": {"cfngen:enabled": ENABLED_REF},
                "Properties": {
                    "ScheduleExpression": "rate(5 minutes)",
                    "State": {"Fn::If": ["IsEnabled", "ENABLED", "DISABLED"]},
                },
            }
        },
    }
    cf.create_stack(StackName="rule", TemplateBody=body(template))
    assert [r["State"] for r in events.list_rules()["Rules"]] == ["DISABLED"]
    cf.update_stack(StackName="rule", UsePreviousTemplate=True, Parameters=enabled("true"))
    assert [r["State"] for r in events.list_rules()["Rules"]] == ["ENABLED"]


def test_sqs_mapping_keeps_its_queue_options(moto_reset: Any) -> None:
    """moto, as AWS: an SQS mapping keeps BatchSize, MaximumBatchingWindowInSeconds, FunctionResponseTypes and
    ScalingConfig.

    Depends on it: tests/integration/test_sources.py reads them back from Lambda after a deploy.
    """
    cf, lam = moto_reset.client("cloudformation"), moto_reset.client("lambda")
    mapping = {
        "Type": "AWS::Lambda::EventSourceMapping",
        "Properties": {
            "FunctionName": {"Ref": "Fn"},
            "EventSourceArn": {"Fn::GetAtt": ["Queue", "Arn"]},
            "BatchSize": 20,
            "MaximumBatchingWindowInSeconds": 2,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "ScalingConfig": {"MaximumConcurrency": 5},
        },
    }
    template = {"Resources": {"Role": ROLE, "Fn": FUNCTION, "Queue": QUEUE, "Mapping": mapping}}
    cf.create_stack(StackName="sqs", TemplateBody=body(template))
    (found,) = lam.list_event_source_mappings()["EventSourceMappings"]
    assert (found["BatchSize"], found["MaximumBatchingWindowInSeconds"]) == (20, 2)
    assert found["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert found["ScalingConfig"] == {"MaximumConcurrency": 5}


def test_list_change_sets_lists_every_stacks_change_sets(moto_reset: Any) -> None:
    """moto: ListChangeSets ignores StackName and lists every stack's change sets, with their StackId, Status
    and ExecutionStatus (CREATE_COMPLETE/AVAILABLE until executed). AWS lists only the named stack's.

    Workaround: deploy/changeset.py `live` keeps only the summaries whose StackId is the stack's.
    """
    cf = moto_reset.client("cloudformation")
    for name in ("a", "b"):
        cf.create_change_set(
            StackName=name, ChangeSetName=f"cs-{name}", ChangeSetType="CREATE", TemplateBody=body(TOPIC_TEMPLATE)
        )
    summaries = cf.list_change_sets(StackName="a")["Summaries"]
    assert sorted(s["ChangeSetName"] for s in summaries) == ["cs-a", "cs-b"]
    a = next(s for s in summaries if s["ChangeSetName"] == "cs-a")
    assert a["StackId"] == cf.describe_stacks(StackName="a")["Stacks"][0]["StackId"]
    assert (a["Status"], a["ExecutionStatus"]) == ("CREATE_COMPLETE", "AVAILABLE")


def test_use_previous_value_for_a_parameter_left_at_its_default_fails(moto_reset: Any) -> None:
    """moto: UpdateStack with UsePreviousValue for a parameter that was never passed (left at its default)
    fails with an HTTP 500 (an HTML page botocore cannot parse), though DescribeStacks lists the parameter with
    its default value. AWS resolves it to the previous value. Sending the value DescribeStacks reports works
    on both.

    Workaround: deploy/operate.py `_keep` sends current values (UsePreviousValue only for NoEcho ones).
    """
    cf = moto_reset.client("cloudformation")
    template = {
        "Parameters": {"A": {"Type": "String", "Default": "x"}, "B": {"Type": "String", "Default": "y"}},
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": {"Ref": "B"}}}},
    }
    cf.create_stack(StackName="prev", TemplateBody=body(template))
    listed = {p["ParameterKey"]: p["ParameterValue"] for p in stack(cf, "prev")["Parameters"]}
    assert listed == {"A": "x", "B": "y"}
    with pytest.raises(ResponseParserError):
        cf.update_stack(
            StackName="prev",
            UsePreviousTemplate=True,
            Parameters=[{"ParameterKey": "A", "ParameterValue": "z"}, {"ParameterKey": "B", "UsePreviousValue": True}],
        )
    cf.update_stack(
        StackName="prev",
        UsePreviousTemplate=True,
        Parameters=[{"ParameterKey": "A", "ParameterValue": "z"}, {"ParameterKey": "B", "ParameterValue": "y"}],
    )
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack(cf, "prev")["Parameters"]} == {"A": "z", "B": "y"}


def test_bucket_eventbridge_configuration_is_stored_but_not_returned(moto_reset: Any) -> None:
    """moto: PutBucketNotificationConfiguration keeps the other configurations it is given, but
    GetBucketNotificationConfiguration never returns an EventBridgeConfiguration, even one just set. AWS returns
    it (an empty object) when the bucket sends its events to EventBridge.

    Depends on it: deploy/bucketevents.py reads a routed bucket (via="eventbridge") as off on the emulator, so
    `deploy` always says so (or turns it on again with --enable-bucket-eventbridge: the same merge) and `status`
    shows the route not live; the "on" answers are tested with the Stubber (tests/unit/test_bucketevents.py).
    """
    s3, sqs = moto_reset.client("s3"), moto_reset.client("sqs")
    s3.create_bucket(Bucket="probe-bucket")
    url = sqs.create_queue(QueueName="probe-queue")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queues = [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]
    s3.put_bucket_notification_configuration(
        Bucket="probe-bucket",
        NotificationConfiguration={"QueueConfigurations": queues, "EventBridgeConfiguration": {}},
    )
    read = s3.get_bucket_notification_configuration(Bucket="probe-bucket")
    assert [q["QueueArn"] for q in read["QueueConfigurations"]] == [arn]
    assert "EventBridgeConfiguration" not in read


# ------------------------------------------------------------------------------ stream consumers (issue 10)


def test_stream_consumer_is_skipped_like_other_unsupported_types(moto_reset: Any) -> None:
    """moto: AWS::Kinesis::StreamConsumer (cfngen's `enhanced_fan_out=True`) has no CloudFormation support: it is
    skipped and listed without an id, the stack completes, and Kinesis holds no consumer. AWS registers one.

    Workaround: the embedded emulator registers its own AWS::Kinesis::StreamConsumer model (cfngen/local_models.py),
    so `--local` deploys `enhanced_fan_out=True` (tests/integration/test_fan_out.py); a plain moto server still
    skips it.
    """
    cf = moto_reset.client("cloudformation")
    consumer = {
        "Type": "AWS::Kinesis::StreamConsumer",
        "Properties": {"ConsumerName": "probe-consumer", "StreamARN": {"Fn::GetAtt": ["Stream", "Arn"]}},
    }
    stream = {"Type": "AWS::Kinesis::Stream", "Properties": {"Name": "probe-efo", "ShardCount": 1}}
    cf.create_stack(StackName="efo", TemplateBody=body({"Resources": {"Stream": stream, "Consumer": consumer}}))
    assert stack(cf, "efo")["StackStatus"] == "CREATE_COMPLETE"
    resources = cf.list_stack_resources(StackName="efo")["StackResourceSummaries"]
    assert sorted(r["LogicalResourceId"] for r in resources) == ["", "Stream"]
    arn = moto_reset.client("kinesis").describe_stream_summary(StreamName="probe-efo")["StreamDescriptionSummary"]
    consumers = moto_reset.client("kinesis").list_stream_consumers(StreamARN=arn["StreamARN"])["Consumers"]
    assert consumers == []


def test_mapping_from_a_consumer_arn_is_refused(moto_reset: Any) -> None:
    """moto: Lambda's CreateEventSourceMapping matches EventSourceArn against streams, tables and queues only, so a
    registered consumer's ARN (what `KinesisStream.from_arn(<consumer ARN>)` maps from) is refused with
    ResourceNotFoundException "Invalid EventSourceArn". AWS reads the stream through the consumer.

    Workaround: the embedded emulator wraps moto's LambdaBackend.create_event_source_mapping so a registered
    consumer's ARN is looked up as its stream (cfngen/local_models.py; tests/integration/test_fan_out.py); a plain
    moto server still refuses it.
    """
    kinesis = moto_reset.client("kinesis")
    kinesis.create_stream(StreamName="probe-consumed", ShardCount=1)
    stream_arn = kinesis.describe_stream_summary(StreamName="probe-consumed")["StreamDescriptionSummary"]["StreamARN"]
    consumer_arn = kinesis.register_stream_consumer(StreamARN=stream_arn, ConsumerName="reader")["Consumer"][
        "ConsumerARN"
    ]
    assert consumer_arn.startswith(stream_arn + "/consumer/reader")  # moto leaves out AWS's ":<created>"
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="consumed", TemplateBody=body({"Resources": {"Role": ROLE, "Fn": FUNCTION}}))
    with pytest.raises(ClientError) as info:
        moto_reset.client("lambda").create_event_source_mapping(
            FunctionName="probe-fn", EventSourceArn=consumer_arn, StartingPosition="LATEST"
        )
    assert error_of(info) == ("ResourceNotFoundException", "Invalid EventSourceArn")


def test_lambda_function_tags_are_dropped(moto_reset: Any) -> None:
    """moto: an `AWS::Lambda::Function`'s Tags are dropped (its CloudFormation model passes a fixed list of
    properties to CreateFunction, Tags not among them), while a role's and a log group's Tags are applied. AWS tags
    the function.

    Depends on it: tests/integration/test_tags_vpc_params.py checks a function's tags on its role and log group
    (the golden and unit tests check them on the function itself).
    """
    cf = moto_reset.client("cloudformation")
    tags = [{"Key": "team", "Value": "payments"}]
    role = {**ROLE, "Properties": {**ROLE["Properties"], "Tags": tags}}
    fn = {**FUNCTION, "Properties": {**FUNCTION["Properties"], "Tags": tags}}
    group = {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/probe/tags", "Tags": tags}}
    change_set_by_create(cf, "tags", {"Resources": {"Role": role, "Fn": fn, "Group": group}})
    assert stack(cf, "tags")["StackStatus"] == "CREATE_COMPLETE"
    assert moto_reset.client("lambda").get_function(FunctionName="probe-fn").get("Tags", {}) == {}
    logs = moto_reset.client("logs")
    assert logs.list_tags_log_group(logGroupName="/probe/tags")["tags"] == {"team": "payments"}
    iam = moto_reset.client("iam")
    role_name = cf.describe_stack_resource(StackName="tags", LogicalResourceId="Role")["StackResourceDetail"][
        "PhysicalResourceId"
    ]
    assert iam.list_role_tags(RoleName=role_name)["Tags"] == tags


def test_execute_change_set_returns_a_resources_error_as_json(moto_reset: Any) -> None:
    """moto: ExecuteChangeSet creates the resources inside the call, so a resource's error (a log group that
    already exists) is its answer, and as the Logs service's JSON body in CloudFormation's XML API: botocore raises
    ResponseParserError, not ClientError. The change set stays AVAILABLE. AWS accepts the execute and reports the
    failure as stack events (the stack rolls back).

    Workaround: deploy/engine.py `_execute` treats both as a refused execute and deletes the change set, so no live
    change set makes the next deploy wait for "another deploy" (tests/integration/test_execute_refused.py).
    """
    moto_reset.client("logs").create_log_group(logGroupName="/probe/taken")
    cf = moto_reset.client("cloudformation")
    group = {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/probe/taken"}}
    cf.create_change_set(
        StackName="taken", ChangeSetName="c", ChangeSetType="CREATE", TemplateBody=body({"Resources": {"G": group}})
    )
    with pytest.raises(ResponseParserError, match="ResourceAlreadyExistsException"):
        cf.execute_change_set(StackName="taken", ChangeSetName="c")
    assert cf.describe_change_set(StackName="taken", ChangeSetName="c")["ExecutionStatus"] == "AVAILABLE"


def test_log_group_update_drops_it_from_the_stack(moto_reset: Any) -> None:
    """moto: AWS::Logs::LogGroup has no update, so an update that changes it (new Tags) drops it from the stack's
    resources, and a resource that names it (GetAtt Arn) fails the update ("references undefined resource").
    AWS updates a log group's tags and retention in place.

    Workaround: the embedded emulator updates log groups in place (cfngen/local_models.py `_update_log_group`), so
    adding `Stack(tags=...)` to a deployed stack works with --local; plain moto servers keep this gap.
    """
    cf = moto_reset.client("cloudformation")
    group: dict[str, Any] = {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/probe/group"}}
    template = {"Resources": {"G": group}, "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["G", "Arn"]}}}}
    cf.create_stack(StackName="lg", TemplateBody=body(template))
    group["Properties"]["Tags"] = [{"Key": "team", "Value": "payments"}]
    cf.update_stack(StackName="lg", TemplateBody=body(template))
    listed = cf.list_stack_resources(StackName="lg")["StackResourceSummaries"]
    assert [r["LogicalResourceId"] for r in listed] == [""]  # AWS: ["G"], tagged
