"""Putting function zips and oversized templates in S3, each under its content hash, at most once.

The key is the sha256 of the bytes, but a key proves nothing about the object stored under it: anyone
who can write to the bucket can put other bytes there. So HEAD asks for the stored SHA-256 checksum
(ChecksumMode=ENABLED) and the upload is skipped only when it equals ours (a rebuild that changes nothing
costs one request, not a transfer). A different checksum, or none (an object put without one, or with
another algorithm), means the object is not ours: it is uploaded again and the caller says so.
S3 verifies every upload against the sha256 we already computed (ChecksumSHA256), so a file changed
between packaging and upload is refused instead of deployed under the wrong key, and the checksum S3
returns later is one it computed itself. One PutObject, not boto3's transfer manager: a full-object
SHA256 needs a single-part upload (multipart gives a composite checksum), and Lambda's 50 MiB zip limit
is far below PutObject's 5 GB.

Only the codes in awserrors.NOT_FOUND mean "not there" (404, NoSuchKey, ...). A 403 is never read as "absent"
(without s3:ListBucket S3 also answers 403 for a missing key, and uploading blind would hide the
permission problem until CloudFormation fails to read the object).
"""

from __future__ import annotations

import base64
import hashlib
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import quote

from botocore.exceptions import ClientError

from cfngen.deploy import awserrors
from cfngen.errors import OperationFailed, UsageError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import PutObjectRequestTypeDef

DEFAULT_PREFIX = "cfngen"
TEMPLATE_BODY_MAX = 51_200  # bytes CloudFormation accepts as TemplateBody; above: TemplateURL
TEMPLATE_URL_MAX = 1_000_000  # bytes CloudFormation accepts from a TemplateURL

# GetBucketLocation's LocationConstraint for the two regions that predate the region-name convention.
_LEGACY_LOCATIONS = {"": "us-east-1", "EU": "eu-west-1"}


class Stored(StrEnum):
    """What `upload` did; the value is what deploy prints after the artifact."""

    UPLOADED = "uploaded"
    PRESENT = "already in S3"
    REPLACED = "replaced: the object at the key did not match"


def artifact_key(prefix: str, stack: str, sha256: str) -> str:
    return _join(prefix, stack, f"{sha256}.zip")


def template_key(prefix: str, stack: str, sha256: str) -> str:
    return _join(prefix, stack, "templates", f"{sha256}.json")


def needs_url(text: str) -> bool:
    """Whether CloudFormation would refuse `text` as TemplateBody (the limit counts bytes, not characters)."""
    return len(text.encode()) > TEMPLATE_BODY_MAX


def upload(
    s3: S3Client, path: Path, bucket: str, key: str, *, sha256_hex: str, kms_key_id: str | None = None
) -> Stored:
    """Upload `path` to s3://bucket/key unless an object with its SHA-256 is already there."""
    found = _stored(s3, bucket, key, sha256_hex)
    if found is Stored.PRESENT:
        return found
    with path.open("rb") as body:
        _put(s3, body, bucket, key, sha256_hex, kms_key_id, "application/zip")
    return found


def upload_template(
    s3: S3Client, text: str, bucket: str, prefix: str, stack: str, *, kms_key_id: str | None = None
) -> str:
    """Store a template for TemplateURL under its sha256 and return that URL.

    The URL is path-style on the client's own endpoint: right for AWS (https://s3.<region>.amazonaws.com,
    or s3.amazonaws.com for us-east-1) and for moto, which parses a TemplateURL path-style only when
    its host contains "localhost".
    """
    body = text.encode()
    if len(body) > TEMPLATE_URL_MAX:
        raise UsageError(
            f"template for stack {stack} is {len(body):,} bytes, over CloudFormation's limit of {TEMPLATE_URL_MAX:,}",
            hint="split the stack into several stacks",
        )
    sha = hashlib.sha256(body).hexdigest()
    key = template_key(prefix, stack, sha)
    if _stored(s3, bucket, key, sha) is not Stored.PRESENT:  # CloudFormation would run whatever is there
        _put(s3, body, bucket, key, sha, kms_key_id, "application/json")
    endpoint = str(s3.meta.endpoint_url).rstrip("/")
    return f"{endpoint}/{bucket}/{quote(key, safe='/')}"


