"""What the commands share: each option defined once, and the helpers more than one command calls.

Kept apart from the commands so that a flag's name, default, env var and help text have exactly one
definition, and so that the modules of commands import this one and never each other. Nothing heavy
is imported at module level (`--help` imports this file): AWS, the emulator and the stack loader are
imported inside the helpers, when a command runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from cfngen.definitions import Stack
    from cfngen.deploy.events import Io
    from cfngen.deploy.session import Aws

F = TypeVar("F", bound=Callable[..., Any])


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


def fmt_option(f: F) -> F:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["json", "yaml"]),
        default="json",
        show_default=True,
        help="Template format.",
    )(f)


def aws_options(f: F) -> F:
    """Where AWS calls go; shared by every command that talks to AWS."""
    f = click.option("--region", envvar=["AWS_REGION", "AWS_DEFAULT_REGION"], help="AWS region.")(f)
    f = click.option("--profile", envvar="AWS_PROFILE", help="AWS profile.")(f)
    f = click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL", help="Send every AWS call here (e.g. moto).")(f)
    f = click.option(
        "--local",
        is_flag=True,
        help="Use the project's emulator (moto; started in the background when none runs): no AWS account.",
    )(f)
    return f


def artifact_options(f: F) -> F:
    """Where code goes: shared by deploy and diff (a diff previews a deploy: the same keys, nothing uploaded)."""
    f = click.option("--kms-key-id", help="SSE-KMS key for uploaded artifacts.")(f)
    f = click.option(
        "--artifact-prefix", default="cfngen", show_default=True, help="Key prefix in the artifact bucket."
    )(f)
    f = click.option(
        "--artifact-bucket", help="S3 bucket for code (default: the bootstrap bucket, created on first use)."
    )(f)
    return exclude_option(f)


def exclude_option(f: F) -> F:
    return click.option(
        "--exclude", multiple=True, metavar="GLOB", help="Leave matching files out of function zips (repeatable)."
    )(f)


def select_stacks(stacks_dir: Path, names: tuple[str, ...]) -> list[Stack]:
    from cfngen.discover import discover, select

    return select(discover(stacks_dir), names)


@contextlib.contextmanager
def aws_session(region: str | None, profile: str | None, endpoint_url: str | None, local: bool) -> Iterator[Aws]:
    from cfngen.deploy.session import Aws

    if not local:
        yield Aws(region=region, profile=profile, endpoint_url=endpoint_url)
        return
    from cfngen import config
    from cfngen.local import Emulator
    from cfngen.project_emulator import ensure_running

    found = ensure_running(config.work_dir(), region or "us-east-1")
    click.echo(found.describe(), err=True)
    # the emulator serves every region; the one it was started with is the default
    emu = Emulator(endpoint_url=found.state.endpoint, region=region or found.state.region)
    yield Aws(region=emu.region, endpoint_url=emu.endpoint_url, base=emu.session())


def echo_io(*, err: bool = False) -> Io:
    from cfngen.deploy.events import Io

    return Io(
        echo=lambda line: click.echo(line, err=err),
        style=lambda text, colour: click.style(text, fg=colour) if colour else text,
    )
