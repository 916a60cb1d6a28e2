"""`cfngen delete`: stacks out of the account, consumers before producers, independent ones in parallel."""

from __future__ import annotations

from pathlib import Path

import click

from cfngen.cli.options import aws_options, aws_session, common_options, complete_stacks, echo_io, select_stacks
from cfngen.cli.ship import CONCURRENCY_OPTION
from cfngen.errors import UsageError
from cfngen.interrupts import sigterm_as_interrupt


@click.command()
@common_options
@aws_options
@click.argument("stacks", nargs=-1, metavar="STACK...", shell_complete=complete_stacks)
@click.option("--all", "every", is_flag=True, help="Delete every stack of the project (stacks/*.py).")
@click.option("--yes", is_flag=True, help="Do not ask.")
@click.option("--timeout", type=float, default=None, help="Seconds to wait for each stack before giving up.")
@CONCURRENCY_OPTION
def delete(
    stacks_dir: Path,
    templates_dir: Path,
    stacks: tuple[str, ...],
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    local: bool,
    every: bool,
    yes: bool,
    timeout: float | None,
    concurrency: int,
) -> None:
    """Delete stacks (asks once, unless --yes), consumers before the stacks they take values from.

    The order comes from the deployed templates, so naming order does not matter; independent stacks are
    deleted --concurrency at a time (with 1: the last named first). A stack that is not deployed is a note,
    not an error, so a teardown script can run again. A failure keeps the stacks it still uses; the others
    are deleted.
    """
    from cfngen.deploy.teardown import delete_all

    if every == bool(stacks):
        raise UsageError(
            "delete: name the stacks to delete, or pass --all" if not every else "delete: --all or STACK..., not both",
            hint="cfngen delete STACK... (or --all: every stack in stacks/)",
        )
    # Last named (or last deployed) first: the order among stacks that do not depend on each other, as before
    # imports existed, and what --concurrency 1 keeps.
    given = [s.name for s in select_stacks(stacks_dir, ())] if every else list(stacks)
    names = list(dict.fromkeys(reversed(given)))
    if not yes and not click.confirm(
        f"delete {'stack' if len(names) == 1 else 'stacks'} {', '.join(names)} and every resource "
        f"{'it holds' if len(names) == 1 else 'they hold'}?",
        default=False,
    ):
        raise click.Abort()
    with aws_session(region, profile, endpoint_url, local) as aws, sigterm_as_interrupt():
        # A spinner while a stack's delete is waited for, when one runs at a time (events.wait, cli/progress.py).
        delete_all(aws, names, echo_io(), timeout=timeout, concurrency=concurrency)
