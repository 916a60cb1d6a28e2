"""Every match on AWS error text lives here, each with a unit test: AWS signals these only in prose."""

from __future__ import annotations

from typing import Any

# AWS: a FAILED change set "didn't contain changes"; moto refuses an unchanged CreateChangeSet at once
# (probe: test_unchanged_change_set_with_parameters_is_refused_with_no_updates).
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
THROTTLING = {"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"}
# S3 answers HEAD with a bare status ("404") and GET/bucket calls with a named code.
NOT_FOUND = frozenset({"404", "NoSuchKey", "NoSuchBucket", "NotFound"})
# Never read as "not found": without s3:ListBucket S3 answers 403 even for a key that does not exist.
DENIED = frozenset({"403", "AccessDenied", "Forbidden", "AllAccessDisabled"})


def code(exc: BaseException) -> str:
    response: Any = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def message(exc: BaseException) -> str:
    """The error's message; for an answer botocore could not parse (moto), the type and message it carried."""
    from cfngen.deploy.unparsable import describe

    response: Any = getattr(exc, "response", None) or {}
    found = str(response.get("Error", {}).get("Message", ""))
    if not found and isinstance(exc, Exception) and (read := describe(exc)) is not None:
        return read.removeprefix("AWS: ")
    return found or str(exc)


def is_stack_missing(exc: BaseException) -> bool:
    """Only this means "no such stack": a throttled or denied DescribeStacks must never read as missing, nor
    an answer moto could not render
    (probe: test_stuck_stack_with_outputs_on_the_broken_resource_cannot_be_described)."""
    return code(exc) == "ValidationError" and "does not exist" in message(exc)


def is_no_changes(text: str) -> bool:
    """AWS: a FAILED change set with "didn't contain changes"; moto: CreateChangeSet fails at once."""
    return any(marker in text for marker in NO_CHANGES)


def is_not_found(exc: BaseException) -> bool:
    """An S3 object or bucket that is not there (only these codes: a 403 is a permission problem)."""
    return code(exc) in NOT_FOUND


def is_denied(exc: BaseException) -> bool:
    return code(exc) in DENIED


def is_throttling(exc: BaseException) -> bool:
    return code(exc) in THROTTLING


def is_change_set_missing(exc: BaseException) -> bool:
    """AWS: ChangeSetNotFound; moto: a ValidationError "... does not exist"
    (probe: test_missing_change_set_reads_as_a_missing_stack)."""
    return code(exc) == "ChangeSetNotFound" or "does not exist" in message(exc)


def is_resource_missing(exc: BaseException) -> bool:
    """Lambda: a function or mapping deleted (or never there): ResourceNotFoundException."""
    return code(exc) == "ResourceNotFoundException"


def is_change_set_busy(exc: BaseException) -> bool:
    """A change set still being created (or executed) cannot be deleted yet: InvalidChangeSetStatus."""
    return code(exc) in ("InvalidChangeSetStatus", "InvalidChangeSetStatusException")
