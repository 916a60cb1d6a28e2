"""The botocore Stubber harness the *_stubbed tests share, for the AWS behaviours moto does not reproduce.

`Harness` holds real boto3 clients behind Stubbers, hands them out through `FakeAws` (what
cfngen.deploy.session.AwsClients asks for), and gives the code under test an `Io` whose clock moves only
when the code sleeps, whose output is collected, and whose ClientRequestTokens are numbered: the script
side predicts each one with `token()`. Its methods queue AWS's answers, shaped as AWS sends them; the
Stubbers check every request (operation, order and parameters). `harness()` builds one and, at the end
of the test, checks that every queued answer was asked for.

Imported as `stubs`: pytest puts tests/unit on sys.path (pythonpath in pyproject.toml).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from botocore.stub import Stubber

from cfngen.deploy.engine import Options, Result, Target, deploy_stack
from cfngen.deploy.events import Io

STACK = "orders"
STACK_ID = f"arn:aws:cloudformation:us-east-1:123456789012:stack/{STACK}/11111111-2222-3333-4444-555555555555"
CS_ID = "arn:aws:cloudformation:us-east-1:123456789012:changeSet/cfngen/66666666-7777-8888-9999-000000000000"
CREATED = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.UTC)
T0 = dt.datetime(2024, 5, 2, 9, 0, 0, tzinfo=dt.UTC)  # "now" for the code under test; events come after it
MUTATING = {
    "create_change_set",
    "execute_change_set",
    "delete_change_set",
    "delete_stack",
    "update_stack",
    "create_stack",
    "update_termination_protection",
}


def make_client(service: str) -> Any:
    """A real client with fake credentials: it never signs with the user's, and a Stubber answers for AWS."""
    return botocore.session.Session().create_client(
        service, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def as_parameters(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(values.items())]


def token_number(n: int) -> str:
    return f"cfngen-test-{n}"


class FakeAws:
    """cfngen.deploy.session.AwsClients over given clients; asking for any other service fails the test."""

    def __init__(self, clients: dict[str, Any], region_name: str = "us-east-1") -> None:
        self.clients = clients
        self.region_name = region_name

    def client(self, service: str) -> Any:
        assert service in self.clients, f"unexpected client {service!r}"
        return self.clients[service]


@dataclass
class Harness:
    """Stubbed clients, a fake clock, collected output, numbered tokens and a record of every call made.

    `template_body` and `parameters` are what a deploy of the test's stack sends by default; `deployed` are the
    parameters DescribeStacks reports by default.
    """

    clients: dict[str, Any]
    stubbers: dict[str, Stubber]
    template_body: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    deployed: dict[str, str] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)
    now: float = 0.0
    sleep_hook: Callable[[float], None] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    tokens: int = 0  # tokens the script expects
    issued: int = 0  # tokens the code under test took from Io

    # --- collaborators ---

    @property
    def cfn(self) -> Any:
        return self.clients["cloudformation"]

    @property
    def lam(self) -> Any:
        return self.clients["lambda"]

    @property
    def stubber(self) -> Stubber:
        return self.stubbers["cloudformation"]

    @property
    def aws(self) -> FakeAws:
        return FakeAws(self.clients)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.sleep_hook is not None:
            self.sleep_hook(seconds)

    def issue(self) -> str:
        self.issued += 1
        return token_number(self.issued)

    def io(self) -> Io:
        return Io(
            echo=self.lines.append,
            clock=lambda: self.now,
            sleep=self.sleep,
            rng=random.Random(0),
            token=self.issue,
            now=lambda: T0,
        )

    def token(self) -> str:
        """The next ClientRequestToken the code under test will take."""
        self.tokens += 1
        return token_number(self.tokens)

    def target(
        self, template: dict[str, Any] | None = None, parameters: dict[str, str] | None = None, **kw: Any
    ) -> Target:
        body = self.template_body if template is None else template
        return Target(
            STACK,
            json.dumps(body, indent=2, sort_keys=True),
            self.parameters if parameters is None else parameters,
            **kw,
        )

    def deploy(self, tgt: Target | None = None, options: Options | None = None) -> Result:
        return deploy_stack(self.aws, tgt or self.target(), options or Options(), self.io())

    def mutations(self) -> list[str]:
        return [c for c in self.calls if c in MUTATING]

    # --- CloudFormation answers ---

    def stack(
        self, status: str = "UPDATE_COMPLETE", *, parameters: dict[str, str] | None = None, outputs: bool = False
    ) -> None:
        description: dict[str, Any] = {
            "StackId": STACK_ID,
            "StackName": STACK,
            "CreationTime": CREATED,
            "StackStatus": status,
            "Parameters": [  # in the given order: enable/disable must keep the stack's own
                {"ParameterKey": k, "ParameterValue": v}
                for k, v in (self.deployed if parameters is None else parameters).items()
            ],
            "Tags": [],
        }
        if outputs:
            description["Outputs"] = [{"OutputKey": "FnName", "OutputValue": "orders-Fn-ABC"}]
        self.stubber.add_response("describe_stacks", {"Stacks": [description]}, {"StackName": STACK})

    def error(self, method: str, code: str, text: str, params: dict[str, Any], service: str = "cloudformation") -> None:
        self.stubbers[service].add_client_error(method, code, text, 400, expected_params=params)

    def missing(self) -> None:
        """AWS's answer for a stack that does not exist: a ValidationError, not an empty list."""
        self.error("describe_stacks", "ValidationError", f"Stack with id {STACK} does not exist", {"StackName": STACK})

    def throttled(self, method: str = "describe_stacks") -> None:
        self.error(method, "Throttling", "Rate exceeded", {"StackName": STACK})

    def template(self, body: dict[str, Any] | None = None) -> None:
        self.stubber.add_response(
            "get_template",
            {
                "TemplateBody": json.dumps(self.template_body if body is None else body),
                "StagesAvailable": ["Original", "Processed"],
            },
            {"StackName": STACK, "TemplateStage": "Original"},
        )

    def change_set(
        self,
        kind: str,
        parameters: dict[str, str] | None = None,
        *,
        status: str = "CREATE_COMPLETE",
        reason: str | None = None,
        template: dict[str, Any] | None = None,
    ) -> str:
        token = self.token()
        self.stubber.add_response(
            "create_change_set",
            {"Id": CS_ID, "StackId": STACK_ID},
            {
                "StackName": STACK,
                "ChangeSetName": token,
                "ChangeSetType": kind,
                "Parameters": as_parameters(self.parameters if parameters is None else parameters),
                "Capabilities": ["CAPABILITY_IAM"],
                "Tags": [],
                "TemplateBody": json.dumps(
                    self.template_body if template is None else template, indent=2, sort_keys=True
                ),
            },
        )
        described: dict[str, Any] = {
            "ChangeSetName": token,
            "ChangeSetId": CS_ID,
            "StackId": STACK_ID,
            "StackName": STACK,
            "Status": status,
            "ExecutionStatus": "AVAILABLE" if status == "CREATE_COMPLETE" else "UNAVAILABLE",
            "Changes": [
                {
                    "Type": "Resource",
                    "ResourceChange": {
                        "Action": "Add",
                        "LogicalResourceId": "FnRole",
                        "ResourceType": "AWS::IAM::Role",
                    },
                }
            ],
        }
        if reason is not None:
            described["StatusReason"] = reason
            described["Changes"] = []
        self.stubber.add_response("describe_change_set", described, {"ChangeSetName": CS_ID, "StackName": STACK})
        return token

    def change_sets(self, *summaries: tuple[str, str, str]) -> None:
        """ListChangeSets: (name, Status, ExecutionStatus) for each change set on the stack."""
        rows = [
            {"ChangeSetName": n, "Status": s, "ExecutionStatus": e, "StackName": STACK, "StackId": STACK_ID}
            for n, s, e in summaries
        ]
        self.stubber.add_response("list_change_sets", {"Summaries": rows}, {"StackName": STACK})

    def delete_change_set(self) -> None:
        self.stubber.add_response("delete_change_set", {}, {"ChangeSetName": CS_ID, "StackName": STACK})

    def delete_stack(self, token: str | None = None) -> None:
        params: dict[str, Any] = {"StackName": STACK}
        if token is not None:
            params["ClientRequestToken"] = token
        self.stubber.add_response("delete_stack", {}, params)

    def execute(self, token: str) -> None:
        self.stubber.add_response(
            "execute_change_set", {}, {"ChangeSetName": CS_ID, "StackName": STACK, "ClientRequestToken": token}
        )

    def update(self, parameters: list[dict[str, Any]], capabilities: list[str], *, error: str | None = None) -> None:
        """UpdateStack with the previous template (enable/disable): accepted, or refused with `error`."""
        expected = {
            "StackName": STACK,
            "UsePreviousTemplate": True,
            "Parameters": parameters,
            "Capabilities": capabilities,
            "ClientRequestToken": self.token(),
        }
        if error is None:
            self.stubber.add_response("update_stack", {"StackId": STACK_ID}, expected)
        else:
            self.error("update_stack", "ValidationError", error, expected)

    def resources(self, functions: dict[str, str], mappings: dict[str, str] | None = None) -> None:
        """ListStackResources: a role, the given functions (name -> physical) and mappings (name -> UUID)."""
        rows = [("AWS::IAM::Role", "ProcessorRole", "orders-ProcessorRole-XYZ")]
        rows += [("AWS::Lambda::Function", f"{name}Function", physical) for name, physical in functions.items()]
        rows += [("AWS::Lambda::EventSourceMapping", f"{m}Mapping", u) for m, u in (mappings or {}).items()]
        self.stubber.add_response(
            "list_stack_resources",
            {
                "StackResourceSummaries": [
                    {
                        "LogicalResourceId": logical,
                        "PhysicalResourceId": physical,
                        "ResourceType": kind,
                        "LastUpdatedTimestamp": CREATED,
                        "ResourceStatus": "UPDATE_COMPLETE",
                    }
                    for kind, logical, physical in rows
                ]
            },
            {"StackName": STACK},
        )

    def event(
        self,
        logical_id: str,
        status: str,
        *,
        token: str | None,
        resource_type: str = "AWS::Lambda::Function",
        reason: str | None = None,
    ) -> dict[str, Any]:
        n = len(self.history)
        found: dict[str, Any] = {
            "StackId": STACK_ID,
            "EventId": f"event-{n}",
            "StackName": STACK,
            "LogicalResourceId": logical_id,
            "ResourceType": resource_type,
            "Timestamp": T0 + dt.timedelta(seconds=n + 1),
            "ResourceStatus": status,
        }
        if token is not None:
            found["ClientRequestToken"] = token
        if reason is not None:
            found["ResourceStatusReason"] = reason
        self.history.append(found)
        return found

    def events(self) -> None:
        """One DescribeStackEvents page: the whole history, newest first, as AWS returns it."""
        page = list(reversed(self.history))
        self.stubber.add_response("describe_stack_events", {"StackEvents": page}, {"StackName": STACK})

    def stack_event(self, status: str, token: str | None) -> None:
        self.event(STACK, status, token=token, resource_type="AWS::CloudFormation::Stack")

    # --- Lambda answers ---

    def mapping_state(self, state: str, uuid: str) -> None:
        self.stubbers["lambda"].add_response("get_event_source_mapping", {"UUID": uuid, "State": state}, {"UUID": uuid})

    def invoked(
        self, function: str, response: dict[str, Any], *, logs: bool = False, invocation_type: str = "RequestResponse"
    ) -> None:
        expected: dict[str, Any] = {"FunctionName": function, "InvocationType": invocation_type, "Payload": b"{}"}
        if logs:
            expected["LogType"] = "Tail"
        self.stubbers["lambda"].add_response("invoke", response, expected)

    # --- whole steps ---

    def run_to(self, token: str | None, progress: str, final: str) -> None:
        """wait(): poll events, DescribeStacks in progress, sleep, poll, DescribeStacks settled, last poll."""
        self.stack_event(progress, token)
        self.events()
        self.stack(progress)
        self.stack_event(final, token)
        self.events()
        self.stack(final)
        self.events()

    def create_and_execute(self, kind: str, parameters: dict[str, str] | None = None) -> None:
        token = self.change_set(kind, parameters)
        self.execute(token)
        self.run_to(token, f"{kind}_IN_PROGRESS", f"{kind}_COMPLETE")
        self.stack(f"{kind}_COMPLETE", outputs=True)  # outputs()

    def delete_until_gone(self) -> None:
        """AWS: once a stack is deleted, DescribeStackEvents and DescribeStacks by name say it does not exist."""
        token = self.token()
        self.delete_stack(token)
        self.stack_event("DELETE_IN_PROGRESS", token)
        self.events()
        self.stack("DELETE_IN_PROGRESS")
        self.error("describe_stack_events", "ValidationError", f"Stack [{STACK}] does not exist", {"StackName": STACK})


@contextlib.contextmanager
def harness(
    request: pytest.FixtureRequest, services: tuple[str, ...] = ("cloudformation",), **defaults: Any
) -> Iterator[Harness]:
    """A Harness over fresh stubbed clients; afterwards every queued answer must have been used (unless xfail)."""
    clients = {service: make_client(service) for service in services}
    with contextlib.ExitStack() as stack:
        stubbers = {service: stack.enter_context(Stubber(client)) for service, client in clients.items()}
        h = Harness(clients, stubbers, **defaults)
        for client in clients.values():
            client.meta.events.register(
                "provide-client-params", lambda model, **_: h.calls.append(xform_name(model.name))
            )
        yield h
        if request.node.get_closest_marker("xfail") is None:
            for stubber in stubbers.values():
                stubber.assert_no_pending_responses()
