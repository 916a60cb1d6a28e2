"""`cfngen local`: the project's emulator in the foreground (the --local commands use it), or --stop the background
one they started (cfngen/project_emulator.py)."""

from __future__ import annotations

from pathlib import Path

import click

from cfngen.cli.options import common_options


@click.command()
@common_options
@click.option("--region", default="us-east-1", show_default=True, help="The region clients default to.")
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True, help="0 picks a free port.")
@click.option("--stop", is_flag=True, help="Stop the project's background emulator (the one --local started).")
@click.option("--verbose", is_flag=True, help="Log every request.")
def local(stacks_dir: Path, templates_dir: Path, region: str, port: int, stop: bool, verbose: bool) -> None:
    """Run the project's emulator in the foreground (the --local commands use it), or --stop the background one."""
    from cfngen import config
    from cfngen.project_emulator import STATE_FILE, run_foreground
    from cfngen.project_emulator import stop as stop_emulator

    work = config.work_dir()
    if not stop:
        run_foreground(work, region, port, verbose=verbose, echo=click.echo)
        return
    state, was_running = stop_emulator(work)
    if was_running and state is not None:
        click.echo(f"stopped the project's emulator at {state.endpoint} (pid {state.pid})")
    elif state is not None:
        click.echo(f"no emulator was running for this project (removed a stale {work / STATE_FILE})")
    else:
        click.echo("no emulator was running for this project")
