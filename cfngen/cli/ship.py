"""The commands that put stacks into an account: deploy, package, bootstrap and diff. `delete`, which takes
stacks out, is in cli/teardown.py; `local`, the emulator they can be pointed at, in cli/emulator.py.

Grouped because they share the shipping path: package the code, then create or update stacks through
change sets. The work itself lives in cfngen.deploy; these functions only parse, call and print.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cfngen.cli.options import (
    artifact_options,
    aws_options,
    aws_options_regions,
    aws_session,
    common_options,
    echo_io,
    exclude_option,
    select_stacks,
    stack_options,
)
from cfngen.errors import CfngenError, OperationFailed, UsageError
from cfngen.interrupts import sigterm_as_interrupt

if TYPE_CHECKING:
    from cfngen.definitions import Stack
    from cfngen.deploy.engine import Options, Result
    from cfngen.deploy.events import Io
    from cfngen.deploy.parallel import Stop
    from cfngen.deploy.pipeline import Settings


def _pairs(values: tuple[str, ...], flag: str) -> dict[str, str]:
    out = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{value!r} is not KEY=VALUE", param_hint=flag)
        out[key] = val
    return out


# Shared by deploy and diff: a diff previews the deploy that gets the same values.
PARAMETER_OPTION = click.option(
    "--parameter", "parameters", multiple=True, metavar="KEY=VALUE", help="Template parameter (repeatable)."
)
TAG_OPTION = click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Stack tag (repeatable).")


# Shared by deploy, diff and delete: how many independent stacks run at once.
CONCURRENCY_OPTION = click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="Independent stacks deployed (or deleted) at once; producers always go before their consumers. 1: one "
    "at a time.",
)

LOCAL_TIMEOUT = 60.0  # seconds: the default --timeout on the embedded emulator


def _check_reviewed(selected: Sequence[Stack], templates_dir: Path, *, render: bool, err: bool = False) -> None:
    """Deploy exactly what was reviewed: a stack whose committed template differs from a fresh render (a
    spec changed without `render`, or a template edited by hand) is refused before anything is touched.
    With `render` (deploy --render, a dev loop) the templates are written first. A stack with no
    committed template renders in memory."""
    from cfngen.render import committed_formats, drift, render_text, template_path, write_atomic

    if render:
        for stack in selected:
            for fmt in committed_formats(templates_dir, stack.name) or ["json"]:
                path = template_path(templates_dir, stack.name, fmt)
                if write_atomic(path, render_text(stack.template(), fmt)):
                    click.echo(f"wrote {path}", err=err)
        return
    stale = [s for stack in selected for s in drift(stack.template(), templates_dir, stack.name)]
    for found in stale:
        click.echo(found.diff, nl=False, err=err)
    if stale:
        raise OperationFailed(
            f"{', '.join(str(s.path) for s in stale)}: not what the stack renders now, so not what was reviewed; "
            "nothing deployed",
            hint="run `cfngen render`, review the diff and commit templates/ (or deploy --render in a dev loop)",
        )


@click.command()
@stack_options
@aws_options_regions
@click.option(
    "--update-if-exists/--no-update-if-exists",
    default=True,
    show_default=True,
    help="Update a stack that already exists (else refuse).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Preview: show the change set rows, then delete the change set. Writes nothing else (no bucket, no upload).",
)
@click.option("--confirm", is_flag=True, help="Ask before executing each change set (one stack at a time).")
@CONCURRENCY_OPTION
@PARAMETER_OPTION
@TAG_OPTION
@click.option("--termination-protection", is_flag=True, help="Turn on termination protection.")
@click.option("--timeout", type=float, default=None, help="Seconds for the whole deploy (every stack and wait).")
@artifact_options
@click.option("--outputs-file", type=click.Path(dir_okay=False, path_type=Path), help="Write the outputs for CI.")
@click.option(
    "--outputs-format",
    type=click.Choice(["json", "env", "text"]),
    default=None,
    help="json: {stack: {key: value}}; env: STACK_OUTPUT=value lines (SHOP_AUDIT_FUNCTION_ARN); text: "
    "stack.key = value. Into --outputs-file (default json), or printed when no file is given.",
)
@click.option(
    "--smoke-test",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="After deploying, invoke each function named in this JSON/YAML file (function -> payload).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document; progress goes to stderr.")
@click.option("--strict", is_flag=True, help="Refuse to deploy when cfn-lint finds warnings too, not only errors.")
@click.option("--render", "render_first", is_flag=True, help="Write templates/ first, then deploy them (a dev loop).")
@click.option("--enable-bucket-eventbridge", is_flag=True, help="Turn on EventBridge notifications of existing "
              "buckets routed via='eventbridge' (merged into their notification configuration).")  # fmt: skip
def deploy(
    stacks_dir: Path,
    templates_dir: Path,
    stacks: tuple[str, ...],
    region: tuple[str, ...],
    profile: str | None,
    endpoint_url: str | None,
    local: bool,
    update_if_exists: bool,
    dry_run: bool,
    confirm: bool,
    parameters: tuple[str, ...],
    tags: tuple[str, ...],
    termination_protection: bool,
    timeout: float | None,
    artifact_bucket: str | None,
    artifact_prefix: str,
    kms_key_id: str | None,
    exclude: tuple[str, ...],
    outputs_file: Path | None,
    outputs_format: str | None,
    smoke_test: Path | None,
    as_json: bool,
    strict: bool,
    render_first: bool,
    enable_bucket_eventbridge: bool,
    concurrency: int,
) -> None:
    """Render, lint, package, upload, then create or update each stack through a change set.

    Stacks that take values from other stacks deploy after them, whatever order they are named in; the
    others deploy --concurrency at a time. A stack named alone reads its producers' outputs as deployed.

    A stack whose committed template in templates/ differs from what it renders now is refused (exit 1):
    run `cfngen render` and review, or pass --render. With --region given several times, the stacks deploy to
    every region at once, each with its own artifact bucket.
    """
    from cfngen.cli import regions
    from cfngen.deploy import report
    from cfngen.deploy.engine import Options
    from cfngen.deploy.pipeline import Settings, package_functions

    if len(region) > 1 and (as_json or outputs_file or outputs_format):
        raise click.UsageError("--json, --outputs-file and --outputs-format take one region: deploy with several "
                               "--region, then run `cfngen outputs --region R ...` per region")  # fmt: skip
    if as_json and outputs_format and outputs_file is None:
        raise click.UsageError("--outputs-format without --outputs-file prints to stdout, which --json uses: "
                               "give --outputs-file")  # fmt: skip
    selected = select_stacks(stacks_dir, stacks)
    _check_reviewed(selected, templates_dir, render=render_first, err=as_json)
    settings = Settings(
        artifact_bucket=artifact_bucket,
        artifact_prefix=artifact_prefix,
        kms_key_id=kms_key_id,
        exclude=exclude,
        parameters=_pairs(parameters, "--parameter"),
        tags=_pairs(tags, "--tag"),
        termination_protection=termination_protection,
        strict=strict,
    )
    ask = (lambda cs: click.confirm(f"execute the change set for {cs.stack}?", default=False)) if confirm else None
    if local and timeout is None:
        timeout = LOCAL_TIMEOUT  # moto finishes within the request; a stack still in progress is stuck for good
    options = Options(update_if_exists=update_if_exists, dry_run=dry_run, confirm=ask, timeout=timeout)
    tests = report.load_smoke_tests(smoke_test) if smoke_test is not None else None
    io = echo_io(err=as_json)  # with --json, stdout carries only the JSON document
    run = _Deploy(selected, settings, options, tests, (profile, endpoint_url, local), 1 if confirm else concurrency,
                  enable_bucket_eventbridge, as_json)  # fmt: skip
    with sigterm_as_interrupt():
        if len(region) > 1:
            for stack in selected:  # once, before the regions' threads share the zip and dependency caches
                package_functions(stack, settings, io)
            regions.each(list(dict.fromkeys(region)), io, run.in_region)
            return
        results = run.in_region(region[0] if region else None, io, None)
    _report_outputs(results, outputs_file, outputs_format, io)
    if as_json:
        click.echo(report.deploy_json(results))


@dataclass(frozen=True)
class _Deploy:
    """One deploy's choices, run in one region (or in each of several, `cli/regions.py`)."""

    selected: Sequence[Stack]
    settings: Settings
    options: Options
    tests: dict[str, dict[str, Any]] | None
    where: tuple[str | None, str | None, bool]  # profile, endpoint URL, --local
    concurrency: int
    enable_bucket_eventbridge: bool
    as_json: bool

    def in_region(self, region: str | None, io: Io, stop: Stop | None) -> list[Result]:
        from cfngen.deploy import bucketevents, report
        from cfngen.deploy.pipeline import deploy_all

        selected, dry_run, results = self.selected, self.options.dry_run, []
        try:
            with aws_session(region, *self.where) as aws:
                results = deploy_all(
                    aws, selected, self.settings, self.options, io, concurrency=self.concurrency, stop=stop
                )
                bucketevents.check(aws, selected, io, enable=self.enable_bucket_eventbridge, dry_run=dry_run)
                if self.tests is not None and not dry_run:
                    report.run_smoke_tests(aws, results, self.tests, io)
        except CfngenError as exc:
            for line in report.summary(exc.results, selected):  # every stack's result, the failed ones included
                io.echo(line)
            if self.as_json:
                click.echo(report.deploy_json(exc.results or results))  # a failed smoke test: all were deployed
            raise
        for line in report.summary(results, selected):
            io.echo(line)
        return results


