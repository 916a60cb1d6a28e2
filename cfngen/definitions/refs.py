"""References: values that name a stack's own resources or parameters, resolved by CloudFormation, never guessed.

`table.name`, `queue.url`, `topic.arn`, `stack.parameter(...)` are `Reference`s. Each holds the `Fn::Sub` text
CloudFormation resolves (`${AccountsTable}`, `${AccountsTable.Arn}`, `${Stage}`, `${AWS::Region}`; a literal `${`
is written `${!`), and the stack whose resources it names (None: it names nothing of a stack, e.g. an existing
resource's ARN). The builders render a lone `${Id}` as `Ref`, a lone `${Id.Attr}` as `Fn::GetAtt`, anything else as
`Fn::Sub` (builders/iam.value). References compose with `+` (`"payments-" + stage`); an f-string or `str()` is
refused, since it could only produce a guessed literal.

A reference used in another stack (`from orders import stream`; `KinesisStream.from_stack(...)`) is imported:
each of its tokens names the producer's output that holds the same value (`outputs`), and the consumer swaps the
token for a parameter that deploy fills from that output (Stack.import_reference, deploy/imports.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cfngen.errors import SpecError

if TYPE_CHECKING:
    from cfngen.definitions.checks import Where
    from cfngen.definitions.stack import Stack

# Pseudo parameters Fn::Sub resolves: kept as they are in text added to a reference; every other `${` is literal.
PSEUDO_NAMES = "AccountId|Partition|Region|StackId|StackName|URLSuffix"
_OTHER_PLACEHOLDER = re.compile(rf"\$\{{(?!AWS::(?:{PSEUDO_NAMES})\}})")
# A created bucket's name uses this Fn::Sub variable (the stack id's first UUID segment, builders/iam.py).
STACK_ID_VARIABLE = "StackIdHead"


def escape(text: str) -> str:
    """Literal text as Fn::Sub text: pseudo parameters kept, every other `${` written `${!`."""
    return _OTHER_PLACEHOLDER.sub("${!", text)


@dataclass(frozen=True)
class Reference:
    """A value CloudFormation resolves: see the module docstring."""

    text: str  # Fn::Sub text
    stack: Stack | Producer | None = None  # the stack whose resources or parameters it names
    what: str = "a value"  # how messages name it: "the table Accounts's name"
    outputs: tuple[tuple[str, str], ...] = ()  # (token in text, the stack's output key holding its value)

    def __add__(self, other: object) -> Reference:
        return _join(self, other, self.what)

    def __radd__(self, other: object) -> Reference:
        return _join(other, self, self.what)

    def __str__(self) -> str:
        raise TypeError(
            f"{self.what} is resolved by CloudFormation, so it has no text here; pass it as it is, or compose "
            "with + (e.g. 'payments-' + stage)"
        )

    def __format__(self, spec: str) -> str:
        return str(self)

    def __repr__(self) -> str:
        return f"<{self.what}: {self.text}>"


def _join(left: object, right: object, what: str) -> Reference:
    parts = [left, right]
    stacks = {p.stack for p in parts if isinstance(p, Reference) and p.stack is not None}
    if len(stacks) > 1:
        raise SpecError(f"{what} cannot be joined with a value of another stack; allowed: values of one stack")
    text = ""
    for p in parts:
        if isinstance(p, Reference):
            text += p.text
        elif isinstance(p, str):
            text += escape(p)
        else:
            return NotImplemented  # type: ignore[no-any-return]
    outputs = tuple(o for p in parts if isinstance(p, Reference) for o in p.outputs)
    return Reference(text, next(iter(stacks), None), what, outputs)


@dataclass(frozen=True)
class Producer:
    """A stack known only by name (`KinesisStream.from_stack("orders", "Orders")`): its values are imported."""

    name: str


def attr(
    stack: Stack | Producer | None, logical_id: str, attribute: str | None, what: str, output: str | None = None
) -> Reference:
    """`Ref` (attribute None) or `Fn::GetAtt` of a resource the stack creates; `output` is the stack's output key
    that holds the same value, which another stack imports."""
    token = f"${{{logical_id}}}" if attribute is None else f"${{{logical_id}.{attribute}}}"
    return Reference(token, stack, what, () if output is None else ((token, output),))


def literal(text: str, what: str) -> Reference:
    """A value written out (an existing resource's ARN or name; placeholders resolved)."""
    return Reference(escape(text), None, what)


Value = str | Reference  # what environment values, names and policy resources may be


def check_value(w: Where, fld: str, value: object) -> Value:
    """A string or a reference to this stack's resources or parameters (or to nothing of a stack)."""
    if isinstance(value, Reference):
        if value.stack is not None and value.stack is not w.stack:
            return w.stack.import_reference(value, w, fld)
        return value
    if isinstance(value, str):
        return value
    raise w.fail(fld, f"{value!r} is not allowed; allowed: a string, or a reference such as table.name or a parameter")


def sample(value: Value, stand_in: Any = None) -> str:
    """The longest plausible text of `value` for length and pattern checks: placeholders replaced by samples."""
    text = value.text if isinstance(value, Reference) else escape(value)
    text = text.replace("${AWS::AccountId}", "123456789012").replace("${AWS::Region}", "ap-southeast-777")
    text = text.replace("${AWS::Partition}", "aws-iso-b").replace("${!", "${")
    if stand_in is not None:
        text = re.sub(r"\$\{[A-Za-z0-9]+\}", lambda m: stand_in(m.group(0)[2:-1]), text)
    return text
