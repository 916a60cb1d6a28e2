"""`cfngen deploy` for several stacks: render -> lint -> package -> upload -> deploy each, producers first.

Lint runs in a child process from the start (cfn-lint is CPU-bound: a thread would only share one core
with packaging) and must pass before any change set executes. Code is packaged locally first; uploads
happen only when the stack will change, so an unchanged stack costs a DescribeStacks and a GetTemplate.
Stacks deploy in the order their imports give (`stackgraph`), independent ones in parallel up to
`--concurrency` (`parallel.run`); each consumer's imports are read from its producers right before its
change set. A failure stops the stacks that depend on it; the rest finish, and the error says what failed,
what was deployed and what was not attempted.

A preview (`--dry-run`, and `cfngen diff`) writes nothing: the bucket is only named (`preview_bucket`), no
code or template is uploaded, and the change sets name the keys the zips would get.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cfngen import config, names, stackgraph
from cfngen.definitions import Stack
from cfngen.definitions.imports import Import, declared
from cfngen.deploy import artifacts, bootstrap, imports, parallel
from cfngen.deploy.engine import Options, Outcome, Result, Target, deploy_stack
from cfngen.deploy.events import Io, no_step
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
        self._lock = threading.Lock()  # several stacks' threads may reach the gate at once: one reads the answer

    def close(self) -> None:
        self.findings.close()

    def __call__(self) -> None:
        with self._lock:
            self._check()

    def _check(self) -> None:
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


def package_functions(stack: Stack, settings: Settings, io: Io | None = None) -> list[Packaged]:
    """Each function's zip; `io` shows the step (installing dependencies can take minutes)."""
    from cfngen.package import package

    io = io or Io()
    out = []
    for fn in stack.functions:
        with io.step(f"{stack.name}: packaging {fn.name}"):
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
            with self.io.step(f"{stack}: uploading {p.function} code ({p.size:,} bytes)"):
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

    params = {s.name: json.loads(texts[s.name]).get("Parameters", {}) for s in stacks}
    declared = {name: set(found) for name, found in params.items()}
    for key in given:
        if not any(key in keys for keys in declared.values()):
            known = sorted(set().union(*declared.values()))
            raise UsageError(f"--parameter {key}: no selected stack has that parameter; parameters: {', '.join(known)}")
        for name, found in params.items():  # CloudFormation would refuse it at the change set: say so before
            allowed = found.get(key, {}).get("AllowedValues")
            if allowed is not None and given[key] not in allowed:
                raise UsageError(f"--parameter {key}={given[key]}: not allowed by stack {name}; allowed: "
                                 f"{', '.join(map(str, allowed))}")  # fmt: skip
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
    concurrency: int = 1,
    stop: parallel.Stop | None = None,  # a run of several regions: Ctrl-C stops every region's stacks
) -> list[Result]:
    """Deploy the stacks, producers before consumers, independent ones `concurrency` at a time; the results in
    deploy order. A failure raises after every stack that could run has run, with `results` for all of them."""
    from cfngen.render import canonical_json

    texts = {s.name: canonical_json(s.template()) for s in stacks}
    wanted = {name: declared(json.loads(text)) for name, text in texts.items()}  # each consumer's imports
    graph = {name: sorted({i.stack for i in found}) for name, found in wanted.items()}
    stackgraph.check(graph)
    per_stack = user_parameters(stacks, texts, settings.parameters)
    gate = LintGate(texts, settings, aws.region_name)
    try:
        run = Run(aws, texts, per_stack, gate, settings, options.started(io), io, on_result)
        run.wanted, run.stop = wanted, stop or run.stop
        return run.all(stacks, graph, concurrency)
    finally:
        gate.close()  # a deploy that failed or was interrupted before reading the lint result: end the child


