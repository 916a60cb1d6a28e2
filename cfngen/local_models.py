"""The CloudFormation resource types cfngen emits that moto's CloudFormation lacks, taught to the embedded emulator.

moto finds the class for a resource type among `CloudFormationModel`'s direct subclasses
(moto/cloudformation/parsing.py `get_model_map`, cached), the last one defined winning. Importing this module
defines the classes below (after moto's own, which `moto.cloudformation.parsing` imports first, so ours win for a
type moto has too); `register()` also clears moto's caches, in case its map was computed before. Only the
embedded emulator imports it (cfngen/local.py), before it serves a request; a plain moto server stays as moto
made it, so stacks without these types deploy on either.

- `AWS::Lambda::Version`: moto publishes one, but its Ref is the logical id (not the version's ARN), it has no
  `Version` attribute and an update (a new CodeSha256) leaves the stack without it.
  Probes: test_lambda_version_ref_is_its_logical_id, test_lambda_version_update_loses_the_version.
  Here: Ref is the version's ARN, GetAtt Version its number, CodeSha256 is checked against the function's code
  as Lambda does, and a changed property replaces it: a new version is published and the function's aliases
  on the old one follow (CloudFormation updates what depends on a replaced resource; moto does not).
  Old versions stay, as the template's Retain policies say.
- `AWS::Lambda::Alias`: skipped by moto (probe: test_lambda_alias_is_skipped_like_other_unsupported_types), so
  whatever targets it fails ("Function not found"). Here: created, updated and deleted through moto's Lambda
  backend, Ref and GetAtt AliasArn its ARN. ProvisionedConcurrencyConfig is accepted and not emulated (moto's
  Lambda has no provisioned concurrency).
- `AWS::Kinesis::StreamConsumer` (cfngen's `enhanced_fan_out=True`): skipped by moto, so Kinesis holds no consumer
  (probe: test_stream_consumer_is_skipped_like_other_unsupported_types). Here: registered and deregistered through
  moto's Kinesis backend; Ref and GetAtt ConsumerARN its ARN, GetAtt ConsumerName, ConsumerStatus,
  ConsumerCreationTimestamp and StreamARN as CloudFormation documents them; a new name or stream replaces it.
- A mapping from a consumer's ARN: moto's Lambda matches EventSourceArn against streams, tables and queues only
  and refuses a consumer's ARN (probe: test_mapping_from_a_consumer_arn_is_refused). `register()` wraps
  `LambdaBackend.create_event_source_mapping` in this process only: a registered consumer's ARN is looked up as
  its stream, and the mapping keeps the consumer's ARN as its EventSourceArn (as Lambda reports it), so records
  put on the stream reach the function. Any other ARN goes to moto unchanged.
- `AWS::Logs::LogGroup` updates: moto has none, so an update that changes a log group (new tags: `Stack(tags=)` added
  to a deployed stack) drops it from the stack, and the function naming it fails (probe:
  test_log_group_update_drops_it_from_the_stack). `register()` gives moto's model one (`_update_log_group`): tags,
  retention and key in place, as CloudFormation does; a new name creates the new group and deletes the old.
"""

from __future__ import annotations

import contextlib
from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException, UnknownFunctionException
from moto.awslambda.models import EventSourceMapping, LambdaAlias, LambdaBackend, LambdaFunction
from moto.awslambda.utils import get_backend
from moto.cloudformation import parsing
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel
from moto.kinesis.models import Consumer, KinesisBackend, kinesis_backends
from moto.logs.models import LogGroup, logs_backends

__all__ = ["register"]


def _backend(account_id: str, region: str) -> LambdaBackend:
    """The backend moto's own Lambda models use (the docker-less one when Lambda's docker mode is off)."""
    backend: LambdaBackend = get_backend(account_id, region)
    return backend


class _Version(CloudFormationModel):
    """A published version of a function, as CloudFormation's AWS::Lambda::Version."""

    def __init__(self, published: LambdaFunction, account_id: str, region: str) -> None:
        self.published = published
        self.account_id = account_id
        self.region = region

    @property
    def physical_resource_id(self) -> str:
        return str(self.published.function_arn)

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Version"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Version", "FunctionArn")

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "Version":
            return str(self.published.version)
        if attribute_name == "FunctionArn":
            return self.physical_resource_id
        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> _Version:
        props = cloudformation_json["Properties"]
        backend = _backend(account_id, region_name)
        function = backend.get_function(props["FunctionName"])
        expected = props.get("CodeSha256")
        if expected is not None and expected != function.code_sha_256:
            # Lambda's PublishVersion refuses a CodeSha256 that is not $LATEST's (base64 of the zip's SHA-256).
            raise InvalidParameterValueException(
                f"CodeSha256 {expected} does not match the code of {function.function_name} ({function.code_sha_256})"
            )
        published = backend.publish_version(function.function_name, props.get("Description", ""))
        assert published is not None  # the function exists: get_function raised otherwise
        return cls(published, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: _Version,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> _Version:
        """Every property of a Version requires replacement: publish a new one, move the aliases on the old one."""
        replacement = cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name
        )
        old, new = str(original_resource.published.version), str(replacement.published.version)
        backend = _backend(account_id, region_name)
        name = replacement.published.function_name
        for alias in backend.list_aliases(name):
            if alias.function_version == old:
                alias.update(None, new, None)
        return replacement

    def delete(self, account_id: str, region: str) -> None:
        """Kept: cfngen's versions are retained (DeletionPolicy and UpdateReplacePolicy Retain)."""

    def is_created(self) -> bool:
        return True


