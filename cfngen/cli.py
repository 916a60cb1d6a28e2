"""The click layer: parse, call, print, exit code. Nothing else lives here.

Exit codes: 0 success, 1 the operation failed (lint errors, stale templates, failed deploy), 2 bad
usage or a bad stack definition. Errors print as one message (and a hint); a traceback only with
--debug. Heavy imports (troposphere, cfn-lint, boto3) happen inside commands so `--help` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
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
    from cfngen import config

    settings, path = config.load(Path.cwd())
    assert isinstance(ctx.command, click.Group)
    commands = {name: [p.name for p in cmd.params if p.name] for name, cmd in ctx.command.commands.items()}
    ctx.default_map = config.default_map(settings, path, commands)
    return value


@click.group(cls=CfngenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--no-config", is_flag=True, is_eager=True, expose_value=False, hidden=True, callback=_load_config)
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
        click.echo(f"{mark:4} {stack.name} ({len(findings)} finding(s))")
        for f in findings:
            colour = {"error": "red", "warning": "yellow"}.get(f.severity)
            click.echo(f"  {click.style(f.rule, fg=colour)} {f.severity} {f.path} (line {f.line}): {f.message}")
    errors = sum(f.severity == "error" for f in total)
    warnings = sum(f.severity == "warning" for f in total)
    click.echo(f"{len(selected)} template(s): {errors} error(s), {warnings} warning(s)")
    if failed(total, strict=strict):
        raise OperationFailed("lint failed" + (" (--strict: warnings count)" if strict and not errors else ""))


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="cfngen")


if __name__ == "__main__":  # pragma: no cover
    main()
