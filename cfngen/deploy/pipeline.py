"""`cfngen deploy` for several stacks: render -> lint -> package -> upload -> deploy each, in order.

Lint runs in a child process from the start (cfn-lint is CPU-bound: a thread would only share one core
with packaging) and must pass before any change set executes. Code is packaged locally first; uploads
happen only when the stack will change, so an unchanged stack costs a DescribeStacks and a GetTemplate.
A failure stops the run and the summary says what was and was not deployed.

A preview (`--dry-run`, and `cfngen diff`) writes nothing: the bucket is only named (`preview_bucket`), no
code or template is uploaded, and the change sets name the keys the zips would get.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cfngen import config, names
from cfngen.definitions import Stack
from cfngen.deploy import artifacts, bootstrap
from cfngen.deploy.engine import Options, Outcome, Result, Target, deploy_stack
from cfngen.deploy.events import Io
from cfngen.errors import CfngenError, OperationFailed, UsageError

if TYPE_CHECKING:
    from cfngen.deploy.session import AwsClients
    from cfngen.package import LeftOut


@dataclass(frozen=True)
class Settings:
    artifact_bucket: str | None = None
    artifact_prefix: str = artifacts.DEFAULT_PREFIX
    kms_key_id: str | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    termination_protection: bool = False
    exclude: Sequence[str] = ()
    strict: bool = False  # the lint gate refuses warnings too
    work_dir: Path = field(default_factory=config.work_dir)  # the project's .cfngen/, absolute


@dataclass(frozen=True)
class Packaged:
    """A function's zip, built locally, and where it goes in S3."""

    function: str
    path: Path
    sha256: str
    size: int
    key: str
    left_out: tuple[LeftOut, ...] = ()  # what packaging left out of the zip, and why (package --verbose)


def artifact_bucket(aws: AwsClients, settings: Settings, io: Io) -> str:
    """--artifact-bucket, or the bootstrap bucket (created on first use, restored when deleted outside cfngen)."""
    if settings.artifact_bucket:
        return settings.artifact_bucket
    return bootstrap.ensure(aws, io)


def preview_bucket(aws: AwsClients, settings: Settings) -> str:
    """The bucket a deploy would upload to, named without creating or touching it: --artifact-bucket, or the
    bootstrap bucket's name (the bootstrap template names it from the account and region)."""
    if settings.artifact_bucket:
        return settings.artifact_bucket
    account = str(aws.client("sts").get_caller_identity()["Account"])
    return bootstrap.bucket_name(account, aws.region_name)


class LintGate:
    """cfn-lint on every template, started now in a child process, for the region the stacks deploy to.
    Calling it raises if any template has an error (with `settings.strict`, a warning too); `close` ends
    the child when its answer is no longer wanted (the deploy failed or was interrupted first)."""

    def __init__(self, texts: Mapping[str, str], settings: Settings, region: str) -> None:
        from cfngen.lint import Linter

        self.texts, self.strict = texts, settings.strict
        self.findings = Linter([region], cache_dir=settings.work_dir / "cache/lint").in_background(list(texts.values()))
        self.passed = False

    def close(self) -> None:
        self.findings.close()

    def __call__(self) -> None:
        from cfngen.lint import failed

        if self.passed:
            return
        texts, refused = self.texts, {"error", "warning"} if self.strict else {"error"}
        bad = [
            f"{name}: {finding}"
            for name, found in zip(texts, self.findings(), strict=True)
            if failed(found, strict=self.strict)
            for finding in found
            if finding.severity in refused
        ]
        if bad:
            raise OperationFailed("lint failed, nothing deployed:\n  " + "\n  ".join(bad), hint="cfngen lint")
        self.passed = True


def package_functions(stack: Stack, settings: Settings) -> list[Packaged]:
    from cfngen.package import package

    out = []
    for fn in stack.functions:
        art = package(
            fn.code,
            runtime=fn.runtime,
            architecture=fn.architecture,
            exclude=settings.exclude,
            build_dir=settings.work_dir / "build",
            cache_dir=settings.work_dir / "cache/deps",
            project_dir=settings.work_dir.parent,  # its .gitignore files apply to the code
        )
        key = artifacts.artifact_key(settings.artifact_prefix, stack.name, art.sha256)
        out.append(Packaged(fn.name, art.path, art.sha256, art.size, key, art.left_out))
    return out


