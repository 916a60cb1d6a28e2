"""Where AWS calls go: one boto3 session per run, clients with adaptive retries.

Adaptive retries make botocore back off and rate-limit itself on throttling, so a throttled poll slows
a deploy down instead of failing it. `endpoint_url` (flag, AWS_ENDPOINT_URL, or the embedded emulator)
sends every client to the same endpoint.

`AwsClients` is what the deploy side asks of a session: typed clients by service name, and the region.
`Aws` is the real one; tests pass a fake that hands out Stubber-backed clients. The client types come from
boto3-stubs (a dev dependency), so they are imported for the type checker only.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sts import STSClient

Service = Literal["cloudformation", "lambda", "logs", "s3", "sts"]


class AwsClients(Protocol):
    """The AWS side of a run: one client per service, all in one region."""

    @property
    def region_name(self) -> str: ...

    @overload
    def client(self, service: Literal["cloudformation"]) -> CloudFormationClient: ...
    @overload
    def client(self, service: Literal["lambda"]) -> LambdaClient: ...
    @overload
    def client(self, service: Literal["logs"]) -> CloudWatchLogsClient: ...
    @overload
    def client(self, service: Literal["s3"]) -> S3Client: ...
    @overload
    def client(self, service: Literal["sts"]) -> STSClient: ...


@dataclass(frozen=True)
class Aws:
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    base: boto3.Session | None = field(default=None, compare=False)  # a ready Session (the embedded emulator's)
    max_attempts: int = 10

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
    def client(self, service: Literal["lambda"]) -> LambdaClient: ...
    @overload
    def client(self, service: Literal["logs"]) -> CloudWatchLogsClient: ...
    @overload
    def client(self, service: Literal["s3"]) -> S3Client: ...
    @overload
    def client(self, service: Literal["sts"]) -> STSClient: ...
    def client(self, service: Service) -> Any:
        return self._client(service)

    @functools.cache  # noqa: B019 - one client per service for the life of this (frozen, per-run) object
    def _client(self, service: Service) -> Any:
        from botocore.config import Config

        config = Config(
            retries={"mode": "adaptive", "max_attempts": self.max_attempts},
            user_agent_extra="cfngen",
            connect_timeout=10,
            read_timeout=60,
        )
        endpoint = self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
        make: Any = self.session.client  # typed per service literal: the overloads of client() say which
        return make(service, region_name=self.region_name, endpoint_url=endpoint, config=config)
