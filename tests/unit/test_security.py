"""Security of what cfngen generates (issue 9): wildcard IAM judged by what it matches, encryption and failure
destinations by default or on request, checkov's waivers from one table, CloudFormation's quotas as SpecErrors."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from troposphere import Output, cloudformation

from cfngen import SpecError, Stack, awsdata
from cfngen.builders import scanner
from cfngen.builders.buckets import hardened_bucket_properties
from cfngen.builders.limits import TEMPLATE_MAX_BYTES
from cfngen.cli import cli
from cfngen.definitions.policies import unscoped

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:failures"


@pytest.fixture
def stack(tmp_path: Path) -> Stack:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text("def handler(event, context):\n    return event\n")
    return Stack("sec", base_dir=tmp_path)


def fn(stack: Stack, name: str = "Fn", **options: Any) -> Any:
    return stack.function(name, code="code", handler="app.handler", runtime="python3.12", **options)


def spec_error(call: Callable[[], object]) -> SpecError:
    with pytest.raises(SpecError) as info:
        call()
    return info.value


def resources(stack: Stack) -> dict[str, Any]:
    resources: dict[str, Any] = json.loads(stack.to_json())["Resources"]
    return resources


def role_statements(stack: Stack, name: str = "Fn") -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = resources(stack)[f"{name}Role"]["Properties"]["Policies"][0]["PolicyDocument"][
        "Statement"
    ]
    return statements


# ------------------------------------------------------------------------------------------- wildcard IAM


@pytest.mark.parametrize(
    ("action", "resource", "says"),
    [
        ("iam:**", "arn:aws:iam::*:*", "grants every action of the service (190 actions: iam:AcceptDelegationRequest"),
        ("s3:?*", "arn:aws:s3:::bucket/*", "grants every action of the service"),
        ("S3:*", "arn:aws:s3:::bucket/*", "action 'S3:*' is not allowed"),  # IAM services are lower-case
        ("s3:*Object", "arn:aws:s3:::bucket/*", "matches actions that write or change permissions"),
        ("s3:Put*", "arn:aws:s3:::bucket/*", "(40 actions: s3:PutAccelerateConfiguration"),
        ("s3:get*", "arn:aws:s3:::bucket/*", "(1 action: s3:GetDataAccess)"),  # hands out credentials
        ("iam:Get*", "arn:aws:iam::123456789012:role/app", "(2 actions: iam:GetAccountPasswordPolicy, iam:GetCr"),
        ("s3:Gte*", "arn:aws:s3:::bucket/*", "matches no s3 action IAM knows"),
        ("s3:GetObject", "arn:*:*:*:*:*", "(no scope: the same as '*') with s3:GetObject"),
        ("s3:GetObject", "arn:aws:s3:::*", "(no scope: the same as '*')"),
        ("sqs:SendMessage", "arn:aws:sqs:*:*:*", "(no scope: the same as '*')"),
    ],
)
def test_wildcards_are_judged_by_what_they_match(stack: Stack, action: str, resource: str, says: str) -> None:
    err = spec_error(lambda: fn(stack, policies=[{"Action": [action], "Resource": [resource]}]))
    assert err.field == "policies" and says in str(err) and "allowed:" in str(err), str(err)


def test_the_issues_wildcard_no_longer_renders(stack: Stack) -> None:
    """Issue 9: this rendered and linted clean, granting all of IAM on every IAM resource."""
    err = spec_error(lambda: fn(stack, policies=[{"Action": ["iam:**"], "Resource": ["arn:aws:iam::*:*"]}]))
    assert "'iam:**' grants every action of the service" in str(err) and err.hint == "least privilege: name each action"


@pytest.mark.parametrize(
    "statement",
    [
        {"Action": ["s3:GetObject*"], "Resource": ["arn:aws:s3:::bucket/*"]},  # reads only, not every action
        {"Action": ["dynamodb:Describe*", "dynamodb:List*"], "Resource": ["arn:aws:dynamodb:*:*:table/app"]},
        {"Action": ["s3:PutObject"], "Resource": ["arn:aws:s3:::bucket/*"]},  # a write spelled out
        {"Effect": "Deny", "Action": ["s3:*"], "Resource": ["*"]},  # a Deny may be as wide as it likes
        {"Action": ["xray:PutTraceSegments"], "Resource": ["arn:*:*:*:*:*"]},  # IAM cannot scope it anyway
    ],
)
def test_narrow_patterns_and_exact_actions_pass(stack: Stack, statement: dict[str, Any]) -> None:
    fn(stack, policies=[statement])
    assert role_statements(stack)[-1]["Action"] == statement["Action"]


@pytest.mark.parametrize(
    ("resource", "is_unscoped"),
    [
        ("*", True),
        ("**", True),
        ("arn:*", True),
        ("arn:*:*:*:*:*", True),
        ("arn:aws:iam::*:*", True),
        ("arn:${AWS::Partition}:s3:::*", True),
        ("arn:aws:s3:::bucket/*", False),
        ("arn:aws:sqs:*:123456789012:*", False),
        ("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:*", False),
        ("arn:aws:dynamodb:*:*:table/app", False),
    ],
)
def test_unscoped_resources(resource: str, is_unscoped: bool) -> None:
    assert unscoped(resource) is is_unscoped


def test_expansion_follows_iams_glob_rules() -> None:
    assert awsdata.expand("iam:**") == awsdata.expand("iam:*") == [f"iam:{a}" for a in awsdata.service_actions("iam")]
    assert awsdata.expand("s3:GetObjec?") == ["s3:getobject"]
    assert awsdata.expand("S3:getOBJECT") == ["s3:getobject"]  # case-insensitive, as IAM
    assert awsdata.expand("nosuchservice:Get*") == []


@pytest.mark.parametrize(
    ("action", "read"),
    [
        ("s3:GetObject", True),
        ("dynamodb:DescribeTable", True),
        ("kinesis:ListShards", True),
        ("s3:PutObject", False),
        ("iam:PassRole", False),
        ("sts:GetFederationToken", False),  # hands out credentials
        ("secretsmanager:GetSecretValue", False),
        ("redshift:GetClusterCredentials", False),
        ("cognito-identity:GetId", False),
        ("states:GetActivityTask", False),  # takes work off a queue
    ],
)
def test_reads_are_recognised_by_name(action: str, read: bool) -> None:
    assert awsdata.is_read(action) is read


# ------------------------------------------------------------------------------------------- secure defaults


def test_topics_are_encrypted_with_the_aws_managed_key_by_default(stack: Stack) -> None:
    stack.sns_topic("Alerts")
    stack.sns_topic("Mine", kms_key=KEY)
    assert resources(stack)["AlertsTopic"]["Properties"]["KmsMasterKeyId"] == "alias/aws/sns"
    assert resources(stack)["MineTopic"]["Properties"]["KmsMasterKeyId"] == KEY


def test_function_kms_key_encrypts_environment_and_log_group(stack: Stack) -> None:
    fn(stack, environment={"MODE": "x"}, kms_key=KEY)
    res = resources(stack)
    assert res["FnFunction"]["Properties"]["KmsKeyArn"] == KEY
    assert res["FnLogGroup"]["Properties"]["KmsKeyId"] == KEY
    assert {"Action": ["kms:Decrypt"], "Effect": "Allow", "Resource": [KEY]} in role_statements(stack)


def test_table_kms_key_and_its_stream_reader_may_decrypt(stack: Stack) -> None:
    table = stack.dynamodb_table("Ledger", partition_key="id", stream_view="NEW_IMAGE", kms_key=KEY)
    fn(stack).add_event_source(table, starting_position="LATEST")
    res = resources(stack)
    assert res["LedgerTable"]["Properties"]["SSESpecification"] == {
        "KMSMasterKeyId": KEY,
        "SSEEnabled": True,
        "SSEType": "KMS",
    }
    policy = res["FnSourcesPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert {"Action": ["kms:Decrypt"], "Effect": "Allow", "Resource": [KEY]} in policy


@pytest.mark.parametrize(
    "key",
    [
        "alias/mine",  # Lambda, CloudWatch Logs and IAM grants need the key's own ARN
        "arn:aws:kms:us-east-1:123456789012:alias/mine",
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        5,
    ],
)
def test_customer_keys_must_be_key_arns(stack: Stack, key: object) -> None:
    for call in (lambda: fn(stack, kms_key=key), lambda: stack.dynamodb_table("T", partition_key="id", kms_key=key)):
        err = spec_error(call)
        assert err.field == "kms_key" and "arn:aws:kms:REGION:ACCOUNT:key/KEY-ID" in str(err), str(err)


def test_on_failure_adds_a_failure_destination_and_the_send_permission(stack: Stack) -> None:
    topic = stack.sns_topic("Failures")
    fn(stack, "Queued", on_failure=QUEUE)
    fn(stack, "Topical", on_failure=topic)
    res = resources(stack)
    assert res["QueuedEventInvokeConfig"]["Properties"] == {
        "DestinationConfig": {"OnFailure": {"Destination": QUEUE}},
        "FunctionName": {"Ref": "QueuedFunction"},
        "Qualifier": "$LATEST",
    }
    assert res["TopicalEventInvokeConfig"]["Properties"]["DestinationConfig"]["OnFailure"] == {
        "Destination": {"Ref": "FailuresTopic"}
    }
    assert {"Action": ["sqs:SendMessage"], "Effect": "Allow", "Resource": [QUEUE]} in role_statements(stack, "Queued")
    assert {"Action": ["sns:Publish"], "Effect": "Allow", "Resource": [{"Ref": "FailuresTopic"}]} in role_statements(
        stack, "Topical"
    )


@pytest.mark.parametrize(
    "destination", ["arn:aws:s3:::bucket", "failures", "arn:aws:sqs:us-east-1:1:q", "arn:aws:lambda:us-east-1:1:f"]
)
def test_on_failure_is_an_sqs_sns_lambda_or_event_bus_arn(stack: Stack, destination: object) -> None:
    err = spec_error(lambda: fn(stack, on_failure=destination))
    assert err.field == "on_failure" and "arn:aws:sqs:REGION:ACCOUNT:NAME" in str(err)
    assert "arn:aws:lambda:REGION:ACCOUNT:function:NAME" in str(err) and "event-bus/NAME" in str(err)


def test_on_failure_of_another_type_names_what_is_allowed(stack: Stack) -> None:
    err = spec_error(lambda: fn(stack, on_failure=7))
    assert err.field == "on_failure" and "7 is not allowed" in str(err) and "SQS queue, SNS topic" in str(err)


def test_on_failure_topic_of_another_stack_is_imported_with_least_privilege(stack: Stack, tmp_path: Path) -> None:
    other = Stack("other", base_dir=tmp_path).sns_topic("Elsewhere")
    fn(stack, on_failure=other)
    role = json.loads(stack.to_json())["Resources"]["FnRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    publish = [st for st in role["Statement"] if st["Action"] == ["sns:Publish"]]
    assert publish == [{"Action": ["sns:Publish"], "Effect": "Allow", "Resource": [{"Ref": "OtherElsewhereTopicArn"}]}]


# ------------------------------------------------------------------------------------------- checkov waivers


def test_every_waiver_names_a_check_and_a_reason() -> None:
    for key, (check, reason) in scanner.WAIVERS.items():
        assert check.startswith("CKV_AWS_") and len(reason) > 40, key


def _skips(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, str]]]:
    for logical_id, resource in template["Resources"].items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            yield logical_id, skip


def test_committed_templates_carry_only_waivers_from_the_table(example_stacks: list[Stack]) -> None:
    """No ad-hoc skip: every one in every example is a (check, reason) pair of scanner.WAIVERS."""
    allowed = [{"id": check, "comment": reason} for check, reason in scanner.WAIVERS.values()]
    seen = 0
    for stack in example_stacks:
        for logical_id, skip in _skips(json.loads(stack.to_json())):
            assert skip in allowed, (stack.name, logical_id, skip)
            seen += 1
    assert seen


def test_a_function_pushed_to_without_a_failure_destination_is_left_for_checkov(stack: Stack) -> None:
    """Its failed events vanish after Lambda's retries: no waiver, so checkov reports CKV_AWS_116."""
    fn(stack, "Pushed").add_event_source(stack.sns_topic("Alerts"))
    fn(stack, "Plain")
    fn(stack, "Caught", on_failure=QUEUE).add_event_source(stack.s3_bucket("Uploads"))
    template = json.loads(stack.to_json())
    by_resource = {n: {s["id"] for m, s in _skips(template) if m == n} for n in template["Resources"]}
    assert "CKV_AWS_116" not in by_resource["PushedFunction"]
    assert "CKV_AWS_116" in by_resource["PlainFunction"] and "CKV_AWS_116" in by_resource["CaughtFunction"]


