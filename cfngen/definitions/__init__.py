"""Stack definitions: the objects users build in stacks/*.py, validated as they are built.

Every mistake is a SpecError naming the stack file, stack, resource, field, the bad value and what is
allowed, raised at definition time so nothing downstream (build, deploy) sees an invalid spec. This
package is pure data: no troposphere, no AWS.

    checks     where a check runs (Where) and the checks it offers; the allowed names, ARNs, placeholders, events
    sources    the event sources, created by a stack or existing (from_arn / from_name)
    queues     SQS queues: created (encrypted, with a dead-letter queue) or existing; the visibility-timeout rule
    rules      EventBridge rules, schedules (rate/cron checked) and buses
    refs       references (table.name, queue.url, parameters): values CloudFormation resolves, composed with +
    parameters stack.parameter(...): template parameters set with deploy --parameter
    grants     table.grant_read(fn) and the like: access levels and their IAM actions, as data
    secrets    existing Secrets Manager secrets and SSM parameters a function may read
    triggers   the three ways a source reaches a function; their option fields and the checks on them
    function   Function, its add_event_source, and the checks on a function's fields
    stack      Stack: the definition calls and the logical-id namespace they share

This module only re-exports: `from cfngen.definitions import X` works for every public name, wherever it lives.
"""

from __future__ import annotations

from cfngen.definitions.buckets import S3Bucket
from cfngen.definitions.checks import (
    BUCKET_NAME,
    KEY_TYPES,
    LOG_RETENTION_DAYS,
    PLACEHOLDERS,
    RESERVED_ENV,
    RESOURCE_NAME,
    S3_EVENTS,
    STACK_NAME,
    STARTING_POSITIONS,
    STREAM_VIEWS,
)
from cfngen.definitions.function import FUNCTION_OPTIONS, Function
from cfngen.definitions.grants import ACTIONS, Grant
from cfngen.definitions.queues import SqsQueue
from cfngen.definitions.refs import Reference
from cfngen.definitions.rules import EventBus, EventRule
from cfngen.definitions.secrets import Secret, SsmParameter
from cfngen.definitions.sources import DynamoDBTable, KinesisStream, SnsTopic, Source
from cfngen.definitions.stack import Stack
from cfngen.definitions.triggers import (
    OPTION_NAMES,
    PULL_OPTIONS,
    RULE_OPTIONS,
    S3_OPTIONS,
    SNS_OPTIONS,
    SQS_OPTIONS,
    PullTrigger,
    RuleTrigger,
    S3Trigger,
    SnsTrigger,
    SqsTrigger,
    Trigger,
)
from cfngen.definitions.vpc import Vpc

__all__ = [
    "ACTIONS",
    "BUCKET_NAME",
    "FUNCTION_OPTIONS",
    "KEY_TYPES",
    "LOG_RETENTION_DAYS",
    "OPTION_NAMES",
    "PLACEHOLDERS",
    "PULL_OPTIONS",
    "RESERVED_ENV",
    "RESOURCE_NAME",
    "RULE_OPTIONS",
    "S3_EVENTS",
    "S3_OPTIONS",
    "SNS_OPTIONS",
    "SQS_OPTIONS",
    "STACK_NAME",
    "STARTING_POSITIONS",
    "STREAM_VIEWS",
    "DynamoDBTable",
    "EventBus",
    "EventRule",
    "Function",
    "Grant",
    "KinesisStream",
    "PullTrigger",
    "Reference",
    "RuleTrigger",
    "S3Bucket",
    "S3Trigger",
    "Secret",
    "SnsTopic",
    "SnsTrigger",
    "Source",
    "SqsQueue",
    "SqsTrigger",
    "SsmParameter",
    "Stack",
    "Trigger",
    "Vpc",
]
