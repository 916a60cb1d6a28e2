"""enhanced_fan_out=True on the project's emulator (`--local`): the stack's AWS::Kinesis::StreamConsumer is registered
on the stream and the function's mapping reads through the consumer's ARN. The embedded emulator learns both from
cfngen/local_models.py; plain moto skips the consumer and refuses a mapping from its ARN (probes
test_stream_consumer_is_skipped_like_other_unsupported_types and test_mapping_from_a_consumer_arn_is_refused).

Driven as a user meets it: a project in a temp folder outside the repo, relative paths, the installed console
script as a subprocess; the project's emulator is stopped when the test ends.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from local_fixtures import LocalProject, local_project

from cfngen.local import emulator

pytestmark = pytest.mark.integration

CLICKS = """
from cfngen import Stack

stack = Stack("efo-clicks")
fn = stack.function("Reader", code="functions/reader", handler="app.handler", runtime="python3.12")
fn.add_event_source(stack.kinesis_stream("Clicks"), starting_position="LATEST", enhanced_fan_out=True,
                    batch_size=50)
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalProject]:
    with local_project(tmp_path, monkeypatch, {"clicks.py": CLICKS}, code="reader") as found:
        yield found


def test_enhanced_fan_out_deploys_a_consumer_and_maps_from_its_arn(project: LocalProject) -> None:
    deploy = project.run("deploy", "--local", "--strict")
    assert deploy.returncode == 0, deploy.stderr
    assert "efo-clicks: created" in deploy.stdout

    resources = project.stack_resources("efo-clicks")
    stream_name, fn = resources["ClicksStream"], resources["ReaderFunction"]
    consumer_arn = resources["ReaderClicksConsumer"]
    kinesis = project.client("kinesis")
    stream_arn = kinesis.describe_stream_summary(StreamName=stream_name)["StreamDescriptionSummary"]["StreamARN"]
    (consumer,) = kinesis.list_stream_consumers(StreamARN=stream_arn)["Consumers"]
    assert consumer["ConsumerARN"] == consumer_arn  # Ref of the consumer is its ARN, as in CloudFormation
    assert consumer["ConsumerName"].startswith("ReaderClicks-")
    assert consumer_arn.startswith(f"{stream_arn}/consumer/{consumer['ConsumerName']}")

    (mapping,) = project.client("lambda").list_event_source_mappings(FunctionName=fn)["EventSourceMappings"]
    assert mapping["EventSourceArn"] == consumer_arn
    assert (mapping["BatchSize"], mapping["StartingPosition"]) == (50, "LATEST")

    status = project.run("status", "--local")
    assert status.returncode == 0, status.stderr

    delete = project.run("delete", "efo-clicks", "--local", "--yes")
    assert delete.returncode == 0, delete.stderr


def test_the_embedded_emulator_replaces_and_deregisters_consumers_and_maps_from_them_beside_the_stream() -> None:
    """The consumer model's attributes, update (a new name replaces it) and delete, and a mapping through a consumer
    beside a direct mapping from the same stream, each keeping its own EventSourceArn."""
    consumer = {
        "Type": "AWS::Kinesis::StreamConsumer",
        "Properties": {"ConsumerName": "first", "StreamARN": {"Fn::GetAtt": ["Stream", "Arn"]}},
    }
    template: dict[str, Any] = {
        "Resources": {
            "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"Name": "clicks", "ShardCount": 1}},
            "Consumer": consumer,
        },
        "Outputs": {
            "Name": {"Value": {"Fn::GetAtt": ["Consumer", "ConsumerName"]}},
            "Stream": {"Value": {"Fn::GetAtt": ["Consumer", "StreamARN"]}},
            "Arn": {"Value": {"Fn::GetAtt": ["Consumer", "ConsumerARN"]}},
            "Status": {"Value": {"Fn::GetAtt": ["Consumer", "ConsumerStatus"]}},
        },
    }  # fmt: skip
    with emulator() as emu:
        client = functools.partial(emu.session().client, endpoint_url=emu.endpoint_url)
        cf, kinesis = client("cloudformation"), client("kinesis")

        def outputs() -> dict[str, str]:
            listed = cf.describe_stacks(StackName="efo")["Stacks"][0]["Outputs"]
            return {o["OutputKey"]: o["OutputValue"] for o in listed}

        def consumers(stream_arn: str) -> list[str]:
            return [c["ConsumerName"] for c in kinesis.list_stream_consumers(StreamARN=stream_arn)["Consumers"]]

        cf.create_stack(StackName="efo", TemplateBody=json.dumps(template))
        first = outputs()
        stream_arn = first["Stream"]
        assert (first["Name"], first["Status"]) == ("first", "ACTIVE")
        assert first["Arn"] == f"{stream_arn}/consumer/first"
        assert consumers(stream_arn) == ["first"]

        # Lambda accepts the consumer's ARN beside the stream's own, and keeps each as the mapping's source.
        lam = client("lambda")
        iam = client("iam")
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        code = _zip("def handler(event, context):\n    return event\n")
        lam.create_function(FunctionName="f", Runtime="python3.12", Role=role, Handler="app.handler",
                            Code={"ZipFile": code})  # fmt: skip
        through = lam.create_event_source_mapping(FunctionName="f", EventSourceArn=first["Arn"],
                                                  StartingPosition="LATEST")  # fmt: skip
        direct = lam.create_event_source_mapping(FunctionName="f", EventSourceArn=stream_arn,
                                                 StartingPosition="LATEST")  # fmt: skip
        assert (through["EventSourceArn"], direct["EventSourceArn"]) == (first["Arn"], stream_arn)
        listed = lam.list_event_source_mappings(EventSourceArn=first["Arn"])["EventSourceMappings"]
        assert [m["UUID"] for m in listed] == [through["UUID"]]

        consumer["Properties"]["ConsumerName"] = "second"
        cf.update_stack(StackName="efo", TemplateBody=json.dumps(template))
        assert outputs()["Name"] == "second"
        assert consumers(stream_arn) == ["second"]

        cf.delete_stack(StackName="efo")
        assert kinesis.list_streams()["StreamNames"] == []


def _zip(source: str) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("app.py", source)
    return buffer.getvalue()
