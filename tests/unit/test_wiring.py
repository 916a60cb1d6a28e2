"""References, grants, stack parameters, secrets and function_name: definitions and what the builders render.

The action lists are checked against cfn-lint's IAM action list (a misspelled action fails here), every grant
against the same checks as user policies, and every bad value is a located SpecError.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cfngen import (
    DynamoDBTable,
    Reference,
    S3Bucket,
    Secret,
    SnsTopic,
    SpecError,
    SqsQueue,
    SsmParameter,
    Stack,
    awsdata,
)
from cfngen.builders.grants import merged
from cfngen.definitions import ACTIONS
from cfngen.definitions.checks import Where
from cfngen.definitions.policies import check_policies

CODE = Path(__file__).resolve().parents[1] / "golden"
KEY = "arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012"
SECRET = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:api-AbCdEf"


def _stack(name: str = "wiring") -> Stack:
    return Stack(name, base_dir=CODE)


def _fn(stack: Stack, name: str = "Api", **options: Any) -> Any:
    return stack.function(name, code="code", handler="app.handler", runtime="python3.12", **options)


def _template(stack: Stack) -> dict[str, Any]:
    return json.loads(stack.to_json())  # type: ignore[no-any-return]


def _role_statements(t: dict[str, Any], fn: str = "Api") -> list[dict[str, Any]]:
    return t["Resources"][f"{fn}Role"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------------------- action lists


@pytest.mark.parametrize(("service", "level"), sorted(ACTIONS))
def test_every_granted_action_is_one_iam_knows(service: str, level: str) -> None:
    known = awsdata.service_actions(service)
    assert known, f"cfn-lint's IAM data has no service {service}"
    unknown = [a for a in ACTIONS[service, level] if a.lower() not in known]
    assert not unknown, f"{service} {level}: {unknown} are not IAM actions"
    assert list(ACTIONS[service, level]) == sorted(ACTIONS[service, level]), "written sorted, as rendered"


def test_every_grant_passes_the_checks_user_policies_pass() -> None:
    stack = _stack()
    fn = _fn(stack)
    sources = [
        stack.dynamodb_table("T", partition_key="id", kms_key=KEY),
        stack.s3_bucket("B"),
        stack.sqs_queue("Q", kms_key=KEY),
        stack.sns_topic("N", kms_key=KEY),
        stack.kinesis_stream("K"),
        Secret.from_arn(SECRET, kms_key=KEY),
        SsmParameter.from_name("/app/db", kms_key=KEY),
    ]
    for source in sources:
        for method in [m for m in dir(source) if m.startswith("grant_") and m != "grant_statements"]:
            getattr(source, method)(fn)
    statements = [
        {"Action": [f"{st.service}:{a}" for a in st.actions], "Resource": list(st.resources)}
        for grant in fn.grants
        for st in grant.statements()
    ]
    assert len(statements) >= 14
    check_policies(Where(stack, "Api"), statements)  # raises on a wildcard action or an unscoped resource
    for st in statements:
        assert all("*" not in a for a in st["Action"]), st


# ---------------------------------------------------------------------------------------- references


def test_references_render_as_ref_getatt_and_sub_never_literals() -> None:
    stack = _stack()
    stage = stack.parameter("Stage", default="dev", allowed=["dev", "prod"])
    table = stack.dynamodb_table("Accounts", partition_key="id", stream_view="NEW_IMAGE")
    queue = stack.sqs_queue("Outbox")
    topic = stack.sns_topic("Events")
    bucket = stack.s3_bucket("Receipts")
    env = {
        "TABLE": table.name,
        "STREAM": table.stream_arn,
        "URL": queue.url,
        "TOPIC": topic.arn,
        "STAGE": stage,
        "LABEL": "a-" + stage + "-${AWS::Region}-${HOME}",
        "BUCKET": bucket.name,
        "SECRET": Secret.from_arn(SECRET).arn,
        "PARAM": SsmParameter.from_name("/app/db").name,
    }
    _fn(stack, environment=env)
    variables = _template(stack)["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["TABLE"] == {"Ref": "AccountsTable"}
    assert variables["STREAM"] == {"Fn::GetAtt": ["AccountsTable", "StreamArn"]}
    assert variables["URL"] == {"Ref": "OutboxQueue"}
    assert variables["TOPIC"] == {"Ref": "EventsTopic"}
    assert variables["STAGE"] == {"Ref": "Stage"}
    assert variables["LABEL"] == {"Fn::Sub": "a-${Stage}-${AWS::Region}-${!HOME}"}  # a literal ${ stays literal
    assert variables["BUCKET"]["Fn::Sub"][0] == "wiring-receipts-${StackIdHead}-${AWS::AccountId}-${AWS::Region}"
    assert variables["SECRET"] == {"Fn::Sub": SECRET}
    assert variables["PARAM"] == "/app/db"


def test_existing_sources_expose_the_same_attributes() -> None:
    queue = SqsQueue.from_arn("arn:aws:sqs:eu-west-1:123456789012:jobs")
    assert (queue.url.text, queue.arn.text, queue.name.text) == (
        "https://sqs.eu-west-1.${AWS::URLSuffix}/123456789012/jobs",
        "arn:aws:sqs:eu-west-1:123456789012:jobs",
        "jobs",
    )
    table = DynamoDBTable.from_stream_arn("arn:aws:dynamodb:eu-west-1:123456789012:table/ledger/stream/2024-01-01")
    assert (table.name.text, table.arn.text) == ("ledger", "arn:aws:dynamodb:eu-west-1:123456789012:table/ledger")
    assert table.stream_arn.text.endswith("/stream/2024-01-01")
    assert SnsTopic.from_arn("arn:aws:sns:eu-west-1:123456789012:ops").name.text == "ops"
    assert S3Bucket.from_name("my-bucket").arn.text == "arn:${AWS::Partition}:s3:::my-bucket"


def test_a_reference_in_an_f_string_is_refused_not_guessed() -> None:
    stack = _stack()
    table = stack.dynamodb_table("Accounts", partition_key="id")
    with pytest.raises(TypeError, match=r"resolved by CloudFormation.*compose with \+"):
        f"{table.name}-x"
    assert isinstance("x-" + table.name, Reference)


def test_a_reference_to_another_stacks_resource_is_imported_everywhere_a_value_goes() -> None:
    other = _stack("other")
    table = other.dynamodb_table("Accounts", partition_key="id")
    stack = _stack()
    _fn(stack, environment={"TABLE": table.name})
    _fn(stack, "Other", policies=[{"Action": ["dynamodb:GetItem"], "Resource": [table.arn]}])
    table.grant_read(_fn(stack, "Third"))
    assert sorted(stack.imports) == ["OtherAccountsTableArn", "OtherAccountsTableName"]
    t = json.loads(stack.to_json())
    assert t["Resources"]["ApiFunction"]["Properties"]["Environment"]["Variables"]["TABLE"] == {
        "Ref": "OtherAccountsTableName"
    }
    assert '"AccountsTable"' not in json.dumps(t["Resources"])  # no Ref/GetAtt of a resource this stack lacks


def test_a_table_without_a_stream_has_no_stream_arn() -> None:
    table = _stack().dynamodb_table("Accounts", partition_key="id")
    with pytest.raises(SpecError, match=r"has no stream.*stream_view"):
        table.stream_arn  # noqa: B018


def test_references_are_allowed_in_policies() -> None:
    stack = _stack()
    bucket = stack.s3_bucket("Receipts")
    _fn(stack, policies=[{"Action": ["s3:GetObjectTagging"], "Resource": [bucket.arn + "/*"]}])
    resource = _role_statements(_template(stack))[1]["Resource"][0]
    assert resource["Fn::Sub"][0].endswith("${AWS::Region}/*")


# ---------------------------------------------------------------------------------------- grants


def test_a_grant_and_an_event_source_on_one_queue_grant_no_action_twice() -> None:
    stack = _stack()
    queue = stack.sqs_queue("Jobs", kms_key=KEY)
    fn = _fn(stack)
    fn.add_event_source(queue)
    queue.grant_consume(fn)
    queue.grant_consume(fn)  # the same grant twice is one grant
    queue.grant_send(fn)
    assert len(fn.grants) == 2
    t = _template(stack)
    sources = t["Resources"]["ApiSourcesPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    granted: list[tuple[str, str]] = []
    for st in _role_statements(t) + sources:
        granted += [(a, json.dumps(r, sort_keys=True)) for a in st["Action"] for r in st["Resource"]]
    assert len(granted) == len(set(granted)), sorted(granted)
    actions = {a for a, _ in granted}
    assert {"sqs:ChangeMessageVisibility", "sqs:SendMessage", "sqs:ReceiveMessage", "kms:GenerateDataKey"} <= actions


def test_grants_are_scoped_to_exactly_their_resource() -> None:
    stack = _stack()
    table = stack.dynamodb_table("Accounts", partition_key="id")
    bucket = stack.s3_bucket("Receipts", bucket_name="wiring-receipts")
    fn = _fn(stack)
    table.grant_read(fn)
    bucket.grant_read(fn)
    bucket.grant_write(fn)
    by_action = {a: st["Resource"] for st in _role_statements(_template(stack)) for a in st["Action"]}
    assert by_action["dynamodb:Query"] == [
        {"Fn::GetAtt": ["AccountsTable", "Arn"]},
        {"Fn::Sub": "${AccountsTable.Arn}/index/*"},
    ]
    assert by_action["s3:GetObject"] == [{"Fn::Sub": "arn:${AWS::Partition}:s3:::wiring-receipts/*"}]
    assert by_action["s3:PutObject"] == [{"Fn::Sub": "arn:${AWS::Partition}:s3:::wiring-receipts/*"}]
    assert by_action["s3:ListBucket"] == [{"Fn::Sub": "arn:${AWS::Partition}:s3:::wiring-receipts"}]
    assert "dynamodb:PutItem" not in by_action


def test_secure_string_and_secret_keys_get_decrypt_only_when_given() -> None:
    stack = _stack()
    fn = _fn(stack)
    SsmParameter.from_name("/app/plain").grant_read(fn)
    assert [st.service for st in merged(fn)] == ["ssm"]
    SsmParameter.from_name("/app/secure", kms_key=KEY).grant_read(fn)
    Secret.from_arn(SECRET, kms_key=KEY).grant_read(fn)
    kms = [st for st in merged(fn) if st.service == "kms"]
    assert [(st.actions, st.resources[0].text) for st in kms] == [(("Decrypt",), KEY)]  # once, for both


def test_grant_refuses_what_is_not_a_function() -> None:
    table = _stack().dynamodb_table("Accounts", partition_key="id")
    with pytest.raises(SpecError, match=r"allowed: a function from stack\.function") as err:
        table.grant_read("Api")
    assert err.value.resource == "Accounts.grant_read"


# ---------------------------------------------------------------------------------------- parameters, names


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        ({"default": "qa", "allowed": ["dev", "prod"]}, "default", "'qa' is not one of allowed"),
        ({"allowed": "dev"}, "allowed", "allowed: a list of strings"),
        ({"allowed": ["dev", "dev"]}, "allowed", "repeats a value"),
        ({"default": 3}, "default", "3 is not allowed"),
        ({"no_echo": "yes"}, "no_echo", "allowed: True or False"),
    ],
)
def test_bad_parameters_are_located_spec_errors(options: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(SpecError, match=message) as err:
        _stack().parameter("Stage", **options)
    assert (err.value.stack, err.value.resource, err.value.field) == ("wiring", "Stage", field)


def test_parameter_names_are_checked_and_claimed() -> None:
    stack = _stack()
    for bad in ("1Stage", "Stage-x", "StackIdHead", ""):
        with pytest.raises(SpecError, match="not allowed"):
            stack.parameter(bad)
    stack.parameter("Stage")
    with pytest.raises(SpecError, match="clashes with the parameter Stage"):
        stack.parameter("Stage")
    stack.dynamodb_table("Accounts", partition_key="id")
    with pytest.raises(SpecError, match="clashes"):
        stack.parameter("AccountsTable")


def test_parameters_render_with_their_options() -> None:
    stack = _stack()
    stack.parameter("Stage", default="dev", allowed=["dev", "prod"], description="the stage")
    stack.parameter("Token", no_echo=True)
    params = _template(stack)["Parameters"]
    assert params["Stage"] == {"AllowedValues": ["dev", "prod"], "Default": "dev", "Description": "the stage",
                               "Type": "String"}  # fmt: skip
    assert params["Token"] == {"NoEcho": True, "Type": "String"}


def test_a_no_echo_parameter_is_refused_in_the_environment() -> None:
    stack = _stack()
    token = stack.parameter("Token", no_echo=True)
    with pytest.raises(SpecError, match="no_echo") as err:
        _fn(stack, environment={"TOKEN": token})
    assert err.value.field == "environment" and "Secret.from_arn" in str(err.value)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("x" * 65, "1 to 64 letters"),
        ("has space", "1 to 64 letters"),
        ("fn-${AWS::StackName}", "placeholder"),
        ("payments.api", "1 to 64 letters"),
    ],
)
def test_bad_function_names_are_refused(name: str, message: str) -> None:
    with pytest.raises(SpecError, match=message) as err:
        _fn(_stack(), function_name=name)
    assert err.value.field == "function_name"


def test_function_names_are_checked_for_every_parameter_value_and_placeholder() -> None:
    stack = _stack()
    stage = stack.parameter("Stage", default="dev", allowed=["dev", "x" * 61])
    with pytest.raises(SpecError, match="with \\{'Stage': 'xxx"):
        _fn(stack, function_name="api-" + stage)
    fine = stack.parameter("Env", default="dev", allowed=["dev", "prod"])
    _fn(stack, "Ok", function_name="api-" + fine + "-${AWS::Region}")
    # The longest region and the 12-digit account still fit in 64 characters, or the name is refused.
    with pytest.raises(SpecError, match="function_name"):
        _fn(stack, "Long", function_name="a" * 40 + "-${AWS::Region}-${AWS::AccountId}")
    table = stack.dynamodb_table("Accounts", partition_key="id")
    with pytest.raises(SpecError, match="AccountsTable, whose value is not known before deploy"):
        _fn(stack, "Bad", function_name="api-" + table.name)
    t = _template(stack)
    assert t["Resources"]["OkFunction"]["Properties"]["FunctionName"] == {"Fn::Sub": "api-${Env}-${AWS::Region}"}


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Secret.from_arn("arn:aws:secretsmanager:us-east-1:123456789012:secret:api"), "full ARN"),
        (lambda: Secret.from_arn("arn:aws:sqs:us-east-1:123456789012:q"), "full ARN"),
        (lambda: Secret.from_arn(SECRET, kms_key="alias/x"), "not a valid kms-key ARN"),
        (lambda: SsmParameter.from_name("has space"), "not an SSM parameter name"),
        (lambda: SsmParameter.from_name("/aws/reference/x"), "reserves"),
        (lambda: SsmParameter.from_name("/app/x", kms_key="k"), "not a valid kms-key ARN"),
        (lambda: DynamoDBTable.from_name("x"), "3 to 255"),
    ],
)
def test_bad_existing_secrets_and_parameters_are_refused(make: Any, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        make()


def test_a_table_named_without_its_stream_is_not_an_event_source() -> None:
    stack = _stack()
    with pytest.raises(SpecError, match="from_stream_arn") as err:
        _fn(stack).add_event_source(DynamoDBTable.from_name("ledger"), starting_position="LATEST")
    assert err.value.field == "source"
