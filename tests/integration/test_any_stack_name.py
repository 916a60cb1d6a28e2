"""One rendered template, deployed under two stack names in one account and region (a staging copy made with
`aws cloudformation deploy --stack-name copy`): each stack gets a bucket of its own, named after its stack id.

Templates are created with boto3 `create_stack`, as a user of the committed template would, not through
cfngen deploy: the point is that the template needs nothing from cfngen to deploy anywhere.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from cfngen.definitions import Stack
from cfngen.local import FAKE_ACCOUNT_ID

pytestmark = pytest.mark.integration

CODE_BUCKET = "it-code"
CODE_KEY = "ingest.zip"


def uuid_head(stack_id: str) -> str:
    """arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/51af3dc0-da77-... -> 51af3dc0"""
    return stack_id.rsplit("/", 1)[1].split("-", 1)[0]


def code_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("app.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def uploads_stack(base: Path) -> Stack:
    """The uploads example without its bucket_name=: the bucket's name is generated."""
    (base / "code").mkdir()
    (base / "code/app.py").write_text("def handler(event, context):\n    return event\n")
    stack = Stack("cfngen-demo-uploads", base_dir=base)
    ingest = stack.function("Ingest", code="code", handler="app.handler", runtime="python3.12")
    ingest.add_event_source(stack.s3_bucket("Uploads"), events=["s3:ObjectCreated:*"], prefix="incoming/")
    return stack


def test_one_template_deploys_under_two_stack_names(moto_reset: Any, tmp_path: Path) -> None:
    template = uploads_stack(tmp_path).to_json()
    s3, cf, lam = moto_reset.client("s3"), moto_reset.client("cloudformation"), moto_reset.client("lambda")
    s3.create_bucket(Bucket=CODE_BUCKET)
    s3.put_object(Bucket=CODE_BUCKET, Key=CODE_KEY, Body=code_zip())
    parameters = [
        {"ParameterKey": "IngestCodeBucket", "ParameterValue": CODE_BUCKET},
        {"ParameterKey": "IngestCodeKey", "ParameterValue": CODE_KEY},
    ]

    buckets = {}
    for name in ("cfngen-demo-uploads", "cfngen-demo-uploads-staging-copy"):
        cf.create_stack(StackName=name, TemplateBody=template, Parameters=parameters, Capabilities=["CAPABILITY_IAM"])
        described = cf.describe_stacks(StackName=name)["Stacks"][0]
        assert described["StackStatus"] == "CREATE_COMPLETE", described.get("StackStatusReason")
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}
        bucket = outputs["UploadsBucketName"]
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]", bucket) and len(bucket) <= 63, bucket
        assert bucket.endswith(f"-{uuid_head(described['StackId'])}-{FAKE_ACCOUNT_ID}-{moto_reset.region}"), bucket
        s3.head_bucket(Bucket=bucket)  # raises if the bucket does not exist

        # The permission names this stack's bucket (moto gives a permission no physical id: read the policy).
        statements = json.loads(lam.get_policy(FunctionName=outputs["IngestFunctionName"])["Policy"])["Statement"]
        (s3_statement,) = [s for s in statements if s["Principal"] == {"Service": "s3.amazonaws.com"}]
        assert s3_statement["Condition"]["ArnLike"] == {"AWS:SourceArn": f"arn:aws:s3:::{bucket}"}
        buckets[name] = bucket

    assert len(set(buckets.values())) == 2, buckets
    names = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert set(buckets.values()) <= names
