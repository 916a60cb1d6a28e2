"""EventBridge: custom buses, rules and schedules with their targets, and the permissions they invoke with.

A rule's State is a switch like a mapping's Enabled: a parameter `<Rule>Enabled`, a condition, `State: Fn::If`
and a Metadata `Ref` (see builders/triggers.py for why both). Each function target gets an
`AWS::Lambda::Permission` for events.amazonaws.com scoped by SourceArn to exactly that rule.
"""

from __future__ import annotations

from troposphere import GetAtt, If, Output, Ref, Sub, Template, events
from troposphere import awslambda as lam

from cfngen import names
from cfngen.builders import iam
from cfngen.builders.function import invoked
from cfngen.builders.switch import add_switch
from cfngen.definitions import EventBus, EventRule, Function, RuleTrigger, S3Trigger, Stack
from cfngen.definitions.buckets import eventbridge_pattern


def bus_name(bus: EventBus) -> object:
    """How a rule names its bus: an existing bus by its name, a created one by `Fn::GetAtt <Bus>.Name`.

    Not `Ref`: on AWS it is the name too, but moto's Ref of a bus is not (probe: test_event_bus_ref_is_not_its_name).
    """
    return bus.bus_name if bus.existing else GetAtt(names.event_bus(bus.name), "Name")


def add_bus(t: Template, bus: EventBus) -> None:
    name = bus.bus_name if bus.bus_name is not None else Sub(f"${{AWS::StackName}}-{bus.name}")
    resource = t.add_resource(events.EventBus(names.event_bus(bus.name), Name=name))
    t.add_output(Output(names.event_bus_name_output(bus.name), Value=bus_name(bus)))
    t.add_output(Output(names.event_bus_arn_output(bus.name), Value=GetAtt(resource, "Arn")))


def add_rule(t: Template, stack: Stack, rule: EventRule) -> None:
    n = rule.ident
    condition = names.rule_is_enabled(n)
    param = add_switch(
        t,
        names.rule_enabled(n),
        condition,
        enabled=rule.enabled,
        description=f"Whether rule {n} invokes its targets (cfngen enable/disable)",
    )
    props: dict[str, object] = {"State": If(condition, "ENABLED", "DISABLED")}
    if rule.schedule is not None:
        props["ScheduleExpression"] = rule.schedule
    else:
        props["EventPattern"] = dict(rule.pattern or {})
    if rule.bus is not None:
        props["EventBusName"] = bus_name(rule.bus)
    if rule.description is not None:
        props["Description"] = rule.description
    targets = [tr for tr in stack.triggers if isinstance(tr, RuleTrigger) and tr.source is rule]
    if targets:
        props["Targets"] = [_target(tr) for tr in targets]
    resource = events.Rule(names.rule(n), **props)
    # probe: test_update_skips_a_mapping_tied_to_the_parameter_only_by_a_condition (the same holds for a rule)
    resource.Metadata = {"cfngen:enabled": Ref(param)}
    t.add_resource(resource)
    t.add_output(Output(names.rule_arn_output(n), Value=GetAtt(resource, "Arn")))


def _target(tr: RuleTrigger) -> events.Target:
    target = events.Target(Id=tr.function.name, Arn=invoked(tr.function))
    if tr.input is not None:
        target.Input = tr.input
    return target


def add_rule_permission(t: Template, tr: RuleTrigger) -> None:
    _permission(t, names.rule_permission(tr.name), tr.function, names.rule(tr.source.ident))


def _permission(t: Template, logical_id: str, function: Function, rule: str) -> None:
    """EventBridge may invoke `function` (its alias, when it has one) for exactly one rule (SourceArn)."""
    t.add_resource(
        lam.Permission(
            logical_id,
            Action="lambda:InvokeFunction",
            FunctionName=invoked(function),
            Principal="events.amazonaws.com",
            SourceArn=GetAtt(rule, "Arn"),
        )
    )


def add_s3_route(t: Template, tr: S3Trigger) -> None:
    """An existing bucket's events through EventBridge: a rule on the default bus matching S3's events for the
    bucket (and key prefix/suffix), switched like any rule, targeting the function, and its permission. S3 sends
    them only once the bucket's EventBridge notifications are on: deploy checks (deploy/bucketevents.py)."""
    n = tr.name
    condition = names.s3_rule_is_enabled(n)
    param = add_switch(
        t,
        names.s3_rule_enabled(n),
        condition,
        enabled=True,
        description=f"Whether bucket {tr.source.ident}'s events reach {tr.function.name} (cfngen enable/disable)",
    )
    pattern = eventbridge_pattern(iam.value(tr.source.name), tr.events, tr.prefix, tr.suffix)
    resource = events.Rule(
        names.s3_rule(n),
        Description=f"{', '.join(tr.events)} on bucket {tr.source.ident} -> {tr.function.name}",
        EventPattern=pattern,
        State=If(condition, "ENABLED", "DISABLED"),
        Targets=[events.Target(Id=tr.function.name, Arn=invoked(tr.function))],
    )
    # probe: test_rule_state_follows_its_parameter_through_fn_if_and_metadata
    resource.Metadata = {"cfngen:enabled": Ref(param)}
    t.add_resource(resource)
    _permission(t, names.s3_permission(n), tr.function, names.s3_rule(n))
