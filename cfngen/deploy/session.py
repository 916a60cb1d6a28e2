"""Where AWS calls go: one boto3 session per run, clients with adaptive retries and bounded waits.

Adaptive retries make botocore back off and rate-limit itself on throttling, so a throttled poll slows
a deploy down instead of failing it. A call that gets no answer is another matter: botocore's defaults
(60 s read timeout, and every attempt retried) would hang ~10 minutes per call on an endpoint that accepts
and never answers. Here each attempt waits at most `connect_timeout` + `read_timeout` and a call that gets
no answer is given up after `no_answer_attempts`, with an error naming the endpoint: about 75 s at worst.
Lambda's Invoke is the exception: a function may run 15 minutes, so it has its own client (`invoke_client`)
that waits that long, once (an invoke that timed out may have run: it is never sent again).
`endpoint_url` (flag, AWS_ENDPOINT_URL, or the embedded emulator) sends every client to the same endpoint.

`AwsClients` is what the deploy side asks of a session: typed clients by service name, and the region.
`Aws` is the real one; tests pass a fake that hands out Stubber-backed clients. The client types come from
boto3-stubs (a dev dependency), so they are imported for the type checker only.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sts import STSClient

Service = Literal["cloudformation", "dynamodb", "events", "kinesis", "lambda", "logs", "s3", "sqs", "sts"]


class AwsClients(Protocol):
    """The AWS side of a run: one client per service, all in one region."""

    @property
    def region_name(self) -> str: ...

    @overload
    def client(self, service: Literal["cloudformation"]) -> CloudFormationClient: ...
    @overload
    def client(self, service: Literal["dynamodb"]) -> DynamoDBClient: ...
    @overload
    def client(self, service: Literal["events"]) -> EventBridgeClient: ...
    @overload
    def client(self, service: Literal["kinesis"]) -> KinesisClient: ...
    @overload
    def client(self, service: Literal["lambda"]) -> LambdaClient: ...
    @overload
    def client(self, service: Literal["logs"]) -> CloudWatchLogsClient: ...
    @overload
    def client(self, service: Literal["s3"]) -> S3Client: ...
    @overload
    def client(self, service: Literal["sqs"]) -> SQSClient: ...
    @overload
    def client(self, service: Literal["sts"]) -> STSClient: ...


@dataclass(frozen=True)
class Aws:
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    base: boto3.Session | None = field(default=None, compare=False)  # a ready Session (the embedded emulator's)
    max_attempts: int = 10  # throttling and 5xx answers: adaptive retries
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    no_answer_attempts: int = 3  # a timed-out or refused connection is tried this often, then reported
    invoke_read_timeout: float = 910.0  # Lambda's longest run (900 s), and a margin

    @functools.cached_property
    def session(self) -> boto3.Session:
        import boto3

        if self.base is not None:
            return self.base

        return boto3.Session(
            profile_name=self.profile,
            region_name=self.region,
        )

    @functools.cached_property
    def region_name(self) -> str:
        from cfngen.errors import UsageError

        region = self.session.region_name
        if not region:
            raise UsageError("no AWS region", hint="pass --region, set AWS_REGION, or region in [tool.cfngen]")
        return region

    @overload
    def client(self, service: Literal["cloudformation"]) -> CloudFormationClient: ...
    @overload
    def client(self, service: Literal["dynamodb"]) -> DynamoDBClient: ...
    @overload
    def client(self, service: Literal["events"]) -> EventBridgeClient: ...
    @overload
    def client(self, service: Literal["kinesis"]) -> KinesisClient: ...
    @overload
    def client(self, service: Literal["lambda"]) -> LambdaClient: ...
    @overload
    def client(self, service: Literal["logs"]) -> CloudWatchLogsClient: ...
    @overload
    def client(self, service: Literal["s3"]) -> S3Client: ...
    @overload
    def client(self, service: Literal["sqs"]) -> SQSClient: ...
    @overload
    def client(self, service: Literal["sts"]) -> STSClient: ...
    def client(self, service: Service) -> Any:
        return self._client(service)

    def invoke_client(self) -> LambdaClient:
        """Lambda for Invoke only: it waits as long as a function may run, and never sends an invoke twice."""
        client: LambdaClient = self._client("lambda", long=True)
        return client

    @functools.cache  # noqa: B019 - one client per service for the life of this (frozen, per-run) object
    def _client(self, service: Service, long: bool = False) -> Any:
        from botocore.config import Config

        config = Config(
            retries={"mode": "adaptive", "max_attempts": self.max_attempts},
            user_agent_extra="cfngen",
            connect_timeout=self.connect_timeout,
            read_timeout=self.invoke_read_timeout if long else self.read_timeout,
        )
        endpoint = self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
        make: Any = self.session.client  # typed per service literal: the overloads of client() say which
        client = make(service, region_name=self.region_name, endpoint_url=endpoint, config=config)
        give_up = functools.partial(_give_up_without_answer, self, 1 if long else self.no_answer_attempts)
        client.meta.events.register_first("needs-retry", give_up)
        return client


def _give_up_without_answer(aws: Aws, limit: int, *, caught_exception: Exception | None = None, attempts: int = 0,
                            request_dict: Mapping[str, Any] | None = None, **_: Any) -> None:  # fmt: skip
    """botocore's needs-retry hook: a call whose attempts got no answer (timed out, refused, cut) stops
    after `no_answer_attempts` with one error naming the endpoint, instead of retrying for minutes."""
    from botocore.exceptions import HTTPClientError

    if isinstance(caught_exception, HTTPClientError) and attempts >= limit:
        from cfngen.errors import OperationFailed

        url = (request_dict or {}).get("url") or aws.endpoint_url or "the AWS endpoint"
        raise OperationFailed(
            f"no answer from {url} after {attempts} attempt(s) ({caught_exception})",
            hint=f"each attempt waits {aws.connect_timeout:g} s to connect and {aws.read_timeout:g} s for an answer: "
            "check --endpoint-url / AWS_ENDPOINT_URL, --region, the network and any proxy (HTTPS_PROXY)",
        ) from caught_exception
