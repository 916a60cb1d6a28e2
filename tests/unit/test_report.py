"""What deploy hands to humans and CI (cfngen/deploy/report.py): summary, outputs files, --json, smoke tests.

Pure: no AWS. run_smoke_tests gets its deployed functions and its invoke from monkeypatched stand-ins.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cfngen import S3Bucket, Stack
from cfngen.deploy import report
from cfngen.deploy.compare import Change, Differences
from cfngen.deploy.engine import Result
from cfngen.deploy.events import Io
from cfngen.errors import UsageError

PROJECT_ROOT = Path(__file__).resolve().parents[2]

RESULTS = [
    Result("cfngen-demo-orders", "updated", {"StreamName": "orders", "ProcessorFunctionName": "orders-fn"}, 2.34567),
    Result("cfngen-demo-hello", "up-to-date", {"HelloFunctionArn": "arn:aws:lambda:us-east-1:1:function:h"}, 0.5),
]


# --- outputs_text --------------------------------------------------------------------------------------------


def test_outputs_json_is_stack_to_outputs_sorted() -> None:
    text = report.outputs_text(RESULTS, "json")
    assert json.loads(text) == {
        "cfngen-demo-orders": {"StreamName": "orders", "ProcessorFunctionName": "orders-fn"},
        "cfngen-demo-hello": {"HelloFunctionArn": "arn:aws:lambda:us-east-1:1:function:h"},
    }
    assert text.endswith("}\n")
    # sorted: stacks and keys in order, whatever order the results came in
    assert text.index('"cfngen-demo-hello"') < text.index('"cfngen-demo-orders"')
    assert text.index('"ProcessorFunctionName"') < text.index('"StreamName"')
    assert text == report.outputs_text(list(reversed(RESULTS)), "json")


def test_outputs_json_of_no_results_is_an_empty_object() -> None:
    assert report.outputs_text([], "json") == "{}\n"


def test_outputs_env_names_and_values() -> None:
    results = [
        Result("cfngen-demo-orders", "created", {"StreamName": "orders", "Label": "two words", "Quote": "it's"}),
        Result("hello", "created", {"fnArn": "arn:aws:lambda:us-east-1:123456789012:function:h"}),
    ]
    assert report.outputs_text(results, "env").splitlines() == [
        "CFNGEN_DEMO_ORDERS_LABEL='two words'",
        "CFNGEN_DEMO_ORDERS_QUOTE='it'\"'\"'s'",
        "CFNGEN_DEMO_ORDERS_STREAM_NAME=orders",
        "HELLO_FN_ARN=arn:aws:lambda:us-east-1:123456789012:function:h",
    ]


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_outputs_env_is_read_back_by_a_shell(tmp_path: Path) -> None:
    values = {"Spaces": "a b  c", "Quote": "it's", "Dollar": "$HOME `x`", "Empty": ""}
    env_file = tmp_path / "out.env"
    env_file.write_text(report.outputs_text([Result("my-stack", "created", values)], "env"))
    script = f". {env_file}; " + "; ".join(f'printf "%s\\0" "$MY_STACK_{report.env_key("", k)}"' for k in values)
    out = subprocess.run(["sh", "-c", script], capture_output=True, check=True).stdout.decode()
    assert out.split("\0")[:-1] == list(values.values())


def test_outputs_env_of_no_results_is_empty() -> None:
    assert report.outputs_text([], "env") == ""


# --- deploy_json ---------------------------------------------------------------------------------------------


def test_deploy_json_shape() -> None:
    doc = json.loads(report.deploy_json(RESULTS))
    assert doc == [
        {
            "stack": "cfngen-demo-orders",
            "result": "updated",
            "outputs": {"StreamName": "orders", "ProcessorFunctionName": "orders-fn"},
            "duration_s": 2.346,
        },
        {
            "stack": "cfngen-demo-hello",
            "result": "up-to-date",
            "outputs": {"HelloFunctionArn": "arn:aws:lambda:us-east-1:1:function:h"},
            "duration_s": 0.5,
        },
    ]


def test_deploy_json_keeps_the_run_order_and_leaves_out_rows_and_notes() -> None:
    results = [Result("b", "failed", notes=["kept"]), Result("a", "created")]
    doc = json.loads(report.deploy_json(results))
    assert [d["stack"] for d in doc] == ["b", "a"]
    assert all(set(d) == {"stack", "result", "outputs", "duration_s"} for d in doc)
    assert json.loads(report.deploy_json([])) == []


# --- load_smoke_tests ----------------------------------------------------------------------------------------

FORMS: dict[str, Any] = {
    "Bare": {"hello": "world"},
    "Keyed": {"payload": {"n": 1}, "expect": {"n": 1}},
    "Pinned": {"stack": "cfngen-demo-hello"},
    "Scalar": "ping",
    "Listed": [1, 2],
    "Empty": {},
}
LOADED: dict[str, dict[str, Any]] = {
    "Bare": {"payload": {"hello": "world"}},
    "Keyed": {"payload": {"n": 1}, "expect": {"n": 1}},
    "Pinned": {"stack": "cfngen-demo-hello"},
    "Scalar": {"payload": "ping"},
    "Listed": {"payload": [1, 2]},
    "Empty": {"payload": {}},
}
YAML = """\
# comments are allowed
Bare:
  hello: world
