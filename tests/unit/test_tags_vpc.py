"""Tags (stack and function), VPC functions and SSM parameter paths: AWS's rules as SpecErrors, the taggable-types
table checked against cfn-lint's resource schemas, what the builders render, and the VPC permissions checked against
cfn-lint's IAM data."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest

from cfngen import SpecError, SsmParameter, Stack, Vpc, awsdata
from cfngen.builders.tags import TAGGABLE, UNTAGGABLE
from cfngen.builders.triggers import notes
from cfngen.definitions.vpc import ENI_ACTIONS
from cfngen.deploy.pipeline import stack_tags
from cfngen.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]
CODE = ROOT / "tests/golden"
SUBNETS = ["subnet-01234567", "subnet-89abcdef"]
GROUPS = ["sg-01234567"]
KEY = "arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012"


def _schema(resource_type: str) -> dict[str, Any]:
    spec = importlib.util.find_spec("cfnlint")
    assert spec is not None and spec.submodule_search_locations
    base = Path(next(iter(spec.submodule_search_locations))) / "data/schemas"
    index = json.loads((base / "providers/us-east-1.json").read_text())
    schema: dict[str, Any] = json.loads((base / f"resources/{index[resource_type]}.json").read_text())
    return schema


def _fn(stack: Stack, name: str = "Api", **options: Any) -> Any:
    return stack.function(name, code="code", handler="app.handler", runtime="python3.12", **options)


def _template(stack: Stack) -> dict[str, Any]:
    return dict(json.loads(stack.to_json()))


# ----------------------------------------------------------------------------------------------- tags


@pytest.mark.parametrize("resource_type", sorted(set(TAGGABLE) | UNTAGGABLE))
def test_the_taggable_table_matches_cfn_lints_schemas(resource_type: str) -> None:
    tags = _schema(resource_type).get("properties", {}).get("Tags")
    if resource_type in UNTAGGABLE:
        assert tags is None
    else:
        assert tags is not None
        assert tags.get("type") == ("array" if TAGGABLE[resource_type] == "list" else "object")


def test_every_type_the_examples_and_golden_files_emit_is_classified() -> None:
    files = [*ROOT.glob("templates/*.json"), *CODE.glob("*.json")]
    emitted = {r["Type"] for f in files for r in json.loads(f.read_text()).get("Resources", {}).values()}
    assert emitted - set(TAGGABLE) - UNTAGGABLE == set()


def test_stack_tags_go_on_every_taggable_resource_and_a_functions_own_win() -> None:
    stack = Stack("tagged", tags={"team": "payments", "cost": "42"}, base_dir=CODE)
    api = _fn(stack, tags={"team": "api"})
    api.add_event_source(stack.sqs_queue("Jobs"))
    t = _template(stack)
    tagged = {i: r["Properties"].get("Tags") for i, r in t["Resources"].items()}
    for logical_id, resource in t["Resources"].items():
        if resource["Type"] in TAGGABLE:
            assert tagged[logical_id], logical_id
        else:
            assert tagged[logical_id] is None, logical_id
    assert tagged["ApiFunction"] == [{"Key": "cost", "Value": "42"}, {"Key": "team", "Value": "api"}]
    assert tagged["ApiRole"] == tagged["ApiLogGroup"] == tagged["ApiFunction"]
    assert tagged["JobsQueue"] == [{"Key": "cost", "Value": "42"}, {"Key": "team", "Value": "payments"}]


def test_no_tags_no_tags_property() -> None:
    stack = Stack("untagged", base_dir=CODE)
    _fn(stack)
    assert '"Tags"' not in stack.to_json()


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({"aws:team": "x"}, "starts with 'aws:'"),
        ({"AWS:team": "x"}, "starts with 'aws:'"),
        ({"": "x"}, "1 to 128 characters"),
        ({"k" * 129: "x"}, "1 to 128 characters"),
        ({"team": "v" * 257}, "0 to 256 characters"),
        ({"team": 3}, "0 to 256 characters"),
        ({"team!": "x"}, "the character '!'"),
        ({"team": "a;b"}, "the character ';'"),
        ({f"k{i}": "v" for i in range(51)}, "51 tags on one resource; allowed: at most 50"),
        (["team"], "a dict of tag key to value"),
    ],
)
def test_bad_stack_tags_are_spec_errors(tags: Any, message: str) -> None:
    with pytest.raises(SpecError, match=r"tagged\.tags") as caught:
        Stack("tagged", tags=tags)
    assert message in str(caught.value)


def test_unicode_letters_spaces_and_the_allowed_punctuation_pass() -> None:
    tags = {"Équipe": "Paiements été", "a_.:/=+-@": "", "x": " 1 2 "}
    assert Stack("tagged", tags=tags).tags == dict(sorted(tags.items()))


def test_a_functions_tags_count_with_the_stacks() -> None:
    stack = Stack("tagged", tags={f"s{i}": "v" for i in range(49)}, base_dir=CODE)
    _fn(stack, "One", tags={"s1": "shared key: still 49"})
    with pytest.raises(SpecError, match=r"tagged\.Two\.tags: 51 tags on one resource \(with the stack's 49\)"):
        _fn(stack, "Two", tags={"a": "1", "b": "2"})


def test_deploy_tags_add_to_the_stacks_and_win() -> None:
    stack = Stack("tagged", tags={"team": "payments", "cost": "42"})
    assert stack_tags(stack, {"team": "ops", "env": "prod"}) == {"cost": "42", "env": "prod", "team": "ops"}
    with pytest.raises(UsageError, match="--tag aws:x=1: key 'aws:x' starts with 'aws:'"):
        stack_tags(stack, {"aws:x": "1"})
    with pytest.raises(UsageError, match="51 stack tags"):
        stack_tags(stack, {f"k{i}": "v" for i in range(49)})


# ------------------------------------------------------------------------------------------------ VPC


def test_vpc_config_and_the_network_interface_permissions() -> None:
    stack = Stack("vpc", base_dir=CODE)
    subnet = stack.parameter("Subnet", default="subnet-0123456789abcdef0")
    _fn(stack, vpc=Vpc(subnet_ids=[SUBNETS[0], subnet], security_group_ids=GROUPS))
    t = _template(stack)
    assert t["Resources"]["ApiFunction"]["Properties"]["VpcConfig"] == {
        "SecurityGroupIds": GROUPS,
        "SubnetIds": [SUBNETS[0], {"Ref": "Subnet"}],
    }
    statements = t["Resources"]["ApiRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    ec2 = {tuple(st["Action"]): st["Resource"] for st in statements if st["Action"][0].startswith("ec2:")}
    prefix = "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:"
    assert ec2 == {
        ("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"): ["*"],
        ("ec2:CreateNetworkInterface",): [
            {"Fn::Sub": prefix + "network-interface/*"},
            {"Fn::Sub": prefix + "subnet/subnet-01234567"},
            {"Fn::Sub": prefix + "subnet/${Subnet}"},
            {"Fn::Sub": prefix + "security-group/sg-01234567"},
        ],
        (
            "ec2:AssignPrivateIpAddresses",
            "ec2:DeleteNetworkInterface",
            "ec2:UnassignPrivateIpAddresses",
        ): [{"Fn::Sub": prefix + "network-interface/*"}],
    }
    assert "CKV_AWS_117" not in json.dumps(t["Resources"]["ApiFunction"].get("Metadata", {}))
    assert notes(stack) == []


def test_eni_actions_are_iam_actions_and_only_the_describes_are_unscopable() -> None:
    for level, actions in ENI_ACTIONS.items():
        for action in actions:
            assert action.lower() in awsdata.service_actions("ec2"), action
            assert awsdata.action_takes_resources(f"ec2:{action}") == (level != "describe"), action


def test_one_subnet_is_a_warning_not_an_error() -> None:
    stack = Stack("vpc", base_dir=CODE)
    _fn(stack, vpc=Vpc(subnet_ids=SUBNETS[:1], security_group_ids=GROUPS))
    assert [n for n in notes(stack) if n.startswith("warning: Api runs in 1 subnet")]


@pytest.mark.parametrize(
    ("subnets", "groups", "message"),
    [
        (["subnet-123"], GROUPS, r"Vpc\.subnet_ids: 'subnet-123' is not allowed"),
        ([], GROUPS, r"Vpc\.subnet_ids: \[\] is not allowed; allowed: a list of 1 to 16 ids"),
        ("subnet-01234567", GROUPS, r"Vpc\.subnet_ids: 'subnet-01234567' is not allowed"),
        ([f"subnet-{i:08x}" for i in range(17)], GROUPS, r"Vpc\.subnet_ids: .* 1 to 16 ids"),
        (SUBNETS, [f"sg-{i:08x}" for i in range(6)], r"Vpc\.security_group_ids: .* 1 to 5 ids"),
        (SUBNETS, ["subnet-01234567"], r"Vpc\.security_group_ids: 'subnet-01234567' is not allowed"),
        ([SUBNETS[0], SUBNETS[0]], GROUPS, r"Vpc\.subnet_ids: 'subnet-01234567' is listed twice"),
    ],
)
def test_bad_vpc_ids_are_spec_errors(subnets: Any, groups: Any, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        Vpc(subnet_ids=subnets, security_group_ids=groups)


def test_a_vpc_of_another_stacks_parameter_or_not_a_vpc_is_refused() -> None:
    other = Stack("other", base_dir=CODE).parameter("Subnet", default="subnet-01234567")
    stack = Stack("vpc", base_dir=CODE)
    with pytest.raises(SpecError, match=r"vpc\.Api\.vpc: parameter Subnet names Subnet of stack other"):
        _fn(stack, vpc=Vpc(subnet_ids=[other], security_group_ids=GROUPS))
    with pytest.raises(SpecError, match=r"vpc\.Two\.vpc: .* allowed: Vpc\(subnet_ids"):
        _fn(stack, "Two", vpc={"subnet_ids": SUBNETS})


# ------------------------------------------------------------------------------------------- SSM paths


def test_a_path_grants_get_parameters_by_path_on_it_and_get_parameter_under_it() -> None:
    stack = Stack("ssm", base_dir=CODE)
    api = _fn(stack)
    settings = SsmParameter.from_path("/payments/prod/", kms_key=KEY)
    assert settings.ident == "PaymentsProd"
    settings.grant_read(api)
    api_env = _fn(stack, "Other", environment={"PREFIX": settings.name})
    assert api_env.environment["PREFIX"].text == "/payments/prod"
    statements = _template(stack)["Resources"]["ApiRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    arn = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/payments/prod"
    assert statements[1:] == [
        {"Action": ["ssm:GetParametersByPath"], "Effect": "Allow", "Resource": [{"Fn::Sub": arn}]},
        {"Action": ["ssm:GetParameter", "ssm:GetParameters"], "Effect": "Allow", "Resource": [{"Fn::Sub": arn + "/*"}]},
        {"Action": ["kms:Decrypt"], "Effect": "Allow", "Resource": [KEY]},
    ]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/", "is the root: it would grant every parameter"),
        ("///", "is the root"),
        ("payments/prod", "is not an SSM parameter path; allowed: '/'-separated segments starting with '/'"),
        (3, "is not an SSM parameter path"),
        ("/payments prod/", "is not an SSM parameter name"),
        ("/aws/service/", "starts with a prefix AWS reserves"),
    ],
)
def test_bad_ssm_paths_are_spec_errors(path: Any, message: str) -> None:
    with pytest.raises(SpecError, match=re.escape(message)):
        SsmParameter.from_path(path)
