"""Values of another stack: a producer's stream, table, queue, topic or bucket used by a consumer.

`from orders import stream` and `KinesisStream.from_stack("orders", "Orders")` give the consumer a source it does
not create. When the consumer uses it (add_event_source, a grant, on_failure, an environment value), the stack
binds it (`bind`): a view of the source, existing from the consumer's side, whose values are parameters of the
consumer. `import_reference` makes those parameters: one per producer output the value needs, listed in the
template's Metadata so deploy orders the stacks and fills each from the producer's output (deploy/imports.py).
Nothing is guessed: no physical name or ARN of the producer appears in the consumer's template.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cfngen import names
from cfngen.definitions.refs import PSEUDO_NAMES, Reference

if TYPE_CHECKING:
    from cfngen.definitions.checks import Where
    from cfngen.definitions.stack import Stack

_TOKEN = re.compile(rf"\$\{{(?!AWS::(?:{PSEUDO_NAMES})\}})([A-Za-z0-9.]+)\}}")


@dataclasses.dataclass(frozen=True)
class Import:
    """A consumer parameter filled from a producer's output at deploy."""

    parameter: str
    stack: str  # the producer stack's name
    output: str  # its output key


def declared(template: Mapping[str, Any]) -> list[Import]:
    """The imports a rendered or deployed template declares (its `cfngen:imports` Metadata), in parameter order:
    what deploy fills and orders stacks by, read from the template text reviewed, not from Python objects."""
    found = template.get("Metadata", {}).get(names.IMPORTS_METADATA, {})
    return [Import(param, str(spec["Stack"]), str(spec["Output"])) for param, spec in sorted(found.items())]


def producers(template: Mapping[str, Any]) -> list[str]:
    """The stacks a template takes values from, sorted: these deploy first and are deleted last."""
    return sorted({i.stack for i in declared(template)})


def import_reference(consumer: Stack, ref: Reference, w: Where, fld: str) -> Reference:
    """`ref` (a value of another stack) as the consumer's value: each token becomes an imported parameter."""
    assert ref.stack is not None
    producer = ref.stack.name
    if producer == consumer.name:
        raise w.fail(fld, f"{ref.what} is taken from stack {producer}, which is this stack; allowed: its own values")
    text = ref.text
    for token, output in ref.outputs:
        parameter = names.import_parameter(producer, output)
        if parameter not in consumer.imports:
            what = f"the value {output} of stack {producer}"
            consumer._claim(names.Owner.IMPORT, parameter, what, w, bare=False)
            consumer.imports[parameter] = Import(parameter, producer, output)
        text = text.replace(token, f"${{{parameter}}}")
    left = [m.group(1) for m in _TOKEN.finditer(text) if m.group(1) not in consumer.imports]
    if left:
        raise w.fail(
            fld,
            f"{ref.what} names {', '.join(left)} of stack {producer}, which no output of it holds; allowed: the "
            "name, ARN or URL of another stack's stream, table, queue, topic or bucket",
            hint="a parameter of another stack: declare the same stack.parameter(...) in this stack",
        )
    return Reference(text, consumer, ref.what)


def bind(consumer: Stack, source: Any) -> Any:
    """The source as the consumer uses it: its own and existing sources as they are, another stack's as a view
    (one per producer source, so a second use finds the first)."""
    from cfngen.definitions.sources import Source

    if not isinstance(source, Source):  # a secret or parameter: always an existing one, named by ARN or name
        return source
    src: Source = source
    origin = src.stack if src.stack is not None else src.producer
    if origin is None or origin is consumer or src.importer is consumer:
        return source
    key = (origin.name, type(src).__name__, src.ident)
    if key not in consumer.views:
        consumer.views[key] = dataclasses.replace(src, stack=None, producer=origin, importer=consumer)
    return consumer.views[key]
