"""The click layer: parse, call, print, exit code. Nothing else lives here.

Exit codes: 0 success, 1 the operation failed (lint errors, stale templates, failed deploy), 2 bad
usage or a bad stack definition. Errors print as one message (and a hint); a traceback only with
--debug. Heavy imports (troposphere, cfn-lint, boto3) happen inside commands so `--help` stays fast.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from cfngen.errors import CfngenError, OperationFailed

if TYPE_CHECKING:
    from cfngen.spec import Stack

F = TypeVar("F", bound=Callable[..., Any])


class CfngenGroup(click.Group):
    """Turns CfngenError into its message and exit code; other errors too, unless --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except CfngenError as exc:
            if ctx.meta.get("cfngen.debug"):
                raise
            click.echo(click.style("error: ", fg="red", bold=True) + str(exc), err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:
            if ctx.meta.get("cfngen.debug"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", err=True)
            ctx.exit(1)


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.meta["cfngen.debug"] = True
    return value


debug_option = click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    envvar="CFNGEN_DEBUG",
    callback=_set_debug,
    help="Show tracebacks.",
)


def stack_options(f: F) -> F:
    """Options every command that reads stack definitions shares (defined once, reused)."""
    f = click.argument("stacks", nargs=-1, metavar="[STACK]...")(f)
    f = click.option(
        "--templates-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("templates"),
        show_default=True,
        envvar="CFNGEN_TEMPLATES_DIR",
        help="Where rendered templates are committed.",
    )(f)
    f = click.option(
        "--stacks-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("stacks"),
        show_default=True,
        envvar="CFNGEN_STACKS_DIR",
        help="Where stack definitions (*.py) live.",
    )(f)
    return debug_option(f)


def _load_config(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    """[tool.cfngen] -> click's default_map, keyed by each option's long name (`stacks-dir`)."""
    from cfngen import config

    if value:
        return value
    assert isinstance(ctx.command, click.Group)
    commands = {
        name: {_long_name(p): str(p.name) for p in cmd.params if isinstance(p, click.Option) and not p.hidden}
        for name, cmd in ctx.command.commands.items()
    }
    try:
        settings, path = config.load(Path.cwd())
        ctx.default_map = config.default_map(settings, path, commands)
    except CfngenError as exc:  # raised while click parses, before CfngenGroup.invoke can catch it
        click.echo(click.style("error: ", fg="red", bold=True) + str(exc), err=True)
        ctx.exit(exc.exit_code)
    return value


def _long_name(param: click.Option) -> str:
    longest = max(param.opts, key=len)
    return longest.lstrip("-")


@click.group(cls=CfngenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--no-config",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_load_config,
    help="Ignore [tool.cfngen] in pyproject.toml.",
)
@debug_option
@click.version_option(package_name="cfngen")
def cli() -> None:
    """Python stack definitions -> reviewed, linted CloudFormation for AWS Lambda.

    Stacks are defined in stacks/*.py, rendered into templates/ (committed), linted with cfn-lint.
    """


def _stacks(stacks_dir: Path, names: tuple[str, ...]) -> list[Stack]:
    from cfngen.discover import discover, select

    return select(discover(stacks_dir), names)


def _notes(stack: Stack) -> None:
    from cfngen.build.triggers import notes

    for note in notes(stack):
        click.echo(click.style("  note: ", fg="yellow") + note)


def _fmt_option(f: F) -> F:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["json", "yaml"]),
        default="json",
        show_default=True,
        help="Template format.",
    )(f)


@cli.command()
@stack_options
@_fmt_option
def render(stacks_dir: Path, templates_dir: Path, stacks: tuple[str, ...], fmt: str) -> None:
    """Write templates/<stack>.json for every stack (or the named ones)."""
    from cfngen.render import render_text, template_path, write_atomic

    selected = _stacks(stacks_dir, stacks)
    texts = [(s, template_path(templates_dir, s.name, fmt), render_text(s.template(), fmt)) for s in selected]
    for stack, path, text in texts:  # everything rendered before anything is written
        state = "wrote" if write_atomic(path, text) else "unchanged"
        click.echo(f"{state:9} {path}")
        _notes(stack)


