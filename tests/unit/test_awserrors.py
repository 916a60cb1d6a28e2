"""Every AWS error text cfngen matches (cfngen/deploy/awserrors.py), one test per message.

The errors are real botocore ClientErrors shaped as AWS sends them. moto's messages differ from AWS's in
places (moto refuses an empty change set with "No updates are to be performed." where AWS returns a FAILED
change set saying "didn't contain changes"; moto never throttles), so both spellings are pinned here.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from cfngen.deploy import awserrors


def client_error(code: str, message: str, operation: str = "DescribeStacks") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


# --- is_stack_missing ---------------------------------------------------------------------------------


def test_stack_with_id_does_not_exist_is_missing() -> None:
    assert awserrors.is_stack_missing(client_error("ValidationError", "Stack with id x does not exist"))


def test_stack_arn_does_not_exist_is_missing() -> None:
    """DescribeStackEvents on a deleted stack: "Stack [name] does not exist"."""
    assert awserrors.is_stack_missing(client_error("ValidationError", "Stack [orders] does not exist"))


def test_throttling_rate_exceeded_is_not_missing() -> None:
    """AWS throttles DescribeStacks with Code Throttling, "Rate exceeded"; moto never throttles."""
    assert not awserrors.is_stack_missing(client_error("Throttling", "Rate exceeded"))


def test_validation_error_rate_exceeded_is_not_missing() -> None:
    assert not awserrors.is_stack_missing(client_error("ValidationError", "Rate exceeded"))


def test_access_denied_is_not_missing() -> None:
    error = client_error(
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: cloudformation:DescribeStacks "
        "on resource: arn:aws:cloudformation:us-east-1:123456789012:stack/orders/* because no identity-based "
        "policy allows the cloudformation:DescribeStacks action",
    )
    assert not awserrors.is_stack_missing(error)


def test_does_not_exist_with_another_code_is_not_missing() -> None:
    """An AccessDenied whose text happens to say "does not exist" must not delete-and-recreate anything."""
    assert not awserrors.is_stack_missing(client_error("AccessDenied", "Role x does not exist"))


def test_non_aws_exception_is_not_missing() -> None:
    assert not awserrors.is_stack_missing(RuntimeError("Stack with id x does not exist"))


# --- code / message -----------------------------------------------------------------------------------


def test_code_and_message_of_client_error() -> None:
    error = client_error("ValidationError", "Stack with id x does not exist")
    assert awserrors.code(error) == "ValidationError"
    assert awserrors.message(error) == "Stack with id x does not exist"


def test_code_and_message_of_plain_exception() -> None:
    error = ValueError("boom")
    assert awserrors.code(error) == ""
    assert awserrors.message(error) == "boom"


# --- is_no_changes ------------------------------------------------------------------------------------


def test_aws_empty_change_set_reason_is_no_changes() -> None:
    """AWS: the change set is created, then FAILED with this StatusReason."""
    reason = "The submitted information didn't contain changes. Submit different information to create a change set."
    assert awserrors.is_no_changes(reason)


def test_moto_and_update_stack_no_updates_is_no_changes() -> None:
    """moto (and UpdateStack on AWS): CreateChangeSet is refused at once with this message."""
    error = client_error("ValidationError", "No updates are to be performed.", "CreateChangeSet")
    assert awserrors.is_no_changes(awserrors.message(error))


@pytest.mark.parametrize(
    "text",
    [
        "Template format error: Unresolved resource dependencies [Foo] in the Resources block of the template",
        "Parameters: [FnCodeKey] must have values",
        "Rate exceeded",
        "",
    ],
)
def test_other_failures_are_not_no_changes(text: str) -> None:
    assert not awserrors.is_no_changes(text)


# --- is_throttling ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"]
)
def test_throttling_codes(code: str) -> None:
    assert awserrors.is_throttling(client_error(code, "Rate exceeded"))


@pytest.mark.parametrize("code", ["ValidationError", "AccessDenied", "InternalFailure", ""])
def test_non_throttling_codes(code: str) -> None:
    assert not awserrors.is_throttling(client_error(code, "Rate exceeded"))


def test_plain_exception_is_not_throttling() -> None:
    assert not awserrors.is_throttling(RuntimeError("Throttling"))


# --- is_change_set_missing ----------------------------------------------------------------------------


def test_change_set_not_found_code() -> None:
    error = client_error("ChangeSetNotFound", "ChangeSet [cfngen-1] does not exist", "DeleteChangeSet")
    assert awserrors.is_change_set_missing(error)


def test_change_set_of_deleted_stack() -> None:
    error = client_error("ValidationError", "Stack [orders] does not exist", "DeleteChangeSet")
    assert awserrors.is_change_set_missing(error)


def test_change_set_throttled_is_not_missing() -> None:
    assert not awserrors.is_change_set_missing(client_error("Throttling", "Rate exceeded", "DeleteChangeSet"))


# --- is_not_found / is_denied (S3) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "operation"),
    [("404", "HeadObject"), ("NotFound", "HeadBucket"), ("NoSuchKey", "GetObject"), ("NoSuchBucket", "PutObject")],
)
def test_s3_not_found_codes(code: str, operation: str) -> None:
    """HEAD answers carry only the status ("404"); other calls name the code. Artifacts and bootstrap share these."""
    error = client_error(code, "Not Found", operation)
    assert awserrors.is_not_found(error)
    assert not awserrors.is_denied(error)


@pytest.mark.parametrize("code", ["403", "AccessDenied", "Forbidden", "AllAccessDisabled"])
def test_s3_denied_is_never_not_found(code: str) -> None:
    """Without s3:ListBucket S3 answers 403 for a missing key: that must read as denied, never as absent."""
    error = client_error(code, "Forbidden", "HeadObject")
    assert awserrors.is_denied(error)
    assert not awserrors.is_not_found(error)


@pytest.mark.parametrize("code", ["InternalError", "SlowDown", "Throttling", ""])
def test_other_s3_errors_are_neither(code: str) -> None:
    error = client_error(code, "x", "HeadObject")
    assert not awserrors.is_not_found(error) and not awserrors.is_denied(error)


def test_plain_exception_is_not_not_found() -> None:
    assert not awserrors.is_not_found(RuntimeError("404"))


# --- is_resource_missing, is_change_set_busy -----------------------------------------------------------


def test_lambda_function_not_found_is_missing() -> None:
    error = client_error("ResourceNotFoundException", "Function not found: arn:...:f", "GetFunctionConfiguration")
    assert awserrors.is_resource_missing(error)
    assert not awserrors.is_resource_missing(client_error("AccessDeniedException", "denied", "GetFunction"))


@pytest.mark.parametrize("code", ["InvalidChangeSetStatus", "InvalidChangeSetStatusException"])
def test_change_set_still_being_created_is_busy(code: str) -> None:
    error = client_error(code, "Cannot delete ChangeSet in status CREATE_IN_PROGRESS", "DeleteChangeSet")
    assert awserrors.is_change_set_busy(error)


def test_a_missing_change_set_is_not_busy() -> None:
    assert not awserrors.is_change_set_busy(client_error("ChangeSetNotFound", "does not exist", "DeleteChangeSet"))
