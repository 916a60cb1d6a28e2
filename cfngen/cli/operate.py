"""The commands that work on stacks already deployed: status, outputs, invoke, enable, disable.

Apart from the shipping commands because they never package code or change a template: they read a
deployed stack, call its functions, or flip its event source mappings and rules (a parameter-only update).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cfngen.cli.options import (
    aws_options,
    aws_options_regions,
    aws_session,
    common_options,
    complete_functions,
    complete_stacks,
    echo_io,
    select_stacks,
    stack_options,
)
from cfngen.interrupts import sigterm_as_interrupt

if TYPE_CHECKING:
    from mypy_boto3_lambda.literals import InvocationTypeType

    from cfngen.deploy.session import AwsClients


@click.command()
@common_options
@aws_options_regions
@click.argument("stacks", nargs=-1, required=True, metavar="STACK...", shell_complete=complete_stacks)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "env"]),
    default="text",
    help="text: stack.key = value; json: {stack: {key: value}}; env: STACK_OUTPUT=value lines "
    "(SHOP_AUDIT_FUNCTION_ARN), for `. file` or a CI env file.",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
def outputs(
    stacks_dir: Path,
    templates_dir: Path,
    stacks: tuple[str, ...],
    region: tuple[str, ...],
    profile: str | None,
    endpoint_url: str | None,
    local: bool,
    fmt: str,
    as_json: bool,
) -> None:
    """Print deployed stacks' outputs (exit 1 when a stack does not exist). With several --region, each region's:
    json as {region: {stack: {key: value}}}, env keys and text lines led by the region."""
    from cfngen.deploy import stacks as deployed
    from cfngen.deploy.report import outputs_text, region_outputs_text

    by_region: dict[str, dict[str, dict[str, str]]] = {}
    for where in dict.fromkeys(region or (None,)):
        found: dict[str, dict[str, str]] = {}
        with aws_session(where, profile, endpoint_url, local) as aws:
            cfn = aws.client("cloudformation")
            for stack in dict.fromkeys(stacks):
                deployed.require(cfn, stack, hint=f"in region {aws.region_name}" if len(region) > 1 else None)
                found[stack] = deployed.outputs(cfn, stack)
            by_region[aws.region_name] = found
    fmt = "json" if as_json else fmt
    if len(by_region) == 1:
        click.echo(outputs_text(next(iter(by_region.values())), fmt), nl=False)
    else:
        click.echo(region_outputs_text(by_region, fmt), nl=False)


@click.command()
@stack_options
@aws_options_regions
@click.option("--json", "as_json", is_flag=True, help="One JSON document (a list of stack reports).")
def status(
    stacks_dir: Path,
    templates_dir: Path,
    stacks: tuple[str, ...],
    region: tuple[str, ...],
    profile: str | None,
    endpoint_url: str | None,
    local: bool,
    as_json: bool,
) -> None:
    """Stack status, functions (runtime, code hash), mappings (state, batch size), rules (state, schedule or
    pattern, targets; an existing bucket's route through EventBridge: live or not), push permissions.

    A stack that is not deployed is reported as such (exit 0): status is a report, not an operation on it.
    """
    import json

    from cfngen.deploy.status import lines, stack_status

    names = list(stacks) or [s.name for s in select_stacks(stacks_dir, ())]
    by_region: dict[str, list[dict[str, object]]] = {}
    for where in dict.fromkeys(region or (None,)):
        with aws_session(where, profile, endpoint_url, local) as aws:
            by_region[aws.region_name] = [stack_status(aws, name) for name in names]
    several = len(by_region) > 1
    if as_json:  # several regions: {region: [reports]}
        found: object = by_region if several else next(iter(by_region.values()))
        click.echo(json.dumps(found, indent=2, sort_keys=True, default=str))
        return
    for where, reports in by_region.items():
        for report in reports:
            for line in lines(report):
                click.echo(f"{where}: {line}" if several else line)


@click.command()
@common_options
@aws_options
@click.argument("stack", shell_complete=complete_stacks)
@click.argument("function", required=False, shell_complete=complete_functions)
@click.option("--payload", help="JSON payload.")
@click.option(
    "--payload-file",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path),
    help="File with the payload (- reads stdin).",
)
@click.option(
    "--type",
    "invocation_type",
    type=click.Choice(["RequestResponse", "Event", "DryRun"]),
    default="RequestResponse",
    show_default=True,
    help="Invocation type: wait for the response, queue the event, or only check permissions.",
)
@click.option("--logs", is_flag=True, help="Print the decoded log tail (the emulator runs no code: none there).")
@click.option("--expect", help="JSON that the response must contain (a subset); exit 1 otherwise.")
def invoke(
    stacks_dir: Path,
    templates_dir: Path,
    stack: str,
    function: str | None,
    region: str | None,
    profile: str | None,
    endpoint_url: str | None,
    local: bool,
    payload: str | None,
    payload_file: Path | None,
    invocation_type: InvocationTypeType,
    logs: bool,
    expect: str | None,
) -> None:
    """Invoke a stack's function (name optional when the stack has one) and print the response."""
    from cfngen.deploy.operate import resolve_function

    body = _payload(payload, payload_file)
    expected = None if expect is None else _json_arg(expect, "--expect")
    with aws_session(region, profile, endpoint_url, local) as aws:
        _invoke_and_check(aws, stack, resolve_function(aws, stack, function), body, invocation_type, logs, expected)
    if logs and local:
        click.echo(
            "note: no log tail: the emulator (moto) runs no function code, so Lambda returns no logs; "
            "on AWS, `cfngen logs " + stack + "` reads the function's log group",
            err=True,
        )


def _json_arg(text: str, flag: str) -> Any:
    import json

    try:
        return json.loads(text)
    except ValueError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint=flag) from exc