def test_the_hardened_bucket_waives_versioning_only_when_unversioned() -> None:
    ids = [s["id"] for s in hardened_bucket_properties()["Metadata"]["checkov"]["skip"]]
    assert ids == ["CKV_AWS_18", "CKV_AWS_21"]
    versioned = hardened_bucket_properties(versioned=True)
    assert [s["id"] for s in versioned["Metadata"]["checkov"]["skip"]] == ["CKV_AWS_18"]


# ------------------------------------------------------------------------------------------- quotas


def _many(stack: Stack, functions: int) -> None:
    for i in range(functions):
        fn(stack, f"Fn{i}").add_event_source(stack.kinesis_stream(f"Stream{i}"), starting_position="LATEST")


def test_a_hundred_functions_with_sources_is_a_spec_error_naming_each_quota(stack: Stack) -> None:
    """Issue 9: this died with `internal error: ValueError: Maximum outputs 200 reached` from troposphere."""
    _many(stack, 100)
    err = spec_error(stack.template)
    text = str(err)
    assert "600 resources (at most 500)" in text and "500 outputs (at most 200)" in text
    assert "300 parameters (at most 200)" in text and err.hint and "split the stack" in err.hint


def test_cli_render_exits_2_on_a_quota(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "stacks" / "fn").mkdir(parents=True)
    (tmp_path / "stacks" / "fn" / "app.py").write_text("def handler(e, c):\n    return e\n")
    (tmp_path / "stacks" / "big.py").write_text(
        "from cfngen import Stack\nstack = Stack('big')\nfor i in range(101):\n"
        "    stack.function(f'F{i}', code='fn', handler='app.handler', runtime='python3.12')\n"
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["render"])
    assert result.exit_code == 2, result.output
    assert "stacks/big.py: big: the template exceeds CloudFormation's quotas" in result.output
    assert "202 parameters (at most 200)" in result.output and "Traceback" not in result.output


