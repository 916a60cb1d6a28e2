"""cfngen.names: the declared logical ids, what each owner claims, and reading names back from ids."""

from __future__ import annotations

from collections import Counter

import pytest

from cfngen import names
from cfngen.names import Owner, Section


def test_a_function_claims_its_ids_in_declaration_order_outputs_last() -> None:
    # The order decides which id a clash message names ("both need the logical id ...").
    assert names.ids(Owner.FUNCTION, "Fn") == [
        "FnFunction",
        "FnRole",
        "FnLogGroup",
        "FnCodeBucket",
        "FnCodeKey",
        "FnSourcesPolicy",
        "FnEventInvokeConfig",
        "FnVersion",
        "FnAlias",
        "FnCodeSha256",
        "Outputs.FnFunctionName",
        "Outputs.FnFunctionArn",
        "Outputs.FnAliasArn",
    ]
    assert names.ids(Owner.PULL_TRIGGER, "FnClicks") == [
        "FnClicksMapping",
        "FnClicksEnabled",
        "FnClicksIsEnabled",
        "FnClicksConsumer",
        "Outputs.FnClicksMappingId",
    ]


@pytest.mark.parametrize("owner", [Owner.EXISTING_SOURCE, Owner.BUCKET_NAME])
def test_owners_that_emit_nothing_claim_no_suffixed_id(owner: Owner) -> None:
    assert names.ids(owner, "Anything") == []


def test_no_owner_declares_the_same_id_twice() -> None:
    counts = Counter((d.owner, d.section is Section.OUTPUTS, d.suffix) for d in names.DECLARED)
    assert [key for key, n in counts.items() if n > 1] == []


def test_helpers_spell_the_claimed_ids_and_read_the_name_back() -> None:
    assert names.code_bucket("Fn") in names.ids(Owner.FUNCTION, "Fn")
    assert f"Outputs.{names.topic_arn_output('Alerts')}" in names.ids(Owner.SNS_TOPIC, "Alerts")
    assert names.mapping.stem(names.mapping("FnClicks")) == "FnClicks"
    assert names.function.stem("FnFunction") == "Fn"


def test_switches_are_enabled_parameters_whose_mapping_exists() -> None:
    template = {
        "Parameters": {"FnClicksEnabled": {}, "LoggingEnabled": {}, "FnCodeKey": {}},
        "Resources": {"FnClicksMapping": {}, "FnFunction": {}},
    }
    assert names.switches(template) == {"FnClicks": "FnClicksEnabled"}


def test_switches_include_rules_and_s3_routes_but_only_real_rules() -> None:
    template = {
        "Parameters": {"NightlyEnabled": {}, "FnTheirsEnabled": {}, "FakeEnabled": {}},
        "Resources": {
            "NightlyRule": {"Type": "AWS::Events::Rule"},
            "FnTheirsRule": {"Type": "AWS::Events::Rule"},
            "FakeRule": {"Type": "AWS::SNS::Topic"},  # a user's resource that only looks like one
        },
    }
    assert names.switches(template) == {"Nightly": "NightlyEnabled",
                                        "FnTheirs": "FnTheirsEnabled"}  # fmt: skip
    assert names.switched(template)["FnTheirs"] == ("FnTheirsEnabled", "FnTheirsRule")