def _payload(payload: str | None, payload_file: Path | None) -> bytes:
    if payload is not None and payload_file is not None:
        raise click.BadParameter("give --payload or --payload-file, not both")
    if payload_file is None:
        text = payload or "{}"
    else:
        try:
            data = sys.stdin.buffer.read() if str(payload_file) == "-" else payload_file.read_bytes()
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise click.BadParameter(f"{payload_file}: not UTF-8 text ({exc.reason} at byte {exc.start})",
                                     param_hint="--payload-file") from exc  # fmt: skip
        except OSError as exc:
            raise click.BadParameter(f"{payload_file}: cannot be read ({exc.strerror or exc})",
                                     param_hint="--payload-file") from exc  # fmt: skip
    _json_arg(text, "--payload-file" if payload_file is not None else "--payload")
    return text.encode()


def _invoke_and_check(
    aws: AwsClients,
    stack: str,
    function: str,
    body: bytes,
    invocation_type: InvocationTypeType,
    logs: bool,
    expected: Any,
) -> None:
    from cfngen.deploy.report import invoke_and_check

    invoke_and_check(
        aws, stack, function, body, echo_io(), invocation_type=invocation_type, logs=logs, expected=expected
    )


def _switch_command(enabled: bool) -> Callable[..., None]:
    verb = "enable" if enabled else "disable"

    @common_options
    @aws_options
    @click.argument("stack", shell_complete=complete_stacks)
    @click.argument("mappings", nargs=-1, metavar="[MAPPING_OR_RULE]...")
    @click.option("--timeout", type=float, default=None, help="Seconds to wait before giving up.")
    def command(
        stacks_dir: Path,
        templates_dir: Path,
        stack: str,
        mappings: tuple[str, ...],
        region: str | None,
        profile: str | None,
        endpoint_url: str | None,
        local: bool,
        timeout: float | None,
    ) -> None:
        from cfngen.deploy.operate import switch

        with aws_session(region, profile, endpoint_url, local) as aws, sigterm_as_interrupt():
            states = switch(aws, stack, mappings, enabled, echo_io(), timeout=timeout)
        for name, state in states.items():  # EventBridge's states are upper-case (ENABLED), Lambda's are not
            click.echo(f"{stack}: {'rule' if state.isupper() else 'mapping'} {name} {state}")

    command.__doc__ = f"{verb.capitalize()} mappings and rules (all when none named): a parameter-only stack update."
    return command


enable = click.command("enable")(_switch_command(True))
disable = click.command("disable")(_switch_command(False))