def test_exactly_at_the_quota_builds_and_one_more_added_later_is_refused(stack: Stack) -> None:
    for i in range(100):  # 2 outputs, 2 parameters, 3 resources each: 200 outputs exactly
        fn(stack, f"Fn{i}")
    template = stack.template()
    err = spec_error(lambda: template.add_output(Output("Extra", Value="x")))
    assert "201 outputs (at most 200)" in str(err)


def test_template_size_and_logical_id_length(stack: Stack) -> None:
    fn(stack)
    template = stack.template()
    err = spec_error(lambda: template.add_resource(cloudformation.WaitConditionHandle("A" * 256)))
    assert "of 256 characters (at most 255)" in str(err)
    template = Stack("sec2", base_dir=stack.base_dir).template()
    big = cloudformation.WaitConditionHandle("Big", Metadata={"blob": "x" * TEMPLATE_MAX_BYTES})
    assert "bytes (at most 1,000,000)" in str(spec_error(lambda: template.add_resource(big)))


def test_environment_is_counted_as_lambda_counts_it(stack: Stack) -> None:
    """Keys plus values in UTF-8: 2,000 bytes of 'é' fit (escaped JSON counted 6,000+ and refused them)."""
    fn(stack, "Fits", environment={"TEXT": "é" * 1000, "MORE": "x" * 2088})  # 4 + 2000 + 4 + 2088 = 4096
    err = spec_error(lambda: fn(stack, "Over", environment={"TEXT": "é" * 1000, "MORE": "x" * 2089}))
    assert err.field == "environment" and "is 4,097 bytes" in str(err) and "at most 4 KB (4,096 bytes)" in str(err)


def test_environment_with_a_lone_surrogate_is_a_spec_error(stack: Stack) -> None:
    err = spec_error(lambda: fn(stack, environment={"TEXT": "a\ud800b"}))
    assert err.field == "environment" and "not valid Unicode" in str(err)
