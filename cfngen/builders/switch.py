"""The Enabled switch shared by event source mappings and EventBridge rules.

A "true"/"false" parameter (its default from the definition) and a condition on it: enabling or disabling is
then a parameter-only stack update with the previous template (`cfngen enable/disable`), and the resource
reads the condition through Fn::If, which gives a real boolean on every engine.
"""

from __future__ import annotations

from troposphere import Equals, Parameter, Ref, Template


def add_switch(t: Template, parameter: str, condition: str, *, enabled: bool, description: str) -> Parameter:
    """Add the switch's parameter and condition; returns the parameter (resources Ref it in their Metadata)."""
    param = t.add_parameter(
        Parameter(
            parameter,
            Type="String",
            AllowedValues=["true", "false"],
            Default="true" if enabled else "false",
            Description=description,
        )
    )
    t.add_condition(condition, Equals(Ref(param), "true"))
    return param