def check_bucket_region(s3: S3Client, bucket: str, region: str) -> None:
    """CloudFormation and Lambda read code and templates only from a bucket in the stack's region."""
    try:
        location = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint") or ""
    except ClientError as exc:
        if awserrors.code(exc) == "NoSuchBucket":
            raise UsageError(
                f"artifact bucket {bucket} does not exist",
                hint="create it, or omit --artifact-bucket to use the bootstrap bucket (cfngen bootstrap)",
            ) from exc
        raise _failed(exc, f"cannot find the region of artifact bucket {bucket}") from exc
    actual = _LEGACY_LOCATIONS.get(location, location)
    if actual != region:
        raise UsageError(
            f"artifact bucket {bucket} is in {actual}, but the stack deploys to {region}",
            hint=f"use a bucket in {region} (Lambda reads code only from its own region), "
            "or omit --artifact-bucket to use the bootstrap bucket of that region",
        )


def _stored(s3: S3Client, bucket: str, key: str, sha256_hex: str) -> Stored:
    """PRESENT when the object at the key has our SHA-256; UPLOADED when there is none (an upload will
    create it); REPLACED when there is one with another checksum or none (an upload will replace it)."""
    try:
        head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    except ClientError as exc:
        if awserrors.is_not_found(exc):
            return Stored.UPLOADED
        if awserrors.is_denied(exc):
            raise OperationFailed(
                f"no permission to read bucket {bucket} (HEAD s3://{bucket}/{key} was denied)",
                hint=f"grant s3:GetObject and s3:ListBucket on {bucket} (and kms:Decrypt for an SSE-KMS key: "
                "S3 needs it to return the checksum); without s3:ListBucket S3 answers 403 even for a key "
                "that does not exist",
            ) from exc
        raise _failed(exc, f"cannot check s3://{bucket}/{key}") from exc
    ours = base64.b64encode(bytes.fromhex(sha256_hex)).decode()
    return Stored.PRESENT if head.get("ChecksumSHA256") == ours else Stored.REPLACED


def _put(
    s3: S3Client,
    body: IO[bytes] | bytes,
    bucket: str,
    key: str,
    sha256_hex: str,
    kms_key_id: str | None,
    content_type: str,
) -> None:
    request: PutObjectRequestTypeDef = {
        "Bucket": bucket,
        "Key": key,
        "Body": body,
        "ContentType": content_type,
        # The algorithm too, not only the value: S3 then stores the checksum with the object
        # (GetObject/HeadObject with ChecksumMode return it), and botocore computes nothing itself.
        "ChecksumAlgorithm": "SHA256",
        "ChecksumSHA256": base64.b64encode(bytes.fromhex(sha256_hex)).decode(),
    }
    if kms_key_id is not None:
        request["ServerSideEncryption"] = "aws:kms"
        request["SSEKMSKeyId"] = kms_key_id
    try:
        s3.put_object(**request)
    except ClientError as exc:
        # BadDigest: the bytes sent are not the bytes that were hashed (the file changed since packaging).
        hint = "the file changed after it was packaged; package again" if awserrors.code(exc) == "BadDigest" else None
        raise _failed(exc, f"cannot upload s3://{bucket}/{key}", hint) from exc


def _failed(exc: BaseException, what: str, hint: str | None = None) -> OperationFailed:
    return OperationFailed(f"{what}: {awserrors.code(exc)}: {awserrors.message(exc)}", hint=hint)


def _join(*parts: str) -> str:
    return "/".join(p.strip("/") for p in parts if p.strip("/"))
