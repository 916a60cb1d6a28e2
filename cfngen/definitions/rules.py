"""EventBridge: rules matching an event pattern, schedules, and the buses rules listen on.

`stack.event_rule(name, pattern=..., bus=...)` and `stack.schedule(name, expression)` both become an
`AWS::Events::Rule`; a function is a target through `add_event_source(rule, input=...)`. Patterns are judged
as EventBridge judges them (every leaf a list, matchers it knows), and schedule expressions as EventBridge
parses them, naming the mistakes people make: `rate(5 minute)`, `rate(1 minutes)`, a five-field Unix cron,
a seven-field Quartz cron, a day given in both day fields.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cfngen import names
from cfngen.definitions.checks import Where, existing_name
from cfngen.definitions.refs import Reference
from cfngen.definitions.sources import Source
from cfngen.errors import SpecError

BUS_NAME = re.compile(r"[/.\-_A-Za-z0-9]{1,256}")
MAX_TARGETS = 5  # EventBridge: targets per rule
MATCHERS = {
    "prefix",
    "suffix",
    "anything-but",
    "numeric",
    "exists",
    "cidr",
    "equals-ignore-case",
    "wildcard",
}


@dataclass(eq=False)
class EventBus:
    """A bus a rule listens on: created by a stack (`stack.event_bus`) or existing (`EventBus.from_name`)."""

    name: str
    stack: Any  # the Stack that creates it, or None for an existing bus
    bus_name: str | None = None  # None for a created bus: ${AWS::StackName}-<name>

    @property
    def existing(self) -> bool:
        return self.stack is None

    @classmethod
    def define(cls, w: Where, name: str, *, bus_name: str | None) -> EventBus:
        if bus_name is not None:
            _bus_name(bus_name, lambda msg: w.fail("bus_name", msg))
        return cls(name, w.stack, bus_name)

    @classmethod
    def from_name(cls, bus_name: str, name: str | None = None) -> EventBus:
        """An existing bus, by name (the account's default bus is the rule's default: no need to name it)."""
        _bus_name(bus_name, lambda msg: SpecError(msg, resource="EventBus.from_name", field="bus_name"))
        return cls(existing_name(name, bus_name), None, bus_name)


def _bus_name(value: object, fail: Any) -> None:
    if not isinstance(value, str) or not BUS_NAME.fullmatch(value) or value == "default":
        raise fail(
            f"{value!r} is not allowed; allowed: 1 to 256 letters, digits, '.', '-', '_' or '/' "
            "(not 'default': a rule without bus= is on the default bus)"
        )


@dataclass(eq=False)
class EventRule(Source):
    """An EventBridge rule: an event pattern on a bus, or a schedule (on the default bus)."""

    pattern: Mapping[str, Any] | None = None
    schedule: str | None = None
    bus: EventBus | None = None
    description: str | None = None
    enabled: bool = True
    label: str = field(init=False, default="EventBridge rule")

    @property
    def name(self) -> Reference:
        return self._attr(names.rule(self.ident), None, "name")

    @property
    def arn(self) -> Reference:
        return self._attr(names.rule(self.ident), "Arn", "ARN")

    @classmethod
    def define(
        cls,
        w: Where,
        name: str,
        *,
        pattern: object = None,
        schedule: object = None,
        bus: object = None,
        description: str | None = None,
        enabled: bool = True,
    ) -> EventRule:
        if schedule is None:
            checked: Mapping[str, Any] | None = check_pattern(w, "pattern", pattern)
            if bus is not None and not isinstance(bus, EventBus):
                raise w.fail("bus", f"{bus!r} is not allowed; allowed: stack.event_bus(...) or EventBus.from_name(...)")
            if isinstance(bus, EventBus) and bus.stack is not None and bus.stack is not w.stack:
                raise w.fail(
                    "bus",
                    f"event bus {bus.name} belongs to stack {bus.stack.name}",
                    hint="refer to it with EventBus.from_name(...)",
                )
            expression = None
        else:
            checked, expression = None, check_schedule(w, "expression", schedule)
        return cls(
            name,
            w.stack,
            pattern=checked,
            schedule=expression,
            bus=bus if isinstance(bus, EventBus) else None,
            description=None if description is None else w.text("description", description, max_len=512),
            enabled=w.boolean("enabled", enabled),
        )


# ----------------------------------------------------------------------------------------------- patterns


def check_pattern(w: Where, fld: str, pattern: object) -> dict[str, Any]:
    """An event pattern EventBridge accepts: a non-empty dict whose every leaf is a non-empty list of values or
    matchers ({"prefix": ...}, {"numeric": [...]}, {"exists": true}, ...). Returned as a plain JSON copy."""
    if not isinstance(pattern, Mapping) or not pattern:
        raise w.fail(
            fld, f"{pattern!r} is not allowed; allowed: a non-empty dict such as {{'source': ['shop.orders']}}"
        )
    _pattern_object(w, fld, pattern, "")
    copied: dict[str, Any] = json.loads(w.json(fld, pattern))  # w.json refuses what JSON cannot carry
    return copied


def _pattern_object(w: Where, fld: str, obj: Mapping[Any, Any], path: str) -> None:
    for key, value in obj.items():
        at = f"{path}.{key}" if path else str(key)
        if not isinstance(key, str) or not key:
            raise w.fail(fld, f"key {key!r} at {path or 'the top'} is not allowed; allowed: a non-empty string")
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2 or not all(isinstance(v, Mapping) and v for v in value):
                raise w.fail(fld, f"{at} is {value!r}; allowed: a list of at least two non-empty patterns")
            for i, alternative in enumerate(value):
                _pattern_object(w, fld, alternative, f"{at}[{i}]")
        elif isinstance(value, Mapping):
            if not value:
                raise w.fail(fld, f"{at} is an empty dict; allowed: a dict of fields to match, or a list of values")
            _pattern_object(w, fld, value, at)
        elif isinstance(value, list) and value:
            for item in value:
                _pattern_value(w, fld, item, at)
        else:
            raise w.fail(
                fld,
                f"{at} is {value!r}; EventBridge matches against a list of values: allowed: a non-empty list, "
                f"e.g. {{{key!r}: [{value!r}]}}"
                if isinstance(value, (str, int, float))
                else f"{at} is {value!r}; allowed: a non-empty list of values or matchers, or a dict of fields",
            )


def _pattern_value(w: Where, fld: str, item: object, at: str) -> None:
    if item is None or isinstance(item, (str, bool, int)):
        return
    if isinstance(item, float):
        if not math.isfinite(item):
            raise w.fail(fld, f"{at} holds {item!r}; allowed: finite numbers")
        return
    if not isinstance(item, Mapping) or len(item) != 1:
        raise w.fail(
            fld,
            f"{at} holds {item!r}; allowed: strings, numbers, booleans, null, or one matcher such "
            "as {'prefix': 'abc'}",
        )
    ((matcher, arg),) = item.items()
    if matcher not in MATCHERS:
        raise w.fail(fld, f"{at} uses the matcher {matcher!r}; allowed: {', '.join(sorted(MATCHERS))}")
    if matcher == "exists" and not isinstance(arg, bool):
        raise w.fail(fld, f"{at}: 'exists' takes true or false, not {arg!r}")
    if matcher == "numeric" and not _numeric(arg):
        raise w.fail(
            fld,
            f"{at}: 'numeric' takes [op, number] or [op, number, op, number] with op one of "
            f"=, <, <=, >, >=; not {arg!r}",
        )
    if matcher in ("suffix", "cidr", "wildcard") and not isinstance(arg, str):
        raise w.fail(fld, f"{at}: {matcher!r} takes a string, not {arg!r}")


def _numeric(arg: object) -> bool:
    if not isinstance(arg, list) or len(arg) not in (2, 4):
        return False
    ops, numbers = arg[0::2], arg[1::2]
    return all(op in ("=", "<", "<=", ">", ">=") for op in ops) and all(
        isinstance(n, (int, float)) and not isinstance(n, bool) and math.isfinite(n) for n in numbers
    )


# ---------------------------------------------------------------------------------------------- schedules

_UNITS = {"minute": "minutes", "hour": "hours", "day": "days"}
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# name, low, high, symbolic names
_FIELDS: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("minutes", 0, 59, ()),
    ("hours", 0, 23, ()),
    ("day-of-month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 1, 7, _DAYS),
    ("year", 1970, 2199, ()),
)
CRON_SHAPE = "cron(minutes hours day-of-month month day-of-week year), e.g. cron(0 3 * * ? *)"


def check_schedule(w: Where, fld: str, expression: object) -> str:
    """`rate(1 minute)`, `rate(5 minutes)` (minute/hour/day) or a six-field `cron(...)`, as EventBridge parses them."""
    if not isinstance(expression, str):
        raise w.fail(fld, f"{expression!r} is not allowed; allowed: 'rate(5 minutes)' or '{CRON_SHAPE}'")
    match = re.fullmatch(r"(rate|cron)\((.*)\)", expression.strip())
    if match is None or expression != expression.strip():
        raise w.fail(
            fld,
            f"{expression!r} is not a schedule expression; allowed: rate(N unit) such as "
            f"'rate(5 minutes)', or {CRON_SHAPE}",
        )
    kind, body = match.groups()
    if kind == "rate":
        _rate(w, fld, expression, body)
    else:
        _cron(w, fld, expression, body)
    return expression


def _rate(w: Where, fld: str, expression: str, body: str) -> None:
    parts = body.split(" ")
    if len(parts) != 2 or not re.fullmatch(r"[1-9][0-9]*", parts[0]):
        raise w.fail(
            fld,
            f"{expression!r}: a rate is a whole number above 0, one space, and a unit; allowed: "
            "e.g. 'rate(1 minute)', 'rate(5 minutes)', 'rate(2 hours)', 'rate(1 day)'",
        )
    value, unit = int(parts[0]), parts[1]
    singular = {v: k for k, v in _UNITS.items()}.get(unit, unit)
    if singular not in _UNITS:
        raise w.fail(fld, f"{expression!r}: {unit!r} is not a unit; allowed: minute(s), hour(s), day(s)")
    wanted = singular if value == 1 else _UNITS[singular]
    if unit != wanted:
        raise w.fail(
            fld,
            f"{expression!r}: EventBridge wants {'the singular' if value == 1 else 'the plural'} "
            f"for {value}; allowed: 'rate({value} {wanted})'",
        )


def _cron(w: Where, fld: str, expression: str, body: str) -> None:
    values = body.split()
    if len(values) == 5:
        raise w.fail(
            fld,
            f"{expression!r} has 5 fields, like Unix cron; EventBridge's cron has six: add the year, "
            f"and '?' in day-of-month or day-of-week; allowed: {CRON_SHAPE}",
        )
    if len(values) == 7:
        raise w.fail(
            fld,
            f"{expression!r} has 7 fields, like Quartz cron with seconds; EventBridge's cron has no "
            f"seconds field; allowed: {CRON_SHAPE}",
        )
    if len(values) != 6:
        raise w.fail(fld, f"{expression!r} has {len(values)} fields; allowed: {CRON_SHAPE}")
    for value, (name, lo, hi, symbols) in zip(values, _FIELDS, strict=True):
        for item in value.split(","):
            if not _cron_item(item, name, lo, hi, symbols):
                raise w.fail(
                    fld,
                    f"{expression!r}: {name} {value!r} is not allowed; allowed: *, {lo}-{hi}"
                    f"{' or ' + '-'.join(symbols[:: len(symbols) - 1]) if symbols else ''}, lists (a,b), "
                    "ranges (a-b), steps (*/n)",
                )
    day_of_month, day_of_week = values[2], values[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise w.fail(
            fld,
            f"{expression!r}: exactly one of day-of-month ({day_of_month}) and day-of-week "
            f"({day_of_week}) must be '?'; allowed: e.g. cron(0 3 * * ? *) or cron(0 3 ? * MON-FRI *)",
        )


def _cron_item(item: str, name: str, lo: int, hi: int, symbols: tuple[str, ...]) -> bool:
    def number(text: str) -> bool:
        if text.upper() in symbols:
            return True
        return text.isdigit() and lo <= int(text) <= hi

    if item == "*" or (item == "?" and name in ("day-of-month", "day-of-week")):
        return True
    if name == "day-of-month" and re.fullmatch(r"L|LW|[0-9]{1,2}W", item):
        return item in ("L", "LW") or number(item[:-1])
    if name == "day-of-week" and re.fullmatch(r"L|[1-7]L|[1-7]#[1-5]|[A-Za-z]{3}#[1-5]", item):
        return item == "L" or number(re.split(r"[L#]", item)[0])
    base, _, step = item.partition("/")
    if step and not (step.isdigit() and int(step) > 0):
        return False
    if base == "*":
        return bool(step)
    first, dash, last = base.partition("-")
    return number(first) and (not dash or number(last))