class Uploader:
    """Uploads on demand, checking once that the bucket is in the stack's region."""

    def __init__(self, aws: AwsClients, bucket: str, settings: Settings, io: Io) -> None:
        self.aws, self.bucket, self.settings, self.io = aws, bucket, settings, io
        self._checked = False

    def __call__(self, stack: str, packaged: Sequence[Packaged], text: str) -> str | None:
        s3 = self.aws.client("s3")
        if not self._checked:
            artifacts.check_bucket_region(s3, self.bucket, self.aws.region_name)
            self._checked = True
        kms = self.settings.kms_key_id
        for p in packaged:
            stored = artifacts.upload(s3, p.path, self.bucket, p.key, sha256_hex=p.sha256, kms_key_id=kms)
            self.io.echo(f"{stack}: {p.function} code {p.sha256[:12]} ({p.size:,} bytes) {stored}")
        if not artifacts.needs_url(text):
            return None
        return artifacts.upload_template(s3, text, self.bucket, self.settings.artifact_prefix, stack, kms_key_id=kms)


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


def stack_tags(stack: Stack, given: Mapping[str, str]) -> dict[str, str]:
    """The stack's tags: `Stack(tags=...)` with `--tag` added, `--tag` winning on a shared key; AWS's tag rules."""
    from cfngen.definitions.tags import PER_RESOURCE, problem

    for key, value in given.items():
        if (found := problem(key, value)) is not None:
            raise UsageError(f"--tag {key}={value}: {found}")
    tags = {**stack.tags, **given}
    if len(tags) > PER_RESOURCE:
        raise UsageError(f"{stack.name}: {len(tags)} stack tags with --tag; allowed: at most {PER_RESOURCE}")
    return {k: tags[k] for k in sorted(tags)}


def deploy_all(
    aws: AwsClients,
    stacks: Sequence[Stack],
    settings: Settings,
    options: Options,
    io: Io,
    on_result: Callable[[Result], None] | None = None,  # called after each stack (diff prints its differences)
) -> list[Result]:
    from cfngen.render import canonical_json

    texts = {s.name: canonical_json(s.template()) for s in stacks}
    per_stack = user_parameters(stacks, texts, settings.parameters)
    gate = LintGate(texts, settings, aws.region_name)
    try:
        return _deploy_each(aws, stacks, texts, per_stack, gate, settings, options, io, on_result)
    finally:
        gate.close()  # a deploy that failed or was interrupted before reading the lint result: end the child


def _deploy_each(
    aws: AwsClients,
    stacks: Sequence[Stack],
    texts: Mapping[str, str],
    per_stack: Mapping[str, Mapping[str, str]],
    gate: LintGate,
    settings: Settings,
    options: Options,
    io: Io,
    on_result: Callable[[Result], None] | None,
) -> list[Result]:
    packaged = {s.name: package_functions(s, settings) for s in stacks}
    bucket = preview_bucket(aws, settings) if options.dry_run else artifact_bucket(aws, settings, io)
    upload = None if options.dry_run else Uploader(aws, bucket, settings, io)
    results: list[Result] = []
    for stack in stacks:
        name = stack.name
        code = {names.code_bucket(p.function): bucket for p in packaged[name]}
        code |= {names.code_key(p.function): p.key for p in packaged[name]}
        target = Target(
            stack=name,
            template=texts[name],
            parameters={**code, **per_stack[name]},
            tags=stack_tags(stack, settings.tags),
            explicit=frozenset(per_stack[name]),
            termination_protection=settings.termination_protection,
            upload=None if upload is None else functools.partial(upload, name, packaged[name], texts[name]),
            gate=gate,
        )
        started = io.clock()
        try:
            results.append(deploy_stack(aws, target, options, io))
            if on_result is not None:
                on_result(results[-1])
        except CfngenError as exc:
            done = [f"{r.stack} ({r.result})" for r in results]
            left = [s.name for s in stacks[len(results) + 1 :]]
            failed = type(exc)(
                f"{exc.message}\n  deployed before the failure: {', '.join(done) or 'none'}"
                f"\n  not attempted: {', '.join(left) or 'none'}",
                hint=exc.hint,
            )
            failed.results = [*results, Result(name, Outcome.FAILED, duration_s=io.clock() - started)]
            raise failed from exc
    gate()  # even when nothing executed (no changes, dry run), a template that fails lint fails the deploy
    return results
