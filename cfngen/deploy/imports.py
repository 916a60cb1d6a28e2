"""Values one stack takes from another: declared in the consumer's template, filled at deploy from the producer.

A consumer that uses a producer's stream, table or queue (`from orders import stream`, `KinesisStream.from_stack`)
renders a plain String parameter for each value and lists it under the template's Metadata
`cfngen:imports` as `{parameter: {"Stack": producer, "Output": key}}`. Deploy reads that list from the reviewed
template: it orders stacks by it (`producers`) and fills each parameter from the producer's deployed output
(`resolve`) right before the consumer's change set, so the consumer always gets what the producer holds now.

Why not CloudFormation exports and `Fn::ImportValue`: an export cannot change or disappear while another stack
imports it, so a producer whose stream is replaced gets stuck; a parameter leaves both templates portable and
the producer free, and cfngen redeploys consumers after their producers in the same run (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cfngen import names
from cfngen.deploy import attributes, stacks
from cfngen.errors import OperationFailed

if TYPE_CHECKING:
    from cfngen.deploy.session import AwsClients


@dataclass(frozen=True)
class Import:
    parameter: str  # the consumer's parameter
    stack: str  # the producer stack
    output: str  # the producer's output key


def declared(template: Mapping[str, Any]) -> list[Import]:
    """The imports a rendered or deployed template declares, in parameter order."""
    found = template.get("Metadata", {}).get(names.IMPORTS_METADATA, {})
    return [Import(param, str(spec["Stack"]), str(spec["Output"])) for param, spec in sorted(found.items())]


def producers(template: Mapping[str, Any]) -> list[str]:
    """The stacks a template takes values from, sorted: these deploy first and are deleted last."""
    return sorted({i.stack for i in declared(template)})


def resolve(aws: AwsClients, consumer: str, template: Mapping[str, Any]) -> dict[str, str]:
    """Parameter values for the consumer's imports, read from the producers' outputs now. A producer that is not
    deployed, or lacks the output, fails the consumer's deploy before anything is created (exit 1)."""
    cfn = aws.client("cloudformation")
    values: dict[str, str] = {}
    read: dict[str, dict[str, str]] = {}
    for imp in declared(template):
        if imp.stack not in read:
            current = stacks.describe_stack(cfn, imp.stack)
            if current is None:
                raise OperationFailed(
                    f"{consumer}: takes {imp.output} from stack {imp.stack}, which is not deployed; nothing deployed",
                    hint=f"deploy {imp.stack} first (`cfngen deploy {imp.stack} {consumer}`, with this run's options, "
                    "deploys both, in order)",
                )
            read[imp.stack] = {o["OutputKey"]: o["OutputValue"] for o in current.get("Outputs", [])}
            if not read[imp.stack]:  # moto: no Outputs for a stack created by a change set (deploy/attributes.py)
                deployed = stacks.deployed_template(cfn, imp.stack)
                read[imp.stack] = attributes.computed_outputs(aws, imp.stack, current["StackId"], deployed)
        outputs = read[imp.stack]
        if imp.output not in outputs:
            raise OperationFailed(
                f"{consumer}: takes {imp.output} from stack {imp.stack}, which has no such output; nothing deployed",
                hint=f"outputs of {imp.stack}: {', '.join(sorted(outputs)) or 'none'} (redeploy {imp.stack} if it "
                "was deployed by an older cfngen)",
            )
        values[imp.parameter] = outputs[imp.output]
    return values
