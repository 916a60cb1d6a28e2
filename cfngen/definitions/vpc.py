"""`Vpc(subnet_ids=[...], security_group_ids=[...])`: a function attached to a VPC.

Each id is written out (`subnet-0abc...`, `sg-0abc...`) or a reference (a stack parameter, another stack's value),
checked against the function's stack when the function is defined. Lambda takes 1 to 16 subnets and 1 to 5
security groups; fewer than two subnets (one Availability Zone) is allowed but warned about at render and deploy
(`builders/function.notes`). The role gets the network-interface permissions Lambda needs (`ENI_ACTIONS`): the
describe actions on `*` (IAM cannot scope them), the others scoped to the account's network interfaces and the
function's own subnets and security groups.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cfngen.definitions.refs import Reference, Value
from cfngen.errors import SpecError

SUBNET_ID = re.compile(r"subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})")
SECURITY_GROUP_ID = re.compile(r"sg-(?:[0-9a-f]{8}|[0-9a-f]{17})")
MAX_SUBNETS = 16
MAX_SECURITY_GROUPS = 5
# What Lambda's execution role needs to manage a VPC function's network interfaces (Lambda's guide, as the
# AWSLambdaVPCAccessExecutionRole managed policy): (actions, what they are scoped to).
ENI_ACTIONS = {
    "describe": ("DescribeNetworkInterfaces", "DescribeSubnets"),  # IAM cannot scope these: Resource "*"
    "create": ("CreateNetworkInterface",),  # scoped: network-interface/*, the subnets and the security groups
    "manage": ("AssignPrivateIpAddresses", "DeleteNetworkInterface", "UnassignPrivateIpAddresses"),
}


@dataclass(frozen=True)
class Vpc:
    """The subnets and security groups a function's network interfaces are placed in."""

    subnet_ids: Sequence[Value]
    security_group_ids: Sequence[Value]

    def __post_init__(self) -> None:
        object.__setattr__(self, "subnet_ids", _ids("subnet_ids", self.subnet_ids, SUBNET_ID, MAX_SUBNETS))
        object.__setattr__(
            self,
            "security_group_ids",
            _ids("security_group_ids", self.security_group_ids, SECURITY_GROUP_ID, MAX_SECURITY_GROUPS),
        )


def _ids(fld: str, values: object, pattern: re.Pattern[str], most: int) -> tuple[Value, ...]:
    shape = pattern.pattern.replace("(?:[0-9a-f]{8}|[0-9a-f]{17})", "<8 or 17 hex digits>")
    allowed = f"a list of 1 to {most} ids ({shape}) or references such as stack parameters"
    if isinstance(values, (str, Reference)) or not isinstance(values, Sequence) or not 1 <= len(values) <= most:
        raise SpecError(f"{values!r} is not allowed; allowed: {allowed}", resource="Vpc", field=fld)
    for v in values:
        if isinstance(v, Reference):
            continue
        if not isinstance(v, str) or not pattern.fullmatch(v):
            raise SpecError(f"{v!r} is not allowed; allowed: {allowed}", resource="Vpc", field=fld)
    texts = [v.text if isinstance(v, Reference) else v for v in values]
    repeated = sorted({t for t in texts if texts.count(t) > 1})
    if repeated:
        raise SpecError(f"{repeated[0]!r} is listed twice; allowed: distinct ids", resource="Vpc", field=fld)
    return tuple(values)
