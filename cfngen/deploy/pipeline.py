"""`cfngen deploy` for several stacks: render -> lint -> package -> upload -> deploy each, in order.

Lint must pass before anything executes; it runs in a background thread while functions are packaged
and uploaded (cfn-lint's work is mostly its own Python, but packaging and uploads wait on disk and
network). A failure stops the run and the summary says what was and was not deployed.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfngen.deploy import artifacts, bootstrap
from cfngen.deploy.engine import Options, Result, Target, deploy_stack
from cfngen.deploy.events import Io
from cfngen.errors import CfngenError, OperationFailed, UsageError
from cfngen.spec import Stack


@dataclass(frozen=True)
class Settings:
    artifact_bucket: str | None = None
    artifact_prefix: str = artifacts.DEFAULT_PREFIX
    kms_key_id: str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    termination_protection: bool = False
    exclude: Sequence[str] = ()
    lint_regions: Sequence[str] = ("us-east-1",)
    work_dir: Path = Path(".cfngen")


@dataclass(frozen=True)
class Prepared:
    stack: Stack
    text: str
    parameters: dict[str, str]
    template_url: str | None


def artifact_bucket(aws: Any, settings: Settings, io: Io) -> str:
    """--artifact-bucket, or the bootstrap bucket (created on first use)."""
    s3 = aws.client("s3")
    if settings.artifact_bucket:
        artifacts.check_bucket_region(s3, settings.artifact_bucket, aws.region_name)
        return settings.artifact_bucket
    found = bootstrap.find(aws)
    if found is None:
        from cfngen.render import canonical_json

        io.echo(f"creating the artifact bucket stack {bootstrap.STACK_NAME} (first deploy in this account/region)")
        deploy_stack(aws, Target(bootstrap.STACK_NAME, canonical_json(bootstrap.template()), {}), Options(), io)
        found = bootstrap.find(aws)
        if found is None:
            raise OperationFailed(f"{bootstrap.STACK_NAME} was created but has no bucket")
    return found


def lint_or_fail(texts: Mapping[str, str], settings: Settings) -> None:
    from cfngen.lint import Linter, failed

    linter = Linter(settings.lint_regions, cache_dir=settings.work_dir / "cache/lint")
    findings = linter.lint_many(list(texts.values()))
    bad = [
        f"{name}: {finding}"
        for name, found in zip(texts, findings, strict=True)
        if failed(found)
        for finding in found
        if finding.severity == "error"
    ]
    if bad:
        raise OperationFailed("lint failed, nothing deployed:\n  " + "\n  ".join(bad), hint="cfngen lint")


def prepare(aws: Any, stack: Stack, text: str, bucket: str, settings: Settings, io: Io) -> Prepared:
    """Package and upload each function's code; the template's parameter values."""
    from cfngen.package import package

    s3 = aws.client("s3")
    parameters: dict[str, str] = {}
    for fn in stack.functions:
        art = package(
            fn.code,
            runtime=fn.runtime,
            architecture=fn.architecture,
            exclude=settings.exclude,
            build_dir=settings.work_dir / "build",
            cache_dir=settings.work_dir / "cache/deps",
        )
        key = artifacts.artifact_key(settings.artifact_prefix, stack.name, art.sha256)
        uploaded = artifacts.upload(s3, art.path, bucket, key, sha256_hex=art.sha256, kms_key_id=settings.kms_key_id)
        state = "uploaded" if uploaded else "already in S3"
        io.echo(f"{stack.name}: {fn.name} code {art.sha256[:12]} ({art.size:,} bytes) {state}")
        parameters[f"{fn.name}CodeBucket"] = bucket
        parameters[f"{fn.name}CodeKey"] = key
    url = None
    if artifacts.needs_url(text):
        url = artifacts.upload_template(
            s3, text, bucket, settings.artifact_prefix, stack.name, kms_key_id=settings.kms_key_id
        )
    return Prepared(stack, text, parameters, url)


def user_parameters(
    stacks: Sequence[Stack], texts: Mapping[str, str], given: Mapping[str, str]
) -> dict[str, dict[str, str]]:
    """--parameter KEY=VALUE applies to every stack whose template has KEY; a KEY no stack has is an error."""
    import json

    declared = {s.name: set(json.loads(texts[s.name]).get("Parameters", {})) for s in stacks}
    for key in given:
        if not any(key in keys for keys in declared.values()):
            known = sorted(set().union(*declared.values()))
            raise UsageError(f"--parameter {key}: no selected stack has that parameter; parameters: {', '.join(known)}")
    return {name: {k: v for k, v in given.items() if k in keys} for name, keys in declared.items()}


def deploy_all(aws: Any, stacks: Sequence[Stack], settings: Settings, options: Options, io: Io) -> list[Result]:
    from cfngen.render import canonical_json

    texts = {s.name: canonical_json(s.template()) for s in stacks}
    per_stack = user_parameters(stacks, texts, settings.parameters)
    results: list[Result] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        lint = pool.submit(lint_or_fail, texts, settings)
        try:
            bucket = artifact_bucket(aws, settings, io)
            prepared = [prepare(aws, s, texts[s.name], bucket, settings, io) for s in stacks]
        finally:
            lint.result()  # lint's failure wins: it is the cause to report, and nothing has executed yet
    for p in prepared:
        target = Target(
            stack=p.stack.name,
            template=p.text,
            parameters={**p.parameters, **per_stack[p.stack.name]},
            template_url=p.template_url,
            tags=dict(settings.tags),
            explicit=frozenset(per_stack[p.stack.name]),
            termination_protection=settings.termination_protection,
        )
        started = io.clock()
        try:
            results.append(deploy_stack(aws, target, options, io))
        except CfngenError as exc:
            done = [f"{r.stack} ({r.result})" for r in results]
            left = [q.stack.name for q in prepared[len(results) + 1 :]]
            failed = type(exc)(
                f"{exc.message}\n  deployed before the failure: {', '.join(done) or 'none'}"
                f"\n  not attempted: {', '.join(left) or 'none'}",
                hint=exc.hint,
            )
            failed.results = [*results, Result(p.stack.name, "failed", duration_s=io.clock() - started)]
            raise failed from exc
    return results
