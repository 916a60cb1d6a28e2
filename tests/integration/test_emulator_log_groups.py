"""The embedded emulator updates a log group in place (plain moto drops it: probe
test_log_group_update_drops_it_from_the_stack), so tags added to a deployed stack reach its log groups."""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest

from cfngen.local import emulator

pytestmark = pytest.mark.integration


def test_a_log_group_update_keeps_it_and_changes_its_tags_and_retention() -> None:
    group: dict[str, Any] = {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/emu/group"}}
    template = {"Resources": {"G": group}, "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["G", "Arn"]}}}}
    with emulator() as emu:
        client = functools.partial(emu.session().client, endpoint_url=emu.endpoint_url)
        cf, logs = client("cloudformation"), client("logs")
        cf.create_stack(StackName="lg", TemplateBody=json.dumps(template))
        group["Properties"] |= {"Tags": [{"Key": "team", "Value": "payments"}], "RetentionInDays": 30}
        cf.update_stack(StackName="lg", TemplateBody=json.dumps(template))
        listed = cf.list_stack_resources(StackName="lg")["StackResourceSummaries"]
        assert [(r["LogicalResourceId"], r["PhysicalResourceId"]) for r in listed] == [("G", "/emu/group")]
        assert logs.list_tags_log_group(logGroupName="/emu/group")["tags"] == {"team": "payments"}
        found = logs.describe_log_groups(logGroupNamePrefix="/emu/group")["logGroups"]
        assert [g.get("retentionInDays") for g in found] == [30]
        group["Properties"]["Tags"] = [{"Key": "team", "Value": "ledger"}]
        cf.update_stack(StackName="lg", TemplateBody=json.dumps(template))
        assert logs.list_tags_log_group(logGroupName="/emu/group")["tags"] == {"team": "ledger"}
        cf.delete_stack(StackName="lg")