@cli.command()
@stack_options
@_fmt_option
def check(stacks_dir: Path, templates_dir: Path, stacks: tuple[str, ...], fmt: str) -> None:
    """Exit 1 with a diff when a committed template is stale, missing or has no stack."""
    from cfngen.render import render_text, staleness, template_path

    selected = _stacks(stacks_dir, stacks)
    results = [staleness(template_path(templates_dir, s.name, fmt), render_text(s.template(), fmt)) for s in selected]
    orphans = []
    if not stacks and templates_dir.is_dir():
        expected = {r.path.name for r in results}
        orphans = sorted(p for p in templates_dir.glob(f"*.{fmt}") if p.name not in expected)
    for result in results:
        if result.stale:
            click.echo(result.diff, nl=False)
    for orphan in orphans:
        click.echo(f"{orphan}: no stack renders this template (delete it, or restore its stack)")
    stale = [r for r in results if r.stale]
    if stale or orphans:
        raise OperationFailed(
            f"{len(stale) + len(orphans)} template(s) out of date", hint="run `cfngen render` and commit templates/"
        )
    click.echo(f"{len(results)} template(s) up to date")


@cli.command()
@stack_options
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--lint-region", "lint_regions", multiple=True, default=("us-east-1",), show_default=True,
              help="Regions cfn-lint checks against (repeatable).")  # fmt: skip
@click.option("--cache/--no-cache", default=True, show_default=True, help="Reuse results for unchanged templates.")
def lint(
    stacks_dir: Path,
    templates_dir: Path,
    stacks: tuple[str, ...],
    strict: bool,
    lint_regions: tuple[str, ...],
    cache: bool,
) -> None:
    """Run cfn-lint (in-process) on every stack's rendered template."""
    from cfngen.lint import Linter, failed
    from cfngen.render import canonical_json

    linter = Linter(lint_regions, cache_dir=Path(".cfngen/cache/lint") if cache else None)
    selected = _stacks(stacks_dir, stacks)
    total: list[Any] = []
    texts = [canonical_json(stack.template()) for stack in selected]
    for stack, findings in zip(selected, linter.lint_many(texts), strict=True):
        total += findings
        mark = click.style("ok", fg="green") if not failed(findings, strict=strict) else click.style("FAIL", fg="red")
        click.echo(f"{mark} {stack.name} ({len(findings)} finding(s))")
        for f in findings:
            colour = {"error": "red", "warning": "yellow"}.get(f.severity)
            click.echo(f"  {click.style(f.rule, fg=colour)} {f.severity} {f.path} (line {f.line}): {f.message}")
    errors = sum(f.severity == "error" for f in total)
    warnings = sum(f.severity == "warning" for f in total)
    click.echo(f"{len(selected)} template(s): {errors} error(s), {warnings} warning(s)")
    if failed(total, strict=strict):
        raise OperationFailed("lint failed" + (" (--strict: warnings count)" if strict and not errors else ""))


# ---------------------------------------------------------------------------------------------- AWS side


def aws_options(f: F) -> F:
    """Where AWS calls go; shared by every command that talks to AWS."""
    f = click.option("--region", envvar=["AWS_REGION", "AWS_DEFAULT_REGION"], help="AWS region.")(f)
    f = click.option("--profile", envvar="AWS_PROFILE", help="AWS profile.")(f)
    f = click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL", help="Send every AWS call here (e.g. moto).")(f)
    f = click.option("--local", is_flag=True, help="Use the embedded emulator (moto, in-process): no AWS account.")(f)
    return f


@contextlib.contextmanager
def _aws(region: str | None, profile: str | None, endpoint_url: str | None, local: bool) -> Iterator[Any]:
    from cfngen.deploy.session import Aws

    if not local:
        yield Aws(region=region, profile=profile, endpoint_url=endpoint_url)
        return
    import logging
    import warnings

    from cfngen.local import emulator

    # moto warns once per resource type it skips (BucketPolicy, Subscription): known gaps, not news.
    warnings.filterwarnings("ignore", message="Tried to parse", category=UserWarning)
    logging.getLogger("moto").setLevel(logging.ERROR)
    with emulator(region or "us-east-1") as emu:
        click.echo(f"embedded emulator (moto) at {emu.endpoint_url}, region {emu.region}", err=True)
        yield Aws(region=emu.region, endpoint_url=emu.endpoint_url, base=emu.session())


