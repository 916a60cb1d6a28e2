"""CloudFormation's per-stack quotas, checked when a stack is built so that exceeding one is a SpecError.

troposphere refuses the 201st output or the 501st resource with a bare ValueError from inside the build, which
names neither the stack nor the fix. `QuotaTemplate` lets the builders finish, then `check` counts every section
and the rendered size and names each quota exceeded, the count, and the fix (split the stack). Once built, the
template is sealed: what a user adds through `stack.template()` is checked as it is added.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from troposphere import Template

from cfngen.errors import SpecError

if TYPE_CHECKING:
    from cfngen.definitions import Stack

# CloudFormation's quotas, as cfn-lint's (cfnlint.helpers.LIMITS) and AWS's quota page state them.
QUOTAS = {"Resources": 500, "Parameters": 200, "Outputs": 200, "Mappings": 200}
LOGICAL_ID_MAX = 255
TEMPLATE_MAX_BYTES = 1_000_000  # a template passed as TemplateURL; deploy uploads any over 51,200 bytes
SPLIT = "split the stack: move some functions and their sources into another Stack(...) (another stacks/*.py file)"

T = TypeVar("T")


class QuotaTemplate(Template):  # type: ignore[misc]  # troposphere has no type information
    """A Template that counts past troposphere's limits while being built and checks them once sealed."""

    def __init__(self, stack: Stack) -> None:
        super().__init__()
        self.stack = stack
        self.sealed = False

    def _added(self, value: T) -> T:
        if self.sealed:
            check(self)
        return value

    def add_resource(self, resource: T) -> T:
        self._update(self.resources, resource)
        return self._added(resource)

    def add_parameter(self, parameter: T) -> T:
        self._update(self.parameters, parameter)
        return self._added(parameter)

    def add_output(self, output: T) -> T:
        self._update(self.outputs, output)
        return self._added(output)

    def add_mapping(self, name: str, mapping: dict[str, Any]) -> None:
        self.mappings.setdefault(name, {}).update(mapping)
        self._added(None)


def check(t: QuotaTemplate) -> None:
    """Refuse a template CloudFormation would refuse for its size: each quota exceeded, its count, the fix."""
    from cfngen.render import canonical_json

    sections = {"Resources": t.resources, "Parameters": t.parameters, "Outputs": t.outputs, "Mappings": t.mappings}
    over = [f"{len(items)} {name.lower()} (at most {QUOTAS[name]})" for name, items in sections.items()
            if len(items) > QUOTAS[name]]  # fmt: skip
    long_ids = sorted(i for items in (*sections.values(), t.conditions) for i in items if len(i) > LOGICAL_ID_MAX)
    if long_ids:
        over.append(f"logical id {long_ids[0][:40]}... of {len(long_ids[0])} characters (at most {LOGICAL_ID_MAX})")
    if not over:  # the size is only worth rendering for when the counts fit
        size = len(canonical_json(t).encode())
        if size > TEMPLATE_MAX_BYTES:
            over.append(f"a template of {size:,} bytes (at most {TEMPLATE_MAX_BYTES:,})")
    if over:
        stack = t.stack
        raise SpecError(
            f"the template exceeds CloudFormation's quotas for one stack: {'; '.join(over)}",
            stack=stack.name,
            file=stack.file_label,
            hint=SPLIT,
        )
