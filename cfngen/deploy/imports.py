"""Values one stack takes from another: declared in the consumer's template, filled at deploy from the producer.

A consumer that uses a producer's stream, table or queue (`from orders import stream`, `KinesisStream.from_stack`)
renders a plain String parameter for each value and lists it under the template's Metadata
`cfngen:imports` as `{parameter: {"Stack": producer, "Output": key}}`. Deploy reads that list from the reviewed
template (`definitions.imports.declared`): it orders stacks by it and fills each parameter from the producer's
deployed output (`resolve`) right before the consumer's change set, so the consumer gets what the producer holds.

Why not CloudFormation exports and `Fn::ImportValue`: an export cannot change or disappear while another stack
imports it, so a producer whose stream is replaced gets stuck; a parameter leaves both templates portable and
the producer free, and cfngen redeploys consumers after their producers in the same run (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from cfngen.definitions.imports import Import
from cfngen.deploy import attributes, stacks
from cfngen.errors import OperationFailed

if TYPE_CHECKING:
    from cfngen.deploy.session import AwsClients


def resolve(
    aws: AwsClients,
    consumer: str,
    wanted: Sequence[Import],
    pending: Callable[[Import], str | None] = lambda _imp: None,
) -> dict[str, str]:
    """Parameter values for the consumer's imports (`definitions.imports.declared`), read from the producers' outputs
    now. An import its producer cannot give (not deployed, or without the output) takes `pending`'s value (a
    preview's placeholder), else fails the consumer's deploy before anything is created (exit 1)."""
    values: dict[str, str] = {}
    read: dict[str, dict[str, str] | None] = {}  # None: the producer is not deployed
    for imp in wanted:
        if imp.stack not in read:
            read[imp.stack] = _outputs(aws, imp.stack)
        outputs = read[imp.stack]
        if outputs is None or imp.output not in outputs:
            value = pending(imp)
            if value is None:
                raise _unavailable(consumer, imp, outputs)
            values[imp.parameter] = value
        else:
            values[imp.parameter] = outputs[imp.output]
    return values


def _outputs(aws: AwsClients, stack: str) -> dict[str, str] | None:
    cfn = aws.client("cloudformation")
    current = stacks.describe_stack(cfn, stack)
    if current is None:
        return None
    found = {o["OutputKey"]: o["OutputValue"] for o in current.get("Outputs", [])}
    if not found:  # moto: no Outputs for a stack created by a change set (deploy/attributes.py)
        found = attributes.computed_outputs(aws, stack, current["StackId"], stacks.deployed_template(cfn, stack))
    return found


def _unavailable(consumer: str, imp: Import, outputs: dict[str, str] | None) -> OperationFailed:
    if outputs is None:
        return OperationFailed(
            f"{consumer}: takes {imp.output} from stack {imp.stack}, which is not deployed; nothing deployed",
            hint=f"deploy {imp.stack} first (`cfngen deploy {imp.stack} {consumer}`, with this run's options, "
            "deploys both, in order)",
        )
    return OperationFailed(
        f"{consumer}: takes {imp.output} from stack {imp.stack}, which has no such output; nothing deployed",
        hint=f"outputs of {imp.stack}: {', '.join(sorted(outputs)) or 'none'} (redeploy {imp.stack} if it "
        "was deployed by an older cfngen)",
    )
