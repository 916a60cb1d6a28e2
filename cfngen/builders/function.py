"""A function's resources: code parameters, log group, role, the function, and its outputs.

Code location is a parameter pair, so the committed template changes only when infrastructure does;
the log group is explicit (retention set, named after the stack) and wired in through LoggingConfig.
"""

from __future__ import annotations

from troposphere import GetAtt, Output, Parameter, Ref, Sub, Template, logs
from troposphere import awslambda as lam
from troposphere import iam as tiam

from cfngen import names
from cfngen.builders import iam
from cfngen.definitions import Function


def add_function(t: Template, fn: Function) -> None:
    n = fn.name
    bucket = t.add_parameter(
        Parameter(names.code_bucket(n), Type="String", MinLength=1, Description=f"S3 bucket holding {n}'s code")
    )
    key = t.add_parameter(
        Parameter(names.code_key(n), Type="String", MinLength=1, Description=f"S3 key of {n}'s zip (its sha256)")
    )
    log_group = t.add_resource(
        logs.LogGroup(
            names.log_group(n),
            LogGroupName=Sub(f"/aws/lambda/${{AWS::StackName}}/{n}"),
            RetentionInDays=fn.log_retention_days,
        )
    )
    role = t.add_resource(
        tiam.Role(
            names.role(n),
            AssumeRolePolicyDocument=iam.assume_role("lambda.amazonaws.com"),
            Policies=[tiam.Policy(PolicyName="function", PolicyDocument=iam.document(_runtime_statements(fn)))],
        )
    )
    props: dict[str, object] = {
        "Code": lam.Code(S3Bucket=Ref(bucket), S3Key=Ref(key)),
        "Handler": fn.handler,
        "Runtime": fn.runtime,
        "MemorySize": fn.memory,
        "Timeout": fn.timeout,
        "Architectures": [fn.architecture],
        "Role": GetAtt(role, "Arn"),
        "LoggingConfig": lam.LoggingConfig(LogGroup=Ref(log_group)),
    }
    if fn.environment:
        props["Environment"] = lam.Environment(Variables={k: iam.value(v) for k, v in fn.environment.items()})
    if fn.description is not None:
        props["Description"] = fn.description
    if fn.reserved_concurrency is not None:
        props["ReservedConcurrentExecutions"] = fn.reserved_concurrency
    if fn.tracing is not None:
        props["TracingConfig"] = lam.TracingConfig(Mode=fn.tracing)
    if fn.dead_letter_arn is not None:
        props["DeadLetterConfig"] = lam.DeadLetterConfig(TargetArn=iam.value(fn.dead_letter_arn))
    if fn.layers:
        props["Layers"] = [iam.value(arn) for arn in fn.layers]
    function = t.add_resource(lam.Function(names.function(n), **props))
    t.add_output(Output(names.function_name_output(n), Value=Ref(function), Description=f"{n}'s physical name"))
    t.add_output(Output(names.function_arn_output(n), Value=GetAtt(function, "Arn")))


def _runtime_statements(fn: Function) -> list[iam.Statement]:
    """What the function itself needs to run: write its logs, and whatever the spec adds."""
    statements = [iam.allow("logs", ["CreateLogStream", "PutLogEvents"], [GetAtt(names.log_group(fn.name), "Arn")])]
    if fn.dead_letter_arn is not None:
        statements.append(iam.send_to(fn.dead_letter_arn))
    if fn.tracing == "Active":
        statements.append(iam.allow("xray", ["PutTelemetryRecords", "PutTraceSegments"], ["*"]))
    statements.extend(iam.user_statement(st) for st in fn.policies)
    return statements