def _io(*, err: bool = False) -> Any:
    from cfngen.deploy.events import Io

    return Io(
        echo=lambda line: click.echo(line, err=err),
        style=lambda text, colour: click.style(text, fg=colour) if colour else text,
    )


def _pairs(values: tuple[str, ...], flag: str) -> dict[str, str]:
    out = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{value!r} is not KEY=VALUE", param_hint=flag)
        out[key] = val
    return out


def exclude_option(f: F) -> F:
    return click.option(
        "--exclude", multiple=True, metavar="GLOB", help="Leave matching files out of function zips (repeatable)."
    )(f)


@cli.command()
@stack_options
@aws_options
@click.option(
    "--update-if-exists/--no-update-if-exists",
    default=True,
    show_default=True,
    help="Update a stack that already exists (else refuse).",
)
@click.option("--dry-run", is_flag=True, help="Show the change set rows, then delete the change set.")
@click.option("--confirm", is_flag=True, help="Ask before executing each change set.")
@click.option("--parameter", "parameters", multiple=True, metavar="KEY=VALUE", help="Template parameter (repeatable).")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Stack tag (repeatable).")
@click.option("--termination-protection", is_flag=True, help="Turn on termination protection.")
@click.option("--timeout", type=float, default=None, help="Seconds to wait for each stack before giving up.")
@click.option("--artifact-bucket", help="S3 bucket for code (default: the bootstrap bucket, created on first use).")
@click.option("--artifact-prefix", default="cfngen", show_default=True, help="Key prefix in the artifact bucket.")
@click.option("--kms-key-id", help="SSE-KMS key for uploaded artifacts.")
@exclude_option
@click.option("--outputs-file", type=click.Path(dir_okay=False, path_type=Path), help="Write the outputs for CI.")
@click.option(
    "--outputs-format",
    type=click.Choice(["json", "env"]),
    default="json",
    show_default=True,
    help="json: {stack: {key: value}}; env: STACK_KEY=value lines.",
)
@click.option(
    "--smoke-test",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="After deploying, invoke each function named in this JSON/YAML file (function -> payload).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document; progress goes to stderr.")
def deploy(
    stacks_dir: Path,
    templates_dir: Path,
    stacks: tuple[str, ...],
    region: str | None,
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
    outputs_format: str,
    smoke_test: Path | None,
    as_json: bool,
) -> None:
    """Render, lint, package, upload, then create or update each stack through a change set."""
    from cfngen.deploy import report
    from cfngen.deploy.engine import Options
    from cfngen.deploy.pipeline import Settings, deploy_all
    from cfngen.render import write_atomic

    selected = _stacks(stacks_dir, stacks)
    settings = Settings(
        artifact_bucket=artifact_bucket,
        artifact_prefix=artifact_prefix,
        kms_key_id=kms_key_id,
        exclude=exclude,
        parameters=_pairs(parameters, "--parameter"),
        tags=_pairs(tags, "--tag"),
        termination_protection=termination_protection,
    )
    ask = (lambda cs: click.confirm(f"execute the change set for {cs.stack}?", default=False)) if confirm else None
    options = Options(update_if_exists=update_if_exists, dry_run=dry_run, confirm=ask, timeout=timeout)
    tests = report.load_smoke_tests(smoke_test) if smoke_test is not None else None
    io = _io(err=as_json)  # with --json, stdout carries only the JSON document
    try:
        with _aws(region, profile, endpoint_url, local) as aws, _sigterm_as_interrupt():
            results = deploy_all(aws, selected, settings, options, io)
            if tests is not None and not dry_run:
                report.run_smoke_tests(aws, results, tests, io)
    except CfngenError as exc:
        if as_json:
            click.echo(report.deploy_json(exc.results))
        raise
    for line in report.summary(results, selected):
        io.echo(line)
    if outputs_file is not None:
        write_atomic(outputs_file, report.outputs_text(results, outputs_format))
        io.echo(f"outputs written to {outputs_file}")
    if as_json:
        click.echo(report.deploy_json(results))


@cli.command()
@stack_options
@exclude_option
def package(stacks_dir: Path, templates_dir: Path, stacks: tuple[str, ...], exclude: tuple[str, ...]) -> None:
    """Build each function's deterministic zip into .cfngen/build; print its sha256 (the S3 key deploy uses)."""
    from cfngen.deploy.pipeline import Settings, package_functions

    for stack in _stacks(stacks_dir, stacks):
        for p in package_functions(stack, Settings(exclude=exclude)):
            click.echo(f"{stack.name}.{p.function}: {p.path} sha256={p.sha256} {p.size:,} bytes")


