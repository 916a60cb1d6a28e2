"""The template commands: render, check, lint. They read stacks/ and templates/ and never call AWS.

Apart from the AWS commands because they are the everyday, offline loop (edit a stack, render, lint,
commit) and need none of the AWS options or helpers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cfngen.cli.options import fmt_option, select_stacks, stack_options
from cfngen.cli.progress import progress
from cfngen.errors import OperationFailed

if TYPE_CHECKING:
    from cfngen.definitions import Stack


def _notes(stack: Stack) -> None:
    from cfngen.builders.triggers import notes

    for note in notes(stack):
        click.echo(click.style("  note: ", fg="yellow") + note)


@click.command()
@stack_options
@fmt_option
def render(stacks_dir: Path, templates_dir: Path, stacks: tuple[str, ...], fmt: str | None) -> None:
    """Write templates/<stack>.json (or .yaml) for every stack, or the named ones.

    A stack has one committed template: rendering it in one format removes its template in the other.
    """
    from cfngen.render import other_formats, render_text, template_path, write_atomic
    from cfngen.stackgraph import check_stacks

    fmt = fmt or "json"
    selected = select_stacks(stacks_dir, stacks)
    check_stacks(selected)  # a cycle between stacks: nothing written
    texts = [(s, template_path(templates_dir, s.name, fmt), render_text(s.template(), fmt)) for s in selected]
    for stack, path, text in texts:  # everything rendered before anything is written
        state = "wrote" if write_atomic(path, text) else "unchanged"
        click.echo(f"{state:9} {path}")
        for stale in other_formats(templates_dir, stack.name, fmt):
            stale.unlink()
            click.echo(f"{'removed':9} {stale} (the stack is rendered as {fmt} now)")
        _notes(stack)


@click.command()
@stack_options
@fmt_option
def check(stacks_dir: Path, templates_dir: Path, stacks: tuple[str, ...], fmt: str | None) -> None:
    """Exit 1 with a diff when a committed template is stale, missing or has no stack.

    The format is --format (or `format` in [tool.cfngen]), else the one committed for each stack (json
    when none is).
    """
    from cfngen.render import FORMATS, committed_formats, render_text, staleness, template_path
    from cfngen.stackgraph import check_stacks

    selected = select_stacks(stacks_dir, stacks)
    check_stacks(selected)
    results = []
    for s in selected:
        for f in [fmt] if fmt else committed_formats(templates_dir, s.name) or ["json"]:
            results.append(staleness(template_path(templates_dir, s.name, f), render_text(s.template(), f)))
    orphans = []
    if not stacks and templates_dir.is_dir():
        expected = {r.path.name for r in results} | {f"{s.name}.{f}" for s in selected for f in FORMATS}
        formats = [fmt] if fmt else list(FORMATS)
        orphans = sorted(p for f in formats for p in templates_dir.glob(f"*.{f}") if p.name not in expected)
    for result in results:
        if result.stale and not result.path.exists():
            click.echo(f"{result.path}: missing (run `cfngen render`)")
        elif result.stale:
            click.echo(result.diff, nl=False)
    for orphan in orphans:
        click.echo(f"{orphan}: no stack renders this template (delete it, or restore its stack)")
    stale = [r for r in results if r.stale]
    if stale or orphans:
        raise OperationFailed(
            f"{len(stale) + len(orphans)} template(s) out of date", hint="run `cfngen render` and commit templates/"
        )
    click.echo(f"{len(results)} template(s) up to date")


@click.command()
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
    from cfngen import config
    from cfngen.lint import Linter, failed
    from cfngen.render import canonical_json

    linter = Linter(lint_regions, cache_dir=config.work_dir() / "cache/lint" if cache else None)
    selected = select_stacks(stacks_dir, stacks)
    total: list[Any] = []
    texts = [canonical_json(stack.template()) for stack in selected]
    with progress(f"linting {len(texts)} template(s)"):
        linted = linter.lint_many(texts)
    for stack, findings in zip(selected, linted, strict=True):
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
