"""Spec -> troposphere Template. Pure: no AWS calls, no clock, no randomness."""

from __future__ import annotations

from troposphere import Template

from cfngen.builders import limits
from cfngen.builders.function import add_function
from cfngen.builders.grants import add_imports, add_parameters
from cfngen.builders.rules import add_bus
from cfngen.builders.sources import add_source
from cfngen.builders.tags import add_tags
from cfngen.builders.triggers import add_sources_policy, add_trigger
from cfngen.definitions import Stack


def build(stack: Stack) -> Template:
    """The stack's template, checked against CloudFormation's quotas (builders/limits.py) and sealed."""
    t = limits.QuotaTemplate(stack)
    t.set_version("2010-09-09")
    if stack.description:
        t.set_description(stack.description)
    add_parameters(t, stack)
    for bus in stack.buses:
        add_bus(t, bus)
    for source in stack.sources:
        if not source.existing:
            add_source(t, stack, source)
    for fn in stack.functions:
        add_function(t, fn)
        add_sources_policy(t, fn)
    for trigger in stack.triggers:
        add_trigger(t, trigger)
    add_imports(t, stack)
    add_tags(t, stack)  # last: every resource is in the template
    limits.check(t)
    t.sealed = True
    return t