@cli.command()
@debug_option
@aws_options
def bootstrap(region: str | None, profile: str | None, endpoint_url: str | None, local: bool) -> None:
    """Create (or find) the hardened artifact bucket stack that deploy uses by default."""
    from cfngen.deploy.pipeline import Settings, artifact_bucket

    with _aws(region, profile, endpoint_url, local) as aws:
        click.echo(f"artifact bucket: {artifact_bucket(aws, Settings(), _io())}")


@cli.command()
@debug_option
@aws_options
@click.argument("stack")
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def outputs(
    stack: str, region: str | None, profile: str | None, endpoint_url: str | None, local: bool, as_json: bool
) -> None:
    """Print a deployed stack's outputs."""
    import json

    from cfngen.deploy.engine import describe_stack
    from cfngen.deploy.engine import outputs as stack_outputs

    with _aws(region, profile, endpoint_url, local) as aws:
        if describe_stack(aws.client("cloudformation"), stack) is None:
            raise OperationFailed(f"stack {stack} does not exist")
        found = stack_outputs(aws, stack)
    if as_json:
        click.echo(json.dumps(found, indent=2, sort_keys=True))
    for key, value in [] if as_json else found.items():
        click.echo(f"{key} = {value}")


@cli.command()
@debug_option
@aws_options
@click.argument("stack")
@click.option("--yes", is_flag=True, help="Do not ask.")
@click.option("--timeout", type=float, default=None, help="Seconds to wait before giving up.")
def delete(
    stack: str,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    local: bool,
    yes: bool,
    timeout: float | None,
) -> None:
    """Delete a stack (asks unless --yes) and wait for it."""
    from cfngen.deploy.engine import delete_stack

    if not yes and not click.confirm(f"delete stack {stack} and every resource it holds?", default=False):
        raise click.Abort()
    with _aws(region, profile, endpoint_url, local) as aws, _sigterm_as_interrupt():
        delete_stack(aws, stack, _io(), timeout=timeout)
    click.echo(f"{stack}: deleted")


@cli.command()
@stack_options
@aws_options
@click.option("--json", "as_json", is_flag=True, help="One JSON document (a list of stack reports).")
def status(
    stacks_dir: Path,
    templates_dir: Path,
    stacks: tuple[str, ...],
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    local: bool,
    as_json: bool,
) -> None:
    """Stack status, functions (runtime, code sha), mappings (state, batch size), push permissions."""
    import json

    from cfngen.deploy.inspect import lines, stack_status

    names = list(stacks) or [s.name for s in _stacks(stacks_dir, ())]
    with _aws(region, profile, endpoint_url, local) as aws:
        reports = [stack_status(aws, name) for name in names]
    if as_json:
        click.echo(json.dumps(reports, indent=2, sort_keys=True, default=str))
        return
    for report in reports:
        for line in lines(report):
            click.echo(line)


@cli.command()
@stack_options
@aws_options
@click.option("--artifact-bucket", help="S3 bucket for code (default: the bootstrap bucket).")
@click.option("--artifact-prefix", default="cfngen", show_default=True)
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
) -> None:
    """Change-set rows (a dry-run deploy) plus a text diff against the deployed template."""
    import difflib
    import json

    from cfngen.deploy.engine import Options, describe_stack
    from cfngen.deploy.pipeline import Settings, deploy_all
    from cfngen.render import canonical_json

    selected = _stacks(stacks_dir, stacks)
    with _aws(region, profile, endpoint_url, local) as aws:
        cfn = aws.client("cloudformation")
        deploy_all(
            aws,
            selected,
            Settings(artifact_bucket=artifact_bucket, artifact_prefix=artifact_prefix),
            Options(dry_run=True),
            _io(),
        )
        for stack in selected:
            deployed = ""
            if describe_stack(cfn, stack.name) is not None:
                body = cfn.get_template(StackName=stack.name, TemplateStage="Original")["TemplateBody"]
                deployed = canonical_json(body if isinstance(body, dict) else json.loads(body))
            text = "".join(
                difflib.unified_diff(
                    deployed.splitlines(keepends=True),
                    canonical_json(stack.template()).splitlines(keepends=True),
                    fromfile=f"{stack.name} (deployed)",
                    tofile=f"{stack.name} (local)",
                )
            )
            click.echo(text or f"{stack.name}: template identical to the deployed one")


