"""A function's resources: code parameters, log group, role, the function, its asynchronous invocation settings,
and its outputs.

Code location is a parameter pair, so the committed template changes only when infrastructure does;
the log group is explicit (retention set, named after the stack) and wired in through LoggingConfig.
A `kms_key` encrypts the environment and the log group; `on_failure`, `on_success` and the retry settings
become an EventInvokeConfig, and the role may send to each destination (and nothing more). An `alias` adds a
Version whose CodeSha256 is a parameter (deploy passes the zip's hash, so a code change replaces the Version: a new
one is published while the template stays as reviewed) and the Alias on it, which every trigger targets
(`invoked`) and the EventInvokeConfig qualifies. What checkov asks that cfngen does not do is waived on the
resource (builders/scanner.py).
"""

from __future__ import annotations

import hashlib
import json

from troposphere import GetAtt, Output, Parameter, Ref, Sub, Template, logs
from troposphere import awslambda as lam
from troposphere import iam as tiam

from cfngen import names
from cfngen.builders import iam, scanner
from cfngen.builders.grants import grant_statements
from cfngen.definitions import EventBus, Function, RuleTrigger, S3Trigger, SnsTopic, SnsTrigger, SqsQueue, Stack, Vpc
from cfngen.definitions.checks import ARN
from cfngen.definitions.function import Destination
from cfngen.definitions.refs import literal
from cfngen.definitions.vpc import ENI_ACTIONS


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
            **({} if fn.kms_key is None else {"KmsKeyId": iam.value(fn.kms_key)}),
        )
    )
    scanner.skip(log_group, *([] if fn.kms_key else ["logs-aws-key"]))
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
    if fn.kms_key is not None:
        props["KmsKeyArn"] = iam.value(fn.kms_key)
    if fn.description is not None:
        props["Description"] = fn.description
    if fn.function_name is not None:
        props["FunctionName"] = iam.value(fn.function_name)
    if fn.reserved_concurrency is not None:
        props["ReservedConcurrentExecutions"] = fn.reserved_concurrency
    if fn.tracing is not None:
        props["TracingConfig"] = lam.TracingConfig(Mode=fn.tracing)
    if fn.dead_letter_arn is not None:
        props["DeadLetterConfig"] = lam.DeadLetterConfig(TargetArn=iam.value(fn.dead_letter_arn))
    if fn.layers:
        props["Layers"] = [iam.value(arn) for arn in fn.layers]
    if fn.vpc is not None:
        props["VpcConfig"] = lam.VPCConfig(
            SubnetIds=[iam.value(i) for i in fn.vpc.subnet_ids],
            SecurityGroupIds=[iam.value(i) for i in fn.vpc.security_group_ids],
        )
    function = t.add_resource(lam.Function(names.function(n), **props))
    scanner.skip(function, *_waivers(fn))
    if fn.alias is not None:
        _add_alias(t, fn, function)
    _add_invoke_config(t, fn, function)
    t.add_output(Output(names.function_name_output(n), Value=Ref(function), Description=f"{n}'s physical name"))
    t.add_output(Output(names.function_arn_output(n), Value=GetAtt(function, "Arn")))
    if fn.alias is not None:
        t.add_output(Output(names.alias_arn_output(n), Value=Ref(names.alias(n)), Description=f"{n}:{fn.alias}"))


def invoked(fn: Function) -> object:
    """The ARN that triggers invoke: the function's alias when it has one, else the function."""
    return GetAtt(names.function(fn.name), "Arn") if fn.alias is None else Ref(names.alias(fn.name))


def _add_alias(t: Template, fn: Function, function: lam.Function) -> None:
    """The Version (replaced when the code hash parameter or the function's configuration changes) and the Alias.

    CloudFormation checks CodeSha256 against the function's code (base64 of the zip's SHA-256), so a Version is
    published only from the code deploy just uploaded. The Description carries a digest of the function's
    properties: a configuration change (in the template) publishes a version too. Versions are retained, as SAM
    and CDK do, so an earlier one stays available to point the alias back at.
    """
    n = fn.name
    sha = t.add_parameter(
        Parameter(
            names.code_sha256(n),
            Type="String",
            MinLength=1,
            Description=f"{n}'s code hash (base64 SHA-256 of its zip): a new one publishes a version",
        )
    )
    settings = json.dumps(function.to_dict()["Properties"], sort_keys=True, separators=(",", ":"))
    version = lam.Version(
        names.version(n),
        FunctionName=Ref(function),
        CodeSha256=Ref(sha),
        Description=f"cfngen: configuration {hashlib.sha256(settings.encode()).hexdigest()[:16]}",
    )
    version.DeletionPolicy = version.UpdateReplacePolicy = "Retain"
    t.add_resource(version)
    alias = lam.Alias(names.alias(n), FunctionName=Ref(function), FunctionVersion=GetAtt(version, "Version"),
                      Name=fn.alias)  # fmt: skip
    if fn.provisioned_concurrency is not None:
        alias.ProvisionedConcurrencyConfig = lam.ProvisionedConcurrencyConfiguration(
            ProvisionedConcurrentExecutions=fn.provisioned_concurrency
        )
    t.add_resource(alias)


