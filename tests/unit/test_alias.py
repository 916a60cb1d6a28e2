"""alias= and provisioned_concurrency=: their checks, and what the Version in the template depends on (the
configuration, never the code: a code change reaches the Version through the <Fn>CodeSha256 parameter).

The resources themselves are in tests/golden/alias.json; the structural golden tests check that every trigger
targets the alias. The emulator side (cfngen/local_models.py) is tested in tests/integration/test_alias.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cfngen import SpecError, Stack


def _function(tmp_path: Path, code: str = "code", stack_name: str = "al", **options: Any) -> Stack:
    (tmp_path / code).mkdir(exist_ok=True)
    stack = Stack(stack_name, base_dir=tmp_path)
    stack.function("Api", code=code, handler="app.handler", runtime="python3.12", **options)
    return stack


@pytest.mark.parametrize(
    ("alias", "said"),
    [
        ("123", "not only digits"),
        ("$LATEST", "letters, digits, '-' or '_'"),
        ("my alias", "letters, digits, '-' or '_'"),
        ("a" * 129, "a string of 1 to 128 characters"),
        ("", "a string of 1 to 128 characters"),
        (7, "a string of 1 to 128 characters"),
    ],
)
def test_an_alias_lambda_refuses_is_a_spec_error(tmp_path: Path, alias: object, said: str) -> None:
    with pytest.raises(SpecError) as raised:
        _function(tmp_path, alias=alias)
    assert raised.value.field == "alias" and raised.value.resource == "Api"
    assert said in str(raised.value) and repr(alias)[:20] in str(raised.value)


def test_provisioned_concurrency_needs_an_alias(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as raised:
        _function(tmp_path, provisioned_concurrency=5)
    assert raised.value.field == "provisioned_concurrency"
    assert "needs an alias" in str(raised.value) and raised.value.hint == 'add alias="live"'


@pytest.mark.parametrize(("value", "said"), [(0, "out of range; allowed: 1 to 100000"), (True, "not a whole number")])
def test_provisioned_concurrency_is_a_positive_count(tmp_path: Path, value: object, said: str) -> None:
    with pytest.raises(SpecError) as raised:
        _function(tmp_path, alias="live", provisioned_concurrency=value)
    assert raised.value.field == "provisioned_concurrency" and said in str(raised.value)


def test_provisioned_concurrency_above_the_reserved_concurrency_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as raised:
        _function(tmp_path, alias="live", provisioned_concurrency=11, reserved_concurrency=10)
    assert "11 is above reserved_concurrency 10; allowed: 1 to 10" in str(raised.value)


def test_an_alias_claims_its_ids(tmp_path: Path) -> None:
    """`<Fn>Version`, `<Fn>Alias` and `<Fn>CodeSha256` are the function's: another resource cannot take them."""
    stack = _function(tmp_path, alias="live")
    with pytest.raises(SpecError) as raised:
        stack.parameter("ApiCodeSha256")
    assert "clashes with the function Api" in str(raised.value)


def _version(stack: Stack) -> dict[str, Any]:
    resource: dict[str, Any] = json.loads(stack.to_json())["Resources"]["ApiVersion"]
    return resource


def test_the_version_follows_the_configuration_not_the_code(tmp_path: Path) -> None:
    """Other code, same definition: the same template (the code's hash is a parameter). Other memory: another
    Version Description, so CloudFormation publishes a version for a configuration change too."""
    first = _function(tmp_path, code="v1", alias="live")
    (tmp_path / "v2").mkdir()
    (tmp_path / "v2/app.py").write_text("def handler(event, context):\n    return 2\n")
    other_code = _function(tmp_path, code="v2", alias="live")
    more_memory = _function(tmp_path, code="v1", alias="live", memory=256)
    assert first.to_json() == other_code.to_json()
    assert _version(first)["Properties"]["CodeSha256"] == {"Ref": "ApiCodeSha256"}
    assert _version(first)["Properties"]["Description"] != _version(more_memory)["Properties"]["Description"]
    assert (_version(first)["DeletionPolicy"], _version(first)["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_without_an_alias_nothing_is_versioned(tmp_path: Path) -> None:
    template = json.loads(_function(tmp_path).to_json())
    types = {r["Type"] for r in template["Resources"].values()}
    assert not types & {"AWS::Lambda::Version", "AWS::Lambda::Alias"}
    assert "ApiCodeSha256" not in template["Parameters"]