class _Alias(CloudFormationModel):
    """A function's alias, as CloudFormation's AWS::Lambda::Alias."""

    def __init__(self, alias: LambdaAlias, function_name: str) -> None:
        self.alias = alias
        self.function_name = function_name

    @property
    def physical_resource_id(self) -> str:
        return str(self.alias.arn)

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::Alias"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "AliasArn"

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "AliasArn":
            return self.physical_resource_id
        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> _Alias:
        props = cloudformation_json["Properties"]
        backend = _backend(account_id, region_name)
        name = backend.get_function(props["FunctionName"]).function_name
        alias = backend.create_alias(
            name=props["Name"],
            function_name=name,
            function_version=str(props["FunctionVersion"]),
            description=props.get("Description", ""),
            routing_config=props.get("RoutingConfig", {}),
        )
        return cls(alias, name)

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: _Alias,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> _Alias:
        props = cloudformation_json["Properties"]
        backend = _backend(account_id, region_name)
        if props["Name"] != original_resource.alias.name:  # a new name (or function) replaces the alias
            original_resource.delete(account_id, region_name)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
        backend.update_alias(
            name=props["Name"],
            function_name=original_resource.function_name,
            function_version=str(props["FunctionVersion"]),
            description=props.get("Description", ""),
            routing_config=props.get("RoutingConfig", {}),
        )
        return original_resource

    def delete(self, account_id: str, region: str) -> None:
        with contextlib.suppress(UnknownFunctionException):  # the function went first, its aliases with it
            _backend(account_id, region).delete_alias(self.alias.name, self.function_name)

    def is_created(self) -> bool:
        return True


class _StreamConsumer(CloudFormationModel):
    """An enhanced fan-out consumer registered on a stream, as CloudFormation's AWS::Kinesis::StreamConsumer."""

    def __init__(self, consumer: Consumer) -> None:
        self.consumer = consumer

    @property
    def physical_resource_id(self) -> str:
        return str(self.consumer.consumer_arn)

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Kinesis::StreamConsumer"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("ConsumerARN", "ConsumerName", "ConsumerStatus", "ConsumerCreationTimestamp", "StreamARN")

    def get_cfn_attribute(self, attribute_name: str) -> str:
        described: dict[str, Any] = self.consumer.to_json(include_stream_arn=True)
        if attribute_name == "ConsumerCreationTimestamp":
            return str(self.consumer.created.isoformat())
        if self.has_cfn_attr(attribute_name):
            return str(described[attribute_name])
        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> _StreamConsumer:
        props = cloudformation_json["Properties"]
        kinesis: KinesisBackend = kinesis_backends[account_id][region_name]
        return cls(kinesis.register_stream_consumer(props["StreamARN"], props["ConsumerName"]))

    @classmethod
    def update_from_cloudformation_json(
        cls,
        original_resource: _StreamConsumer,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> _StreamConsumer:
        """Both properties require replacement: register the new consumer, deregister the old one."""
        props = cloudformation_json["Properties"]
        old = original_resource.consumer
        if (props["ConsumerName"], props["StreamARN"]) == (old.consumer_name, old.stream_arn):
            return original_resource
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    def delete(self, account_id: str, region: str) -> None:
        # By ARN only: moto's deregister by stream and name keeps the named consumer and drops the others.
        kinesis: KinesisBackend = kinesis_backends[account_id][region]
        kinesis.deregister_stream_consumer("", "", self.consumer.consumer_arn)

    def is_created(self) -> bool:
        return True


_create_event_source_mapping = LambdaBackend.create_event_source_mapping


def _create_mapping_through_consumers(self: LambdaBackend, spec: dict[str, Any]) -> EventSourceMapping:
    """moto's CreateEventSourceMapping, where a registered consumer's ARN stands for its stream (see the module doc)."""
    arn = str(spec.get("EventSourceArn") or "")
    kinesis: KinesisBackend = kinesis_backends[self.account_id][self.region_name]
    stream = next((s for s in kinesis.streams.values() if arn and s.get_consumer_by_arn(arn) is not None), None)
    if stream is None:
        return _create_event_source_mapping(self, spec)
    esm = _create_event_source_mapping(self, {**spec, "EventSourceArn": stream.arn})
    esm.event_source_arn = arn
    # moto keys a stream's mappings by their source ARN: keep a direct mapping from the stream beside this one.
    if stream.lambda_event_source_mappings.get(stream.arn) is esm:
        del stream.lambda_event_source_mappings[stream.arn]
    stream.lambda_event_source_mappings[arn] = esm
    return esm


def _update_log_group(
    cls: type[LogGroup],
    original_resource: LogGroup,
    new_resource_name: str,
    cloudformation_json: Any,
    account_id: str,
    region_name: str,
) -> LogGroup:
    """A log group's update as CloudFormation makes it: in place, unless its name changes (a replacement)."""
    if new_resource_name != original_resource.name:
        new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
        original_resource.delete(account_id, region_name)
        return new
    properties = cloudformation_json.get("Properties", {})
    original_resource.retention_in_days = properties.get("RetentionInDays")
    original_resource.kms_key_id = properties.get("KmsKeyId")
    backend = logs_backends[account_id][region_name]
    old = backend.list_tags_for_resource(original_resource.arn)
    if old:
        backend.untag_resource(original_resource.arn, list(old))
    tags = {t["Key"]: t["Value"] for t in properties.get("Tags", [])}
    if tags:
        backend.tag_resource(original_resource.arn, tags)
    return original_resource


def register() -> None:
    """Make moto's CloudFormation use the models above (idempotent: the classes exist once per process)."""
    for cache in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cache.cache_clear()
    assert parsing.get_model_map()["AWS::Lambda::Alias"] is _Alias
    LambdaBackend.create_event_source_mapping = _create_mapping_through_consumers  # type: ignore[method-assign]
    LogGroup.update_from_cloudformation_json = classmethod(_update_log_group)  # type: ignore[method-assign,assignment]