def _runtime_statements(fn: Function) -> list[iam.Statement]:
    """What the function itself needs to run: write its logs, and whatever the spec adds."""
    statements = [iam.allow("logs", ["CreateLogStream", "PutLogEvents"], [GetAtt(names.log_group(fn.name), "Arn")])]
    if fn.dead_letter_arn is not None:
        statements.append(iam.send_to(fn.dead_letter_arn))
    statements.extend(_send_to(fn.on_failure))
    statements.extend(_send_to(fn.on_success))
    if fn.kms_key is not None:  # Lambda decrypts the environment as the function's role
        statements.append(iam.allow("kms", ["Decrypt"], [iam.value(fn.kms_key)]))
    if fn.tracing == "Active":
        statements.append(iam.allow("xray", ["PutTelemetryRecords", "PutTraceSegments"], ["*"]))
    if fn.vpc is not None:
        statements.extend(_vpc_statements(fn.vpc))
    statements.extend(iam.user_statement(st) for st in fn.policies)
    statements.extend(grant_statements(fn))
    return statements


def _add_invoke_config(t: Template, fn: Function, function: lam.Function) -> None:
    """Asynchronous invocation settings: destinations for successes and failures, event age and retries."""
    props: dict[str, object] = {
        "MaximumEventAgeInSeconds": fn.max_event_age_seconds,
        "MaximumRetryAttempts": fn.max_retry_attempts,
    }
    sent = {"OnSuccess": fn.on_success, "OnFailure": fn.on_failure}
    destinations = {
        key: (lam.OnSuccess if key == "OnSuccess" else lam.OnFailure)(Destination=_destination(dest))
        for key, dest in sent.items()
        if dest is not None
    }
    if destinations:
        props["DestinationConfig"] = lam.DestinationConfig(**destinations)
    props = {k: v for k, v in props.items() if v is not None}
    if props:
        qualifier = "$LATEST" if fn.alias is None else fn.alias  # where invocations go
        config = lam.EventInvokeConfig(
            names.event_invoke_config(fn.name), FunctionName=Ref(function), Qualifier=qualifier, **props
        )
        if fn.alias is not None:
            config.DependsOn = [names.alias(fn.name)]
        t.add_resource(config)


def _send_to(dest: Destination | None) -> list[iam.Statement]:
    """What the role needs to deliver an asynchronous invocation's outcome to `dest` (+ the key that encrypts it)."""
    if dest is None:
        return []
    if isinstance(dest, SnsTopic):
        topic_key = dest.kms_key or ""
        # publishing to a topic with a customer-managed key uses the key
        key = [iam.allow("kms", ["Decrypt", "GenerateDataKey"], [iam.value(topic_key)])]
        return [
            iam.allow("sns", ["Publish"], [_destination(dest)]),
            *(key if ARN["kms-key"].fullmatch(topic_key) else []),
        ]
    if isinstance(dest, SqsQueue):
        # sending to a queue with a customer-managed key uses the key
        key = (
            []
            if dest.kms_key is None
            else [iam.allow("kms", ["Decrypt", "GenerateDataKey"], [iam.value(dest.kms_key)])]
        )
        return [iam.allow("sqs", ["SendMessage"], [_destination(dest)]), *key]
    if isinstance(dest, EventBus):
        return [iam.allow("events", ["PutEvents"], [_destination(dest)])]
    service = next(kind for kind in _SEND if ARN[kind].fullmatch(dest))  # the definition checked it is one of them
    return [iam.allow(service, [_SEND[service]], [iam.value(dest)])]


_SEND = {"sqs": "SendMessage", "sns": "Publish", "lambda": "InvokeFunction", "events": "PutEvents"}


def _destination(dest: Destination) -> object:
    if isinstance(dest, (SnsTopic, SqsQueue)):  # created here (a Ref also orders the two), imported or existing
        return iam.value(dest.arn)
    if isinstance(dest, EventBus):  # a bus this stack creates
        return GetAtt(names.event_bus(dest.name), "Arn")
    return iam.value(dest)


def _vpc_statements(vpc: Vpc) -> list[iam.Statement]:
    """Lambda's network interfaces (definitions/vpc.ENI_ACTIONS): describing them on `*` (IAM cannot scope it),
    creating them only in the function's subnets and security groups, managing the account's interfaces."""
    ec2 = "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:"
    interfaces = iam.value(ec2 + "network-interface/*")
    placed = [iam.value(literal(ec2 + "subnet/", "a subnet's ARN") + i) for i in vpc.subnet_ids]
    placed += [iam.value(literal(ec2 + "security-group/", "a group's ARN") + i) for i in vpc.security_group_ids]
    return [
        iam.allow("ec2", ENI_ACTIONS["describe"], ["*"]),
        iam.allow("ec2", ENI_ACTIONS["create"], [interfaces, *placed]),
        iam.allow("ec2", ENI_ACTIONS["manage"], [interfaces]),
    ]


def notes(stack: Stack) -> list[str]:
    """Warnings about a stack's functions, shown by render and deploy (not errors)."""
    return [
        f"warning: {fn.name} runs in {len(fn.vpc.subnet_ids)} subnet (one Availability Zone): when that zone fails, "
        "so does the function; give vpc= at least two subnets in different zones"
        for fn in stack.functions
        if fn.vpc is not None and len(fn.vpc.subnet_ids) < 2
    ]


def _waivers(fn: Function) -> list[str]:
    """The checkov checks this function fails by design, named in builders/scanner.py with the reason."""
    waivers = [] if fn.vpc is not None else ["no-vpc"]
    if fn.reserved_concurrency is None:
        waivers.append("no-reserved-concurrency")
    if fn.dead_letter_arn is None:
        if fn.on_failure is not None:
            waivers.append("failure-destination")
        elif not any(isinstance(t, (SnsTrigger, S3Trigger, RuleTrigger)) for t in fn.triggers):
            waivers.append("no-async-source")
        # Pushed to by SNS, S3 or EventBridge with nowhere for failures to go: left for checkov to report.
    if fn.kms_key is None and fn.environment:
        waivers.append("environment-aws-key")
    return waivers