def _report_outputs(results: Sequence[Result], path: Path | None, fmt: str | None, io: Io) -> None:
    """--outputs-file (json unless --outputs-format says otherwise), or the outputs on stdout when only
    --outputs-format is given. An unwritable file is reported after the outputs are printed: the stacks are
    deployed all the same."""
    from cfngen.deploy import report
    from cfngen.render import write_atomic

    if path is None:
        if fmt is not None:
            click.echo(report.outputs_text(results, fmt), nl=False)
        return
    text = report.outputs_text(results, fmt or "json")
    try:
        write_atomic(path, text)
    except OSError as exc:
        click.echo(text, nl=False)
        raise UsageError(
            f"--outputs-file {path}: cannot be written ({exc.strerror or exc}); the stacks are "
            "deployed and their outputs are printed above",
            hint="point --outputs-file at a writable path (`cfngen outputs` prints them again)",
        ) from exc
    io.echo(f"outputs written to {path}")


@click.command()
@stack_options
@exclude_option
@click.option("--verbose", "-v", is_flag=True, help="List each file or folder left out of a zip, and why.")
def package(
    stacks_dir: Path, templates_dir: Path, stacks: tuple[str, ...], exclude: tuple[str, ...], verbose: bool
) -> None:
    """Build each function's deterministic zip into .cfngen/build; print its code hash and path.

    The code hash is the first 12 hex digits of the zip's SHA-256, as deploy, diff and status print it;
    the zip's file name (and its S3 key) is the whole SHA-256.

    Left out: __pycache__ and VCS files, secrets and tool caches (.env, .aws/, *.pem, .venv/, ...), what
    the project's .gitignore files ignore, and --exclude globs. pip takes its index from its own settings
    (PIP_INDEX_URL, PIP_FIND_LINKS, PIP_NO_INDEX, pip.conf).
    """
    from cfngen.deploy.pipeline import Settings, package_functions

    for stack in select_stacks(stacks_dir, stacks):
        for p in package_functions(stack, Settings(exclude=exclude), echo_io(err=True)):
            click.echo(f"{stack.name}.{p.function}: {_shown(p.path)} code {p.sha256[:12]} ({p.size:,} bytes)")
            if verbose:
                for item in p.left_out:
                    click.echo(f"  left out {item.path} ({item.reason})")


