"""Secrets a function reads at run time: Secrets Manager secrets and SSM parameters that exist outside the stack.

A function gets the secret's ARN or name (`token.arn`, `param.name` in `environment=`) and the right to read it
(`token.grant_read(fn)`), never the value: nothing secret is in the template or in the function's configuration.
A secret or a SecureString parameter encrypted with a customer-managed key needs `kms:Decrypt` on that key:
pass its ARN as `kms_key=`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cfngen.definitions.checks import ARN, check_existing_arn, existing_name
from cfngen.definitions.grants import ACTIONS, Grant, Statement, grant, kms
from cfngen.definitions.refs import Reference, literal
from cfngen.errors import SpecError

if TYPE_CHECKING:
    from cfngen.definitions.stack import Stack

# Secrets Manager appends '-' and six characters to a secret's name in its ARN; a grant names the exact secret.
SECRET_ARN = ARN["secret"]
PARAMETER_NAME = re.compile(r"(?:/[A-Za-z0-9_.-]+)+|[A-Za-z0-9_.-]+")


@dataclass(frozen=True, eq=False)
class Secret:
    """An existing Secrets Manager secret (`Secret.from_arn`)."""

    ident: str
    given_arn: str
    kms_key: str | None = None
    label: str = "secret"

    @property
    def stack(self) -> Stack | None:
        return None

    @classmethod
    def from_arn(cls, arn: str, name: str | None = None, *, kms_key: str | None = None) -> Secret:
        """The secret by its full ARN (with the six characters Secrets Manager adds); `kms_key`: its
        customer-managed key's ARN, when it has one."""
        match = SECRET_ARN.fullmatch(arn) if isinstance(arn, str) else None
        if match is None:
            raise SpecError(
                f"{arn!r} is not a secret's full ARN; allowed: arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf"
                " (with the six characters Secrets Manager adds: the grant names exactly this secret)",
                resource="Secret.from_arn",
                hint="placeholders allowed: ${AWS::Region}, ${AWS::AccountId}, ${AWS::Partition}",
            )
        if kms_key is not None:
            check_existing_arn(kms_key, "kms-key", "Secret.from_arn")
        return cls(existing_name(name, match.group(1)), arn, kms_key)

    @property
    def arn(self) -> Reference:
        return literal(self.given_arn, f"secret {self.ident}'s ARN")

    @property
    def name(self) -> Reference:
        found = SECRET_ARN.fullmatch(self.given_arn)
        assert found is not None
        return literal(found.group(1), f"secret {self.ident}'s name")

    def grant_read(self, fn: object) -> Grant:
        """GetSecretValue and DescribeSecret on this secret (and Decrypt on its key, when given)."""
        return grant(self, self.ident, fn, "read")

    def grant_statements(self, access: str) -> list[Statement]:
        return [
            Statement("secretsmanager", ACTIONS["secretsmanager", "read"], (self.arn,)),
            *kms(self.kms_key, "decrypt"),
        ]


@dataclass(frozen=True, eq=False)
class SsmParameter:
    """An existing SSM parameter (`SsmParameter.from_name`), or every parameter under a path
    (`SsmParameter.from_path`), in the stack's account and region."""

    ident: str
    parameter_name: str  # a path without its trailing '/' for from_path
    kms_key: str | None = None
    label: str = "SSM parameter"
    path: bool = False

    @property
    def stack(self) -> Stack | None:
        return None

    @classmethod
    def from_name(cls, parameter_name: str, name: str | None = None, *, kms_key: str | None = None) -> SsmParameter:
        """The parameter by name (`/payments/db-url` or `payments-db-url`); `kms_key`: the customer-managed key of a
        SecureString, whose Decrypt the function then gets (SecureStrings with AWS's key need none)."""
        if (
            not isinstance(parameter_name, str)
            or len(parameter_name) > 1011
            or not PARAMETER_NAME.fullmatch(parameter_name)
        ):
            raise SpecError(
                f"{parameter_name!r} is not an SSM parameter name; allowed: letters, digits, '_', '.', '-', in "
                "'/'-separated path segments (/payments/db-url), up to 1011 characters",
                resource="SsmParameter.from_name",
            )
        if parameter_name.lower().startswith(("/aws", "aws", "/ssm", "ssm")):
            raise SpecError(f"{parameter_name!r} starts with a prefix AWS reserves (aws, ssm); allowed: your own "
                            "parameters", resource="SsmParameter.from_name")  # fmt: skip
        if kms_key is not None:
            check_existing_arn(kms_key, "kms-key", "SsmParameter.from_name")
        return cls(existing_name(name, parameter_name), parameter_name, kms_key)

    @classmethod
    def from_path(cls, path: str, name: str | None = None, *, kms_key: str | None = None) -> SsmParameter:
        """Every parameter under `path` (`/payments/prod/`): `grant_read` allows GetParametersByPath on the path
        and GetParameter(s) on the parameters under it, at any depth; `.name` is the path (for the function's
        environment). `kms_key`: the customer-managed key of its SecureStrings."""
        where = "SsmParameter.from_path"
        trimmed = path.rstrip("/") if isinstance(path, str) else path
        if not isinstance(trimmed, str) or not path.startswith("/") or len(path) > 1011:
            raise SpecError(f"{path!r} is not an SSM parameter path; allowed: '/'-separated segments starting with "
                            "'/', e.g. /payments/prod/", resource=where)  # fmt: skip
        if not trimmed:
            raise SpecError(f"{path!r} is the root: it would grant every parameter of the account and region; "
                            "allowed: a path of at least one segment, e.g. /payments/", resource=where)  # fmt: skip
        found = cls.from_name(trimmed, name, kms_key=kms_key)  # the same checks as a name
        return cls(found.ident, trimmed, kms_key, "SSM parameter path", path=True)

    @property
    def name(self) -> Reference:
        return literal(self.parameter_name, f"SSM parameter {self.ident}'s name")

    @property
    def arn(self) -> Reference:
        path = self.parameter_name if self.parameter_name.startswith("/") else "/" + self.parameter_name
        return literal(
            f"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{path}",
            f"SSM parameter {self.ident}'s ARN",
        )

    def grant_read(self, fn: object) -> Grant:
        """GetParameter(s) on this parameter (for a path: GetParametersByPath on it and GetParameter(s) under it),
        and Decrypt on its key, when given."""
        return grant(self, self.ident, fn, "read")

    def grant_statements(self, access: str) -> list[Statement]:
        if not self.path:
            return [Statement("ssm", ACTIONS["ssm", "read"], (self.arn,)), *kms(self.kms_key, "decrypt")]
        return [
            Statement("ssm", ACTIONS["ssm", "read_path"], (self.arn,)),
            Statement("ssm", ACTIONS["ssm", "read"], (self.arn + "/*",)),
            *kms(self.kms_key, "decrypt"),
        ]
