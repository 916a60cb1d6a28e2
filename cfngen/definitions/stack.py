"""Stack: the object stacks/*.py create, and the namespace of logical ids its resources share.

Each definition call (`function`, `kinesis_stream`, ...) checks its arguments and claims the logical ids
it will need, so a clash is refused on the line that causes it. `template()` / `to_json()` build the
stack, importing troposphere only then, which keeps commands that only read specs fast.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from cfngen import names
from cfngen.definitions.buckets import S3Bucket
from cfngen.definitions.checks import BOOTSTRAP_STACK, RESOURCE_NAME, STACK_NAME, Where
from cfngen.definitions.function import FUNCTION_OPTIONS, Function, define_function
from cfngen.definitions.imports import Import, bind, import_reference
from cfngen.definitions.parameters import StackParameter, define_parameter, reference
from cfngen.definitions.queues import SqsQueue
from cfngen.definitions.refs import Reference, Value
from cfngen.definitions.rules import EventBus, EventRule
from cfngen.definitions.sources import DynamoDBTable, KinesisStream, SnsTopic, Source
from cfngen.definitions.tags import check_tags
from cfngen.definitions.vpc import Vpc
from cfngen.errors import SpecError
from cfngen.names import Owner

if TYPE_CHECKING:
    from troposphere import Template

    from cfngen.definitions.triggers import Trigger

T = TypeVar("T")


class Stack:
    """One CloudFormation stack. Every module-level Stack in stacks/*.py is discovered by the CLI."""

    def __init__(
        self,
        name: str,
        description: str | None = None,
        *,
        base_dir: str | Path | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        """`tags` go on every resource of the stack that takes tags, and on the stack itself at deploy."""
        caller = sys._getframe(1).f_globals.get("__file__")
        self.file: Path | None = Path(caller).resolve() if caller else None
        if base_dir is not None and not isinstance(base_dir, (str, Path)):
            raise SpecError(f"base_dir {base_dir!r} is not allowed; allowed: a path", file=self.file_label)
        self.base_dir = Path(base_dir) if base_dir is not None else (self.file.parent if self.file else Path.cwd())
        self.name = name
        if not isinstance(name, str) or not STACK_NAME.fullmatch(name):
            raise SpecError(
                f"stack name {name!r} is not allowed; allowed: a letter, then up to 127 letters, digits or '-'",
                file=self.file_label,
                field="name",
            )
        if name == BOOTSTRAP_STACK:
            raise SpecError(
                f"stack name {name!r} is reserved for cfngen's artifact bucket stack (cfngen bootstrap); "
                "allowed: any other stack name",
                file=self.file_label,
                stack=name,
                field="name",
            )
        if description is not None:
            Where(self).text("description", description, max_len=1024)
        self.description = description
        self.tags = check_tags(Where(self), "tags", {} if tags is None else tags)
        self.functions: list[Function] = []
        self.sources: list[Source] = []
        self.buses: list[EventBus] = []
        self.parameters: dict[str, StackParameter] = {}
        self.imports: dict[str, Import] = {}  # parameter -> the producer output deploy fills it from
        self.views: dict[tuple[str, str, str], Source] = {}  # other stacks' sources as this stack uses them
        self._names: dict[str, str] = {}
        self._template: Template | None = None

    def __repr__(self) -> str:
        return f"Stack({self.name!r})"

    @property
    def file_label(self) -> str | None:
        if self.file is None:
            return None
        try:
            return str(self.file.relative_to(Path.cwd()))
        except ValueError:
            return str(self.file)

    @property
    def triggers(self) -> list[Trigger]:
        return [t for fn in self.functions for t in fn.triggers]

    # -- internals shared with Function

    def _check_open(self) -> None:
        if self._template is not None:
            raise SpecError(
                "the stack was already built by template()/to_json(); define every function "
                "and source before calling them",
                stack=self.name,
                file=self.file_label,
            )

    def _claim(self, owner: Owner, name: str, what: str, where: Where, *, bare: bool = True) -> None:
        wanted = ([name] if bare else []) + names.ids(owner, name)
        for logical_id in wanted:
            if logical_id in self._names:
                clash = "" if logical_id == name else f" (both need the logical id {logical_id!r})"
                raise where.fail(
                    "name",
                    f"{name!r} clashes with {self._names[logical_id]}{clash}; allowed: a name unique in the stack",
                )
        for logical_id in wanted:
            self._names[logical_id] = what

    def import_reference(self, ref: Reference, w: Where, fld: str) -> Reference:
        return import_reference(self, ref, w, fld)  # another stack's value as this stack's (definitions/imports.py)

    def bind(self, source: T) -> T:
        return bind(self, source)  # type: ignore[no-any-return]  # another stack's source as an imported view

    def _adopt(self, source: Source) -> None:
        """Existing sources join the stack's namespace when first used; created ones already did."""
        if source.stack is None and source not in self.sources:
            self._claim(
                Owner.EXISTING_SOURCE,
                source.ident,
                f"the existing {source.label} {source.ident}",
                Where(self, source.ident),
            )
            self.sources.append(source)

    def _resource(self, owner: Owner, name: object, what: str) -> Where:
        self._check_open()
        where = Where(self, str(name))
        if not isinstance(name, str) or not RESOURCE_NAME.fullmatch(name):
            raise where.fail(
                "name",
                f"{name!r} is not allowed; allowed: a letter A-Z, then up to 63 letters or "
                "digits (it becomes part of CloudFormation logical ids)",
            )
        self._claim(owner, name, what, where)
        return where

    # -- the public API

    def function(
        self,
        name: str,
        *,
        code: str | Path,
        handler: str,
        runtime: str,
        memory: int = 128,
        timeout: int = 3,
        architecture: str = "x86_64",
        environment: Mapping[str, Value] | None = None,
        description: str | None = None,
        reserved_concurrency: int | None = None,
        log_retention_days: int = 30,
        policies: Sequence[Mapping[str, Any]] = (),
        tracing: str | None = None,
        dead_letter_arn: str | None = None,
        layers: Sequence[str] = (),
        kms_key: str | None = None,
        on_failure: str | SnsTopic | SqsQueue | EventBus | None = None,
        function_name: Value | None = None,
        on_success: str | SnsTopic | SqsQueue | EventBus | None = None,
        max_event_age_seconds: int | None = None,
        max_retry_attempts: int | None = None,
        alias: str | None = None,
        provisioned_concurrency: int | None = None,
        tags: Mapping[str, str] | None = None,
        vpc: Vpc | None = None,
        **unknown: Any,
    ) -> Function:
        """A Lambda function with its role, log group and code parameters.

        `kms_key` (a customer-managed key's ARN) encrypts its environment variables and its log group;
        `on_failure` / `on_success` (an SQS queue, SNS topic, Lambda function or EventBridge bus ARN, or a queue,
        topic or bus of this stack) receive asynchronous invocations that failed every retry / succeeded;
        `max_event_age_seconds` (60-21600) and `max_retry_attempts` (0-2) bound those retries. `environment` values
        and `function_name` may be references (`table.name`, `queue.url`, a stack parameter, composed with +);
        `function_name` fixes the physical name (up to 64 letters, digits, '-' or '_' for every value of its
        placeholders and parameters). `alias` publishes a version per code change with an alias on it that every
        trigger, invoke and smoke test targets; `provisioned_concurrency` is set on that alias. `tags` are added to
        the stack's on the function, its role and its log group; `vpc` (`Vpc(subnet_ids=[...],
        security_group_ids=[...])`) attaches it to a VPC, with the network-interface permissions Lambda needs.
        """
        Where(self, str(name)).reject_unknown(unknown, FUNCTION_OPTIONS, "stack.function")
        w = self._resource(Owner.FUNCTION, name, f"the function {name}")
        fn = define_function(
            w,
            name,
            code=code,
            handler=handler,
            runtime=runtime,
            memory=memory,
            timeout=timeout,
            architecture=architecture,
            environment=environment,
            description=description,
            reserved_concurrency=reserved_concurrency,
            log_retention_days=log_retention_days,
            policies=policies,
            tracing=tracing,
            dead_letter_arn=dead_letter_arn,
            layers=layers,
            kms_key=kms_key,
            on_failure=on_failure,
            function_name=function_name,
            on_success=on_success,
            max_event_age_seconds=max_event_age_seconds,
            max_retry_attempts=max_retry_attempts,
            alias=alias,
            provisioned_concurrency=provisioned_concurrency,
            tags=tags,
            vpc=vpc,
        )
        self.functions.append(fn)
        return fn

    def parameter(
        self,
        name: str,
        *,
        default: str | None = None,
        allowed: Sequence[str] = (),
        description: str | None = None,
        no_echo: bool = False,
    ) -> Reference:
        """A template parameter (a string), set at deploy time with `cfngen deploy --parameter NAME=VALUE`; without
        it the default applies. Usable in environment values, names and policies; `allowed` lists its values."""
        self._check_open()
        where = Where(self, str(name))
        param = define_parameter(
            where, name, default=default, allowed=allowed, description=description, no_echo=no_echo
        )
        self._claim(Owner.PARAMETER, param.name, f"the parameter {param.name}", where)
        self.parameters[param.name] = param
        return reference(where, param)

    def kinesis_stream(
        self,
        name: str,
        *,
        shards: int | None = None,
        on_demand: bool = False,
        retention_hours: int = 24,
        stream_name: str | None = None,
    ) -> KinesisStream:
        """A Kinesis stream, encrypted with the AWS-managed key."""
        w = self._resource(Owner.KINESIS_STREAM, name, f"the Kinesis stream {name}")
        return self._add(
            KinesisStream.define(
                w, name, shards=shards, on_demand=on_demand, retention_hours=retention_hours, stream_name=stream_name
            )
        )

    def dynamodb_table(
        self,
        name: str,
        *,
        partition_key: str,
        partition_key_type: str = "S",
        sort_key: str | None = None,
        sort_key_type: str = "S",
        stream_view: str | None = None,
        table_name: str | None = None,
        retain: bool = True,
        kms_key: str | None = None,
        billing: str = "on_demand",
        read_capacity: int | None = None,
        write_capacity: int | None = None,
    ) -> DynamoDBTable:
        """A table with point-in-time recovery and encryption (`kms_key`: a customer-managed key's ARN; otherwise
        DynamoDB's AWS-owned key); stream_view makes it a source. On demand, or `billing="provisioned"` with
        `read_capacity` and `write_capacity` (1 to 40,000 units each)."""
        w = self._resource(Owner.DYNAMODB_TABLE, name, f"the DynamoDB table {name}")
        return self._add(
            DynamoDBTable.define(
                w,
                name,
                partition_key=partition_key,
                partition_key_type=partition_key_type,
                sort_key=sort_key,
                sort_key_type=sort_key_type,
                stream_view=stream_view,
                table_name=table_name,
                retain=retain,
                kms_key=kms_key,
                billing=billing,
                read_capacity=read_capacity,
                write_capacity=write_capacity,
            )
        )

    def sns_topic(
        self,
        name: str,
        *,
        kms_key: str | None = None,
        display_name: str | None = None,
        topic_name: str | None = None,
    ) -> SnsTopic:
        """A standard SNS topic (Lambda cannot subscribe to FIFO topics), encrypted with `kms_key` (a key id, key
        ARN, alias/NAME or alias ARN), by default SNS's AWS-managed key alias/aws/sns."""
        w = self._resource(Owner.SNS_TOPIC, name, f"the SNS topic {name}")
        return self._add(SnsTopic.define(w, name, kms_key=kms_key, display_name=display_name, topic_name=topic_name))

    def s3_bucket(self, name: str, *, versioning: bool = False, bucket_name: str | None = None) -> S3Bucket:
        """A private, encrypted, TLS-only bucket. Its name is fixed at render time (see builders.sources)."""
        w = self._resource(Owner.S3_BUCKET, name, f"the S3 bucket {name}")
        bucket = S3Bucket.define(w, name, versioning=versioning, bucket_name=bucket_name)
        # Generated bucket names are lower-case: "Uploads" and "UPLOADS" would get the same one.
        self._claim(Owner.BUCKET_NAME, f"bucket {(bucket_name or name).lower()}", f"the S3 bucket {name}", w)
        return self._add(bucket)

    def sqs_queue(
        self,
        name: str,
        *,
        visibility_timeout: int | None = None,
        fifo: bool = False,
        queue_name: str | None = None,
        retention_seconds: int | None = None,
        max_receive_count: int | None = 5,
        kms_key: str | None = None,
    ) -> SqsQueue:
        """An SQS queue, encrypted (SQS-managed keys, or `kms_key`: a customer-managed key's ARN), TLS-only, with a
        dead-letter queue receiving what failed `max_receive_count` times (None: no dead-letter queue). The
        visibility timeout defaults to 6x the longest timeout of the functions consuming it."""
        w = self._resource(Owner.SQS_QUEUE, name, f"the SQS queue {name}")
        return self._add(
            SqsQueue.define(
                w,
                name,
                visibility_timeout=visibility_timeout,
                fifo=fifo,
                queue_name=queue_name,
                retention_seconds=retention_seconds,
                max_receive_count=max_receive_count,
                kms_key=kms_key,
            )
        )

    def event_bus(self, name: str, *, bus_name: str | None = None) -> EventBus:
        """A custom EventBridge bus, named `bus_name` or `<stack name>-<name>`, for `event_rule(..., bus=...)`."""
        w = self._resource(Owner.EVENT_BUS, name, f"the event bus {name}")
        bus = EventBus.define(w, name, bus_name=bus_name)
        self.buses.append(bus)
        return bus

    def event_rule(
        self,
        name: str,
        *,
        pattern: Mapping[str, Any],
        bus: EventBus | None = None,
        description: str | None = None,
        enabled: bool = True,
    ) -> EventRule:
        """An EventBridge rule matching `pattern` on `bus` (default: the account's default bus); functions become
        its targets with add_event_source(rule, input=...). `enabled` is a parameter switch, as for mappings."""
        w = self._resource(Owner.EVENT_RULE, name, f"the EventBridge rule {name}")
        return self._add(EventRule.define(w, name, pattern=pattern, bus=bus, description=description, enabled=enabled))

    def schedule(
        self, name: str, expression: str, *, description: str | None = None, enabled: bool = True
    ) -> EventRule:
        """An EventBridge schedule: `rate(5 minutes)` (minute/hour/day, singular for 1) or a six-field
        `cron(minutes hours day-of-month month day-of-week year)`, in UTC."""
        w = self._resource(Owner.EVENT_RULE, name, f"the schedule {name}")
        return self._add(EventRule.define(w, name, schedule=expression, description=description, enabled=enabled))

    def _add(self, source: T) -> T:
        assert isinstance(source, Source)
        self.sources.append(source)
        return source

    def template(self) -> Template:
        """The troposphere Template (built once; add extra resources to it before to_json())."""
        if self._template is None:
            from cfngen.builders import build

            self._template = build(self)
        return self._template

    def to_json(self) -> str:
        """The canonical text `cfngen render` writes."""
        from cfngen.render import canonical_json

        return canonical_json(self.template())
