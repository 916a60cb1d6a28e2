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


def no_color(ctx: click.Context) -> bool:
    """Colour is off with --no-color (before or after the verb), NO_COLOR (any non-empty value) or TERM=dumb.
    The one place that decides: it sets the context's colour, which click.echo obeys (and strips styles)."""
    import os

    root = ctx.find_root()
    return bool(root.meta.get("cfngen.no_color") or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb")


def _set_no_color(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.find_root().meta["cfngen.no_color"] = True
    if no_color(ctx):
        ctx.color = False
    return value


no_color_option = click.option(
    "--no-color",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_set_no_color,
    help="No colour codes in the output (also NO_COLOR=1 or TERM=dumb).",
)


def _or_group_value(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """A group-level option (`cfngen --stacks-dir x status`) counts as if given after the verb; one given
    after the verb wins. Otherwise the usual order: environment, [tool.cfngen], default."""
    from click.core import ParameterSource

    name = str(param.name)
    parent = ctx.parent
    given_before = parent is not None and parent.get_parameter_source(name) is ParameterSource.COMMANDLINE
    if given_before and parent is not None and ctx.get_parameter_source(name) is not ParameterSource.COMMANDLINE:
        return parent.params[name]
    return value


STACKS_DIR_HELP = "Where stack definitions (*.py) live."
TEMPLATES_DIR_HELP = "Where rendered templates are committed."


def group_options(f: F) -> F:
    """The options every command takes, accepted before the verb too (the command's own value wins)."""
    f = click.option("--templates-dir", type=click.Path(file_okay=False, path_type=Path), help=TEMPLATES_DIR_HELP)(f)
    f = click.option("--stacks-dir", type=click.Path(file_okay=False, path_type=Path), help=STACKS_DIR_HELP)(f)
    return no_color_option(f)


def common_options(f: F) -> F:
    """Options every command takes (defined once): where stacks and templates live, --no-color, --debug."""
    f = click.option(
        "--templates-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("templates"),
        show_default=True,
        envvar="CFNGEN_TEMPLATES_DIR",
        callback=_or_group_value,
        help=TEMPLATES_DIR_HELP,
    )(f)
    f = click.option(
        "--stacks-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("stacks"),
        show_default=True,
        envvar="CFNGEN_STACKS_DIR",
        callback=_or_group_value,
        help=STACKS_DIR_HELP,
    )(f)
    return no_color_option(debug_option(f))


def stack_options(f: F) -> F:
    """[STACK]... and the common options: every command that reads stack definitions."""
    f = click.argument("stacks", nargs=-1, metavar="[STACK]...", shell_complete=complete_stacks)(f)
    return common_options(f)


def _stack_files(ctx: click.Context) -> list[Path]:
    stacks_dir = ctx.params.get("stacks_dir") or Path("stacks")
    try:
        return sorted(p for p in Path(stacks_dir).glob("*.py") if not p.name.startswith("_"))
    except OSError:
        return []


_STACK_CALL = r"\bStack\(\s*(?:name\s*=\s*)?[\"']([^\"']+)[\"']"
_FUNCTION_CALL = r"\.function\(\s*(?:name\s*=\s*)?[\"']([^\"']+)[\"']"


def complete_stacks(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    """Stack names for shell completion, read from stacks/*.py as text: no import, no AWS."""
    import re

    found = {name for path in _stack_files(ctx) for name in re.findall(_STACK_CALL, _text(path))}
    return sorted(name for name in found if name.startswith(incomplete))


def complete_functions(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    """Function names of the stack named before, from the file that defines it (as text)."""
    import re

    stack = ctx.params.get("stack") or next(iter(ctx.params.get("stacks") or ()), None)
    found: set[str] = set()
    for path in _stack_files(ctx):
        text = _text(path)
        if stack is None or stack in re.findall(_STACK_CALL, text):
            found |= set(re.findall(_FUNCTION_CALL, text))
    return sorted(name for name in found if name.startswith(incomplete))


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def fmt_option(f: F) -> F:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["json", "yaml"]),
        default=None,
        help="Template format (default: json; check: the format committed).",
    )(f)


def aws_options(f: F, *, several_regions: bool = False) -> F:
    """Where AWS calls go; shared by every command that talks to AWS. With `several_regions` (deploy, status,
    outputs), --region repeats and the command runs in each region given (a tuple, empty when none)."""
    f = click.option(
        "--region",
        multiple=several_regions,
        envvar=["AWS_REGION", "AWS_DEFAULT_REGION"],
        help="AWS region (default: the profile's region)"
        + (": repeat it to run in several." if several_regions else "."),
    )(f)
    f = click.option("--profile", envvar="AWS_PROFILE", help="AWS profile (default: boto3's credential chain).")(f)
    f = click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL", help="Send every AWS call here (e.g. moto).")(f)
    f = click.option(
        "--local",
        is_flag=True,
        help="Use the project's emulator (moto; started in the background when none runs): no AWS account.",
    )(f)
    return f


def aws_options_regions(f: F) -> F:
    """aws_options with a repeatable --region."""
    return aws_options(f, several_regions=True)


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
    """The run's AWS session; its first line on stderr names the target (see `target_line`)."""
    from cfngen.deploy.session import Aws

    if not local:
        aws = Aws(region=region, profile=profile, endpoint_url=endpoint_url)
        click.echo(target_line(aws, profile=profile), err=True)
        yield aws
        return
    from cfngen import config
    from cfngen.local import Emulator
    from cfngen.project_emulator import ensure_running

    found = ensure_running(config.work_dir(), region or "us-east-1")
    # the emulator serves every region; the one it was started with is the default
    emu = Emulator(endpoint_url=found.state.endpoint, region=region or found.state.region)
    aws = Aws(region=emu.region, endpoint_url=emu.endpoint_url, base=emu.session())
    click.echo(target_line(aws, emulator=True), err=True)
    click.echo(found.describe(), err=True)
    yield aws


_IDENTITY_EVENT = "before-call.sts.GetCallerIdentity"


def target_line(aws: Aws, *, profile: str | None = None, emulator: bool = False) -> str:
    """`target: account A, region R, endpoint E` (or `profile P`, or `default credentials`), so nobody
    mistakes the emulator for production.

    The account costs one GetCallerIdentity, and only one per run: the answer is handed back to any later
    GetCallerIdentity on the same client (the bootstrap bucket's name needs the account too). In a project
    that has its `.cfngen/`, the account is also remembered per endpoint and access key (hashed): a key's
    account never changes, so later runs skip the STS client and the call (the no-op deploy is benchmarked).
    """
    import os

    endpoint = aws.endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
    account = _known_account(aws, endpoint) or _ask_account(aws, endpoint)
    if emulator:
        where = f"endpoint {endpoint} (the project's emulator)"
    elif endpoint:
        where = f"endpoint {endpoint}" + (f", profile {profile}" if profile else "")
    else:
        where = f"profile {profile}" if profile else "default credentials"
    return f"target: account {account}, region {aws.region_name}, {where}"


def _identity_cache(aws: Aws, endpoint: str | None) -> tuple[Path, str] | None:
    """Where the account for these credentials is remembered, and under which key; None outside a project
    (no `.cfngen/` yet: nothing is created for it) or without static credentials to key it by."""
    import hashlib

    from cfngen import config

    work = config.work_dir()
    credentials = aws.session.get_credentials()
    if not work.is_dir() or credentials is None or not credentials.access_key:
        return None
    key = hashlib.sha256(f"{endpoint or ''}\0{credentials.access_key}".encode()).hexdigest()
    return work / "cache/identity.json", key


def _known_account(aws: Aws, endpoint: str | None) -> str | None:
    import json

    found = _identity_cache(aws, endpoint)
    if found is None:
        return None
    path, key = found
    try:
        account = json.loads(path.read_text()).get(key)
    except (OSError, ValueError, AttributeError):  # missing or damaged: ask STS and write it again
        return None
    return account if isinstance(account, str) and account.isdigit() else None


def _ask_account(aws: Aws, endpoint: str | None) -> str:
    import json
    from types import SimpleNamespace

    from botocore.exceptions import BotoCoreError, ClientError

    from cfngen.render import write_atomic

    sts = aws.client("sts")
    events = sts.meta.events
    events.unregister(_IDENTITY_EVENT, unique_id="cfngen-identity")  # clients outlive a run in one process
    try:
        identity = sts.get_caller_identity()
    except (BotoCoreError, ClientError) as exc:  # the command's own first call reports it, with its hint
        return f"unknown ({type(exc).__name__})"
    answer = (SimpleNamespace(status_code=200, headers={}), identity)
    hand_back: Any = lambda **_kwargs: answer  # noqa: E731 - a before-call handler's answer replaces the request
    events.register(_IDENTITY_EVENT, hand_back, unique_id="cfngen-identity")
    account = str(identity["Account"])
    found = _identity_cache(aws, endpoint)
    if found is not None:
        path, key = found
        try:
            known = json.loads(path.read_text()) if path.is_file() else {}
        except (OSError, ValueError):
            known = {}
        known = {**(known if isinstance(known, dict) else {}), key: account}
        with contextlib.suppress(OSError):  # a cache: failing to write it costs the next run one call
            write_atomic(path, json.dumps(known, sort_keys=True))
    return account


def echo_io(*, err: bool = False) -> Io:
    from cfngen.cli import progress
    from cfngen.deploy.events import Io

    def echo(line: str) -> None:
        progress.clear()  # a spinner showing on the terminal: its line first
        click.echo(line, err=err)

    return Io(
        echo=echo,
        style=lambda text, colour: click.style(text, fg=colour) if colour else text,
        step=progress.progress,
    )
