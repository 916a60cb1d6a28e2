"""`cfngen status`: what is deployed, read from CloudFormation, Lambda, EventBridge and the mappings themselves.

Read-only: describe/get calls only. Missing stacks are reported as "not deployed", never an error; a
function or mapping the stack lists but Lambda no longer has (deleted outside CloudFormation) is reported
as missing, and the report goes on. Rules show their state, schedule or pattern, bus and targets; an existing
bucket's route through EventBridge (via="eventbridge") is live when its rule is enabled and the bucket sends its
events to EventBridge (deploy/bucketevents.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from cfngen import names
from cfngen.deploy import awserrors, bucketevents, eventrules
from cfngen.deploy.stacks import deployed_template, describe_stack, stack_resources

if TYPE_CHECKING:
    from cfngen.deploy.session import AwsClients


def stack_status(aws: AwsClients, stack: str) -> dict[str, Any]:
    cfn = aws.client("cloudformation")
    current = describe_stack(cfn, stack)
    if current is None:
        return {"stack": stack, "status": "NOT_DEPLOYED"}
    when = current.get("LastUpdatedTime") or current.get("CreationTime")
    report: dict[str, Any] = {
        "stack": stack,
        "status": current["StackStatus"],
        "reason": current.get("StackStatusReason"),
        "last_update": when.isoformat() if when is not None else None,
        "functions": [],
        "aliases": [],
        "mappings": [],
        "rules": [],
        "permissions": [],
    }
    resources = stack_resources(cfn, stack)
    if any(r.get("ResourceType") == "AWS::Events::Rule" for r in resources):
        report["rules"] = _rules(aws, stack, eventrules.locate(deployed_template(cfn, stack), resources, stack))
    lam = aws.client("lambda")
    for res in sorted(resources, key=lambda r: str(r.get("LogicalResourceId", ""))):
        kind, physical = res.get("ResourceType"), res.get("PhysicalResourceId")
        logical = res.get("LogicalResourceId")
        if kind == "AWS::Lambda::Function" and physical:
            conf = _read(functools.partial(lam.get_function_configuration, FunctionName=physical))
            if conf is None:
                report["functions"].append({"logical_id": logical, "name": physical, "missing": True})
                continue
            report["functions"].append(
                {
                    "logical_id": logical,
                    "name": physical,
                    "runtime": conf.get("Runtime"),
                    "code_sha256": hex_sha256(conf.get("CodeSha256")),
                    "last_modified": conf.get("LastModified"),
                }
            )
        elif kind == "AWS::Lambda::Alias" and physical:  # its Ref: the alias's ARN, function:NAME:ALIAS
            report["aliases"].append(_alias(lam, str(logical), physical))
        elif kind == "AWS::Lambda::EventSourceMapping" and physical:
            mapping = _read(functools.partial(lam.get_event_source_mapping, UUID=physical))
            if mapping is None:
                report["mappings"].append(
                    {
                        "logical_id": logical,
                        "mapping": names.mapping.stem(str(logical)),
                        "uuid": physical,
                        "missing": True,
                    }
                )
                continue
            report["mappings"].append(
                {
                    "logical_id": logical,
                    "mapping": names.mapping.stem(str(logical)),
                    "uuid": physical,
                    "source": mapping.get("EventSourceArn"),
                    "state": mapping.get("State"),
                    "batch_size": mapping.get("BatchSize"),
                }
            )
        elif kind == "AWS::Lambda::Permission":
            report["permissions"].append(
                {"logical_id": logical, "present": res.get("ResourceStatus", "").endswith("_COMPLETE")}
            )
    return report


def _alias(lam: Any, logical: str, arn: str) -> dict[str, Any]:
    """The version an alias points at (what its triggers invoke), or missing."""
    function, _, name = arn.rpartition(":")
    found = _read(functools.partial(lam.get_alias, FunctionName=function, Name=name))
    entry: dict[str, Any] = {"logical_id": logical, "alias": name, "function": function.rsplit(":", 1)[-1]}
    return {**entry, "missing": True} if found is None else {**entry, "version": found.get("FunctionVersion")}


def _rules(aws: AwsClients, stack: str, located: dict[str, eventrules.Located]) -> list[dict[str, Any]]:
    events, out = aws.client("events"), []
    for logical in sorted(located):
        rule = located[logical]
        entry: dict[str, Any] = {"logical_id": logical, "rule": rule.rule, "name": rule.name, "bus": rule.bus}
        found = eventrules.describe(events, rule)
        if found is None:
            out.append({**entry, "missing": True})
            continue
        entry |= found
        entry["targets"] = [arn.rsplit(":", 1)[-1] for arn in found["targets"]]  # function names
        buckets = eventrules.s3_buckets(found["pattern"])
        if buckets:
            s3 = aws.client("s3")
            entry["buckets"] = [bucketevents.describe(s3, b, aws.region_name) for b in buckets]
        out.append(entry)
    return out


def hex_sha256(lambda_sha: str | None) -> str | None:
    """Lambda's CodeSha256 (base64 of the zip's SHA-256) as hex, as `package`, `deploy` and `diff` print it."""
    import base64
    import binascii

    if not lambda_sha:
        return None
    try:
        return base64.b64decode(lambda_sha, validate=True).hex()
    except (binascii.Error, ValueError):
        return lambda_sha  # not base64: shown as Lambda gave it


def _read(call: Callable[[], Any]) -> Any:
    """A Lambda read, or None when the resource is gone."""
    try:
        return call()
    except ClientError as exc:
        if awserrors.is_resource_missing(exc):
            return None
        raise


MISSING = "MISSING (deleted outside CloudFormation; `cfngen deploy` says how to recreate it)"


def lines(report: dict[str, Any]) -> list[str]:
    """The report for humans, one fact a line."""
    if report["status"] == "NOT_DEPLOYED":
        return [f"{report['stack']}: not deployed"]
    out = [f"{report['stack']}: {report['status']} (last update {report['last_update']})"]
    if report.get("reason"):
        out.append(f"  reason: {report['reason']}")
    for fn in report["functions"]:
        if fn.get("missing"):
            out.append(f"  function {fn['logical_id']}: {fn['name']} {MISSING}")
            continue
        out.append(
            f"  function {fn['logical_id']}: {fn['name']} {fn['runtime']} code {str(fn['code_sha256'])[:12]} "
            f"modified {fn['last_modified']}"
        )
    for a in report.get("aliases", []):
        version = MISSING if a.get("missing") else f"-> version {a['version']}"
        out.append(f"  alias {a['logical_id']}: {a['function']}:{a['alias']} {version}")
    for m in report["mappings"]:
        if m.get("missing"):
            out.append(f"  mapping {m['mapping']}: {m['uuid']} {MISSING}")
            continue
        out.append(f"  mapping {m['mapping']}: {m['state']} batch {m['batch_size']} from {m['source']}")
    for r in report.get("rules", []):
        out += _rule_lines(r)
    for p in report["permissions"]:
        out.append(f"  permission {p['logical_id']}: {'present' if p['present'] else 'missing'}")
    return out


def _rule_lines(r: dict[str, Any]) -> list[str]:
    if r.get("missing"):
        return [f"  rule {r['rule']}: {r['name']} {MISSING}"]
    what = f"schedule {r['schedule']}" if r.get("schedule") else f"pattern {_short(r.get('pattern'))}"
    bus = "" if r["bus"] == "default" else f" on bus {r['bus']}"
    out = [f"  rule {r['rule']}: {r['state']}{bus} {what} -> {', '.join(r['targets']) or '(no targets)'}"]
    for b in r.get("buckets", []):
        if b["eventbridge"] is None:
            out.append(f"    route from bucket {b['bucket']}: unknown ({b['error']})")
        elif not b["eventbridge"]:
            out.append(
                f"    route from bucket {b['bucket']}: not live: the bucket does not send its events to EventBridge "
                f"(cfngen deploy {bucketevents.FLAG}, or: {b['command']})"
            )
        else:
            live = "live" if r["state"] == "ENABLED" else "not live: the rule is disabled (cfngen enable)"
            out.append(f"    route from bucket {b['bucket']}: {live}")
    return out


def _short(pattern: str | None, limit: int = 100) -> str:
    """A pattern on one line, compact, cut at `limit` characters."""
    import json

    try:
        text = json.dumps(json.loads(pattern or "null"), separators=(",", ":"), sort_keys=True)
    except ValueError:
        text = str(pattern)
    return text if len(text) <= limit else text[: limit - 3] + "..."
