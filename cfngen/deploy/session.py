"""Where AWS calls go: one boto3 session per run, clients with adaptive retries.

Adaptive retries make botocore back off and rate-limit itself on throttling, so a throttled poll slows
a deploy down instead of failing it. `endpoint_url` (flag, AWS_ENDPOINT_URL, or the embedded emulator)
sends every client to the same endpoint.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import boto3


@dataclass(frozen=True)
class Aws:
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    base: Any = field(default=None, compare=False)  # a ready boto3.Session (the embedded emulator's)
    max_attempts: int = 10

    @functools.cached_property
    def session(self) -> boto3.Session:
        import boto3

        if self.base is not None:
            return self.base  # type: ignore[no-any-return]

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

    @functools.cache  # noqa: B019 - one client per service for the life of this (frozen, per-run) object
    def client(self, service: str) -> Any:
        from botocore.config import Config

        config = Config(
            retries={"mode": "adaptive", "max_attempts": self.max_attempts},
            user_agent_extra="cfngen",
            connect_timeout=10,
            read_timeout=60,
        )
        endpoint = self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
        make: Any = self.session.client  # typed per service literal; callers know which service they asked for
        return make(service, region_name=self.region_name, endpoint_url=endpoint, config=config)
