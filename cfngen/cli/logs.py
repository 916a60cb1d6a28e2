"""`cfngen logs`: read a deployed function's log group (as `sam logs` and `rain logs` do)."""

from __future__ import annotations

from pathlib import Path

import click

from cfngen.cli.options import aws_options, aws_session, common_options, complete_functions, complete_stacks, echo_io
from cfngen.interrupts import sigterm_as_interrupt


@click.command()
@common_options
@aws_options
@click.argument("stack", shell_complete=complete_stacks)
@click.argument("function", required=False, shell_complete=complete_functions)
@click.option("--since", default="10m", help="How far back to start: a number and s, m, h, d or w.")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events (polling with backoff) until Ctrl-C.")
def logs(
    stacks_dir: Path,
    templates_dir: Path,
    stack: str,
    function: str | None,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    local: bool,
    since: str,
    follow: bool,
) -> None:
    """Print a function's log events (every function's when none is named), from its log group.

    The log group is the one the stack created for the function (/aws/lambda/<stack>/<Function>). With
    --follow it polls for new events until Ctrl-C (exit 130). The emulator runs no function code, so its
    log groups stay empty unless something writes to them.
    """
    from cfngen.deploy.logs import choose, log_groups, parse_since, tail

    window = parse_since(since)
    with aws_session(region, profile, endpoint_url, local) as aws, sigterm_as_interrupt():
        groups = choose(log_groups(aws, stack), stack, function)
        io = echo_io()
        count = tail(aws, groups, window, io, follow=follow)
    if not count:
        click.echo(f"no log events since {since} ago in {', '.join(groups.values())}", err=True)
