"""The click layer: parse, call, print, exit code. Nothing else lives here.

This module owns the group: error -> exit code handling, [tool.cfngen] -> click's default_map, the
console entry point, and the list of commands. The commands live beside it, one module per concern:
templates (render, check, lint), ship (deploy, package, bootstrap, diff), teardown (delete), emulator (local)
and operate (outputs, status, invoke, enable, disable); what they share is defined once in options.

Exit codes: 0 success, 1 the operation failed (lint errors, stale templates, failed deploy), 2 bad
usage or a bad stack definition. Errors print as one message (and a hint); a traceback only with
--debug. Heavy imports (troposphere, cfn-lint, boto3) happen inside commands so `--help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cfngen.cli import emulator, logs, operate, scaffold, ship, teardown, templates
from cfngen.cli.options import debug_option, group_options
from cfngen.errors import CfngenError


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
        except Exception as exc:  # the process boundary: nothing may leave the CLI as a bare traceback
            if ctx.meta.get("cfngen.debug"):
                raise
            aws = aws_error(exc)
            if aws is not None:  # AWS said no, or could not be reached: the operation failed, cfngen did not
                click.echo(click.style("error: ", fg="red", bold=True) + aws, err=True)
                ctx.exit(1)
            click.echo(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", err=True)
            ctx.exit(1)


def aws_error(exc: Exception) -> str | None:
    """A botocore error as one line with a hint, or None for anything else (without importing botocore)."""
    if not type(exc).__module__.startswith("botocore"):
        return None
    from cfngen.deploy.unparsable import describe

    unparsable = describe(exc)  # a JSON or HTML error body from the emulator, which botocore reads as bad XML
    if unparsable is not None:
        return unparsable
    name = type(exc).__name__
    hints = {
        "NoCredentialsError": "configure AWS credentials (or AWS_PROFILE), or try it with --local",
        "NoRegionError": "pass --region, set AWS_REGION, or region in [tool.cfngen]",
        "ProfileNotFound": "check --profile / AWS_PROFILE against ~/.aws/config",
        "EndpointConnectionError": "check --region and --endpoint-url, and the network",
    }
    hint = hints.get(name)
    return f"AWS: {exc}" + (f"\n  hint: {hint}" if hint else "")


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


@click.group(cls=CfngenGroup, context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.option(
    "--no-config",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_load_config,
    help="Ignore [tool.cfngen] in pyproject.toml.",
)
@group_options
@debug_option
@click.version_option(package_name="cfngen")
def cli(**_common: object) -> None:
    """Python stack definitions -> reviewed, linted CloudFormation for AWS Lambda.

    Stacks are defined in stacks/*.py, rendered into templates/ (committed), linted with cfn-lint, and
    deployed through change sets. Try it without an AWS account: cfngen init, then cfngen deploy --local.
    The options before a command (--stacks-dir, --templates-dir, --no-color, --debug) apply to it as if
    given after it.
    """


# One list of every command; `--help` sorts them by name.
for _command in (
    scaffold.init,
    templates.render,
    templates.check,
    templates.lint,
    ship.deploy,
    ship.package,
    ship.bootstrap,
    operate.outputs,
    teardown.delete,
    operate.status,
    ship.diff,
    operate.invoke,
    operate.enable,
    operate.disable,
    emulator.local,
    logs.logs,
):
    # `cfngen --help` lists each command's first paragraph in full (click cuts it at ~45 characters), and
    # every option's help names its environment variable (its default is shown: show_default above).
    _command.short_help = " ".join((_command.help or "").split("\n\n")[0].split())
    for _param in _command.params:
        if isinstance(_param, click.Option):
            _param.show_envvar = True
    cli.add_command(_command)
for _param in cli.params:
    if isinstance(_param, click.Option):
        _param.show_envvar = True


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
