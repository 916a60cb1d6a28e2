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
from typing import Any

import pytest

from cfngen.definitions import Stack
from cfngen.local import FAKE_ACCOUNT_ID

pytestmark = pytest.mark.integration

CODE_BUCKET = "it-code"
CODE_KEY = "ingest.zip"
# The UUID head of the stack id, as the bucket name's Fn::Sub variable computes it.
UUID = {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}
STACK_ID_HEAD = {"Fn::Select": [0, {"Fn::Split": ["-", UUID]}]}


def uuid_head(stack_id: str) -> str:
    """arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/51af3dc0-da77-... -> 51af3dc0"""
    return stack_id.rsplit("/", 1)[1].split("-", 1)[0]


def test_moto_resolves_select_and_split_on_the_stack_id(moto_reset: Any) -> None:
    """The intrinsics the bucket name rests on, in the variable-map form of Fn::Sub, as AWS resolves them."""
    template = {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {
            "Head": {"Value": STACK_ID_HEAD},
            "Name": {"Value": {"Fn::Sub": ["p-${Head}-${AWS::AccountId}-${AWS::Region}", {"Head": STACK_ID_HEAD}]}},
        },
    }
    cf = moto_reset.client("cloudformation")
    stack_id = cf.create_stack(StackName="probe", TemplateBody=json.dumps(template))["StackId"]
    found = {o["OutputKey"]: o["OutputValue"] for o in cf.describe_stacks(StackName="probe")["Stacks"][0]["Outputs"]}
    assert re.fullmatch(r"[0-9a-f]{8}", found["Head"]) and found["Head"] == uuid_head(stack_id)
    assert found["Name"] == f"p-{found['Head']}-{FAKE_ACCOUNT_ID}-{moto_reset.region}"


def code_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("app.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def test_one_template_deploys_under_two_stack_names(moto_reset: Any, example_stacks: list[Stack]) -> None:
    (uploads,) = [s for s in example_stacks if s.name == "cfngen-demo-uploads"]  # S3 push, no bucket_name=
    template = uploads.to_json()
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
