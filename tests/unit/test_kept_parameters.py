"""A deploy keeps the values of parameters it is not given (deploy/compare.keep_deployed), as `aws cloudformation
deploy` and rain do: a stack parameter set once with --parameter, a NoEcho one (sent as UsePreviousValue), but a
parameter deployed at its default follows a changed default."""

from __future__ import annotations

from typing import Any

import pytest

from cfngen.deploy.compare import MASKED, differences, keep_deployed, sent
from cfngen.errors import UsageError


def _template(**params: dict[str, Any]) -> dict[str, Any]:
    return {"Parameters": params, "Resources": {}}


def _current(**values: str) -> Any:
    return {"Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]}


STAGE = {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]}


def test_a_value_set_once_is_kept_and_said() -> None:
    t = _template(Stage=STAGE)
    params, notes = keep_deployed(_current(Stage="prod"), t, t, {}, ())
    assert params == {"Stage": "prod"}
    assert notes == ["Stage: keeping deployed value 'prod' (spec default 'dev'; --parameter Stage=... sets it)"]
    assert differences(_current(Stage="prod"), t, t, params, {}).parameters == ()


def test_given_values_win_and_a_default_follows_a_changed_default() -> None:
    t = _template(Stage=STAGE)
    assert keep_deployed(_current(Stage="prod"), t, t, {"Stage": "dev"}, {"Stage"}) == ({"Stage": "dev"}, [])
    new = _template(Stage={**STAGE, "Default": "prod"})
    assert keep_deployed(_current(Stage="dev"), t, new, {}, ()) == ({}, [])  # deployed at the old default


def test_a_kept_value_the_template_no_longer_allows_is_refused() -> None:
    t = _template(Stage={**STAGE, "AllowedValues": ["dev", "prod", "qa"]})
    with pytest.raises(UsageError, match="parameter Stage: the deployed value 'qa' is no longer allowed"):
        keep_deployed(_current(Stage="qa"), t, _template(Stage=STAGE), {}, ())


def test_a_masked_no_echo_value_is_kept_as_use_previous_value() -> None:
    t = _template(Token={"Type": "String", "Default": "x", "NoEcho": True}, Stage=STAGE)
    params, notes = keep_deployed(_current(Token=MASKED, Stage="dev"), t, t, {}, ())
    assert params == {"Token": MASKED}
    assert notes == ["Token: keeping deployed value (NoEcho) (spec default 'x'; --parameter Token=... sets it)"]
    assert sent({**params, "Stage": "dev"}, t) == [
        {"ParameterKey": "Stage", "ParameterValue": "dev"},
        {"ParameterKey": "Token", "UsePreviousValue": True},
    ]
    changed = differences(_current(Token="old", Stage="dev"), t, t, {"Token": "new"}, {}).parameters
    assert [(c.deployed, c.deploying) for c in changed] == [(MASKED, MASKED)]  # diff never prints a NoEcho value


def test_a_changed_create_only_property_marks_a_row_as_a_replacement() -> None:
    from cfngen.deploy.changeset import Row
    from cfngen.deploy.compare import replacements

    def fn(name: str, memory: int) -> dict[str, Any]:
        return {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": name, "MemorySize": memory}}

    old = {"Resources": {"A": fn("a", 128), "B": fn("b", 128), "C": fn("c", 128)}}
    new = {"Resources": {"A": fn("a2", 128), "B": fn("b", 256), "C": fn("c2", 128)}}
    rows = [Row("Modify", "A", "AWS::Lambda::Function", ""), Row("Modify", "B", "AWS::Lambda::Function", "")]
    rows.append(Row("Modify", "C", "AWS::Lambda::Function", "False"))  # AWS's own answer is kept
    marked = replacements(rows, old, new)
    assert [(r.logical_id, r.replacement, r.symbol) for r in marked] == [
        ("A", "True", "!"),
        ("B", "", "~"),
        ("C", "False", "~"),
    ]
    assert str(marked[0]) == "  ! A (AWS::Lambda::Function) (replacement)"
