"""`cfngen init`: start a project (the scaffold itself is data in cfngen.init_project)."""

from __future__ import annotations

from pathlib import Path

import click

from cfngen.cli.options import common_options
from cfngen.errors import UsageError


@click.command()
@common_options
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", help="The stack's name (default: the folder's name).")
def init(stacks_dir: Path, templates_dir: Path, directory: Path, name: str | None) -> None:
    """Start a project in DIRECTORY (default: here): one stack, its function's code, settings, .gitignore.

    Writes pyproject.toml ([tool.cfngen]), a stack in stacks/ (a function fed by a Kinesis stream it
    creates), the function's code, .gitignore (with .cfngen/) and .pre-commit-config.yaml (cfngen check).
    Never overwrites a file: when any of them exists, nothing is written (exit 2).
    """
    from cfngen.init_project import files, stack_name
    from cfngen.render import write_atomic

    if stacks_dir.is_absolute() or templates_dir.is_absolute():
        raise UsageError("--stacks-dir and --templates-dir must be relative to the new project's folder for init")
    stack = name or stack_name(directory.absolute().name)
    scaffold = files(stack, stacks_dir.as_posix(), templates_dir.as_posix())
    existing = [directory / path for path in scaffold if (directory / path).exists()]
    if existing:
        raise UsageError(
            f"{', '.join(map(str, existing))}: already exist{'s' if len(existing) == 1 else ''}; init never "
            "overwrites a file, so nothing was written",
            hint="run it in an empty folder: cfngen init NEW_DIR",
        )
    for path, text in scaffold.items():
        write_atomic(directory / path, text)
        click.echo(f"wrote {directory / path}")
    go = "" if directory == Path(".") else f"cd {directory} && "
    click.echo(f"\nnext: {go}cfngen render && cfngen lint --strict && cfngen deploy --local && cfngen status --local")
