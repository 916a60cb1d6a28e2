"""Template parameters (`stack.parameter(...)`): values chosen at deploy time with `cfngen deploy --parameter`.

A parameter is a `Reference` (`${Stage}`), usable wherever references are: environment values, names such as
`function_name=`, policy resources, and composed with `+`. Its default must be one of `allowed` when both are
given, so a stack deployed without `--parameter` is always valid. A `no_echo` parameter is masked by
CloudFormation and is refused in environment values (Lambda shows them to anyone who may read the function's
configuration): keep secrets in Secrets Manager or SSM and pass their ARN or name (`Secret`, `SsmParameter`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cfngen.definitions.checks import Where
from cfngen.definitions.refs import STACK_ID_VARIABLE, Reference

PARAMETER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,254}")
VALUE_MAX = 4096  # CloudFormation: a parameter value's size


@dataclass(frozen=True)
class StackParameter:
    name: str
    default: str | None
    allowed: tuple[str, ...]
    description: str | None
    no_echo: bool

    def samples(self) -> tuple[str, ...]:
        """The values names are checked with: every allowed value, else the default (when there is one)."""
        return self.allowed or ((self.default,) if self.default is not None else ())


def define_parameter(
    w: Where,
    name: object,
    *,
    default: object,
    allowed: object,
    description: object,
    no_echo: object,
) -> StackParameter:
    if not isinstance(name, str) or not PARAMETER_NAME.fullmatch(name) or name == STACK_ID_VARIABLE:
        raise w.fail(
            "name",
            f"{name!r} is not allowed; allowed: a letter then up to 254 letters or digits (CloudFormation's "
            f"parameter names), not {STACK_ID_VARIABLE}",
        )
    if isinstance(allowed, str) or not isinstance(allowed, Sequence):
        raise w.fail("allowed", f"{allowed!r} is not allowed; allowed: a list of strings")
    values = tuple(w.text("allowed", v, max_len=VALUE_MAX) for v in allowed)
    if len(set(values)) != len(values):
        raise w.fail("allowed", f"{list(values)!r} repeats a value; allowed: distinct values")
    if default is not None:
        if not isinstance(default, str) or len(default) > VALUE_MAX:
            raise w.fail("default", f"{default!r} is not allowed; allowed: a string of at most {VALUE_MAX} characters")
        if values and default not in values:
            raise w.fail("default", f"{default!r} is not one of allowed; allowed: {', '.join(map(repr, values))}")
    return StackParameter(
        name,
        default,
        values,
        None if description is None else w.text("description", description, max_len=4000),
        w.boolean("no_echo", no_echo),
    )


def reference(w: Where, parameter: StackParameter) -> Reference:
    return Reference(f"${{{parameter.name}}}", w.stack, f"parameter {parameter.name}")


def used(w: Where, value: Reference) -> list[StackParameter]:
    """The stack's parameters a reference names."""
    tokens = set(re.findall(r"\$\{([A-Za-z0-9]+)\}", value.text))
    return [p for name, p in w.stack.parameters.items() if name in tokens]