def _shown(path: Path) -> Path:
    """Relative to the working directory when inside it: short, and still a path the user can open."""
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path


@click.command()
@common_options
@aws_options
def bootstrap(
    stacks_dir: Path,
    templates_dir: Path,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    local: bool,
) -> None:
    """Create (or find) the hardened artifact bucket stack that deploy uses by default.

    A bucket deleted outside cfngen is restored, a stack from an older cfngen is updated; a stack of that
    name cfngen did not create, or a bucket it cannot restore, exits 1.
    """
    from cfngen.deploy.pipeline import Settings, artifact_bucket

    with aws_session(region, profile, endpoint_url, local) as aws:
        click.echo(f"artifact bucket: {artifact_bucket(aws, Settings(), echo_io())}")


@click.command()
@stack_options
@aws_options
@artifact_options
@PARAMETER_OPTION
@TAG_OPTION
@click.option("--fail", is_flag=True, help="Exit 1 when a deploy would change anything (for CI).")
@CONCURRENCY_OPTION
def diff(
    stacks_dir: Path,
    templates_dir: Path,
    stacks: tuple[str, ...],
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    local: bool,
    artifact_bucket: str | None,
    artifact_prefix: str,
    kms_key_id: str | None,
    exclude: tuple[str, ...],
    parameters: tuple[str, ...],
    tags: tuple[str, ...],
    fail: bool,
    concurrency: int,
) -> None:
    """What a deploy with the same options would change, writing nothing but a change set it deletes.

    Per stack: the change-set rows, every parameter whose deployed value differs from what deploy would
    send (code keys as their sha256 prefix), tag changes, and a unified diff against the deployed template.
    A mapping switch set by `cfngen enable`/`disable` is kept by deploy, so it is not a difference. Exit 0
    when it ran; with --fail, exit 1 when anything would change (template, parameters, code or tags).
    """
    from cfngen.deploy import report
    from cfngen.deploy.engine import Options
    from cfngen.deploy.pipeline import Settings, deploy_all
    from cfngen.render import canonical_json

    selected = select_stacks(stacks_dir, stacks)
    _check_reviewed(selected, templates_dir, render=False)
    settings = Settings(
        artifact_bucket=artifact_bucket,
        artifact_prefix=artifact_prefix,
        kms_key_id=kms_key_id,
        exclude=exclude,
        parameters=_pairs(parameters, "--parameter"),
        tags=_pairs(tags, "--tag"),
    )
    texts = {stack.name: canonical_json(stack.template()) for stack in selected}

    def show(result: Result) -> None:
        for line in report.differences(result, texts[result.stack]):
            click.echo(line)

    with aws_session(region, profile, endpoint_url, local) as aws:
        results = deploy_all(
            aws, selected, settings, Options(dry_run=True), echo_io(), on_result=show, concurrency=concurrency
        )
    changing = [r.stack for r in results if r.differences is None or r.differences.any]
    click.echo(
        f"diff: {len(changing)} of {len(results)} stack(s) would change{': ' if changing else ''}" + ", ".join(changing)
    )
    if fail and changing:
        raise click.exceptions.Exit(1)
