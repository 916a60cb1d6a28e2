"""What moto (5.2.x, server mode, Lambda docker off) actually does with the CloudFormation cfngen generates.

These tests pin moto's behaviour, not cfngen's: each one asserts what moto does today, with a comment saying
how real AWS differs. When moto changes, a test here fails and tells us which workaround in the deploy code
may be obsolete. Templates are small hand-written dicts so that a failure points at moto, not at a builder.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from cfngen.local import FAKE_ACCOUNT_ID

pytestmark = pytest.mark.integration

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
        "Runtime": "python3.12",
        "Handler": "index.handler",
        "Role": {"Fn::GetAtt": ["Role", "Arn"]},
        "Code": {"ZipFile": "def handler(event, context):\n    return event\n"},
    },
}


def esm_template(enabled: Any) -> dict[str, Any]:
    """Function + Kinesis stream + mapping whose Enabled is `enabled`, driven by the Enabled parameter."""
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"Enabled": {"Type": "String", "AllowedValues": ["true", "false"], "Default": "false"}},
        "Conditions": {"IsEnabled": {"Fn::Equals": [{"Ref": "Enabled"}, "true"]}},
        "Resources": {
            "Role": ROLE,
            "Fn": FUNCTION,
            "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}},
            "Mapping": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Metadata": {"cfngen:enabled": {"Ref": "Enabled"}},
                "Properties": {
                    "FunctionName": {"Ref": "Fn"},
                    "EventSourceArn": {"Fn::GetAtt": ["Stream", "Arn"]},
                    "StartingPosition": "LATEST",
                    "BatchSize": 100,
                    "Enabled": enabled,
                },
            },
        },
        "Outputs": {"MappingId": {"Value": {"Ref": "Mapping"}}},
    }


ENABLED_IF = {"Fn::If": ["IsEnabled", True, False]}
ENABLED_REF = {"Ref": "Enabled"}

TOPIC_TEMPLATE: dict[str, Any] = {
    "Parameters": {"Env": {"Type": "String", "Default": "a"}},
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "t1"}}},
    "Outputs": {"TopicArn": {"Value": {"Ref": "Topic"}}, "EnvOut": {"Value": {"Ref": "Env"}}},
}


def enabled(value: str) -> list[dict[str, str]]:
    return [{"ParameterKey": "Enabled", "ParameterValue": value}]


def body(template: dict[str, Any]) -> str:
    return json.dumps(template)


def stack(cf: Any, name: str) -> dict[str, Any]:
    result: dict[str, Any] = cf.describe_stacks(StackName=name)["Stacks"][0]
    return result


def outputs(cf: Any, name: str) -> dict[str, str] | None:
    found = stack(cf, name).get("Outputs")
    return None if found is None else {o["OutputKey"]: o["OutputValue"] for o in found}


def mapping_states(lam: Any) -> list[str]:
    return [m["State"] for m in lam.list_event_source_mappings()["EventSourceMappings"]]


def error_of(exc_info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc_info.value.response["Error"]
    return err["Code"], err["Message"]


# --- a) event source mappings and their Enabled parameter ------------------------------------------------


def test_esm_enabled_through_fn_if_follows_the_parameter(moto_reset: Any) -> None:
    # Works: `Enabled: Fn::If [IsEnabled, true, false]` creates the mapping Disabled, and a parameter-only
    # update (UsePreviousTemplate) flips it in place (same UUID) to Enabled and back. This is the form the
    # builder must emit.
    cf, lam = moto_reset.client("cloudformation"), moto_reset.client("lambda")
    cf.create_stack(StackName="esm", TemplateBody=body(esm_template(ENABLED_IF)), Parameters=enabled("false"))
    uuid = outputs(cf, "esm")["MappingId"]  # type: ignore[index]
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled"
    assert mapping_states(lam) == ["Disabled"]

    cf.update_stack(StackName="esm", UsePreviousTemplate=True, Parameters=enabled("true"))
    assert stack(cf, "esm")["StackStatus"] == "UPDATE_COMPLETE"
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled"

    cf.update_stack(StackName="esm", UsePreviousTemplate=True, Parameters=enabled("false"))
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled"
    assert stack(cf, "esm")["Parameters"] == enabled("false")


def test_esm_enabled_through_plain_ref_is_always_enabled(moto_reset: Any) -> None:
    # moto bug: with `Enabled: {Ref: Enabled}` the parameter is the string "false", which moto treats as
    # truthy: the mapping is Enabled at create and stays Enabled. (AWS converts "false" to false.)
    cf, lam = moto_reset.client("cloudformation"), moto_reset.client("lambda")
    cf.create_stack(StackName="esm", TemplateBody=body(esm_template(ENABLED_REF)), Parameters=enabled("false"))
    assert mapping_states(lam) == ["Enabled"]
    cf.update_stack(StackName="esm", UsePreviousTemplate=True, Parameters=enabled("true"))
    cf.update_stack(StackName="esm", UsePreviousTemplate=True, Parameters=enabled("false"))
    assert mapping_states(lam) == ["Enabled"]


def test_esm_metadata_is_not_returned_by_describe_stack_resource(moto_reset: Any) -> None:
    # moto drops resource Metadata from DescribeStackResource (AWS returns it as a JSON string with Refs
    # resolved). GetTemplate has it, unresolved. Read a mapping's state from the stack's Parameters (or
    # from Lambda), never from Metadata.
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="esm", TemplateBody=body(esm_template(ENABLED_IF)), Parameters=enabled("false"))
    detail = cf.describe_stack_resource(StackName="esm", LogicalResourceId="Mapping")["StackResourceDetail"]
    assert "Metadata" not in detail
    template = cf.get_template(StackName="esm")["TemplateBody"]  # botocore parses a JSON body into a dict
    assert template["Resources"]["Mapping"]["Metadata"] == {"cfngen:enabled": {"Ref": "Enabled"}}


def test_esm_parameter_only_change_set_has_no_rows_but_flips_the_mapping(moto_reset: Any) -> None:
    # Works through change sets too, but a parameter-only change set lists no Changes at all (AWS lists a
    # Modify row for the mapping): `enable`/`disable` must not treat "no rows" as "nothing to do".
    cf, lam = moto_reset.client("cloudformation"), moto_reset.client("lambda")
    cf.create_change_set(
        StackName="esm",
        ChangeSetName="create",
        ChangeSetType="CREATE",
        TemplateBody=body(esm_template(ENABLED_IF)),
        Parameters=enabled("false"),
    )
    cf.execute_change_set(StackName="esm", ChangeSetName="create")
    assert mapping_states(lam) == ["Disabled"]

    change_set = cf.create_change_set(
        StackName="esm",
        ChangeSetName="enable",
        ChangeSetType="UPDATE",
        UsePreviousTemplate=True,
        Parameters=enabled("true"),
    )
    described = cf.describe_change_set(ChangeSetName=change_set["Id"])
    assert (described["Status"], described["Changes"]) == ("CREATE_COMPLETE", [])
    assert described["Parameters"] == enabled("true")
    cf.execute_change_set(ChangeSetName=change_set["Id"])
    assert mapping_states(lam) == ["Enabled"]
    assert stack(cf, "esm")["Parameters"] == enabled("true")


# --- b) change sets, outputs, no-op updates, events ------------------------------------------------------


def test_create_change_set_executes_synchronously_and_leaves_no_outputs(moto_reset: Any) -> None:
    # CREATE change set: the stack exists at once in REVIEW_IN_PROGRESS; the change set is immediately
    # CREATE_COMPLETE/AVAILABLE (no CREATE_PENDING/IN_PROGRESS to wait for); rows carry only Action,
    # LogicalResourceId and ResourceType (no Replacement, Scope, Details, PhysicalResourceId).
    # ExecuteChangeSet runs synchronously. moto bug: a stack created by a change set has no Outputs.
    cf = moto_reset.client("cloudformation")
    created = cf.create_change_set(
        StackName="cs", ChangeSetName="c1", ChangeSetType="CREATE", TemplateBody=body(TOPIC_TEMPLATE)
    )
    assert created["Id"].startswith(f"arn:aws:cloudformation:{REGION}:{FAKE_ACCOUNT_ID}:changeSet/c1/")
    assert stack(cf, "cs")["StackStatus"] == "REVIEW_IN_PROGRESS"
    described = cf.describe_change_set(StackName="cs", ChangeSetName="c1")
    assert (described["Status"], described["ExecutionStatus"]) == ("CREATE_COMPLETE", "AVAILABLE")
    assert described["Changes"] == [
        {
            "Type": "Resource",
            "ResourceChange": {"Action": "Add", "LogicalResourceId": "Topic", "ResourceType": "AWS::SNS::Topic"},
        }
    ]

    cf.execute_change_set(StackName="cs", ChangeSetName="c1")
    assert stack(cf, "cs")["StackStatus"] == "CREATE_COMPLETE"
    assert cf.describe_change_set(StackName="cs", ChangeSetName="c1")["ExecutionStatus"] == "EXECUTE_COMPLETE"
    assert outputs(cf, "cs") is None  # AWS: TopicArn and EnvOut

    # A later UPDATE change set does not bring them back; only UpdateStack computes outputs.
    changed = {**TOPIC_TEMPLATE, "Resources": {**TOPIC_TEMPLATE["Resources"], "Q": {"Type": "AWS::SNS::Topic"}}}
    cf.create_change_set(StackName="cs", ChangeSetName="c2", ChangeSetType="UPDATE", TemplateBody=body(changed))
    cf.execute_change_set(StackName="cs", ChangeSetName="c2")
    assert outputs(cf, "cs") is None
    cf.update_stack(StackName="cs", TemplateBody=body(TOPIC_TEMPLATE))
    assert outputs(cf, "cs") == {"TopicArn": f"arn:aws:sns:{REGION}:{FAKE_ACCOUNT_ID}:t1", "EnvOut": "a"}


def test_update_change_set_rows_and_stale_outputs(moto_reset: Any) -> None:
    # UPDATE change set rows: Add for new resources, Modify for changed ones, sorted by action.
    # moto bug: executing it does not recompute Outputs (EnvOut keeps the old parameter value), although
    # the stack's Parameters are updated. UpdateStack does recompute them.
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="s", TemplateBody=body(TOPIC_TEMPLATE))
    assert outputs(cf, "s") == {"TopicArn": f"arn:aws:sns:{REGION}:{FAKE_ACCOUNT_ID}:t1", "EnvOut": "a"}

    changed = json.loads(body(TOPIC_TEMPLATE))
    changed["Resources"]["Topic"]["Properties"]["DisplayName"] = "changed"
    changed["Resources"]["Q"] = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "t2"}}
    env_b = [{"ParameterKey": "Env", "ParameterValue": "b"}]
    cf.create_change_set(
        StackName="s", ChangeSetName="u1", ChangeSetType="UPDATE", TemplateBody=body(changed), Parameters=env_b
    )
    rows = cf.describe_change_set(StackName="s", ChangeSetName="u1")["Changes"]
    assert [(r["ResourceChange"]["Action"], r["ResourceChange"]["LogicalResourceId"]) for r in rows] == [
        ("Add", "Q"),
        ("Modify", "Topic"),
    ]
    cf.execute_change_set(StackName="s", ChangeSetName="u1")
    assert stack(cf, "s")["StackStatus"] == "UPDATE_COMPLETE"
    assert stack(cf, "s")["Parameters"] == env_b
    assert outputs(cf, "s") == {"TopicArn": f"arn:aws:sns:{REGION}:{FAKE_ACCOUNT_ID}:t1", "EnvOut": "a"}

    cf.update_stack(StackName="s", TemplateBody=body(TOPIC_TEMPLATE), Parameters=[{**env_b[0], "ParameterValue": "c"}])
    assert outputs(cf, "s")["EnvOut"] == "c"  # type: ignore[index]


def test_no_change_is_reported_two_different_ways(moto_reset: Any) -> None:
    # "Nothing changed" depends on the request:
    # - with Parameters in the request (and an identical body or UsePreviousTemplate), CreateChangeSet
    #   raises ValidationError "No updates are to be performed." (AWS never raises here);
    # - without Parameters, it creates a FAILED change set with AWS's StatusReason, as AWS does; a body that
    #   is only re-formatted also counts as unchanged.
    # UpdateStack raises the same ValidationError as AWS (moto compares the body as a string there). moto
    # also executes a FAILED change set (AWS: InvalidChangeSetStatus). The deploy code must take the
    # error, and a FAILED change set with that reason, as "no changes" and delete the change set.
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="s", TemplateBody=body(TOPIC_TEMPLATE))
    env_a = [{"ParameterKey": "Env", "ParameterValue": "a"}]

    for kwargs in ({"TemplateBody": body(TOPIC_TEMPLATE)}, {"UsePreviousTemplate": True}):
        with pytest.raises(ClientError) as exc_info:
            cf.create_change_set(StackName="s", ChangeSetName="x", ChangeSetType="UPDATE", Parameters=env_a, **kwargs)
        assert error_of(exc_info) == ("ValidationError", NO_UPDATES)

    for name, template_body in (("same", body(TOPIC_TEMPLATE)), ("reformatted", json.dumps(TOPIC_TEMPLATE, indent=2))):
        created = cf.create_change_set(
            StackName="s", ChangeSetName=name, ChangeSetType="UPDATE", TemplateBody=template_body
        )
        described = cf.describe_change_set(ChangeSetName=created["Id"])
        assert (described["Status"], described["ExecutionStatus"]) == ("FAILED", "UNAVAILABLE")
        assert (described["StatusReason"], described["Changes"]) == (NO_CHANGES_REASON, [])

    with pytest.raises(ClientError) as exc_info:
        cf.update_stack(StackName="s", TemplateBody=body(TOPIC_TEMPLATE), Parameters=env_a)
    assert error_of(exc_info) == ("ValidationError", NO_UPDATES)

    cf.execute_change_set(ChangeSetName=created["Id"])  # accepted (AWS refuses) and runs an update
    assert stack(cf, "s")["StackStatus"] == "UPDATE_COMPLETE"


def test_stack_events_are_stack_level_only_without_request_token(moto_reset: Any) -> None:
    # DescribeStackEvents (newest first) holds only events of the stack itself, none per resource, and no
    # ClientRequestToken even when one was passed (AWS copies it into every event of the operation). An
    # event streamer must not depend on either. Keys present: EventId, LogicalResourceId (= stack name),
    # PhysicalResourceId (= stack id), ResourceStatus, ResourceStatusReason, ResourceType, Stack*, Timestamp.
    cf = moto_reset.client("cloudformation")
    cf.create_change_set(StackName="s", ChangeSetName="c1", ChangeSetType="CREATE", TemplateBody=body(TOPIC_TEMPLATE))
    cf.execute_change_set(StackName="s", ChangeSetName="c1", ClientRequestToken="tok-create")
    cf.update_stack(StackName="s", TemplateBody=body(TOPIC_TEMPLATE), ClientRequestToken="tok-update")
    events = cf.describe_stack_events(StackName="s")["StackEvents"]
    assert [(e["ResourceStatus"], e.get("ResourceStatusReason")) for e in events] == [
        ("UPDATE_COMPLETE", None),
        ("UPDATE_IN_PROGRESS", "User Initiated"),  # None when the update is a change set
        ("CREATE_COMPLETE", None),
        ("CREATE_IN_PROGRESS", "User Initiated"),
        ("REVIEW_IN_PROGRESS", "User Initiated"),
    ]
    assert {(e["LogicalResourceId"], e["ResourceType"]) for e in events} == {("s", "AWS::CloudFormation::Stack")}
    assert all("ClientRequestToken" not in e for e in events)


def test_error_messages_and_missing_validation(moto_reset: Any) -> None:
    # Error texts the deploy code will match, and checks moto does not make.
    cf = moto_reset.client("cloudformation")
    calls: list[Callable[[], object]] = [
        lambda: cf.describe_stacks(StackName="nope"),
        lambda: cf.update_stack(StackName="nope", TemplateBody=body(TOPIC_TEMPLATE)),
        lambda: cf.create_change_set(
            StackName="nope", ChangeSetName="x", ChangeSetType="UPDATE", TemplateBody=body(TOPIC_TEMPLATE)
        ),
    ]
    for call in calls:
        with pytest.raises(ClientError) as exc_info:
            call()
        assert error_of(exc_info) == ("ValidationError", "Stack with id nope does not exist")  # as AWS

    cf.create_stack(StackName="s", TemplateBody=body(TOPIC_TEMPLATE))
    with pytest.raises(ClientError) as exc_info:
        cf.describe_change_set(StackName="s", ChangeSetName="zzz")
    # AWS: ChangeSetNotFound "ChangeSet [zzz] does not exist"
    assert error_of(exc_info) == ("ValidationError", "Stack with id zzz does not exist")

    # A CREATE change set on an existing name is accepted and makes a second stack with that name
    # (AWS: AlreadyExistsException). Decide CREATE vs UPDATE from DescribeStacks, never from an error.
    first_id = stack(cf, "s")["StackId"]
    second = cf.create_change_set(
        StackName="s", ChangeSetName="again", ChangeSetType="CREATE", TemplateBody=body(TOPIC_TEMPLATE)
    )
    assert second["StackId"] != first_id
    # ListChangeSets ignores StackName and lists every stack's change sets (AWS: only that stack's).
    cf.create_change_set(
        StackName="t", ChangeSetName="other", ChangeSetType="CREATE", TemplateBody=body(TOPIC_TEMPLATE)
    )
    names = {s["ChangeSetName"] for s in cf.list_change_sets(StackName="t")["Summaries"]}
    assert names == {"again", "other"}

    # Not enforced: CAPABILITY_IAM for IAM resources (AWS: InsufficientCapabilitiesException), a
    # parameter's AllowedValues (AWS: ValidationError).
    cf.create_stack(StackName="iam", TemplateBody=body({"Resources": {"Role": ROLE}}))
    cf.create_stack(StackName="allowed", TemplateBody=body(esm_template(ENABLED_IF)), Parameters=enabled("maybe"))

    # Deleted stacks: by name "does not exist", by stack id DELETE_COMPLETE (as AWS).
    cf.delete_stack(StackName="iam")
    assert [s["StackStatus"] for s in cf.list_stacks()["StackSummaries"] if s["StackName"] == "iam"] == [
        "DELETE_COMPLETE"
    ]


# --- c) resource coverage --------------------------------------------------------------------------------

BUCKET = f"cfngen-{FAKE_ACCOUNT_ID}-{REGION}-uploads"
BUCKET_NAME_SUB = {"Fn::Sub": "cfngen-${AWS::AccountId}-${AWS::Region}-uploads"}
BUCKET_ARN_SUB = {"Fn::Sub": "arn:${AWS::Partition}:s3:::cfngen-${AWS::AccountId}-${AWS::Region}-uploads"}
FUNCTION_ARN = {"Fn::GetAtt": ["Fn", "Arn"]}

PUSH_TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Role": ROLE,
        "Fn": {**FUNCTION, "Properties": {**FUNCTION["Properties"], "FunctionName": "probe-fn"}},
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {}},
        "TopicPermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": FUNCTION_ARN,
                "Action": "lambda:InvokeFunction",
                "Principal": "sns.amazonaws.com",
                "SourceArn": {"Ref": "Topic"},
            },
        },
        "Subscription": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "TopicArn": {"Ref": "Topic"},
                "Protocol": "lambda",
                "Endpoint": FUNCTION_ARN,
                "FilterPolicy": {"severity": ["high"]},
            },
        },
        "BucketPermission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": FUNCTION_ARN,
                "Action": "lambda:InvokeFunction",
                "Principal": "s3.amazonaws.com",
                "SourceArn": BUCKET_ARN_SUB,
                "SourceAccount": {"Ref": "AWS::AccountId"},
            },
        },
        "Bucket": {
            "Type": "AWS::S3::Bucket",
            "DependsOn": "BucketPermission",
            "Properties": {
                "BucketName": BUCKET_NAME_SUB,
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "NotificationConfiguration": {
                    "LambdaConfigurations": [
                        {
                            "Event": "s3:ObjectCreated:*",
                            "Function": FUNCTION_ARN,
                            "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "incoming/"}]}},
                        }
                    ]
                },
            },
        },
        "BucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "Bucket"},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "DenyInsecureTransport",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [BUCKET_ARN_SUB, {"Fn::Sub": "${Bucket.Arn}/*"}],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ],
                },
            },
        },
    },
    "Outputs": {
        "BucketName": {"Value": {"Ref": "Bucket"}},
        "SubscriptionArn": {"Value": {"Ref": "Subscription"}},
        "PolicyRef": {"Value": {"Ref": "BucketPolicy"}},
        "PermissionRef": {"Value": {"Ref": "BucketPermission"}},
    },
}


def test_push_wiring_resources(moto_reset: Any) -> None:
    # The stack reaches CREATE_COMPLETE, but:
    # - AWS::SNS::Subscription and AWS::S3::BucketPolicy are not supported: skipped with a warning in the
    #   server log ("No Moto CloudFormation support for AWS::SNS::Subscription"); DescribeStackResources
    #   lists them as entries without LogicalResourceId, ResourceType or PhysicalResourceId, and
    #   Outputs that Ref them are silently left out. Code reading resources must use .get().
    # - AWS::Lambda::Permission is created (the function policy has the SourceArn/SourceAccount conditions)
    #   but has no PhysicalResourceId, and its Ref is a Python repr.
    # - The bucket is created with its encryption, but NotificationConfiguration and
    #   PublicAccessBlockConfiguration are ignored.
    # - Fn::Sub resolves ${AWS::AccountId}, ${AWS::Region} and ${AWS::Partition} (123456789012, us-east-1, aws).
    cf, s3, lam = moto_reset.client("cloudformation"), moto_reset.client("s3"), moto_reset.client("lambda")
    cf.create_stack(StackName="push", TemplateBody=body(PUSH_TEMPLATE))
    assert stack(cf, "push")["StackStatus"] == "CREATE_COMPLETE"

    resources = cf.describe_stack_resources(StackName="push")["StackResources"]
    by_id = {r["LogicalResourceId"]: r for r in resources if "LogicalResourceId" in r}
    assert set(by_id) == {"Role", "Fn", "Topic", "TopicPermission", "BucketPermission", "Bucket"}
    skipped = [r for r in resources if "LogicalResourceId" not in r]
    assert [sorted(r) for r in skipped] == [["ResourceStatus", "StackId", "StackName", "Timestamp"]] * 2
    assert {r["ResourceStatus"] for r in skipped} == {"CREATE_COMPLETE"}
    assert "PhysicalResourceId" not in by_id["BucketPermission"]
    assert by_id["Bucket"]["PhysicalResourceId"] == BUCKET

    found = outputs(cf, "push")
    assert found is not None
    assert set(found) == {"BucketName", "PermissionRef"}
    assert found["BucketName"] == BUCKET
    assert found["PermissionRef"].startswith("<moto.awslambda.models.Permission object")

    statements = json.loads(lam.get_policy(FunctionName="probe-fn")["Policy"])["Statement"]
    conditions = {s["Principal"]["Service"]: s["Condition"] for s in statements}
    assert conditions["s3.amazonaws.com"] == {
        "ArnLike": {"AWS:SourceArn": f"arn:aws:s3:::{BUCKET}"},
        "StringEquals": {"AWS:SourceAccount": FAKE_ACCOUNT_ID},
    }
    assert conditions["sns.amazonaws.com"] == {"ArnLike": {"AWS:SourceArn": by_id["Topic"]["PhysicalResourceId"]}}

    assert moto_reset.client("sns").list_subscriptions()["Subscriptions"] == []
    assert "LambdaFunctionConfigurations" not in s3.get_bucket_notification_configuration(Bucket=BUCKET)
    rules = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    for call in (s3.get_public_access_block, s3.get_bucket_policy):
        with pytest.raises(ClientError) as exc_info:
            call(Bucket=BUCKET)
        assert error_of(exc_info)[0] in {"NoSuchPublicAccessBlockConfiguration", "NoSuchBucketPolicy"}


SOURCES_TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Role": ROLE,
        "LogGroup": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"LogGroupName": "/aws/lambda/probe-fn", "RetentionInDays": 14},
        },
        "Fn": {
            **FUNCTION,
            "Properties": {
                **FUNCTION["Properties"],
                "FunctionName": "probe-fn",
                "LoggingConfig": {"LogGroup": {"Ref": "LogGroup"}, "LogFormat": "JSON"},
            },
        },
        "ReadTable": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyName": "read-table",
                "Roles": [{"Ref": "Role"}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": {"Fn::GetAtt": ["Table", "StreamArn"]}}
                    ],
                },
            },
        },
        "Stream": {
            "Type": "AWS::Kinesis::Stream",
            "Properties": {
                "ShardCount": 1,
                "StreamEncryption": {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"},
            },
        },
        "Table": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
                "SSESpecification": {"SSEEnabled": True},
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            },
        },
    },
    "Outputs": {
        "LogGroupArn": {"Value": {"Fn::GetAtt": ["LogGroup", "Arn"]}},
        "TableStreamArn": {"Value": {"Fn::GetAtt": ["Table", "StreamArn"]}},
        "StreamArn": {"Value": {"Fn::GetAtt": ["Stream", "Arn"]}},
    },
}


def test_source_and_function_resources(moto_reset: Any) -> None:
    # All of these are supported and the stack completes, but some properties are ignored:
    # - Lambda LoggingConfig is dropped (GetFunctionConfiguration has no LoggingConfig); the LogGroup itself
    #   is created with its retention.
    # - AWS::IAM::Policy is attached to the role as an inline policy next to the role's own.
    # - Kinesis StreamEncryption is ignored (EncryptionType NONE).
    # - DynamoDB: StreamSpecification works (StreamArn for GetAtt); SSESpecification and
    #   PointInTimeRecoverySpecification are ignored.
    cf = moto_reset.client("cloudformation")
    cf.create_stack(StackName="src", TemplateBody=body(SOURCES_TEMPLATE))
    assert stack(cf, "src")["StackStatus"] == "CREATE_COMPLETE"
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cf.describe_stack_resources(StackName="src")["StackResources"]
    }
    found = outputs(cf, "src")
    assert found is not None
    assert found["LogGroupArn"] == f"arn:aws:logs:{REGION}:{FAKE_ACCOUNT_ID}:log-group:/aws/lambda/probe-fn"
    assert found["TableStreamArn"].startswith(
        f"arn:aws:dynamodb:{REGION}:{FAKE_ACCOUNT_ID}:table/{physical['Table']}/stream/"
    )
    assert found["StreamArn"] == f"arn:aws:kinesis:{REGION}:{FAKE_ACCOUNT_ID}:stream/{physical['Stream']}"

    assert "LoggingConfig" not in moto_reset.client("lambda").get_function_configuration(FunctionName="probe-fn")
    groups = moto_reset.client("logs").describe_log_groups()["logGroups"]
    assert [(g["logGroupName"], g["retentionInDays"]) for g in groups] == [("/aws/lambda/probe-fn", 14)]
    iam = moto_reset.client("iam")
    assert sorted(iam.list_role_policies(RoleName=physical["Role"])["PolicyNames"]) == ["read", "read-table"]

    summary = moto_reset.client("kinesis").describe_stream_summary(StreamName=physical["Stream"])
    assert summary["StreamDescriptionSummary"]["EncryptionType"] == "NONE"

    dynamodb = moto_reset.client("dynamodb")
    table = dynamodb.describe_table(TableName=physical["Table"])["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert "SSEDescription" not in table
    backups = dynamodb.describe_continuous_backups(TableName=physical["Table"])["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "DISABLED"


def test_failures_that_moto_does_not_report(moto_reset: Any) -> None:
    # - Function code in S3: a missing key in an existing bucket is not noticed (CREATE_COMPLETE; AWS fails).
    # - A missing code bucket, or a mapping to a stream that does not exist, makes CreateStack answer with a
    #   Lambda JSON error body on CloudFormation's XML protocol. botocore cannot parse it:
    #   ResponseParserError "Unable to parse response (not well-formed (invalid token): line 1, column 0),
    #   invalid XML received. Further retries may succeed: b'{"__type": "...", "message": "..."}'"
    #   (InvalidParameterValueException "Error occurred while GetObject. S3 Error Code: NoSuchBucket. ...",
    #   ResourceNotFoundException "Invalid EventSourceArn"), and the stack stays CREATE_IN_PROGRESS for
    #   ever (AWS: CREATE_FAILED events, then ROLLBACK_COMPLETE). Waiters need a deadline, and a
    #   ResponseParserError from DescribeStacks must not be read as "stack does not exist".
    # - An unknown GetAtt attribute is rejected up front, naming the resource by its type, not its id.
    cf = moto_reset.client("cloudformation")
    moto_reset.client("s3").create_bucket(Bucket="artifacts")

    def s3_code(bucket: str) -> str:
        properties = {**FUNCTION["Properties"], "Code": {"S3Bucket": bucket, "S3Key": "missing.zip"}}
        return body({"Resources": {"Role": ROLE, "Fn": {**FUNCTION, "Properties": properties}}})

    cf.create_stack(StackName="key", TemplateBody=s3_code("artifacts"))
    assert stack(cf, "key")["StackStatus"] == "CREATE_COMPLETE"
    with pytest.raises(ResponseParserError, match="S3 Error Code: NoSuchBucket"):
        cf.create_stack(StackName="bucket", TemplateBody=s3_code("no-such-bucket"))
    assert stack(cf, "bucket")["StackStatus"] == "CREATE_IN_PROGRESS"

    missing_stream = json.loads(body(esm_template(ENABLED_IF)))
    del missing_stream["Resources"]["Stream"]
    missing_stream["Resources"]["Mapping"]["Properties"]["EventSourceArn"] = (
        f"arn:aws:kinesis:{REGION}:{FAKE_ACCOUNT_ID}:stream/nope"
    )
    with pytest.raises(ResponseParserError, match="Invalid EventSourceArn"):
        cf.create_stack(StackName="esm", TemplateBody=body(missing_stream))
    # The stuck stack cannot even be described while its Outputs Ref the broken resource: moto retries
    # the resource and DescribeStacks/DescribeStackResources fail the same way. Events and delete work.
    with pytest.raises(ResponseParserError, match="Invalid EventSourceArn"):
        cf.describe_stacks(StackName="esm")
    with pytest.raises(ResponseParserError, match="Invalid EventSourceArn"):
        cf.describe_stack_resources(StackName="esm")
    events = cf.describe_stack_events(StackName="esm")["StackEvents"]
    assert [e["ResourceStatus"] for e in events] == ["CREATE_IN_PROGRESS"]
    cf.delete_stack(StackName="esm")
    with pytest.raises(ClientError, match="Stack with id esm does not exist"):
        cf.describe_stacks(StackName="esm")

    bad_attribute = {
        "Resources": {"T": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"X": {"Value": {"Fn::GetAtt": ["T", "Nope"]}}},
    }
    with pytest.raises(ClientError) as exc_info:
        cf.create_stack(StackName="attr", TemplateBody=body(bad_attribute))
    assert error_of(exc_info) == (
        "ValidationError",
        "Template error: resource Topic does not support attribute type Nope in Fn::GetAtt",
    )


def test_template_url_forms(moto_reset: Any) -> None:
    # TemplateURL is read from moto's own S3 whatever the host: path-style on a "localhost" endpoint, and
    # AWS's own forms (https://<bucket>.s3.<region>.amazonaws.com/<key>, https://s3.amazonaws.com/<b>/<k>).
    # An endpoint spelled 127.0.0.1 is read virtual-host style (bucket "127") and fails with NoSuchBucket.
    # So the deploy code can always send the AWS virtual-host URL, emulator or not.
    cf, s3 = moto_reset.client("cloudformation"), moto_reset.client("s3")
    s3.create_bucket(Bucket="artifacts")
    s3.put_object(Bucket="artifacts", Key="templates/t.json", Body=body(TOPIC_TEMPLATE).encode())
    port = moto_reset.endpoint_url.rsplit(":", 1)[1]
    urls = {
        "localhost": f"{moto_reset.endpoint_url}/artifacts/templates/t.json",
        "virtual-host": f"https://artifacts.s3.{REGION}.amazonaws.com/templates/t.json",
        "path": "https://s3.amazonaws.com/artifacts/templates/t.json",
    }
    for name, url in urls.items():
        cf.create_stack(StackName=name, TemplateURL=url)
        assert outputs(cf, name) == {"TopicArn": f"arn:aws:sns:{REGION}:{FAKE_ACCOUNT_ID}:t1", "EnvOut": "a"}
    with pytest.raises(ClientError) as exc_info:
        cf.create_stack(StackName="ip", TemplateURL=f"http://127.0.0.1:{port}/artifacts/templates/t.json")
    assert error_of(exc_info) == ("NoSuchBucket", "The specified bucket does not exist")


# --- d) Lambda Invoke with docker off ----------------------------------------------------------------------


def _code_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    raise Exception('never runs')\n")
    return buffer.getvalue()


def test_invoke_echoes_the_payload(moto_reset: Any) -> None:
    # With docker off the code never runs: Invoke echoes the request payload with StatusCode 200, never a
    # FunctionError, never a LogResult (even with LogType=Tail). Event -> 202, DryRun -> 204 with an empty
    # payload, no payload -> b"Simple Lambda happy path OK". The function is not even looked up: an unknown
    # name answers 200 too. POST /moto-api/static/lambda-simple/response {"results": [...]} queues payloads
    # to return instead; function errors can only be tested with a Stubber.
    cf, s3, lam = moto_reset.client("cloudformation"), moto_reset.client("s3"), moto_reset.client("lambda")
    s3.create_bucket(Bucket="artifacts")
    s3.put_object(Bucket="artifacts", Key="code/abc.zip", Body=_code_zip())
    template = {
        "Resources": {
            "Role": ROLE,
            "Fn": {
                **FUNCTION,
                "Properties": {
                    **FUNCTION["Properties"],
                    "Handler": "app.handler",
                    "Code": {"S3Bucket": "artifacts", "S3Key": "code/abc.zip"},
                },
            },
        },
        "Outputs": {"Name": {"Value": {"Ref": "Fn"}}},
    }
    cf.create_stack(StackName="fn", TemplateBody=body(template))
    name = outputs(cf, "fn")["Name"]  # type: ignore[index]

    def invoke(function_name: str = name, **kwargs: Any) -> tuple[dict[str, Any], bytes]:
        response = lam.invoke(FunctionName=function_name, **kwargs)
        payload = response.pop("Payload").read()
        response.pop("ResponseMetadata")
        return response, payload

    assert invoke(Payload=b'{"hello": "world"}') == ({"StatusCode": 200}, b'{"hello": "world"}')
    assert invoke(Payload=b"{}", LogType="Tail") == ({"StatusCode": 200}, b"{}")
    assert invoke(Payload=b"{}", InvocationType="Event") == ({"StatusCode": 202}, b"{}")
    assert invoke(Payload=b"{}", InvocationType="DryRun") == ({"StatusCode": 204}, b"")
    assert invoke() == ({"StatusCode": 200}, b"Simple Lambda happy path OK")
    assert invoke("no-such-function", Payload=b"{}") == ({"StatusCode": 200}, b"{}")

    moto_reset.moto_api("static/lambda-simple/response", {"results": ['{"queued": true}'], "region": REGION})
    assert invoke(Payload=b"{}") == ({"StatusCode": 200}, b'{"queued": true}')
    assert invoke(Payload=b"{}") == ({"StatusCode": 200}, b"{}")