Keyed:
  payload: {n: 1}
  expect:
    n: 1
Pinned:
  stack: cfngen-demo-hello
Scalar: ping
Listed: [1, 2]
Empty: {}
"""


def test_load_smoke_tests_from_json(tmp_path: Path) -> None:
    path = tmp_path / "smoke.json"
    path.write_text(json.dumps(FORMS, indent=2))
    assert report.load_smoke_tests(path) == LOADED


def test_load_smoke_tests_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "smoke.yaml"
    path.write_text(YAML)
    assert report.load_smoke_tests(path) == LOADED


def test_the_example_smoke_file_loads() -> None:
    tests = report.load_smoke_tests(PROJECT_ROOT / "stacks" / "smoke.yaml")
    assert tests["Hello"] == {"payload": {"hello": "world"}, "expect": {"hello": "world"}}
    assert tests["Processor"] == {"payload": {"Records": []}}


@pytest.mark.parametrize(
    "text",
    ["", "# only a comment\n", "[1, 2]\n", "- Hello\n", "{}\n", "just a string\n", "Hello: [unclosed\n", "a: b: c\n"],
    ids=["empty", "comment", "json-list", "yaml-list", "empty-mapping", "scalar", "unclosed", "bad-mapping"],
)
def test_bad_smoke_files_are_usage_errors_naming_the_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "smoke.yaml"
    path.write_text(text)
    with pytest.raises(UsageError) as raised:
        report.load_smoke_tests(path)
    assert str(path) in raised.value.message
    assert raised.value.exit_code == 2


def test_a_missing_smoke_file_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(UsageError) as raised:
        report.load_smoke_tests(path)
    assert str(path) in raised.value.message


def test_a_binary_smoke_file_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "smoke.yaml"
    path.write_bytes(b"Hello: \xff\xfe\n")
    with pytest.raises(UsageError) as raised:
        report.load_smoke_tests(path)
    assert str(path) in raised.value.message


# --- run_smoke_tests -----------------------------------------------------------------------------------------


class Invoked:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, bytes, Any]] = []

    def __call__(self, aws: Any, stack: str, function: str, body: bytes, io: Io, *, expected: Any = None) -> None:
        self.calls.append((stack, function, body, expected))


@pytest.fixture
def invoked(monkeypatch: pytest.MonkeyPatch) -> Invoked:
    deployed = {
        "stack-a": {"Hello": "stack-a-HelloFunction-1", "Only": "stack-a-OnlyFunction-1"},
        "stack-b": {"Hello": "stack-b-HelloFunction-2"},
    }
    monkeypatch.setattr(report, "functions", lambda aws, stack: deployed[stack])
    recorder = Invoked()
    monkeypatch.setattr(report, "invoke_and_check", recorder)
    return recorder


TWO = [Result("stack-a", "created"), Result("stack-b", "created")]


def test_a_function_in_two_stacks_needs_a_stack_key(invoked: Invoked) -> None:
    with pytest.raises(UsageError) as raised:
        report.run_smoke_tests(object(), TWO, {"Hello": {"payload": {}}}, Io(echo=lambda _: None))
    assert "'Hello'" in raised.value.message
    assert "several stacks" in raised.value.message
    assert raised.value.hint is not None
    assert 'add "stack": NAME' in raised.value.hint
    assert "stack-a.Hello" in raised.value.hint and "stack-b.Hello" in raised.value.hint
    assert invoked.calls == []


def test_the_stack_key_picks_the_owner(invoked: Invoked) -> None:
    tests = {"Hello": {"stack": "stack-b", "payload": {"x": 1}, "expect": {"x": 1}}, "Only": {}}
    report.run_smoke_tests(object(), TWO, tests, Io(echo=lambda _: None))
    assert invoked.calls == [
        ("stack-b", "stack-b-HelloFunction-2", b'{"x": 1}', {"x": 1}),
        ("stack-a", "stack-a-OnlyFunction-1", b"{}", None),  # no payload: {}
    ]


def test_an_undeployed_function_is_a_usage_error(invoked: Invoked) -> None:
    with pytest.raises(UsageError, match="'Nope': no deployed stack has that function") as raised:
        report.run_smoke_tests(object(), TWO, {"Nope": {"payload": 1}}, Io(echo=lambda _: None))
    assert raised.value.hint == "functions: stack-a.Hello, stack-a.Only, stack-b.Hello"
    assert invoked.calls == []


def test_a_stack_key_naming_another_stack_is_a_usage_error(invoked: Invoked) -> None:
    with pytest.raises(UsageError, match="no deployed stack has"):
        report.run_smoke_tests(object(), TWO, {"Only": {"stack": "stack-b"}}, Io(echo=lambda _: None))


def test_a_cancelled_new_stack_does_not_break_the_other_stacks_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    def functions(aws: Any, stack: str) -> dict[str, str]:
        if stack == "stack-new":
            raise UsageError(f"stack {stack} does not exist")
        return {"Only": "stack-a-OnlyFunction-1"}

    monkeypatch.setattr(report, "functions", functions)
    recorder = Invoked()
    monkeypatch.setattr(report, "invoke_and_check", recorder)
    results = [Result("stack-new", "cancelled"), Result("stack-a", "created")]
    report.run_smoke_tests(object(), results, {"Only": {}}, Io(echo=lambda _: None))
    assert recorder.calls == [("stack-a", "stack-a-OnlyFunction-1", b"{}", None)]


# --- summary -------------------------------------------------------------------------------------------------


def test_summary_lists_result_notes_and_outputs(tmp_path: Path) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text("def handler(event, context):\n    return event\n")
    stack = Stack("uploads", base_dir=tmp_path)
    fn = stack.function("Ingest", code="code", handler="app.handler", runtime="python3.12")
    fn.add_event_source(S3Bucket.from_name("my-existing-bucket"), events=["s3:ObjectCreated:*"])
    results = [
        Result("uploads", "updated", {"IngestFunctionName": "uploads-fn"}, 1.25, notes=["kept IngestEnabled=false"]),
        Result("elsewhere", "created", {"A": "1"}, 0.04),  # no local Stack: no trigger notes, no error
    ]
    lines = report.summary(results, [stack])
    assert lines[0] == "uploads: updated in 1.2s"
    assert lines[1] == "  note: kept IngestEnabled=false"
    assert lines[2].startswith("  note: ") and "my-existing-bucket" in lines[2] and "s3:ObjectCreated:*" in lines[2]
    assert lines[3:] == [
        "  uploads.IngestFunctionName = uploads-fn",
        "elsewhere: created in 0.0s",
        "  elsewhere.A = 1",
        "2 stacks: 1 updated, 1 created",  # several stacks: how the run went, in one line
    ]


# --- differences (cfngen diff) --------------------------------------------------------------------------------

SHA_OLD, SHA_NEW = "3f2a1b9c04d1" + "0" * 52, "8e77aa01b2c3" + "1" * 52


def diffed(found: Differences, notes: list[str] | None = None) -> list[str]:
    return report.differences(Result("orders", "dry-run", notes=notes or [], differences=found), '{\n  "a": 2\n}\n')


def test_code_keys_are_shown_as_their_hash_prefix_other_values_whole() -> None:
    assert report.shown_value("HelloCodeKey", f"cfngen/orders/{SHA_NEW}.zip") == "8e77aa01b2c3"
    assert report.shown_value("HelloCodeKey", "my/own/key.zip") == "my/own/key.zip"  # not a content-hash key
    assert report.shown_value("HelloCodeBucket", "artifacts") == "artifacts"
    assert report.shown_value("Memory", None) == "(none)"


def test_differences_list_parameters_tags_and_the_template_diff() -> None:
    found = Differences(
        exists=True,
        deployed_template={"a": 1},
        template_changed=True,
        parameters=(Change("HelloCodeKey", f"p/orders/{SHA_OLD}.zip", f"p/orders/{SHA_NEW}.zip"),),
        tags=(Change("team", "orders", None),),
    )
    lines = diffed(found)
    assert lines[:4] == [
        "orders: parameters (deployed -> new):",
        "  HelloCodeKey: 3f2a1b9c04d1 -> 8e77aa01b2c3",
        "orders: tags (deployed -> new):",
        "  team: orders -> (none)",
    ]
    assert lines[4:6] == ["--- orders (deployed)", "+++ orders (local)"]
    assert '-  "a": 1' in lines and '+  "a": 2' in lines


def test_differences_of_an_identical_template_say_so() -> None:
    found = Differences(True, {"a": 2}, False, (Change("X", "1", "2"),))
    assert diffed(found)[-1] == "orders: template identical to the deployed one"


def test_no_differences_is_one_line_plus_the_notes() -> None:
    found = Differences(exists=True, deployed_template={"a": 2}, template_changed=False)
    assert diffed(found, ["Orders: keeping deployed Enabled=false (spec default true)"]) == [
        "orders: no differences (template, parameters and tags match the deployed stack)",
        "  note: Orders: keeping deployed Enabled=false (spec default true)",
    ]


def test_a_stack_that_is_not_deployed_diffs_from_nothing() -> None:
    found = Differences(
        exists=False, deployed_template=None, template_changed=True, parameters=(Change("X", None, "1"),)
    )
    lines = diffed(found)
    assert lines[:3] == [
        "orders: not deployed; a deploy creates it",
        "orders: parameters (deployed -> new):",
        "  X: (none) -> 1",
    ]
    assert "--- orders (not deployed)" in lines