@cli.command()
@debug_option
@aws_options
@click.argument("stack")
@click.argument("function", required=False)
@click.option("--payload", help="JSON payload.")
@click.option(
    "--payload-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="File with the payload."
)
@click.option(
    "--type",
    "invocation_type",
    type=click.Choice(["RequestResponse", "Event", "DryRun"]),
    default="RequestResponse",
    show_default=True,
)
@click.option("--logs", is_flag=True, help="Print the decoded log tail.")
@click.option("--expect", help="JSON that the response must contain (a subset); exit 1 otherwise.")
def invoke(
    stack: str,
    function: str | None,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    local: bool,
    payload: str | None,
    payload_file: Path | None,
    invocation_type: str,
    logs: bool,
    expect: str | None,
) -> None:
    """Invoke a stack's function (name optional when the stack has one) and print the response."""
    from cfngen.deploy.operate import resolve_function

    body = _payload(payload, payload_file)
    expected = None if expect is None else _json_arg(expect, "--expect")
    with _aws(region, profile, endpoint_url, local) as aws:
        _invoke_and_check(aws, stack, resolve_function(aws, stack, function), body, invocation_type, logs, expected)


def _json_arg(text: str, flag: str) -> Any:
    import json

    try:
        return json.loads(text)
    except ValueError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint=flag) from exc


def _payload(payload: str | None, payload_file: Path | None) -> bytes:
    if payload is not None and payload_file is not None:
        raise click.BadParameter("give --payload or --payload-file, not both")
    text = payload_file.read_text() if payload_file is not None else (payload or "{}")
    _json_arg(text, "--payload")
    return text.encode()


def _invoke_and_check(
    aws: Any, stack: str, function: str, body: bytes, invocation_type: str, logs: bool, expected: Any
) -> None:
    from cfngen.deploy.report import invoke_and_check

    invoke_and_check(aws, stack, function, body, _io(), invocation_type=invocation_type, logs=logs, expected=expected)


def _switch_command(enabled: bool) -> Callable[..., None]:
    verb = "enable" if enabled else "disable"

    @debug_option
    @aws_options
    @click.argument("stack")
    @click.argument("mappings", nargs=-1)
    @click.option("--timeout", type=float, default=None, help="Seconds to wait before giving up.")
    def command(
        stack: str,
        mappings: tuple[str, ...],
        region: str | None,
        profile: str | None,
        endpoint_url: str | None,
        local: bool,
        timeout: float | None,
    ) -> None:
        from cfngen.deploy.operate import switch

        with _aws(region, profile, endpoint_url, local) as aws, _sigterm_as_interrupt():
            states = switch(aws, stack, mappings, enabled, _io(), timeout=timeout)
        for mapping, state in states.items():
            click.echo(f"{stack}: mapping {mapping} {state}")

    command.__doc__ = f"{verb.capitalize()} event source mappings (all when none named): a parameter-only stack update."
    return command


cli.command("enable")(_switch_command(True))
cli.command("disable")(_switch_command(False))


@cli.command()
@debug_option
@click.option("--region", default="us-east-1", show_default=True)
@click.option("--port", type=int, default=5000, show_default=True, help="0 picks a free port.")
def local(region: str, port: int) -> None:
    """Run the embedded emulator in the foreground; point other commands at it with --endpoint-url."""
    from cfngen.local import serve_forever

    serve_forever(region, port, echo=click.echo)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (CI cancelling a job) takes the same path as Ctrl-C: clean up what is safe, exit 130."""
    import signal

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main() -> None:
    """Console-script entry point.

    Ends with os._exit once output is flushed: tearing down cfn-lint's and boto3's object graphs at
    interpreter shutdown costs a few hundred milliseconds and does nothing a finished command needs
    (files are written atomically and closed; the emulator and workers are stopped by then).
    """
    import os
    import sys

    try:
        cli.main(prog_name="cfngen")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if isinstance(exc.code, str):
            click.echo(exc.code, err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
