"""A function's grants (`table.grant_read(fn)`...) as statements of its role, and the stack's parameters.

Grants are merged per service and resource list (two grants on one table make one statement per resource set),
actions sorted, in the order the grants were made. What an event source of the same function already grants on
the same resource (its `<Fn>SourcesPolicy`: a queue's receive and delete, a stream's reads, a key's Decrypt) is
left out, so no action is granted twice on one resource; a grant that adds nothing emits nothing.
"""

from __future__ import annotations

from troposphere import Parameter, Template

from cfngen import names
from cfngen.builders import iam
from cfngen.definitions import DynamoDBTable, Function, KinesisStream, PullTrigger, SqsQueue, SqsTrigger, Stack
from cfngen.definitions.grants import Statement
from cfngen.definitions.refs import escape


def add_parameters(t: Template, stack: Stack) -> None:
    for p in stack.parameters.values():
        props: dict[str, object] = {"Type": "String"}
        if p.default is not None:
            props["Default"] = p.default
        if p.allowed:
            props["AllowedValues"] = list(p.allowed)
        if p.description is not None:
            props["Description"] = p.description
        if p.no_echo:
            props["NoEcho"] = True
        t.add_parameter(Parameter(names.parameter(p.name), **props))


def add_imports(t: Template, stack: Stack) -> None:
    """Another stack's values this stack uses: a parameter each, and the Metadata deploy fills them from. Called
    last: the builders import values as they render them."""
    if not stack.imports:
        return
    listed = {}
    for name, imp in sorted(stack.imports.items()):
        description = f"{imp.output} of stack {imp.stack}: filled by cfngen deploy"
        t.add_parameter(Parameter(name, Type="String", Description=description))
        listed[name] = {"Output": imp.output, "Stack": imp.stack}
    t.set_metadata({**t.metadata, names.IMPORTS_METADATA: listed})


def _covered(fn: Function) -> set[tuple[str, str]]:
    """(service:action, resource text) pairs the function's sources policy and role already grant."""
    out: set[tuple[str, str]] = set()
    for tr in fn.triggers:
        src = tr.source
        if isinstance(tr, SqsTrigger) and isinstance(src, SqsQueue):
            out |= {(f"sqs:{a}", src.arn.text) for a in iam.STREAM_READ["sqs"]}
            if src.kms_key is not None:
                out.add(("kms:Decrypt", escape(src.kms_key)))
        elif isinstance(tr, PullTrigger) and isinstance(src, KinesisStream):
            out |= {(f"kinesis:{a}", src.arn.text) for a in iam.STREAM_READ["kinesis"]}
        elif isinstance(tr, PullTrigger) and isinstance(src, DynamoDBTable) and src.kms_key is not None:
            out.add(("kms:Decrypt", escape(src.kms_key)))
    if fn.kms_key is not None:
        out.add(("kms:Decrypt", escape(fn.kms_key)))
    return out


def merged(fn: Function) -> list[Statement]:
    """The function's grants as statements: one per service and resource list, in grant order, actions sorted,
    without an action already granted on every resource of the statement (by an event source or before)."""
    covered = _covered(fn)
    actions: dict[tuple[str, tuple[str, ...]], set[str]] = {}
    first: dict[tuple[str, tuple[str, ...]], Statement] = {}
    for grant in fn.grants:
        for st in grant.statements():
            key = (st.service, tuple(r.text for r in st.resources))
            actions.setdefault(key, set()).update(st.actions)
            first.setdefault(key, st)
    out = []
    for key, wanted in actions.items():
        service, texts = key
        new = sorted(a for a in wanted if not all((f"{service}:{a}", r) in covered for r in texts))
        covered |= {(f"{service}:{a}", r) for a in new for r in texts}
        if new:
            out.append(Statement(service, tuple(new), first[key].resources))
    return out


def grant_statements(fn: Function) -> list[iam.Statement]:
    return [iam.allow(st.service, st.actions, [iam.value(r) for r in st.resources]) for st in merged(fn)]