class Run:
    """One deploy of several stacks: what they share (lint gate, zips, bucket, uploader, clients) and the
    work for one stack, which the scheduler (`parallel.run`) calls in dependency order."""

    def __init__(
        self,
        aws: AwsClients,
        texts: Mapping[str, str],
        per_stack: Mapping[str, Mapping[str, str]],
        gate: LintGate,
        settings: Settings,
        options: Options,
        io: Io,
        on_result: Callable[[Result], None] | None,
    ) -> None:
        self.aws, self.texts, self.per_stack, self.gate = aws, texts, per_stack, gate
        self.settings, self.options, self.io, self.on_result = settings, options, io, on_result
        self.stop, self.lock, self.prefix = parallel.Stop(), threading.Lock(), False
        self.wanted: Mapping[str, list[Import]] = {}  # each consumer's imports, set by deploy_all

    def all(self, stacks: Sequence[Stack], graph: Mapping[str, list[str]], concurrency: int) -> list[Result]:
        settings, options, io = self.settings, self.options, self.io
        self.check_outside_producers()  # before the bucket: a consumer alone fails with nothing created
        self.packaged = {s.name: package_functions(s, settings, io) for s in stacks}
        # An alias's Version checks the code hash: it is passed for the functions that have one.
        self.aliased = {s.name: {fn.name for fn in s.functions if fn.alias is not None} for s in stacks}
        self.tags = {s.name: stack_tags(s, settings.tags) for s in stacks}
        self.bucket = preview_bucket(self.aws, settings) if options.dry_run else artifact_bucket(self.aws, settings, io)
        self.prefix = concurrency > 1 and len(stacks) > 1
        # Uploads run in the stacks' threads: with several at once, no spinner (they would draw over each other).
        threaded = dataclasses.replace(io, step=no_step) if self.prefix else io
        self.upload = None if options.dry_run else Uploader(self.aws, self.bucket, settings, threaded)
        if concurrency > 1:
            self.aws.client("cloudformation")  # every stack needs it: made now, not while the other threads wait
            self.aws = parallel.Shared(self.aws)
        finished = parallel.run(graph, self.one, concurrency=concurrency, stop=self.stop, clock=io.clock)
        results = [_result(f) for f in finished]
        failed = [f for f in finished if f.error is not None]
        if failed:
            raise _failure(failed, results)
        self.gate()  # even when nothing executed (no changes, dry run), a template that fails lint fails the deploy
        return results

    def one(self, name: str) -> Result:
        aws, packaged = self.aws, self.packaged[name]
        io = parallel.stack_io(self.io, name, self.stop, self.lock, prefix=self.prefix)
        code = {names.code_bucket(p.function): self.bucket for p in packaged}
        code |= {names.code_key(p.function): p.key for p in packaged}
        code |= {names.code_sha256(p.function): base64.b64encode(bytes.fromhex(p.sha256)).decode()
                 for p in packaged if p.function in self.aliased[name]}  # fmt: skip
        imported = self.imported(name)

        def gate() -> None:
            self.gate()
            self.stop.check()  # lint passed while Ctrl-C was pressed: execute nothing

        target = Target(
            stack=name,
            template=self.texts[name],
            parameters={**code, **self.per_stack[name], **imported},
            tags=self.tags[name],
            explicit=frozenset(self.per_stack[name]),
            termination_protection=self.settings.termination_protection,
            upload=None if self.upload is None else functools.partial(self.upload, name, packaged, self.texts[name]),
            gate=gate,
        )
        result = deploy_stack(aws, target, self.options, io)
        if self.on_result is not None:
            with self.lock:
                self.on_result(result)
        return result

    def check_outside_producers(self) -> None:
        """Producers that are not part of this run must be deployed already (with the outputs the consumers take):
        read them first, so a consumer deployed alone too early fails before the bucket or anything else exists."""
        for name, found in self.wanted.items():
            outside = [i for i in found if i.stack not in self.texts]
            if outside:
                imports.resolve(self.aws, name, outside)

    def imported(self, name: str) -> dict[str, str]:
        """The consumer's imports, read from its producers now (always sent, never kept from the deployed stack).
        A preview whose producer in this run is not deployed yet fills a placeholder: the change set is deleted
        anyway, and a deploy fills the real value once the producer exists."""

        def placeholder(imp: Import) -> str | None:
            if self.options.dry_run and imp.stack in self.texts:
                return f"({imp.stack}.{imp.output} once {imp.stack} is deployed)"
            return None

        return imports.resolve(self.aws, name, self.wanted[name], placeholder)


def _result(f: parallel.Finished[Result]) -> Result:
    if f.value is not None:
        return f.value
    outcome = Outcome.FAILED if f.error is not None else Outcome.NOT_ATTEMPTED
    result = Result(f.name, outcome, duration_s=f.duration_s)
    if f.blocked_by is not None:
        result.notes.append(f"not attempted: it takes values from {f.blocked_by}, which failed")
    return result


def _failure(failed: Sequence[parallel.Finished[Result]], results: Sequence[Result]) -> CfngenError:
    """One error for the run: each failed stack and why, then what was deployed and what was not attempted.
    Its type (and exit code) is the first failure's."""
    first = failed[0].error
    assert first is not None
    if len(failed) == 1:
        text = first.message
    else:
        text = f"{len(failed)} stacks failed:" + "".join(f"\n  {f.name}: {f.error and f.error.message}" for f in failed)
    done = [f"{r.stack} ({r.result})" for r in results if r.result.deployed]
    left = [r.stack for r in results if r.result is Outcome.NOT_ATTEMPTED]
    error = type(first)(
        f"{text}\n  deployed: {', '.join(done) or 'none'}\n  not attempted (they depend on a failed stack): "
        f"{', '.join(left) or 'none'}",
        hint=first.hint,
    )
    error.results = list(results)
    error.__cause__ = first
    return error
