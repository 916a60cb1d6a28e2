"""Errors that reach the user: each carries its exit code and an optional hint.

The CLI turns any CfngenError into a message and its exit code; anything else is a bug and
shows a traceback only under --debug.
"""

from __future__ import annotations

from typing import Any, ClassVar


class CfngenError(Exception):
    """Base for every error the CLI reports without a traceback."""

    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.results: list[Any] = []  # what a multi-stack run finished before failing, for --json

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}\n  hint: {self.hint}"


class UsageError(CfngenError):
    """Bad flags, bad configuration, unknown stack names: the user must change the call."""

    exit_code = 2


class SpecError(UsageError):
    """A stack definition is wrong. Raised at definition time, never at deploy time."""

    def __init__(
        self,
        message: str,
        *,
        stack: str | None = None,
        resource: str | None = None,
        field: str | None = None,
        file: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = ".".join(p for p in (stack, resource, field) if p)
        text = f"{where}: {message}" if where else message
        super().__init__(f"{file}: {text}" if file else text, hint=hint)
        self.file = file
        self.stack = stack
        self.resource = resource
        self.field = field


class OperationFailed(CfngenError):
    """The operation ran and failed: lint errors, a failed deploy, stale templates, a function error."""

    exit_code = 1
